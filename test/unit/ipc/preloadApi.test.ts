// window.pgentra is built from the contract's names: one method per call, one subscription per
// event, nothing else (no raw ipcRenderer, no generic invoke).
import { describe, expect, it } from 'vitest';
import { CALL_NAMES, EVENT_NAMES } from '../../../shared/contract.js';
import { callChannel, eventChannel } from '../../../shared/ipcChannels.js';
import { eventMethodName } from '../../../shared/ipcApi.js';
import { buildPreloadApi, type IpcRendererLike } from '../../../electron/ipc/preloadApi.js';

type Listener = (event: unknown, payload: unknown) => void;

function fakeIpc(): IpcRendererLike & { invoked: Array<[string, unknown]>; listeners: Map<string, Set<Listener>> } {
  const invoked: Array<[string, unknown]> = [];
  const listeners = new Map<string, Set<Listener>>();
  return {
    invoked,
    listeners,
    async invoke(channel, payload) {
      invoked.push([channel, payload]);
      return { ok: true, value: channel };
    },
    on(channel, l) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)?.add(l);
    },
    removeListener(channel, l) {
      listeners.get(channel)?.delete(l);
    },
  };
}

describe('buildPreloadApi', () => {
  it('has exactly one method per contract call, grouped by namespace, plus events', () => {
    const api = buildPreloadApi(fakeIpc()) as unknown as Record<string, Record<string, unknown>>;
    const methods = Object.entries(api)
      .filter(([ns]) => ns !== 'events')
      .flatMap(([ns, group]) => Object.keys(group).map((m) => `${ns}.${m}`));
    expect(methods.sort()).toEqual([...CALL_NAMES].sort());
    for (const m of methods) {
      const [ns = '', name = ''] = m.split('.');
      expect(typeof api[ns]?.[name]).toBe('function');
    }
    expect(Object.keys(api.events ?? {}).sort()).toEqual(EVENT_NAMES.map((e) => eventMethodName(e)).sort());
    expect(Object.keys(api)).not.toContain('invoke');
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('each method invokes its own channel with the input', async () => {
    const ipc = fakeIpc();
    const api = buildPreloadApi(ipc);
    const r = await api.sessions.query({ sessionId: 's', sql: 'select 1' });
    expect(ipc.invoked).toEqual([[callChannel('sessions.query'), { sessionId: 's', sql: 'select 1' }]]);
    expect(r).toEqual({ ok: true, value: 'pgentra:call:sessions.query' });
    await api.profiles.list({});
    expect(ipc.invoked[1]?.[0]).toBe('pgentra:call:profiles.list');
  });

  it('event subscriptions pass only the payload and return an unsubscribe', () => {
    const ipc = fakeIpc();
    const api = buildPreloadApi(ipc);
    const got: unknown[] = [];
    const off = api.events.onSessionState((p) => got.push(p));
    const channel = eventChannel('session.state');
    for (const l of ipc.listeners.get(channel) ?? []) l({ sender: 'secret IpcRendererEvent' }, { sessionId: 'x' });
    expect(got).toEqual([{ sessionId: 'x' }]);
    off();
    expect(ipc.listeners.get(channel)?.size).toBe(0);
    expect(() => (api.events.onSignInDeviceCode as unknown as (x: unknown) => void)('not a function')).toThrow(TypeError);
  });

  it('names event methods predictably', () => {
    expect(eventMethodName('session.state')).toBe('onSessionState');
    expect(eventMethodName('signIn.deviceCode')).toBe('onSignInDeviceCode');
    expect(eventMethodName('auth.signInRequired')).toBe('onAuthSignInRequired');
  });
});
