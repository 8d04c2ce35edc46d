// The few pg internals a session reads that @types/pg does not declare, narrowed with runtime
// checks in one place: the backend key (for cancel requests), the socket (for TLS facts) and
// the token held as the connection's password after login (dropped once logged in).
import { TLSSocket } from 'node:tls';
import type pg from 'pg';

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
