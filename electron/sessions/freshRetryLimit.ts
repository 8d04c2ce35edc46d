// When a refused group login is tried once more with a token fetched from Entra now (a cached token
// can predate a PIM activation). Each such try costs a forced token refresh and a second server
// login, so a wrong group name, or pgAdmin or a pool reconnecting in a loop, must not turn every
// attempt into one — Entra throttles. Not when the refused token was issued moments ago (a new one
// would carry the same groups), and at most once a minute per account, role and server. Shared by
// the local auth proxy (proxy/upstreamSignIn.ts) and the sessions (manager.ts).
import { z } from 'zod';
import { decodeJwtPayload } from '../auth/describeToken.js';
import type { TokenProvider } from '../auth/tokenProvider.js';

/** A token issued less than this long ago counts as fetched just now. */
export const JUST_ISSUED_MS = 60_000;
/** At most one fresh try per route within this long. */
export const FRESH_RETRY_INTERVAL_MS = 60_000;

/** Whether to fetch a fresh token, and why not. */
export type FreshRetryDecision = 'retry' | 'just-issued' | 'too-soon';

/** Whose login, as whom, where: the refreshes are counted per route. */
export interface FreshRetryRoute {
  account: string | undefined;
  role: string;
  host: string;
  port: number;
}

const IssuedAt = z.object({ iat: z.number() });

/** The token's `iat` in ms (decoded only, never verified); undefined for what is not a JWT with one. */
export function issuedAtMs(jwt: string): number | undefined {
  try {
    const parsed = IssuedAt.safeParse(decodeJwtPayload(jwt));
    return parsed.success ? parsed.data.iat * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export class FreshRetryLimit {
  private readonly last = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Whether a login refused with `token` may be tried again with a fresh one; a `retry` is counted
   * for the route. A token without a readable `iat`, or one dated early (an issuer allowing for
   * clock skew), counts as old: the per-route limit still holds.
   */
  decide(route: FreshRetryRoute, token: string | undefined): FreshRetryDecision {
    const now = this.now();
    const iat = token === undefined ? undefined : issuedAtMs(token);
    if (iat !== undefined && now - iat < JUST_ISSUED_MS) return 'just-issued';
    for (const [k, at] of this.last) if (now - at >= FRESH_RETRY_INTERVAL_MS) this.last.delete(k);
    const key = JSON.stringify([route.account?.toLowerCase() ?? '', route.role, route.host.toLowerCase(), route.port]);
    if (this.last.has(key)) return 'too-soon';
    this.last.set(key, now);
    return 'retry';
  }
}

const limits = new WeakMap<TokenProvider, FreshRetryLimit>();

/** The limit for a token source: the refreshes it spares are that source's (one broker per process). */
export function freshRetryLimitFor(tokens: TokenProvider): FreshRetryLimit {
  let limit = limits.get(tokens);
  if (!limit) {
    limit = new FreshRetryLimit();
    limits.set(tokens, limit);
  }
  return limit;
}
