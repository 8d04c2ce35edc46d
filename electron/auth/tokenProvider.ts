// The one interface sessions, the CLI, the pgAdmin password command and the proxy use to get a
// token. The token broker implements it; nothing else talks to MSAL.
import type { Credential } from '../../shared/credential.js';

export interface AccessToken {
  /** The raw JWT. Never log it, never send it to the renderer. */
  token: string;
  expiresOn: Date;
  /** UPN or identity name the token was issued for, when known. */
  account?: string;
  tenantId?: string;
}

export type TokenResource = 'postgres' | 'management' | 'graph';

export interface TokenRequest {
  credential: Credential;
  /** Cloud of the profile: `public` | `usgov` | `china` | path of a custom cloud file. */
  cloud: string;
  /**
   * What the token is for: the cloud's PostgreSQL resource (default), or Azure Resource Manager
   * (`<managementEndpoint>/.default`: discovery, pre-flight checks, firewall rules), or Microsoft
   * Graph's PIM permissions (explicit delegated scopes, asked for only when PIM is used), with the
   * same account and MSAL cache.
   */
  resource?: TokenResource;
  /** Ask for a token with at least this many seconds left (default: the broker's margin). */
  minValiditySeconds?: number;
  /**
   * Bypass every cache (memory, keychain, MSAL's) and ask Entra for a new token: after a PIM
   * activation or a group change, a cached token predates the membership the server checks.
   */
  fresh?: boolean;
  /**
   * Claims (JSON) a challenge asked for (ARM's 401 insufficient_claims, Conditional Access): the
   * token comes from Entra with them, never from a cache. When that needs a person, the request
   * fails with a StepUpRequired (electron/auth/stepUp.ts) naming this scope.
   */
  claims?: string;
  /**
   * A check nobody asked for (PIM eligibility after a refused login): when the token would need the
   * person (sign-in, MFA), the request only fails with the typed error — the broker raises no
   * `sign-in-required`, so the app shows no sign-in banner for it.
   */
  quiet?: boolean;
  signal?: AbortSignal;
}

export interface TokenProvider {
  /** Resolves a valid token or rejects with a PgEntraError (sign_in_required, network_unavailable, …). */
  getToken(req: TokenRequest): Promise<AccessToken>;
}
