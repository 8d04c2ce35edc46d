// The only module that touches window.pgentra (exposed by the preload, or by the e2e harness
// from the same contract). Calls resolve with the contract's output or throw ApiError carrying
// the typed ErrorPayload; events are plain subscriptions returning an unsubscribe function.
import type { CallInputRaw, CallName, CallOutput, EventName, EventPayload, IpcResult } from '../../shared/contract.js';
import { eventMethodName, type PgEntraApi, type Unsubscribe } from '../../shared/ipcApi.js';
import type { ErrorPayload } from '../../shared/errors.js';

declare global {
  interface Window {
    pgentra?: PgEntraApi;
  }
}

export class ApiError extends Error {
  constructor(readonly payload: ErrorPayload) {
    super(payload.message);
    this.name = 'ApiError';
  }
  get code(): ErrorPayload['code'] {
    return this.payload.code;
  }
}

/** Any thrown value as an ErrorPayload, for display. */
export function errorPayloadOf(e: unknown): ErrorPayload {
  if (e instanceof ApiError) return e.payload;
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

type AnyCall = (input: unknown) => Promise<IpcResult<unknown>>;
type AnySubscribe = (listener: (payload: unknown) => void) => Unsubscribe;

function bridge(): PgEntraApi {
  const api = window.pgentra;
  if (!api) throw new ApiError({ code: 'internal', message: 'pgEntra’s main process is not connected (window.pgentra is missing).' });
  return api;
}

export function hasBridge(): boolean {
  return window.pgentra !== undefined;
}

export async function call<K extends CallName>(name: K, input: CallInputRaw<K>): Promise<CallOutput<K>> {
  const [ns = '', method = ''] = name.split('.');
  const group = (bridge() as unknown as Record<string, Record<string, AnyCall>>)[ns];
  const fn = group?.[method];
  if (!fn) throw new ApiError({ code: 'internal', message: `The main process does not offer ${name}.` });
  const result = await fn(input);
  if (!result.ok) throw new ApiError(result.error);
  return result.value as CallOutput<K>;
}

export function on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): Unsubscribe {
  const events = bridge().events as unknown as Record<string, AnySubscribe>;
  const subscribe = events[eventMethodName(name)];
  if (!subscribe) return () => undefined;
  return subscribe((payload) => listener(payload as EventPayload<E>));
}
