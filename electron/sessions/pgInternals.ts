// The few pg internals a session reads that @types/pg does not declare, narrowed with runtime
// checks in one place: the backend key (for cancel requests), the socket (for TLS facts) and
// the token held as the connection's password after login (dropped once logged in), and the
// password method the server asked for.
import { EventEmitter } from 'node:events';
import { TLSSocket } from 'node:tls';
import pg from 'pg';

export interface BackendKey {
  processId: number;
  secretKey: number;
}

export function backendKeyOf(client: pg.ClientBase): BackendKey | undefined {
  const c = client as unknown as { processID?: unknown; secretKey?: unknown };
  return typeof c.processID === 'number' && typeof c.secretKey === 'number' ? { processId: c.processID, secretKey: c.secretKey } : undefined;
}

export function tlsFactsOf(client: pg.ClientBase): { protocol: string | null; cipher: string | null } | null {
  const stream = (client as unknown as { connection?: { stream?: unknown } }).connection?.stream;
  if (!(stream instanceof TLSSocket)) return null;
  return { protocol: stream.getProtocol() ?? null, cipher: stream.getCipher()?.name ?? null };
}

/** pg keeps the resolved password (the token) on the client; nothing needs it after login. */
export function forgetPassword(client: pg.ClientBase): void {
  const c = client as unknown as { password?: unknown; connectionParameters?: { password?: unknown } };
  if (typeof c.password === 'string') c.password = null;
  if (c.connectionParameters && typeof c.connectionParameters.password === 'string') c.connectionParameters.password = null;
}

/** False once the socket closed or the server ended it (a drop pg may not have reported yet). */
export function isSocketOpen(client: pg.ClientBase): boolean {
  const stream = (client as unknown as { connection?: { stream?: unknown } }).connection?.stream;
  if (!stream || typeof stream !== 'object') return false;
  const s = stream as { destroyed?: boolean; readableEnded?: boolean; writable?: boolean };
  return s.destroyed !== true && s.readableEnded !== true && s.writable !== false;
}

/** pg refuses to send on a client that already failed or ended: such a statement never reached the server. */
export function wasNeverSent(e: unknown): boolean {
  return e instanceof Error && /is not queryable/.test(e.message);
}

type WatchedAuthMethod = 'cleartext' | 'md5' | 'sasl';
const AUTH_METHOD = Symbol('pgentra.authMethod');

/**
 * A pg Client that notes which password method the server asked for. Its listeners on the
 * connection are added before pg's own (pg attaches them in connect()), so the note is there when
 * pg asks the password function — which pg calls with the client as `this`.
 */
export class AuthWatchingClient extends pg.Client {
  [AUTH_METHOD]: WatchedAuthMethod | undefined;

  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const con = (this as unknown as { connection?: unknown }).connection;
    if (con instanceof EventEmitter) {
      con.on('authenticationCleartextPassword', () => (this[AUTH_METHOD] = 'cleartext'));
      con.on('authenticationMD5Password', () => (this[AUTH_METHOD] = 'md5'));
      con.on('authenticationSASL', () => (this[AUTH_METHOD] = 'sasl'));
    }
  }
}

/** The password method an AuthWatchingClient saw; undefined for any other value. */
export function authMethodOf(client: unknown): WatchedAuthMethod | undefined {
  return client instanceof AuthWatchingClient ? client[AUTH_METHOD] : undefined;
}
