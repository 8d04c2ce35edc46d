// The connections of one database session: a pg Pool whose password is an async function asking
// the TokenProvider for a fresh token (connectionTokens.ts), so every new physical connection
// (first connect, reconnect after a drop, extra pool connections) logs in with a valid token. Open
// connections are never dropped when a token expires — Azure checks the token only at login.
//
// Statements run on one "primary" connection held from the pool, so transaction state and SET
// survive between queries. When that connection drops, it reconnects in the background with
// backoff; queries issued while reconnecting wait for the new connection (ensurePrimary). Every
// state change goes to the session's subscribers.
import { setImmediate as nextIo } from 'node:timers/promises';
import pg from 'pg';
import { PgEntraError, type ErrorPayload } from '../../shared/errors.js';
import type { ConnectStage, Notice, SessionEventKind, SessionInfo, SessionState, SessionStateEvent } from '../../shared/ipcSessions.js';
import { ConnectionTokens, type IssuedToken } from './connectionTokens.js';
import { isTransientConnectError, mapConnectError, serverErrorFields, type ConnectContext } from './errors.js';
import { classifyLoginRefusal, describeRefusal } from './loginRefusal.js';
import { AuthWatchingClient, authMethodOf, forgetPassword, isSocketOpen, onServerFatal, tlsFactsOf } from './pgInternals.js';
import type { SessionDeps } from './sessionDeps.js';
import type { SessionTarget } from './types.js';

const KEEPALIVE_DELAY_MS = 30_000;

export type StateListener = (event: SessionStateEvent) => void;

/** What the session's statement runner hears from the primary connection. */
export interface PrimaryConnectionHooks {
  /** A notice the server sent on the primary connection (RAISE NOTICE, warnings). */
  onNotice(notice: Notice): void;
  /** The primary connection dropped (called before the reconnect starts). */
  onPrimaryLost(): void;
}

/** The connection half of SessionInfo. */
export type ConnectionFacts = Pick<SessionInfo, 'state' | 'currentUser' | 'sessionUser' | 'serverVersion' | 'backendPid' | 'tls' | 'account' | 'tokenExpiresOn' | 'connectedAt' | 'reconnects'>;

export class ConnectionLifecycle {
  private readonly pool: pg.Pool;
  private readonly tokens: ConnectionTokens;
  private primaryClient: pg.PoolClient | undefined;
  private state: SessionState = 'connecting';
  private closed = false;
  private readonly listeners = new Set<StateListener>();
  private connectLoop: Promise<void> | undefined;
  private lastConnectError: PgEntraError | undefined;
  private wakeBackoff: (() => void) | undefined;
  /** The expired-token retry already ran for the current connect. */
  private retriedFresh = false;
  private connectedWith: IssuedToken | undefined;
  private connectedAt: Date | undefined;
  private identity: { currentUser: string; sessionUser: string; serverVersion: string; backendPid: number } | undefined;
  private reconnects = 0;
  /** Set while open() runs: reports its stages to the connect panel. */
  private progress: ((stage: ConnectStage) => void) | undefined;

  constructor(
    private readonly sessionId: string,
    private readonly target: SessionTarget,
    private readonly deps: SessionDeps,
    private readonly hooks: PrimaryConnectionHooks,
  ) {
    const t = target;
    const tokens = new ConnectionTokens(target, deps.tokens, (stage) => this.report(stage));
    this.tokens = tokens;
    this.pool = new pg.Pool({
      // Records which password method the server asks for: an Entra role asks for cleartext.
      Client: AuthWatchingClient,
      host: t.host,
      port: t.port,
      database: t.database,
      user: t.username,
      // pg calls the password function with the client as `this`.
      password: function (this: unknown) {
        return tokens.passwordFor(authMethodOf(this));
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

  get isClosed(): boolean {
    return this.closed;
  }

  /** The primary connection right now, if connected (cancel requests name its backend). */
  get primary(): pg.PoolClient | undefined {
    return this.primaryClient;
  }

  subscribe(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * First connection. Rejects (and the session should be discarded) when it fails. `fresh`: the
   * first token comes from Entra, bypassing every cache (after a PIM activation or a group change).
   */
  async open(onProgress?: (stage: ConnectStage) => void, opts: { fresh?: boolean } = {}): Promise<void> {
    this.progress = onProgress;
    if (opts.fresh) this.tokens.bypassCacheOnce();
    try {
      await this.runConnectLoop(true);
    } finally {
      this.progress = undefined;
    }
    if (!this.primaryClient) throw this.lastConnectError ?? new PgEntraError('internal', 'The session did not connect.');
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
    const primary = this.primaryClient;
    this.primaryClient = undefined;
    // Destroy rather than release: an open portal or transaction must not return to the pool.
    primary?.release(true);
    await this.pool.end().catch(() => undefined);
    this.setState('closed');
  }

  facts(): ConnectionFacts {
    return {
      state: this.state,
      currentUser: this.identity?.currentUser ?? null,
      sessionUser: this.identity?.sessionUser ?? null,
      serverVersion: this.identity?.serverVersion ?? null,
      backendPid: this.identity?.backendPid ?? null,
      tls: this.primaryClient ? tlsFactsOf(this.primaryClient) : null,
      account: this.connectedWith?.account ?? null,
      tokenExpiresOn: this.connectedWith?.expiresOn.toISOString() ?? null,
      connectedAt: this.connectedAt?.toISOString() ?? null,
      reconnects: this.reconnects,
    };
  }

  /** A lookup on a helper pool connection, for when the primary holds an open result. */
  helperQuery<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(sql, params);
  }

  /** For admin helpers: a one-off connection with this session's server, TLS and token source. */
  connectionConfig(overrides: { database?: string; user?: string; password?: () => Promise<string> }): pg.ClientConfig {
    const t = this.target;
    return {
      host: t.host,
      port: t.port,
      database: overrides.database ?? t.database,
      user: overrides.user ?? t.username,
      password: overrides.password ?? (() => this.tokens.passwordFor()),
      ssl: this.deps.ssl,
      application_name: t.applicationName || 'pgEntra',
      connectionTimeoutMillis: t.connectTimeoutSeconds * 1000,
      keepAlive: true,
    };
  }

  private emit(kind: SessionEventKind, extra: { error?: ErrorPayload; attempt?: number } = {}): void {
    const expires = this.connectedWith?.expiresOn ?? this.tokens.lastIssued?.expiresOn;
    const event: SessionStateEvent = {
      sessionId: this.sessionId,
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
    const account = this.tokens.lastIssued?.account ?? ('account' in t.credential ? t.credential.account : undefined);
    const authMethod = this.tokens.lastAuthMethod;
    return {
      host: t.host,
      port: t.port,
      username: t.username,
      sslmode: t.sslmode,
      database: t.database,
      credentialKind: t.credential.kind,
      retriedFresh: this.retriedFresh,
      freshHow: FRESH_HOW,
      ...(authMethod ? { authMethod } : {}),
      ...(account ? { account } : {}),
    };
  }

  private async connectPrimary(): Promise<void> {
    let client: pg.PoolClient;
    this.report('tls');
    this.retriedFresh = false;
    this.tokens.forgetAuthMethod();
    try {
      client = await this.pool.connect();
    } catch (e) {
      const mapped = mapConnectError(e, this.connectContext());
      // Classified once (loginRefusal.ts): only an expired token is retried here, once.
      if (mapped.code !== 'token_expired') throw mapped;
      // The broker's cached token expired between issue and login: fetch a fresh one, retry once.
      this.tokens.requireFreshOnce();
      this.retriedFresh = true;
      this.tokens.forgetAuthMethod();
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
    // A FATAL (57P01 on a restart) means the backend is exiting: the connection is lost now, not
    // when its socket closes (pg reports nothing until then when a statement swallowed the error).
    onServerFatal(client, (e) => this.onPrimaryLost(client, e));
    client.on('end', () => this.onPrimaryLost(client));
    client.on('notice', (n) => this.hooks.onNotice(noticeOf(n)));
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
    this.connectedWith = this.tokens.lastIssued;
    this.connectedAt = new Date();
    this.primaryClient = client;
    if (previous && this.connectedWith && previous.expiresOn.getTime() !== this.connectedWith.expiresOn.getTime()) this.emit('token-refreshed');
  }

  private onPrimaryLost(client: pg.PoolClient, cause?: unknown): void {
    if (this.primaryClient !== client) return;
    this.primaryClient = undefined;
    client.release(true);
    this.hooks.onPrimaryLost();
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
  async ensurePrimary(): Promise<pg.PoolClient> {
    if (this.closed) throw sessionClosed();
    if (this.primaryClient) {
      // Let pending socket events run: a drop the server already sent must be noticed before a
      // statement is written into a dead connection (it would fail without knowing whether it ran).
      await nextIo();
      const current = this.primaryClient;
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
    if (this.primaryClient) return this.primaryClient;
    throw this.lastConnectError ?? new PgEntraError('server_unreachable', `Still reconnecting to ${this.target.host}:${this.target.port}.`, { hint: 'Try again in a moment.' });
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
