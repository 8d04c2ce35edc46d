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

/**
 * Calls `onLost` once when the client's connection is gone: already (`isConnectionGone`), or later
 * when the server sends a FATAL error (a restart's 57P01: the backend exits), the client fails or
 * its connection ends. Returns the function that stops watching.
 *
 * pg hands a connection's end to the query it is running, but pg-cursor ignores it once it thinks
 * itself done (after CommandComplete, or once close() was called) while it still waits for a
 * ReadyForQuery that a dead connection never sends: a read or close would never settle.
 */
export function watchConnectionLoss(client: pg.ClientBase, onLost: (cause: unknown) => void): () => void {
  let done = false;
  const lost = (cause: unknown): void => {
    if (done) return;
    stop();
    onLost(cause);
  };
  const onError = (e: unknown): void => lost(e);
  const onEnd = (): void => lost(new Error('Connection terminated unexpectedly'));
  const stopFatal = onServerFatal(client, lost);
  client.on('error', onError);
  client.on('end', onEnd);
  function stop(): void {
    done = true;
    stopFatal();
    client.removeListener('error', onError);
    client.removeListener('end', onEnd);
  }
  if (isConnectionGone(client)) lost(new Error('Connection terminated unexpectedly'));
  return stop;
}

/** True once pg gave the client up (failed or ended) or its socket is closed. */
export function isConnectionGone(client: pg.ClientBase): boolean {
  const c = client as unknown as { _ended?: unknown; _ending?: unknown; _queryable?: unknown };
  return c._ended === true || c._ending === true || c._queryable === false || !isSocketOpen(client);
}

/**
 * Calls `onFatal` with each FATAL (or PANIC) error the server sends on the client's connection: the
 * backend is exiting (57P01 on a restart or failover). pg's own listener runs first, so a statement
 * still waiting has its error already; one pg-cursor considers done does not, and pg does not fail
 * the client until the socket closes. Returns the function that stops listening.
 */
export function onServerFatal(client: pg.ClientBase, onFatal: (msg: Error) => void): () => void {
  const connection = (client as unknown as { connection?: unknown }).connection;
  if (!(connection instanceof EventEmitter)) return () => undefined;
  const onMessage = (msg: unknown): void => {
    const severity = (msg as { severity?: unknown } | undefined)?.severity;
    if (severity === 'FATAL' || severity === 'PANIC') onFatal(msg instanceof Error ? msg : new Error(String((msg as { message?: unknown }).message)));
  };
  connection.on('errorMessage', onMessage);
  return () => connection.removeListener('errorMessage', onMessage);
}
