// One database session: a pg Pool whose password is an async function asking the TokenProvider
// for a fresh token, so every new physical connection (first connect, reconnect after a drop,
// extra pool connections) logs in with a valid token. Open connections are never dropped when a
// token expires — Azure checks the token only at login.
//
// Statements from the editor run on one "primary" connection held from the pool, so transaction
// state and SET survive between queries. When that connection drops, the session reconnects in
// the background with backoff; a statement that was running fails visibly and is never retried
// (it may not be idempotent); queries issued while reconnecting wait for the new connection.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { PgEntraError, type ErrorPayload } from '../../shared/errors.js';
import type {
  Column,
  ConnectStage,
  FetchMoreResult,
  HistoryEntry,
  Notice,
  QueryResult,
  Row,
  SessionEventKind,
  SessionInfo,
  SessionState,
  SessionStateEvent,
  StatementResult,
} from '../../shared/ipcSessions.js';
import type { AccessToken, TokenProvider } from '../auth/tokenProvider.js';
import { sendCancelRequest } from './cancelRequest.js';
import { isTransientConnectError, mapConnectError, mapQueryError, serverErrorFields, type ConnectContext } from './errors.js';
import { AuthWatchingClient, authMethodOf, backendKeyOf, forgetPassword, isSocketOpen, tlsFactsOf, wasNeverSent } from './pgInternals.js';
import { classifyLoginRefusal, describeRefusal, type AuthMethod } from './loginRefusal.js';
import { setImmediate as nextIo } from 'node:timers/promises';
import { BUILTIN_TYPE_NAMES } from './builtinTypes.js';
import { splitSql } from './splitSql.js';
import { cloudRef } from '../../shared/profile.js';
import type { SessionTarget } from './types.js';

/** After "The access token has expired", ask for a token with at least this much life left. */
export const FRESH_TOKEN_SECONDS = 900;
const STATEMENT_TEXT_LIMIT = 10_000;
const KEEPALIVE_DELAY_MS = 30_000;
/** Early cancels remembered per session (ids of queries whose call has not arrived yet). */
const EARLY_CANCELS_KEPT = 16;

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

type Listener = (event: SessionStateEvent) => void;

/** A statement whose portal is still open for fetchMore. */
interface OpenCursor {
  queryId: string;
  cursor: Cursor<Row>;
  history: HistoryEntry;
  rowsSoFar: number;
}

interface RunningQuery {
  queryId: string;
  cancelRequested: boolean;
}

type CursorPage = { rows: Row[]; done: boolean; command: string | null; rowCount: number | null; fields: Array<{ name: string; dataTypeID: number }> };

// Cells are kept as PostgreSQL's text: exact (no float/bigint/Date conversion) and cheap.
const textTypes = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

export class Session {
  readonly id = randomUUID();
  private readonly pool: pg.Pool;
  private primary: pg.PoolClient | undefined;
  private state: SessionState = 'connecting';
  private closed = false;
  private readonly listeners = new Set<Listener>();
  private connectLoop: Promise<void> | undefined;
  private lastConnectError: PgEntraError | undefined;
  private wakeBackoff: (() => void) | undefined;
  private forceFreshToken = false;
  /** The next token must come from Entra, not a cache (the person asked: "Retry with a fresh token"). */
  private bypassTokenCache = false;
  /** The password method the server asked for on the newest connection attempt. */
  private lastAuthMethod: AuthMethod | undefined;
  /** The expired-token retry already ran for the current connect. */
  private retriedFresh = false;
  /** The token issued most recently for a new connection (facts only, never the token). */
  private lastIssued: { account?: string; expiresOn: Date } | undefined;
  private connectedWith: { account?: string; expiresOn: Date } | undefined;
  private connectedAt: Date | undefined;
  private identity: { currentUser: string; sessionUser: string; serverVersion: string; backendPid: number } | undefined;
  private reconnects = 0;
  private readonly typeNames = new Map<number, string>(BUILTIN_TYPE_NAMES);
  private running: RunningQuery | undefined;
  private openCursor: OpenCursor | undefined;
  private noticeSink: Notice[] | undefined;
  private readonly history: HistoryEntry[] = [];
  /** How many times the TokenProvider was asked for a token (tests and diagnostics). */
  tokenRequests = 0;
  /** Set while open() runs: reports its stages to the connect panel. */
  private progress: ((stage: ConnectStage) => void) | undefined;
  /** Cancels that named a query before it started (the cancel can overtake the query call). */
  private readonly earlyCancels = new Set<string>();

  constructor(
    readonly target: SessionTarget,
    private readonly deps: SessionDeps,
  ) {
    const t = target;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- pg calls the password function with the client as `this`
    const session = this;
    this.pool = new pg.Pool({
      // Records which password method the server asks for: an Entra role asks for cleartext.
      Client: AuthWatchingClient,
      host: t.host,
      port: t.port,
      database: t.database,
      user: t.username,
      password: function (this: unknown) {
        return session.passwordForNewConnection(authMethodOf(this));
      },
      ssl: deps.ssl,
      application_name: t.applicationName || 'pgEntra',
      connectionTimeoutMillis: t.connectTimeoutSeconds * 1000,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
      max: deps.tuning.maxConnections,
      idleTimeoutMillis: 30_000,
    });
    // Errors of idle helper connections surface here; the primary has its own listener.
    this.pool.on('error', () => undefined);
  }

  // ------------------------------------------------------------------ lifecycle and state

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * First connection. Rejects (and the session should be discarded) when it fails. `fresh`: the
   * first token comes from Entra, bypassing every cache (after a PIM activation or a group change).
   */
  async open(onProgress?: (stage: ConnectStage) => void, opts: { fresh?: boolean } = {}): Promise<void> {
    this.progress = onProgress;
    if (opts.fresh) this.bypassTokenCache = true;
    try {
      await this.runConnectLoop(true);
    } finally {
      this.progress = undefined;
    }
    if (!this.primary) throw this.lastConnectError ?? new PgEntraError('internal', 'The session did not connect.');
    onProgress?.('connected');
  }

  private report(stage: ConnectStage): void {
    try {
      this.progress?.(stage);
    } catch {
      // A broken progress listener must not break the connect.
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeBackoff?.();
    const open = this.openCursor;
    this.openCursor = undefined;
    if (open) this.finishHistory(open.history, 'cancelled', open.rowsSoFar);
    const primary = this.primary;
    this.primary = undefined;
    // Destroy rather than release: an open portal or transaction must not return to the pool.
    primary?.release(true);
    await this.pool.end().catch(() => undefined);
    this.setState('closed');
  }

  private emit(kind: SessionEventKind, extra: { error?: ErrorPayload; attempt?: number } = {}): void {
    const expires = this.connectedWith?.expiresOn ?? this.lastIssued?.expiresOn;
    const event: SessionStateEvent = {
      sessionId: this.id,
      state: kind,
      at: new Date().toISOString(),
      ...(extra.error ? { error: extra.error } : {}),
      ...(extra.attempt ? { attempt: extra.attempt } : {}),
      ...(expires ? { tokenExpiresOn: expires.toISOString() } : {}),
    };
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A broken listener must not break the session.
      }
    }
  }

  private setState(state: SessionState, extra: { error?: ErrorPayload; attempt?: number } = {}): void {
    if (this.state === 'closed') return;
    this.state = state;
    this.emit(state, extra);
  }

  private connectContext(): ConnectContext {
    const t = this.target;
    const account = this.lastIssued?.account ?? ('account' in t.credential ? t.credential.account : undefined);
    return {
      host: t.host,
      port: t.port,
      username: t.username,
      sslmode: t.sslmode,
      database: t.database,
      credentialKind: t.credential.kind,
      retriedFresh: this.retriedFresh,
      freshHow: FRESH_HOW,
      ...(this.lastAuthMethod ? { authMethod: this.lastAuthMethod } : {}),
      ...(account ? { account } : {}),
    };
  }

  /** pg calls this for every new physical connection, after TLS verified and the server asked for a password. */
  private async passwordForNewConnection(authMethod?: AuthMethod): Promise<string> {
    if (authMethod) this.lastAuthMethod = authMethod;
    if (authMethod && authMethod !== 'cleartext') {
      // An Entra role always asks for a cleartext password: this is a password role, or Entra
      // authentication is off. No token is fetched or sent; the refusal is permanent.
      const t = this.target;
      const f = { message: `the server asked for a ${authMethod} password` };
      const d = describeRefusal(classifyLoginRefusal(f, { authMethod }), f, { host: t.host, port: t.port, role: t.username, database: t.database });
      throw new PgEntraError(d.code, d.message, { ...(d.hint ? { hint: d.hint } : {}), ...(d.details ? { details: d.details } : {}) });
    }
    const fresh = this.forceFreshToken;
    this.forceFreshToken = false;
    const bypass = this.bypassTokenCache;
    this.bypassTokenCache = false;
    this.tokenRequests++;
    // pg asks for the password only after TLS verified the server.
    this.report('token');
    let token: AccessToken;
    try {
      token = await this.deps.tokens.getToken({
        credential: this.target.credential,
        cloud: cloudRef(this.target.cloud),
        ...(fresh ? { minValiditySeconds: FRESH_TOKEN_SECONDS } : {}),
        ...(bypass ? { fresh: true } : {}),
      });
    } catch (e) {
      throw e instanceof PgEntraError ? e : new PgEntraError('sign_in_failed', `Could not get an Entra token: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    this.lastIssued = { expiresOn: token.expiresOn, ...(token.account ? { account: token.account } : {}) };
    this.report('authenticating');
    return token.token;
  }

  private async connectPrimary(): Promise<void> {
    let client: pg.PoolClient;
    this.report('tls');
    this.retriedFresh = false;
    this.lastAuthMethod = undefined;
    try {
      client = await this.pool.connect();
    } catch (e) {
      const mapped = mapConnectError(e, this.connectContext());
      // Classified once (loginRefusal.ts): only an expired token is retried here, once.
      if (mapped.code !== 'token_expired') throw mapped;
      // The broker's cached token expired between issue and login: fetch a fresh one, retry once.
      this.forceFreshToken = true;
      this.retriedFresh = true;
      this.lastAuthMethod = undefined;
      try {
        client = await this.pool.connect();
      } catch (e2) {
        throw mapConnectError(e2, this.connectContext());
      }
    }
    forgetPassword(client);
    if (this.closed) {
      client.release(true);
      throw new PgEntraError('session_closed', 'The session was closed while connecting.');
    }
    client.on('error', (e: unknown) => this.onPrimaryLost(client, e));
    client.on('end', () => this.onPrimaryLost(client));
    client.on('notice', (n) => this.noticeSink?.push(noticeOf(n)));
    try {
      const r = await client.query<{ current_user: string; session_user: string; server_version: string; pid: number }>(
        "select current_user, session_user, current_setting('server_version') as server_version, pg_backend_pid() as pid",
      );
      const row = r.rows[0];
      if (row) this.identity = { currentUser: row.current_user, sessionUser: row.session_user, serverVersion: row.server_version, backendPid: row.pid };
    } catch (e) {
      client.release(true);
      throw mapConnectError(e, this.connectContext());
    }
    const previous = this.connectedWith;
    this.connectedWith = this.lastIssued;
    this.connectedAt = new Date();
    this.primary = client;
    if (previous && this.connectedWith && previous.expiresOn.getTime() !== this.connectedWith.expiresOn.getTime()) this.emit('token-refreshed');
  }

  private onPrimaryLost(client: pg.PoolClient, cause?: unknown): void {
    if (this.primary !== client) return;
    this.primary = undefined;
    client.release(true);
    const open = this.openCursor;
    this.openCursor = undefined;
    if (open) this.finishHistory(open.history, 'error', open.rowsSoFar, 'server_unreachable');
    if (this.closed) return;
    this.reconnects++;
    void this.runConnectLoop(false, lostReason(cause, this.target));
  }

  /** Connects the primary; for reconnects keeps trying with backoff while the failure is transient. */
  private runConnectLoop(initial: boolean, why?: PgEntraError): Promise<void> {
    if (this.connectLoop) return this.connectLoop;
    const loop = async (): Promise<void> => {
      this.setState(initial ? 'connecting' : 'reconnecting', why ? { error: why.toPayload() } : {});
      for (let attempt = 1; !this.closed; attempt++) {
        try {
          await this.connectPrimary();
          this.lastConnectError = undefined;
          this.setState('connected');
          return;
        } catch (e) {
          const err = e instanceof PgEntraError ? e : mapConnectError(e, this.connectContext());
          this.lastConnectError = err;
          if (this.closed) return;
          if (err.code === 'sign_in_required') {
            this.setState('sign-in-required', { error: err.toPayload() });
            return;
          }
          if (initial || !isTransientConnectError(err)) {
            this.setState('disconnected', { error: err.toPayload() });
            return;
          }
          this.setState('reconnecting', { error: err.toPayload(), attempt });
          await this.backoff(attempt);
        }
      }
    };
    this.connectLoop = loop().finally(() => {
      this.connectLoop = undefined;
    });
    return this.connectLoop;
  }

  private backoff(attempt: number): Promise<void> {
    const { reconnectInitialDelayMs: first, reconnectMaxDelayMs: cap } = this.deps.tuning;
    const base = Math.min(cap, first * 2 ** (attempt - 1));
    const delay = base * (0.8 + Math.random() * 0.4);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeBackoff = undefined;
        resolve();
      }, delay);
      this.wakeBackoff = () => {
        clearTimeout(timer);
        this.wakeBackoff = undefined;
        resolve();
      };
    });
  }

  /** The primary connection, waiting for a reconnect in progress (or starting one) up to the connect timeout. */
  private async ensurePrimary(): Promise<pg.PoolClient> {
    if (this.closed) throw sessionClosed();
    if (this.primary) {
      // Let pending socket events run: a drop the server already sent must be noticed before a
      // statement is written into a dead connection (it would fail without knowing whether it ran).
      await nextIo();
      const current = this.primary;
      if (current && isSocketOpen(current)) return current;
      if (current) this.onPrimaryLost(current);
    }
    // A session that gave up (sign-in required, refused) tries again now: the user asked for it.
    if (!this.connectLoop) {
      this.reconnects++;
      this.wakeBackoff?.();
    }
    const loop = this.runConnectLoop(false);
    const waitMs = Math.max(10_000, this.target.connectTimeoutSeconds * 1000 * 2);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([loop, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    if (this.closed) throw sessionClosed();
    if (this.primary) return this.primary;
    throw this.lastConnectError ?? new PgEntraError('server_unreachable', `Still reconnecting to ${this.target.host}:${this.target.port}.`, { hint: 'Try again in a moment.' });
  }

  /**
   * Names for types outside the built-in table (extensions, domains, enums), looked up once per
   * session: on the primary when it is free, else on a helper pool connection.
   */
  private async typeNamesFor(oids: number[], primaryFree: pg.ClientBase | undefined): Promise<void> {
    const missing = [...new Set(oids)].filter((o) => !this.typeNames.has(o));
    if (missing.length === 0) return;
    const sql = 'select oid::int as oid, format_type(oid, null) as name from pg_type where oid = any($1::oid[])';
    try {
      const r = primaryFree ? await primaryFree.query<{ oid: number; name: string }>(sql, [missing]) : await this.pool.query<{ oid: number; name: string }>(sql, [missing]);
      for (const row of r.rows) this.typeNames.set(row.oid, row.name);
    } catch {
      // Names are cosmetic; the column falls back to its oid.
    }
  }

  // ------------------------------------------------------------------ info

  info(): SessionInfo {
    const t = this.target;
    const tls = this.primary ? tlsFactsOf(this.primary) : null;
    return {
      sessionId: this.id,
      ...(t.id ? { profileId: t.id } : {}),
      ...(t.name ? { profileName: t.name } : {}),
      host: t.host,
      port: t.port,
      database: t.database,
      username: t.username,
      sslmode: t.sslmode,
      state: this.state,
      currentUser: this.identity?.currentUser ?? null,
      sessionUser: this.identity?.sessionUser ?? null,
      serverVersion: this.identity?.serverVersion ?? null,
      backendPid: this.identity?.backendPid ?? null,
      tls,
      account: this.connectedWith?.account ?? null,
      tokenExpiresOn: this.connectedWith?.expiresOn.toISOString() ?? null,
      connectedAt: this.connectedAt?.toISOString() ?? null,
      reconnects: this.reconnects,
    };
  }

  getHistory(): HistoryEntry[] {
    return this.history.map((h) => ({ ...h }));
  }

  // ------------------------------------------------------------------ queries

  /**
   * Runs every statement of `sql` in order on the primary connection. Each statement's first
   * page comes back at once; the last statement's remaining rows stay on the server for
   * fetchMore (earlier statements' extra rows are discarded: only one portal can stay open).
   * A failing statement stops the script; its error is in the result, not thrown.
   */
  async query(sql: string, opts: { pageSize?: number; queryId?: string } = {}): Promise<QueryResult> {
    const statements = splitSql(sql);
    if (statements.length === 0) throw new PgEntraError('invalid_input', 'There is no SQL statement to run.', { details: { fields: 'sql' } });
    if (this.running) {
      throw new PgEntraError('conflict', 'A query is still running in this session.', { hint: 'Wait for it to finish or cancel it.', details: { queryId: this.running.queryId } });
    }
    // A caller-chosen id lets it cancel while this call is pending; it must name one query only.
    const queryId = opts.queryId ?? randomUUID();
    if (opts.queryId && this.history.some((h) => h.queryId === queryId)) {
      throw new PgEntraError('invalid_input', 'This query id was already used in this session.', { details: { fields: 'queryId', queryId } });
    }
    const running: RunningQuery = { queryId, cancelRequested: this.earlyCancels.delete(queryId) };
    this.running = running;
    const pageSize = opts.pageSize ?? this.deps.tuning.pageSize;
    const started = performance.now();
    const history = this.addHistory(queryId, sql);
    const notices: Notice[] = [];
    const results: StatementResult[] = [];
    let failure: ErrorPayload | undefined;
    let status: QueryResult['status'] = 'ok';
    try {
      await this.closeOpenCursor('cancelled');
      let client = await this.ensurePrimary();
      this.noticeSink = notices;
      for (const [index, stmt] of statements.entries()) {
        if (running.cancelRequested) {
          status = 'cancelled';
          failure = cancelledPayload();
          break;
        }
        const isLast = index === statements.length - 1;
        const stmtStarted = performance.now();
        const base = { index, sql: stmt.text.slice(0, STATEMENT_TEXT_LIMIT), offset: stmt.offset };
        try {
          const page = await this.firstPage(stmt.text, pageSize, client).then(async (p) => {
            if (!p.neverSent) return p;
            // pg refused to send (the connection had already failed): safe to run on a new one.
            client = await this.ensurePrimary();
            return this.firstPage(stmt.text, pageSize, client);
          });
          if (page.neverSent) throw page.neverSent;
          const cursor = page.cursor;
          const hasMore = !page.done;
          if (hasMore && !isLast) await cursor.close();
          await this.typeNamesFor(page.fields.map((f) => f.dataTypeID), hasMore && isLast ? undefined : client);
          results.push({
            ...base,
            status: 'ok',
            command: page.command,
            rowCount: page.done ? completedRowCount(page, page.rows.length) : null,
            columns: page.fields.map((f): Column => ({ name: f.name, typeOid: f.dataTypeID, typeName: this.typeNames.get(f.dataTypeID) ?? `oid:${f.dataTypeID}` })),
            rows: page.rows,
            hasMore: hasMore && isLast,
            elapsedMs: performance.now() - stmtStarted,
          });
          if (hasMore && isLast) this.openCursor = { queryId, cursor, history, rowsSoFar: page.rows.length };
          history.rowCount = page.done ? completedRowCount(page, page.rows.length) : page.rows.length;
        } catch (e) {
          const err = withScriptPosition(mapQueryError(e, this.target), stmt.offset, sql);
          status = err.code === 'query_cancelled' ? 'cancelled' : 'error';
          failure = err.toPayload();
          results.push({ ...base, status, command: null, rowCount: null, columns: [], rows: [], hasMore: false, elapsedMs: performance.now() - stmtStarted, error: failure });
          break;
        }
      }
    } catch (e) {
      // Nothing ran (closed, cannot reconnect): the caller gets the error itself.
      this.finishHistory(history, 'error', null, e instanceof PgEntraError ? e.code : 'internal', started);
      throw e;
    } finally {
      this.noticeSink = undefined;
      this.running = undefined;
    }
    if (this.openCursor?.queryId !== queryId) this.finishHistory(history, status, history.rowCount, failure?.code, started);
    else history.elapsedMs = performance.now() - started;
    return {
      queryId,
      sessionId: this.id,
      status,
      statements: results,
      notices,
      elapsedMs: performance.now() - started,
      ...(failure ? { error: failure } : {}),
    };
  }

  /** Submits one statement and reads its first page; reports (not throws) a statement pg never sent. */
  private async firstPage(text: string, pageSize: number, client: pg.PoolClient): Promise<CursorPage & { cursor: Cursor<Row>; neverSent?: undefined } | { neverSent: Error; cursor?: undefined }> {
    const cursor = client.query(new Cursor<Row>(text, undefined, { rowMode: 'array', types: textTypes }));
    try {
      return { ...(await readPage(cursor, pageSize)), cursor };
    } catch (e) {
      if (wasNeverSent(e)) return { neverSent: e as Error };
      throw e;
    }
  }

  /** The next `count` rows of the query's open statement. */
  async fetchMore(queryId: string, count?: number): Promise<FetchMoreResult> {
    const open = this.openCursor;
    if (!open || open.queryId !== queryId) {
      throw new PgEntraError('not_found', 'This result has no more rows to fetch (it completed, was cancelled, or a newer query replaced it).', { details: { queryId } });
    }
    if (this.running) throw new PgEntraError('conflict', 'Rows are already being fetched for this session.', { details: { queryId } });
    const running: RunningQuery = { queryId, cancelRequested: false };
    this.running = running;
    const notices: Notice[] = [];
    this.noticeSink = notices;
    const started = performance.now();
    try {
      const page = await readPage(open.cursor, count ?? this.deps.tuning.pageSize);
      open.rowsSoFar += page.rows.length;
      open.history.rowCount = open.rowsSoFar;
      if (page.done) {
        this.openCursor = undefined;
        this.finishHistory(open.history, 'ok', completedRowCount(page, open.rowsSoFar));
      }
      return {
        queryId,
        rows: page.rows,
        hasMore: !page.done,
        rowCount: page.done ? completedRowCount(page, open.rowsSoFar) : null,
        command: page.command,
        notices,
        elapsedMs: performance.now() - started,
      };
    } catch (e) {
      if (this.openCursor === open) this.openCursor = undefined;
      const err = mapQueryError(e, this.target);
      this.finishHistory(open.history, err.code === 'query_cancelled' ? 'cancelled' : 'error', open.rowsSoFar, err.code);
      throw err;
    } finally {
      this.noticeSink = undefined;
      this.running = undefined;
    }
  }

  /**
   * Cancels the query: a running statement gets a PostgreSQL cancel request (it then fails with
   * query_cancelled), an idle open result is closed. Returns false when there was nothing to cancel.
   */
  async cancel(queryId: string): Promise<boolean> {
    const running = this.running;
    if (running && running.queryId === queryId) {
      running.cancelRequested = true;
      const client = this.primary;
      const key = client ? backendKeyOf(client) : undefined;
      if (client && key) {
        await sendCancelRequest({ host: this.target.host, port: this.target.port, ssl: this.deps.ssl, key, timeoutMs: 5_000 }).catch((e: unknown) => {
          throw new PgEntraError('server_unreachable', `Could not send the cancel request to ${this.target.host}:${this.target.port}: ${e instanceof Error ? e.message : String(e)}.`, {
            hint: 'The query is still running; try again, or close the session to end it.',
          });
        });
      }
      return true;
    }
    if (this.openCursor?.queryId === queryId) {
      await this.closeOpenCursor('cancelled');
      return true;
    }
    if (this.history.some((h) => h.queryId === queryId)) return false; // already finished
    // Not started yet (the cancel overtook its query call): cancel it as it starts.
    this.earlyCancels.add(queryId);
    while (this.earlyCancels.size > EARLY_CANCELS_KEPT) {
      const oldest = this.earlyCancels.values().next().value;
      if (oldest === undefined) break;
      this.earlyCancels.delete(oldest);
    }
    return true;
  }

  private async closeOpenCursor(status: HistoryEntry['status']): Promise<void> {
    const open = this.openCursor;
    if (!open) return;
    this.openCursor = undefined;
    this.finishHistory(open.history, status, open.rowsSoFar, status === 'cancelled' ? 'query_cancelled' : undefined);
    try {
      await open.cursor.close();
    } catch {
      // The connection may be gone; the reconnect logic handles that.
    }
  }

  private addHistory(queryId: string, sql: string): HistoryEntry {
    const entry: HistoryEntry = { queryId, sql: sql.slice(0, STATEMENT_TEXT_LIMIT), startedAt: new Date().toISOString(), elapsedMs: 0, status: 'running', rowCount: null };
    this.history.push(entry);
    while (this.history.length > this.deps.tuning.historyLimit) this.history.shift();
    return entry;
  }

  private finishHistory(entry: HistoryEntry, status: HistoryEntry['status'], rowCount: number | null, errorCode?: string, startedPerf?: number): void {
    entry.status = status;
    entry.rowCount = rowCount;
    if (startedPerf !== undefined) entry.elapsedMs = performance.now() - startedPerf;
    else entry.elapsedMs = Math.max(entry.elapsedMs, Date.now() - Date.parse(entry.startedAt));
    if (errorCode) entry.errorCode = errorCode;
  }

  /** For admin helpers: a one-off connection with this session's server, TLS and token source. */
  connectionConfig(overrides: { database?: string; user?: string; password?: () => Promise<string> }): pg.ClientConfig {
    const t = this.target;
    return {
      host: t.host,
      port: t.port,
      database: overrides.database ?? t.database,
      user: overrides.user ?? t.username,
      password: overrides.password ?? (() => this.passwordForNewConnection()),
      ssl: this.deps.ssl,
      application_name: t.applicationName || 'pgEntra',
      connectionTimeoutMillis: t.connectTimeoutSeconds * 1000,
      keepAlive: true,
    };
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/** How a session's user gets a fresh token, for the PIM advice. */
const FRESH_HOW = 'in the app: “Retry with a fresh token”; on the command line: --fresh';

/** Why an open connection ended, when the server said: 57P01 (restart, failover) and friends. */
function lostReason(cause: unknown, target: SessionTarget): PgEntraError | undefined {
  const server = serverErrorFields(cause);
  if (!server?.code || !/^57P0[123]$/.test(server.code)) return undefined;
  const f = { code: server.code, message: server.message };
  const d = describeRefusal(classifyLoginRefusal(f), f, { host: target.host, port: target.port, role: target.username });
  return new PgEntraError(d.code, `The server restarted or failed over; reconnecting. (${server.message})`, {
    ...(d.hint ? { hint: d.hint } : {}),
    ...(d.details ? { details: d.details } : {}),
  });
}

function sessionClosed(): PgEntraError {
  return new PgEntraError('session_closed', 'The session is closed.', { hint: 'Open the connection again.' });
}

function cancelledPayload(): ErrorPayload {
  return { code: 'query_cancelled', message: 'The query was cancelled.' };
}

/** The fields of pg's NoticeMessage the UI shows. */
interface NoticeFields {
  severity?: string | undefined;
  message?: string | undefined;
  code?: string | undefined;
  detail?: string | undefined;
  hint?: string | undefined;
}

function noticeOf(n: NoticeFields): Notice {
  return {
    severity: n.severity ?? 'NOTICE',
    message: n.message ?? '',
    ...(n.code ? { code: n.code } : {}),
    ...(n.detail ? { detail: n.detail } : {}),
    ...(n.hint ? { hint: n.hint } : {}),
  };
}

/** Server positions are 1-based within the statement; make them relative to the whole text. */
function withScriptPosition(err: PgEntraError, offset: number, _sql: string): PgEntraError {
  const pos = err.details?.position;
  if (typeof pos !== 'number') return err;
  return new PgEntraError(err.code, err.message, {
    ...(err.hint ? { hint: err.hint } : {}),
    details: { ...err.details, position: pos + offset, statementPosition: pos },
  });
}

/**
 * Rows a completed statement returned or affected. A portal read in several Execute calls
 * reports only the last call's count in its command tag, so rows are counted here.
 */
function completedRowCount(page: CursorPage, rowsSeen: number): number | null {
  return page.fields.length > 0 ? rowsSeen : page.rowCount;
}

function readPage(cursor: Cursor<Row>, count: number): Promise<CursorPage> {
  return new Promise((resolve, reject) => {
    cursor.read(count, (err, rows, result) => {
      if (err) {
        reject(err);
        return;
      }
      // pg-cursor marks itself done once CommandComplete/ReadyForQuery arrived.
      const done = (cursor as unknown as { state?: string }).state === 'done';
      resolve({
        rows,
        done,
        command: result.command || null,
        rowCount: typeof result.rowCount === 'number' ? result.rowCount : null,
        fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
      });
    });
  });
}

