// The bearer-token check Azure's resource providers share (Resource Manager's, Graph's), in process
// against the Entra simulator's published keys: a compact RS256 JWT signed by a published key,
// within its lifetime, for one of the audiences asked, with the v1 issuer of a tenant the directory
// knows. It says which check failed; each service words its own refusals.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { Jwk } from './entra/keys.js';

/** The claims this check reads; a service extends it with the ones it reads itself. */
export const BearerClaimsSchema = z
  .object({
    aud: z.string(),
    iss: z.string(),
    exp: z.number(),
    nbf: z.number().optional(),
    tid: z.string(),
  })
  .loose();
export type BearerClaims = z.infer<typeof BearerClaimsSchema>;

/**
 * Why a token was refused, in the order the checks run. `malformed`: not a compact JWT whose
 * header is RS256 with a kid and whose claims fit the service's schema.
 */
export type BearerRefusal<C> =
  | { reason: 'missing' | 'notBearer' | 'malformed' | 'unknownKey' | 'badSignature' }
  | { reason: 'expired'; claims: C; /** When the check ran (seconds): ARM's text names it. */ now: number }
  | { reason: 'notYetValid' | 'audience' | 'issuer'; claims: C };

/** `tenantId`: the directory's spelling of the token's tenant. */
export type BearerCheck<C> = { ok: true; claims: C; tenantId: string } | ({ ok: false } & BearerRefusal<C>);

const HeaderSchema = z.object({ alg: z.literal('RS256'), kid: z.string() }).loose();

const BASE64URL = /^[A-Za-z0-9_-]+$/;

const SKEW_SECONDS = 300; // Azure tolerates five minutes of clock skew

function decode(part: string): unknown {
  if (!BASE64URL.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export class BearerTokenVerifier<C extends BearerClaims> {
  private readonly keys: Map<string, KeyObject>;

  constructor(
    jwks: readonly Jwk[],
    /** Tenants whose v1 issuer (https://sts.windows.net/{tid}/) the service accepts. */
    private readonly tenants: readonly string[],
    private readonly claimsSchema: z.ZodType<C>,
    private readonly now: () => number = () => Date.now() / 1000,
  ) {
    this.keys = new Map(jwks.map((k) => [k.kid, createPublicKey({ key: { kty: 'RSA', n: k.n, e: k.e }, format: 'jwk' })]));
  }

  /** Checks an Authorization header's bearer token for one of `audiences`. */
  check(authorization: string | undefined, audiences: readonly string[]): BearerCheck<C> {
    if (!authorization) return { ok: false, reason: 'missing' };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m?.[1]) return { ok: false, reason: 'notBearer' };
    const parts = m[1].split('.');
    if (parts.length !== 3) return { ok: false, reason: 'malformed' };
    const [h, p, s] = parts as [string, string, string];
    const header = HeaderSchema.safeParse(decode(h));
    const claims = this.claimsSchema.safeParse(decode(p));
    if (!header.success || !claims.success || !BASE64URL.test(s)) return { ok: false, reason: 'malformed' };
    const key = this.keys.get(header.data.kid);
    if (!key) return { ok: false, reason: 'unknownKey' };
    if (!verify('sha256', Buffer.from(`${h}.${p}`, 'ascii'), key, Buffer.from(s, 'base64url'))) return { ok: false, reason: 'badSignature' };

    const c = claims.data;
    const now = this.now();
    if (c.exp + SKEW_SECONDS <= now) return { ok: false, reason: 'expired', claims: c, now };
    if (c.nbf !== undefined && c.nbf - SKEW_SECONDS > now) return { ok: false, reason: 'notYetValid', claims: c };
    if (!audiences.includes(c.aud)) return { ok: false, reason: 'audience', claims: c };
    const tenantId = this.tenants.find((t) => c.iss === `https://sts.windows.net/${t}/` && c.tid.toLowerCase() === t.toLowerCase());
    if (!tenantId) return { ok: false, reason: 'issuer', claims: c };
    return { ok: true, claims: c, tenantId };
  }
}
