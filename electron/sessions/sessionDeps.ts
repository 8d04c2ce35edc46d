// What a Session is built from: the TokenProvider that supplies each new connection's password,
// the TLS options (from the connection pre-flight) and the tuning (page size, history length,
// reconnect backoff, pool size). Its own file so the session's collaborators can share these
// types without importing session.ts (which imports them).
import type { ConnectionOptions } from 'node:tls';
import type { TokenProvider } from '../auth/tokenProvider.js';

export interface SessionTuning {
  /** Rows in the first page of each statement and the default for fetchMore. */
  pageSize: number;
  /** Queries kept in the per-session history. */
  historyLimit: number;
  /** Reconnect backoff: first delay and cap (ms); doubles per attempt with ±20 % jitter. */
  reconnectInitialDelayMs: number;
  reconnectMaxDelayMs: number;
  /** Pool size: the primary connection plus helpers (type lookups). */
  maxConnections: number;
}

export const DEFAULT_TUNING: SessionTuning = {
  pageSize: 500,
  historyLimit: 200,
  reconnectInitialDelayMs: 250,
  reconnectMaxDelayMs: 15_000,
  maxConnections: 2,
};

export interface SessionDeps {
  tokens: TokenProvider;
  ssl: ConnectionOptions;
  tuning: SessionTuning;
}
