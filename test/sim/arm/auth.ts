// Resource Manager's bearer-token check, in process against the Entra simulator's published keys:
// RS256 signature, lifetime, audience (per cloud), issuer (a tenant the directory knows). Failures
// are ARM's 401 codes and texts, with its WWW-Authenticate challenge.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { Jwk } from '../entra/keys.js';
import type { TokenAuthn } from './mfa.js';
import type { Caller } from './rbac.js';

export interface AuthFailure {
  code: string;
  message: string;
  /** The WWW-Authenticate error_description. */
  description: string;
}

/** `authn`: how the token's subject signed in (for Azure's mandatory MFA). */
export type AuthResult = { ok: true; caller: Caller; authn: TokenAuthn } | { ok: false; failure: AuthFailure };

const ClaimsSchema = z
  .object({
    aud: z.string(),
    iss: z.string(),
    exp: z.number(),
    nbf: z.number().optional(),
    oid: z.string(),
    tid: z.string(),
    upn: z.string().optional(),
    unique_name: z.string().optional(),
    appid: z.string().optional(),
    idtyp: z.string().optional(),
    groups: z.array(z.string()).optional(),
    amr: z.array(z.string()).optional(),
    acrs: z.array(z.string()).optional(),
  })
  .loose();

const HeaderSchema = z.object({ alg: z.literal('RS256'), kid: z.string() }).loose();

const SKEW_SECONDS = 300; // ARM tolerates five minutes of clock skew

function decode(part: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** .NET's invariant-culture `M/d/yyyy h:mm:ss tt`, as ARM writes times in its texts. */
function dotnetTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const h = d.getUTCHours();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 || 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

const invalid: AuthFailure = { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.', description: 'The access token is invalid.' };

export class ArmAuthenticator {
  private readonly keys: Map<string, KeyObject>;

  constructor(
    jwks: readonly Jwk[],
    /** Tenants whose v1 issuer (https://sts.windows.net/{tid}/) ARM accepts. */
    private readonly tenants: readonly string[],
    private readonly now: () => number = () => Date.now() / 1000,
  ) {
    this.keys = new Map(jwks.map((k) => [k.kid, createPublicKey({ key: { kty: 'RSA', n: k.n, e: k.e }, format: 'jwk' })]));
  }

  authenticate(authorization: string | undefined, audiences: readonly string[]): AuthResult {
    if (!authorization) {
      return {
        ok: false,
        failure: {
          code: 'AuthenticationFailed',
          message: "Authentication failed. The 'Authorization' header is missing.",
          description: "The authentication failed because of missing 'Authorization' header.",
        },
      };
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m?.[1]) {
      const message = "Authentication failed. The 'Authorization' header is provided in an invalid format.";
      return { ok: false, failure: { code: 'AuthenticationFailed', message, description: "The authentication failed because of invalid 'Authorization' header." } };
    }
    const parts = m[1].split('.');
    if (parts.length !== 3) return { ok: false, failure: invalid };
    const [h, p, s] = parts as [string, string, string];
    const header = HeaderSchema.safeParse(decode(h));
    const claims = ClaimsSchema.safeParse(decode(p));
    const key = header.success ? this.keys.get(header.data.kid) : undefined;
    if (!key || !claims.success || !/^[A-Za-z0-9_-]+$/.test(s)) return { ok: false, failure: invalid };
    if (!verify('sha256', Buffer.from(`${h}.${p}`, 'ascii'), key, Buffer.from(s, 'base64url'))) return { ok: false, failure: invalid };

    const c = claims.data;
    const now = this.now();
    if (c.exp + SKEW_SECONDS <= now) {
      const message = `The access token expiry UTC time '${dotnetTime(c.exp)}' is earlier than current UTC time '${dotnetTime(now)}'.`;
      return { ok: false, failure: { code: 'ExpiredAuthenticationToken', message, description: 'The access token has expired.' } };
    }
    if (c.nbf !== undefined && c.nbf - SKEW_SECONDS > now) return { ok: false, failure: invalid };
    if (!audiences.includes(c.aud)) {
      const allowed = audiences.map((a) => `'${a}'`).join(',');
      const message = `The access token has been obtained for wrong audience or resource '${c.aud}'. It should exactly match with one of the allowed audiences ${allowed}.`;
      return { ok: false, failure: { code: 'InvalidAuthenticationTokenAudience', message, description: 'The access token has been obtained for wrong audience or resource.' } };
    }
    const tenant = this.tenants.find((t) => c.iss === `https://sts.windows.net/${t}/` && c.tid.toLowerCase() === t.toLowerCase());
    if (!tenant) {
      const message = `The access token is from the wrong issuer '${c.iss}'.`;
      return { ok: false, failure: { code: 'InvalidAuthenticationTokenTenant', message, description: 'The access token is from the wrong issuer.' } };
    }
    const isApp = c.idtyp === 'app' || (c.upn === undefined && c.unique_name === undefined);
    return {
      ok: true,
      caller: { objectId: c.oid, groups: c.groups ?? [], tenantId: tenant, displayName: (isApp ? c.appid : (c.upn ?? c.unique_name)) ?? c.oid },
      authn: { app: isApp, amr: c.amr, acrs: c.acrs },
    };
  }
}

/** ARM's challenge header on every 401. */
export function wwwAuthenticate(f: AuthFailure): string {
  return `Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="${f.description}"`;
}
