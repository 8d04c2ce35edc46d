// SessionManager: opens and tracks database sessions, runs the Entra admin helpers against a
// session's server, and fans session state events out to subscribers. Plain Node (no electron):
// the app, the CLI and tests use it directly.
import pg from 'pg';
import { PgEntraError, isPgEntraError } from '../../shared/errors.js';
import type {
  ConnectStage,
  CreatePrincipalInput,
  CreatePrincipalResult,
  FetchMoreResult,
  HistoryEntry,
  ListPrincipalsResult,
  QueryResult,
  SessionInfo,
  SessionStateEvent,
  VerifyAccessInput,
  VerifyAccessResult,
} from '../../shared/ipcSessions.js';
import type { AccessToken, TokenProvider } from '../auth/tokenProvider.js';
import { SQL, createPrincipalByName, createPrincipalByObjectId, listPrincipals, whoAmI } from './admin.js';
import { mapConnectError, mapQueryError } from './errors.js';
import { freshRetryLimitFor, type FreshRetryLimit } from './freshRetryLimit.js';
import { isGroupLogin } from './loginRefusal.js';
import { forgetPassword } from './pgInternals.js';
import { DEFAULT_TUNING, Session, type SessionTuning } from './session.js';
import { preflight, type PreflightResult } from '../connect/preflight.js';
import type { SessionTarget } from './types.js';

/** The pgaadauth functions live in this database only. */
const ADMIN_DATABASE = 'postgres';

export interface SessionManagerOptions {
  tokens: TokenProvider;
  /**
   * pgEntra's data folder. Every open (and every admin or verify connection) goes through the
   * connection pre-flight (electron/connect/preflight.ts): custom cloud consent recorded there,
   * host policy, TLS options — before any token is asked for.
   */
  dataDir: string;
  tuning?: Partial<SessionTuning>;
  /** Default: the one for `tokens`, shared with a local auth proxy using the same source. */
  freshRetries?: FreshRetryLimit;
}

export type SessionListener = (event: SessionStateEvent) => void;
/** A stage of open() for the target it connects (the UI's connect panel). */
export type ConnectProgressListener = (event: { target: SessionTarget; stage: ConnectStage }) => void;

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly listeners = new Set<SessionListener>();
  private readonly progressListeners = new Set<ConnectProgressListener>();
  private readonly tuning: SessionTuning;

  constructor(private readonly opts: SessionManagerOptions) {
    this.tuning = { ...DEFAULT_TUNING, ...opts.tuning };
  }

  /** Every state change of every session (connecting, reconnecting, token-refreshed, closed …). */
  subscribe(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stages of every open(): tls → token → authenticating → connected (a failed open stops where it failed). */
  subscribeConnectProgress(listener: ConnectProgressListener): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  /**
   * Connects and returns the new session's id; rejects with a typed error when the first connect
   * fails. `fresh`: the first token comes from Entra, bypassing every cache ("Retry with a fresh token").
   */
  async open(target: SessionTarget, opts: { fresh?: boolean } = {}): Promise<string> {
    let sent: AccessToken | undefined;
    try {
      return await this.openOnce(target, opts, (t) => (sent = t));
    } catch (e) {
      // A group the server refuses may be one the account joined a moment ago (a PIM activation):
      // a cached token predates it, so one more try with a token from Entra before giving up —
      // within the limit, since each try forces a refresh (freshRetryLimit.ts).
      if (opts.fresh || !this.mayRetryFresh(e, target, sent)) throw e;
      return this.openOnce(target, { fresh: true });
    }
  }

  private mayRetryFresh(e: unknown, target: SessionTarget, sent: AccessToken | undefined): boolean {
    if (!(isPgEntraError(e) && e.code === 'role_not_found_or_not_member')) return false;
    const account = sent?.account ?? ('account' in target.credential ? target.credential.account : undefined);
    if (!isGroupLogin({ role: target.username, account, credentialKind: target.credential.kind })) return false;
    const limit = this.opts.freshRetries ?? freshRetryLimitFor(this.opts.tokens);
    return limit.decide({ account, role: target.username, host: target.host, port: target.port }, sent?.token) === 'retry';
  }

  /**
   * One login as the target with a token fetched now, closed at once: has a group membership
   * (a PIM activation) reached the server? No session is kept and no event is sent.
   */
  async checkLogin(target: SessionTarget): Promise<void> {
    const checked = this.preflight(target);
    const session = new Session(target, { tokens: this.opts.tokens, ssl: checked.ssl, tuning: this.tuning });
    try {
      await session.open(() => undefined, { fresh: true });
    } finally {
      await session.close();
    }
  }

  /** `onToken`: each token the session is given (the open's is the last before it fails). */
  private async openOnce(target: SessionTarget, opts: { fresh?: boolean }, onToken?: (t: AccessToken) => void): Promise<string> {
    // Before anything connects or asks for a token: the profile may have been loaded without the
    // host check (custom clouds) or edited by hand since it was saved.
    const checked = this.preflight(target);
    const inner = this.opts.tokens;
    const tokens: TokenProvider = onToken
      ? {
          getToken: async (req) => {
            const t = await inner.getToken(req);
            onToken(t);
            return t;
          },
        }
      : inner;
    const session = new Session(target, { tokens, ssl: checked.ssl, tuning: this.tuning });
    session.subscribe((e) => this.forward(e));
    try {
      await session.open(
        (stage) => {
          for (const l of this.progressListeners) {
            try {
              l({ target, stage });
            } catch {
              // One broken subscriber must not stop the connect.
            }
          }
        },
        opts.fresh ? { fresh: true } : {},
      );
    } catch (e) {
      await session.close();
      throw e;
    }
    this.sessions.set(session.id, session);
    return session.id;
  }

  async close(sessionId: string): Promise<void> {
    const s = this.get(sessionId);
    this.sessions.delete(sessionId);
    await s.close();
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(all.map((s) => s.close()));
  }

  list(): SessionInfo[] {
    return [...this.sessions.values()].map((s) => s.info());
  }

  info(sessionId: string): SessionInfo {
    return this.get(sessionId).info();
  }

  /** `opts.queryId` (caller-chosen, unique in the session) lets cancel() name the query while it runs. */
  query(sessionId: string, sql: string, opts: { pageSize?: number; queryId?: string } = {}): Promise<QueryResult> {
    return this.get(sessionId).query(sql, opts);
  }

  fetchMore(sessionId: string, queryId: string, count?: number): Promise<FetchMoreResult> {
    return this.get(sessionId).fetchMore(queryId, count);
  }

  cancel(sessionId: string, queryId: string): Promise<boolean> {
    return this.get(sessionId).cancel(queryId);
  }

  history(sessionId: string): HistoryEntry[] {
    return this.get(sessionId).getHistory();
  }

  /** The session object itself (diagnostics and tests). */
  get(sessionId: string): Session {
    const s = this.sessions.get(sessionId);
    if (!s || s.isClosed) {
      throw new PgEntraError('not_found', 'This session does not exist or was closed.', { hint: 'Open the connection again.', details: { sessionId } });
    }
    return s;
  }

  // ------------------------------------------------------------------ Entra admin helpers

  listPrincipals(sessionId: string, adminsOnly = false): Promise<ListPrincipalsResult> {
    return this.withAdminConnection(sessionId, (db) => listPrincipals(db, adminsOnly));
  }

  createPrincipal(input: CreatePrincipalInput): Promise<CreatePrincipalResult> {
    const isAdmin = input.isAdmin ?? false;
    const isMfa = input.isMfa ?? false;
    return this.withAdminConnection(input.sessionId, (db) =>
      input.by === 'name' ? createPrincipalByName(db, input.roleName, isAdmin, isMfa) : createPrincipalByObjectId(db, input.roleName, input.objectId, input.objectType, isAdmin, isMfa),
    );
  }

  /**
   * Logs in as `roleName` with that identity's own token and asks "who am I" — the check that a
   * managed identity (or any principal) really has access. A refusal is a result, not an error;
   * only an unreachable server or a failed TLS check is thrown.
   */
  async verifyAccess(input: VerifyAccessInput): Promise<VerifyAccessResult> {
    const session = this.get(input.sessionId);
    // Another identity's token goes to the same host: check again rather than trust the open.
    const checked = this.preflight(session.target);
    const base = { sql: SQL.whoAmI, params: [], roleName: input.roleName };
    let account: string | undefined;
    const config = session.connectionConfig({
      user: input.roleName,
      ...(input.database ? { database: input.database } : {}),
      password: async () => {
        const t = await this.opts.tokens.getToken({ credential: input.credential, cloud: checked.cloudRef });
        account = t.account;
        return t.token;
      },
    });
    const refused = (e: unknown): VerifyAccessResult => {
      const t = session.target;
      const err = mapConnectError(e, { host: t.host, port: t.port, username: input.roleName, sslmode: t.sslmode, ...(account ? { account } : {}) });
      // Refusals that do not depend on the role (network, TLS, firewall, restart) are errors, not results.
      if (['server_unreachable', 'tls_verification_failed', 'firewall_blocked', 'server_restarting'].includes(err.code)) throw err;
      return { ...base, granted: false, currentUser: null, sessionUser: null, error: err.toPayload() };
    };
    return withOneConnection(config, refused, async (client) => {
      const who = await whoAmI(client).catch((e: unknown) => {
        throw mapQueryError(e, session.target);
      });
      return { ...base, granted: true, currentUser: who.currentUser, sessionUser: who.sessionUser };
    });
  }

  private async withAdminConnection<T>(sessionId: string, run: (db: pg.Client) => Promise<T>): Promise<T> {
    const session = this.get(sessionId);
    const t = session.target;
    this.preflight(t);
    const refused = (e: unknown): never => {
      throw mapConnectError(e, { host: t.host, port: t.port, username: t.username, sslmode: t.sslmode });
    };
    return withOneConnection(session.connectionConfig({ database: ADMIN_DATABASE }), refused, async (client) => {
      try {
        return await run(client);
      } catch (e) {
        throw mapQueryError(e, t);
      }
    });
  }

  /** The shared pre-flight: consent, host policy, TLS — the same rules as the CLI, the proxy and the exports. */
  private preflight(target: SessionTarget): PreflightResult {
    return preflight(target, { dataDir: this.opts.dataDir });
  }

  private forward(event: SessionStateEvent): void {
    if (event.state === 'closed') this.sessions.delete(event.sessionId);
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // One broken subscriber must not stop the others.
      }
    }
  }
}

/** A short-lived extra connection: connected (its password forgotten at once), used, always ended. */
async function withOneConnection<T>(config: pg.ClientConfig, onConnectError: (e: unknown) => T, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  try {
    try {
      await client.connect();
      forgetPassword(client);
    } catch (e) {
      return onConnectError(e);
    }
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
