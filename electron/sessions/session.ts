// One database session: a pg Pool whose password is an async function asking the TokenProvider
// for a fresh token, so every new physical connection (first connect, reconnect after a drop,
// extra pool connections) logs in with a valid token. Open connections are never dropped when a
// token expires — Azure checks the token only at login.
//
// Statements from the editor run on one "primary" connection held from the pool, so transaction
// state and SET survive between queries. When that connection drops, the session reconnects in
// the background with backoff; a statement that was running fails visibly and is never retried
// (it may not be idempotent); queries issued while reconnecting wait for the new connection.
//
// This class is the facade and the wiring; the work is done by its collaborators:
//   connectionLifecycle.ts  the pool, the primary connection, reconnects with backoff, state events
//   connectionTokens.ts     the password (an Entra token) of each new connection
//   statementRunner.ts      statements: first pages, fetchMore, cancel, type names
//   queryHistory.ts         the per-session query history
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ConnectStage, FetchMoreResult, HistoryEntry, QueryResult, SessionInfo, SessionStateEvent } from '../../shared/ipcSessions.js';
import { ConnectionLifecycle } from './connectionLifecycle.js';
import { QueryHistory } from './queryHistory.js';
import type { SessionDeps } from './sessionDeps.js';
import { StatementRunner } from './statementRunner.js';
import type { SessionTarget } from './types.js';

export { FRESH_TOKEN_SECONDS } from './connectionTokens.js';
export { DEFAULT_TUNING, type SessionDeps, type SessionTuning } from './sessionDeps.js';

type Listener = (event: SessionStateEvent) => void;

export class Session {
  readonly id = randomUUID();
  private readonly connection: ConnectionLifecycle;
  private readonly history: QueryHistory;
  private readonly statements: StatementRunner;

  constructor(
    readonly target: SessionTarget,
    deps: SessionDeps,
  ) {
    this.history = new QueryHistory(deps.tuning);
    this.connection = new ConnectionLifecycle(this.id, target, deps, {
      onNotice: (notice) => this.statements.notice(notice),
      // The open result's portal died with the connection.
      onPrimaryLost: () => this.statements.dropOpenResult('error', 'server_unreachable'),
    });
    this.statements = new StatementRunner({ sessionId: this.id, target, ssl: deps.ssl, tuning: deps.tuning, connection: this.connection, history: this.history });
  }

  // ------------------------------------------------------------------ lifecycle and state

  subscribe(listener: Listener): () => void {
    return this.connection.subscribe(listener);
  }

  /**
   * First connection. Rejects (and the session should be discarded) when it fails. `fresh`: the
   * first token comes from Entra, bypassing every cache (after a PIM activation or a group change).
   */
  open(onProgress?: (stage: ConnectStage) => void, opts: { fresh?: boolean } = {}): Promise<void> {
    return this.connection.open(onProgress, opts);
  }

  async close(): Promise<void> {
    if (this.connection.isClosed) return;
    // The open result ends with the session: its connection is destroyed, not returned to the pool.
    this.statements.dropOpenResult('cancelled');
    await this.connection.close();
  }

  get isClosed(): boolean {
    return this.connection.isClosed;
  }

  // ------------------------------------------------------------------ info

  info(): SessionInfo {
    const t = this.target;
    return {
      sessionId: this.id,
      ...(t.id ? { profileId: t.id } : {}),
      ...(t.name ? { profileName: t.name } : {}),
      host: t.host,
      port: t.port,
      database: t.database,
      username: t.username,
      sslmode: t.sslmode,
      ...this.connection.facts(),
    };
  }

  getHistory(): HistoryEntry[] {
    return this.history.list();
  }

  // ------------------------------------------------------------------ queries

  /**
   * Runs every statement of `sql` in order on the primary connection. Each statement's first
   * page comes back at once; the last statement's remaining rows stay on the server for
   * fetchMore. A failing statement stops the script; its error is in the result, not thrown.
   */
  query(sql: string, opts: { pageSize?: number; queryId?: string } = {}): Promise<QueryResult> {
    return this.statements.query(sql, opts);
  }

  /** The next `count` rows of the query's open statement. */
  fetchMore(queryId: string, count?: number): Promise<FetchMoreResult> {
    return this.statements.fetchMore(queryId, count);
  }

  /**
   * Cancels the query: a running statement gets a PostgreSQL cancel request, an idle open result
   * is closed. Returns false when there was nothing to cancel.
   */
  cancel(queryId: string): Promise<boolean> {
    return this.statements.cancel(queryId);
  }

  /** For admin helpers: a one-off connection with this session's server, TLS and token source. */
  connectionConfig(overrides: { database?: string; user?: string; password?: () => Promise<string> }): pg.ClientConfig {
    return this.connection.connectionConfig(overrides);
  }
}
