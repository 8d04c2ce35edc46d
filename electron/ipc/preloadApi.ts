// Builds `window.pgentra` from the contract's names: a named method per call and a named
// subscription per event — never a raw ipcRenderer or a generic invoke(channel). Pure (takes an
// ipcRenderer-like object) so it is unit-tested without Electron; bundled into the sandboxed
// preload, so it imports names only, no schemas.
import { CALL_NAMES, EVENT_NAMES, callChannel, eventChannel } from '../../shared/ipcChannels.js';
import { eventMethodName, type PgEntraApi } from '../../shared/ipcApi.js';

/** The part of Electron's ipcRenderer the API uses. */
export interface IpcRendererLike {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

export function buildPreloadApi(ipc: IpcRendererLike): PgEntraApi {
  const api: Record<string, Record<string, unknown>> = {};
  for (const name of CALL_NAMES) {
    const [ns = '', method = ''] = name.split('.');
    const group = (api[ns] ??= {});
    const channel = callChannel(name);
    group[method] = (input: unknown) => ipc.invoke(channel, input);
  }
  const events: Record<string, unknown> = {};
  for (const name of EVENT_NAMES) {
    const channel = eventChannel(name);
    events[eventMethodName(name)] = (listener: (payload: unknown) => void) => {
      if (typeof listener !== 'function') throw new TypeError(`${eventMethodName(name)} needs a function`);
      // Only the payload reaches the page: the IpcRendererEvent (with sender) never does.
      const wrapped = (_event: unknown, payload: unknown): void => listener(payload);
      ipc.on(channel, wrapped);
      return () => {
        ipc.removeListener(channel, wrapped);
      };
    };
  }
  api.events = events;
  for (const group of Object.values(api)) Object.freeze(group);
  return Object.freeze(api) as unknown as PgEntraApi;
}
