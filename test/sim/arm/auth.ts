// Resource Manager's bearer-token check: the checks it shares with Graph (../bearerTokens.ts: RS256
// signature, lifetime, audience per cloud, issuer), worded as ARM's 401 codes and texts with its
// WWW-Authenticate challenge, and who the caller is (user or app, for RBAC and mandatory MFA).
import { z } from 'zod';
import { BearerClaimsSchema, BearerTokenVerifier, type BearerRefusal } from '../bearerTokens.js';
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

const ArmClaimsSchema = BearerClaimsSchema.extend({
  oid: z.string(),
  upn: z.string().optional(),
  unique_name: z.string().optional(),
  appid: z.string().optional(),
  idtyp: z.string().optional(),
  groups: z.array(z.string()).optional(),
  amr: z.array(z.string()).optional(),
  acrs: z.array(z.string()).optional(),
}).loose();
type ArmClaims = z.infer<typeof ArmClaimsSchema>;

/** .NET's invariant-culture `M/d/yyyy h:mm:ss tt`, as ARM writes times in its texts. */
function dotnetTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const h = d.getUTCHours();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 || 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

const invalid: AuthFailure = { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.', description: 'The access token is invalid.' };

/** ARM's 401 for each refusal: its code, text and challenge description. */
function failureOf(refusal: BearerRefusal<ArmClaims>, audiences: readonly string[]): AuthFailure {
  switch (refusal.reason) {
    case 'missing':
      return {
        code: 'AuthenticationFailed',
        message: "Authentication failed. The 'Authorization' header is missing.",
        description: "The authentication failed because of missing 'Authorization' header.",
      };
    case 'notBearer': {
      const message = "Authentication failed. The 'Authorization' header is provided in an invalid format.";
      return { code: 'AuthenticationFailed', message, description: "The authentication failed because of invalid 'Authorization' header." };
    }
    case 'malformed':
    case 'unknownKey':
    case 'badSignature':
    case 'notYetValid':
      return invalid;
    case 'expired': {
      const message = `The access token expiry UTC time '${dotnetTime(refusal.claims.exp)}' is earlier than current UTC time '${dotnetTime(refusal.now)}'.`;
      return { code: 'ExpiredAuthenticationToken', message, description: 'The access token has expired.' };
    }
    case 'audience': {
      const allowed = audiences.map((a) => `'${a}'`).join(',');
      const message = `The access token has been obtained for wrong audience or resource '${refusal.claims.aud}'. It should exactly match with one of the allowed audiences ${allowed}.`;
      return { code: 'InvalidAuthenticationTokenAudience', message, description: 'The access token has been obtained for wrong audience or resource.' };
    }
    case 'issuer': {
      const message = `The access token is from the wrong issuer '${refusal.claims.iss}'.`;
      return { code: 'InvalidAuthenticationTokenTenant', message, description: 'The access token is from the wrong issuer.' };
    }
  }
}

export class ArmAuthenticator {
  private readonly verifier: BearerTokenVerifier<ArmClaims>;

  constructor(
    jwks: readonly Jwk[],
    /** Tenants whose v1 issuer (https://sts.windows.net/{tid}/) ARM accepts. */
    tenants: readonly string[],
    now?: () => number,
  ) {
    this.verifier = new BearerTokenVerifier(jwks, tenants, ArmClaimsSchema, now);
  }

  authenticate(authorization: string | undefined, audiences: readonly string[]): AuthResult {
    const checked = this.verifier.check(authorization, audiences);
    if (!checked.ok) return { ok: false, failure: failureOf(checked, audiences) };
    const c = checked.claims;
    const isApp = c.idtyp === 'app' || (c.upn === undefined && c.unique_name === undefined);
    return {
      ok: true,
      caller: { objectId: c.oid, groups: c.groups ?? [], tenantId: checked.tenantId, displayName: (isApp ? c.appid : (c.upn ?? c.unique_name)) ?? c.oid },
      authn: { app: isApp, amr: c.amr, acrs: c.acrs },
    };
  }
}

/** ARM's challenge header on every 401. */
export function wwwAuthenticate(f: AuthFailure): string {
  return `Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="${f.description}"`;
}
