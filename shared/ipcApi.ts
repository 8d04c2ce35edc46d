// The type of `window.pgentra`: one named method per contract call, grouped by namespace
// (`api.profiles.list(input)`), and one named subscription per event returning an unsubscribe
// function (`api.events.onSessionState(cb)`). Types only; electron/ipc/preloadApi.ts builds it.
import type { CallInputRaw, CallName, CallOutput, EventName, EventPayload, IpcResult } from './contract.js';

type NamespaceOf<K extends string> = K extends `${infer N}.${string}` ? N : never;
export type CallNamespace = NamespaceOf<CallName>;

type MethodsOf<N extends CallNamespace> = {
  [K in CallName as K extends `${N}.${infer M}` ? M : never]: (input: CallInputRaw<K>) => Promise<IpcResult<CallOutput<K>>>;
};

type Capitalize1<S extends string> = S extends `${infer H}${infer T}` ? `${Uppercase<H>}${T}` : S;
/** 'session.state' → 'onSessionState', 'signIn.deviceCode' → 'onSignInDeviceCode'. */
export type EventMethodName<E extends string> = E extends `${infer A}.${infer B}` ? `on${Capitalize1<A>}${Capitalize1<B>}` : never;

export type Unsubscribe = () => void;

export type PgEntraEvents = {
  [E in EventName as EventMethodName<E>]: (listener: (payload: EventPayload<E>) => void) => Unsubscribe;
};

export type PgEntraApi = { [N in CallNamespace]: MethodsOf<N> } & { events: PgEntraEvents };

export function eventMethodName<E extends EventName>(name: E): EventMethodName<E> {
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  const [a = '', b = ''] = name.split('.');
  return `on${cap(a)}${cap(b)}` as EventMethodName<E>;
}
