// Microsoft Graph's bearer-token check, in process against the Entra simulator's published keys:
// RS256 signature, lifetime, audience (Graph's URI in the cloud asked, or its app id), issuer (a
// tenant the directory knows), and a delegated (`scp`) or app (`roles`) permission claim. Failures
// are Graph's 401 InvalidAuthenticationToken texts with its WWW-Authenticate challenge.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { Jwk } from '../entra/keys.js';

/** Who called, as the token says. */
export interface GraphCaller {
  objectId: string;
  tenantId: string;
  /** Delegated permissions (`scp`); empty for app tokens. */
  scopes: string[];
  /** A user's (delegated) token, not an app's. */
  user: boolean;
  /** The token's amr names mfa. */
  mfa: boolean;
  acrs: string[];
}

export type GraphAuthResult = { ok: true; caller: GraphCaller } | { ok: false; message: string };

const ClaimsSchema = z
  .object({
    aud: z.string(),
    iss: z.string(),
    exp: z.number(),
    nbf: z.number().optional(),
    oid: z.string(),
    tid: z.string(),
    scp: z.string().optional(),
    roles: z.array(z.string()).optional(),
    idtyp: z.string().optional(),
    amr: z.array(z.string()).optional(),
    acrs: z.array(z.string()).optional(),
  })
  .loose();

const HeaderSchema = z.object({ alg: z.literal('RS256'), kid: z.string() }).loose();

const SKEW_SECONDS = 300;

function decode(part: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const refuse = (message: string): GraphAuthResult => ({ ok: false, message });

export class GraphAuthenticator {
  private readonly keys: Map<string, KeyObject>;

  constructor(
    jwks: readonly Jwk[],
    /** Tenants whose v1 issuer (https://sts.windows.net/{tid}/) Graph accepts. */
    private readonly tenants: readonly string[],
    private readonly now: () => number = () => Date.now() / 1000,
  ) {
    this.keys = new Map(jwks.map((k) => [k.kid, createPublicKey({ key: { kty: 'RSA', n: k.n, e: k.e }, format: 'jwk' })]));
  }

  authenticate(authorization: string | undefined, audiences: readonly string[]): GraphAuthResult {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m?.[1]) return refuse('Access token is empty.');
    const parts = m[1].split('.');
    // Graph's text for a string that is not a compact JWT.
    if (parts.length !== 3) return refuse('CompactToken parsing failed with error code: 80049217');
    const [h, p, s] = parts as [string, string, string];
    const header = HeaderSchema.safeParse(decode(h));
    const claims = ClaimsSchema.safeParse(decode(p));
    if (!header.success || !claims.success || !/^[A-Za-z0-9_-]+$/.test(s)) return refuse('CompactToken parsing failed with error code: 80049217');
    const key = this.keys.get(header.data.kid);
    if (!key || !verify('sha256', Buffer.from(`${h}.${p}`, 'ascii'), key, Buffer.from(s, 'base64url'))) return refuse('Access token validation failure.');
    const c = claims.data;
    const now = this.now();
    if (c.exp + SKEW_SECONDS <= now || (c.nbf !== undefined && c.nbf - SKEW_SECONDS > now)) return refuse('Lifetime validation failed, the token is expired.');
    if (!audiences.includes(c.aud)) return refuse('Access token validation failure. Invalid audience.');
    const tenant = this.tenants.find((t) => c.iss === `https://sts.windows.net/${t}/` && c.tid.toLowerCase() === t.toLowerCase());
    if (!tenant) return refuse('Access token validation failure. Invalid issuer.');
    if (c.scp === undefined && c.roles === undefined) return refuse('Either scp or roles claim need to be present in the token.');
    return {
      ok: true,
      caller: {
        objectId: c.oid.toLowerCase(),
        tenantId: tenant,
        scopes: (c.scp ?? '').split(' ').filter(Boolean),
        user: c.idtyp !== 'app' && c.scp !== undefined,
        mfa: (c.amr ?? []).includes('mfa'),
        acrs: c.acrs ?? [],
      },
    };
  }
}

/** Graph's challenge on every 401. */
export const WWW_AUTHENTICATE = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`;
