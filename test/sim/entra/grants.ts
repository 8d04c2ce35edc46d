// Authorization codes, pending sign-ins and refresh tokens: single-use codes; refresh tokens
// that rotate on use but stay redeemable for a grace period (Entra does not revoke a used one),
// and can be revoked. Grants name the account by its HOME object id. Entries are opaque
// random strings like Entra's. Codes and refresh tokens remember whether the sign-in did MFA
// (and which authentication contexts it met): tokens redeemed from them say so.
import { randomBytes } from 'node:crypto';
import type { AuthState, StepUp } from './claims.js';

const CODE_TTL_MS = 10 * 60_000; // Entra's codes live about 10 minutes
const PENDING_TTL_MS = 15 * 60_000;

export interface AuthorizeParams {
  tenant: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge: string;
  prompt?: string;
  loginHint?: string;
  /** What the request's `claims` asked for. */
  stepUp: StepUp;
  /** The resource the scope names (Conditional Access is evaluated for it). */
  resource: string;
  /** Microsoft Graph permissions the scope names (each needs consent). */
  permissions: string[];
}

/** A sign-in under way on the pages: who picked which account, what they have done so far. */
export interface PendingSignIn {
  accountId: string;
  auth: AuthState;
  /** The person chose "Approve with MFA" on the chooser. */
  wantsMfa: boolean;
}

export interface CodeGrant extends AuthorizeParams {
  /** Home object id of the account that signed in. */
  accountId: string;
  auth: AuthState;
  expiresAt: number;
  redeemed: boolean;
}

export interface RefreshGrant {
  /** Home object id: a refresh token is bound to user and client, not to a tenant or resource. */
  accountId: string;
  clientId: string;
  auth: AuthState;
  issuedAt: Date;
  /** First redemption (ms since epoch); the token stays valid for the grace period after it. */
  redeemedAt?: number;
  /** When revokeRefreshTokens() cut it off (Entra's TokensValidFrom). */
  revokedAt?: Date;
}

const opaque = (prefix: string, bytes: number): string => `${prefix}${randomBytes(bytes).toString('base64url')}`;

export class GrantStore {
  private readonly pending = new Map<string, { params: AuthorizeParams; expiresAt: number; signIn?: PendingSignIn }>();
  private readonly codes = new Map<string, CodeGrant>();
  private readonly refresh = new Map<string, RefreshGrant>();

  addPending(params: AuthorizeParams): string {
    const id = opaque('', 24);
    this.pending.set(id, { params, expiresAt: Date.now() + PENDING_TTL_MS });
    return id;
  }

  getPending(id: string): AuthorizeParams | undefined {
    const p = this.pending.get(id);
    if (!p || p.expiresAt < Date.now()) return undefined;
    return p.params;
  }

  dropPending(id: string): void {
    this.pending.delete(id);
  }

  getPendingSignIn(id: string): PendingSignIn | undefined {
    return this.getPending(id) && this.pending.get(id)?.signIn;
  }

  setPendingSignIn(id: string, signIn: PendingSignIn): void {
    const p = this.pending.get(id);
    if (p) p.signIn = signIn;
  }

  issueCode(params: AuthorizeParams, accountId: string, auth: AuthState): string {
    const code = opaque('1.A', 96);
    this.codes.set(code, { ...params, accountId, auth, expiresAt: Date.now() + CODE_TTL_MS, redeemed: false });
    return code;
  }

  getCode(code: string): CodeGrant | undefined {
    return this.codes.get(code);
  }

  issueRefreshToken(accountId: string, clientId: string, auth: AuthState): string {
    const token = opaque('1.A', 160);
    this.refresh.set(token, { accountId, clientId, auth, issuedAt: new Date() });
    return token;
  }

  getRefreshToken(token: string): RefreshGrant | undefined {
    return this.refresh.get(token);
  }

  /** Revokes every refresh token of the account (all accounts when omitted). */
  revoke(accountId?: string): void {
    const now = new Date();
    for (const g of this.refresh.values()) if ((accountId === undefined || g.accountId === accountId) && !g.revokedAt) g.revokedAt = now;
  }
}
