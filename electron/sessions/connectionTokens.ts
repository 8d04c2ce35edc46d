// The password of every new physical connection of a session: an Entra access token from the
// TokenProvider. pg asks for it only after TLS verified the server and the server asked for a
// password; an Entra role always asks for a cleartext one, so any other method is refused here
// without fetching a token. Keeps the facts of the newest token (account and expiry, never the
// token itself) and the password method the server asked for, for error messages and session info.
import { PgEntraError } from '../../shared/errors.js';
import type { ConnectStage } from '../../shared/ipcSessions.js';
import { cloudRef } from '../../shared/profile.js';
import type { AccessToken, TokenProvider } from '../auth/tokenProvider.js';
import { classifyLoginRefusal, describeRefusal, type AuthMethod } from './loginRefusal.js';
import type { SessionTarget } from './types.js';

/** After "The access token has expired", ask for a token with at least this much life left. */
export const FRESH_TOKEN_SECONDS = 900;

/** Facts of an issued token (never the token). */
export interface IssuedToken {
  account?: string;
  expiresOn: Date;
}

export class ConnectionTokens {
  /** The next token must have FRESH_TOKEN_SECONDS of life left (the last one expired at login). */
  private forceFreshToken = false;
  /** The next token must come from Entra, not a cache (the person asked: "Retry with a fresh token"). */
  private bypassTokenCache = false;
  /** The password method the server asked for on the newest connection attempt. */
  private authMethod: AuthMethod | undefined;
  /** The token issued most recently for a new connection (facts only, never the token). */
  private issued: IssuedToken | undefined;

  constructor(
    private readonly target: SessionTarget,
    private readonly tokens: TokenProvider,
    /** Connect stages for the connect panel: 'token' before asking, 'authenticating' after. */
    private readonly report: (stage: ConnectStage) => void,
  ) {}

  get lastAuthMethod(): AuthMethod | undefined {
    return this.authMethod;
  }

  get lastIssued(): IssuedToken | undefined {
    return this.issued;
  }

  /** A new connection attempt starts: forget the password method the previous one saw. */
  forgetAuthMethod(): void {
    this.authMethod = undefined;
  }

  /** The next token asked for comes from Entra, bypassing every cache. */
  bypassCacheOnce(): void {
    this.bypassTokenCache = true;
  }

  /** The next token asked for must have at least FRESH_TOKEN_SECONDS of life left. */
  requireFreshOnce(): void {
    this.forceFreshToken = true;
  }

  /** pg calls this for every new physical connection, after TLS verified and the server asked for a password. */
  async passwordFor(authMethod?: AuthMethod): Promise<string> {
    if (authMethod) this.authMethod = authMethod;
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
    // pg asks for the password only after TLS verified the server.
    this.report('token');
    let token: AccessToken;
    try {
      token = await this.tokens.getToken({
        credential: this.target.credential,
        cloud: cloudRef(this.target.cloud),
        ...(fresh ? { minValiditySeconds: FRESH_TOKEN_SECONDS } : {}),
        ...(bypass ? { fresh: true } : {}),
      });
    } catch (e) {
      throw e instanceof PgEntraError ? e : new PgEntraError('sign_in_failed', `Could not get an Entra token: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    this.issued = { expiresOn: token.expiresOn, ...(token.account ? { account: token.account } : {}) };
    this.report('authenticating');
    return token.token;
  }
}
