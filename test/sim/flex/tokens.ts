// Validates an Entra access token presented as a PostgreSQL password, the way the flexible
// server does: JWT format, RS256 signature against the tenant's published keys, lifetime,
// audience, tenant. Keys come from the JWKS over HTTPS and are cached; an unknown `kid`
// triggers one refetch (key rollover).
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { request } from 'node:https';
import { z } from 'zod';

const JwksSchema = z.object({
  keys: z.array(z.object({ kty: z.string(), kid: z.string().optional(), n: z.string().optional(), e: z.string().optional() }).loose()),
});

const HeaderSchema = z.object({ alg: z.literal('RS256'), kid: z.string().min(1) }).loose();

const ClaimsSchema = z
  .object({
    aud: z.union([z.string(), z.array(z.string())]),
    iss: z.string(),
    exp: z.number(),
    nbf: z.number().optional(),
    iat: z.number().optional(),
    tid: z.string().optional(),
    oid: z.string().optional(),
    upn: z.string().optional(),
    idtyp: z.string().optional(),
    scp: z.string().optional(),
    groups: z.array(z.string()).optional(),
    amr: z.array(z.string()).optional(),
  })
  .loose();
export type AccessTokenClaims = z.infer<typeof ClaimsSchema>;

export type TokenFailure = 'format' | 'expired' | 'audience' | 'issuer' | 'oid' | 'keys-unavailable';
export type TokenCheck = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: TokenFailure };

export interface TokenValidatorOptions {
  jwksUri: string;
  caCertPem: string;
  tenantId: string;
  issuer: string;
  resource: string;
  /** Allowed clock skew for exp/nbf, seconds. */
  skewSeconds?: number;
  now?: () => number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const B64URL = /^[A-Za-z0-9_-]+$/;

function fetchText(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method: 'GET', timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`JWKS fetch failed: HTTP ${res.statusCode ?? '?'}`));
        else resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('JWKS fetch timed out')));
    req.on('error', reject);
    req.end();
  });
}

function decodeJson(part: string): unknown {
  if (!B64URL.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export class TokenValidator {
  private keys = new Map<string, KeyObject>();
  private inflight: Promise<void> | undefined;
  private readonly skew: number;
  private readonly now: () => number;

  constructor(private readonly opts: TokenValidatorOptions) {
    this.skew = opts.skewSeconds ?? 5;
    this.now = opts.now ?? (() => Date.now() / 1000);
  }

  private refresh(): Promise<void> {
    this.inflight ??= (async () => {
      try {
        const jwks = JwksSchema.parse(JSON.parse(await fetchText(this.opts.jwksUri, this.opts.caCertPem)));
        const next = new Map<string, KeyObject>();
        for (const k of jwks.keys) {
          if (k.kty !== 'RSA' || !k.kid || !k.n || !k.e) continue;
          next.set(k.kid, createPublicKey({ key: { kty: 'RSA', n: k.n, e: k.e }, format: 'jwk' }));
        }
        this.keys = next;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  private async key(kid: string): Promise<KeyObject | undefined> {
    const cached = this.keys.get(kid);
    if (cached) return cached;
    await this.refresh();
    return this.keys.get(kid);
  }

  async validate(token: string): Promise<TokenCheck> {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, reason: 'format' };
    const [h, p, s] = parts as [string, string, string];
    const header = HeaderSchema.safeParse(decodeJson(h));
    const claims = ClaimsSchema.safeParse(decodeJson(p));
    if (!header.success || !claims.success || !B64URL.test(s)) return { ok: false, reason: 'format' };

    let key: KeyObject | undefined;
    try {
      key = await this.key(header.data.kid);
    } catch {
      return { ok: false, reason: 'keys-unavailable' };
    }
    if (!key) return { ok: false, reason: 'format' };
    const signed = verify('sha256', Buffer.from(`${h}.${p}`, 'ascii'), key, Buffer.from(s, 'base64url'));
    if (!signed) return { ok: false, reason: 'format' };

    const c = claims.data;
    const now = this.now();
    if (c.exp + this.skew <= now) return { ok: false, reason: 'expired' };
    if (c.nbf !== undefined && c.nbf - this.skew > now) return { ok: false, reason: 'format' };
    const auds = Array.isArray(c.aud) ? c.aud : [c.aud];
    if (!auds.includes(this.opts.resource)) return { ok: false, reason: 'audience' };
    if (c.iss !== this.opts.issuer || (c.tid !== undefined && c.tid.toLowerCase() !== this.opts.tenantId.toLowerCase())) {
      return { ok: false, reason: 'issuer' };
    }
    if (!c.oid || !GUID.test(c.oid)) return { ok: false, reason: 'oid' };
    return { ok: true, claims: c };
  }
}
