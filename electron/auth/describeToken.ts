// What a token says about itself, for the UI, `pgentra token --decode` and choosing the
// PostgreSQL user name. Decodes only — signature checks are the server's job.
import { z } from 'zod';
import { PgEntraError } from '../../shared/errors.js';

const Claims = z.looseObject({
  upn: z.string().optional(),
  unique_name: z.string().optional(),
  preferred_username: z.string().optional(),
  oid: z.string().optional(),
  tid: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  exp: z.number().optional(),
  iat: z.number().optional(),
  appid: z.string().optional(),
  azp: z.string().optional(),
  idtyp: z.string().optional(),
  xms_mirid: z.string().optional(),
  groups: z.array(z.string()).optional(),
  _claim_names: z.record(z.string(), z.unknown()).optional(),
});

export interface TokenFacts {
  upn?: string;
  oid?: string;
  tid?: string;
  aud?: string;
  /** Expiry, epoch seconds. */
  exp?: number;
  groupsCount: number;
  /** True when groups overflowed into _claim_names (more than 200). */
  groupsOverage: boolean;
  appid?: string;
  idtyp?: string;
  /** The PostgreSQL role name this token logs in as. */
  expectedUsername?: string;
  kind: 'user' | 'managed-identity' | 'app';
}

export function decodeJwtPayload(jwt: string): unknown {
  const parts = jwt.trim().split('.');
  if (parts.length !== 3 || !parts[1]) {
    throw new PgEntraError('token_decode_failed', 'This is not a JWT (expected three dot-separated parts).');
  }
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new PgEntraError('token_decode_failed', 'The token payload is not base64url-encoded JSON.');
  }
}

export function describeToken(jwt: string): TokenFacts {
  const parsed = Claims.safeParse(decodeJwtPayload(jwt));
  if (!parsed.success) {
    throw new PgEntraError('token_decode_failed', `The token claims have unexpected types: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}.`);
  }
  const c = parsed.data;
  const upn = c.upn ?? c.unique_name;
  const appid = c.appid ?? c.azp;
  const aud = Array.isArray(c.aud) ? c.aud[0] : c.aud;
  // Managed identity tokens carry xms_mirid = …/providers/<type>/<name>; the role is the identity name.
  const miName = c.xms_mirid ? c.xms_mirid.split('/').filter(Boolean).pop() : undefined;
  const isUser = c.idtyp === 'user' || (c.idtyp === undefined && upn !== undefined);
  let kind: TokenFacts['kind'];
  let expectedUsername: string | undefined;
  if (isUser && upn) {
    kind = 'user';
    expectedUsername = upn; // guests keep their full …#EXT#… UPN: that is the role name
  } else if (miName) {
    kind = 'managed-identity';
    expectedUsername = miName;
  } else {
    kind = 'app';
    expectedUsername = appid;
  }
  return {
    ...(upn ? { upn } : {}),
    ...(c.oid ? { oid: c.oid } : {}),
    ...(c.tid ? { tid: c.tid } : {}),
    ...(aud ? { aud } : {}),
    ...(c.exp !== undefined ? { exp: c.exp } : {}),
    groupsCount: c.groups?.length ?? 0,
    groupsOverage: c._claim_names !== undefined && 'groups' in c._claim_names,
    ...(appid ? { appid } : {}),
    ...(c.idtyp ? { idtyp: c.idtyp } : {}),
    ...(expectedUsername ? { expectedUsername } : {}),
    kind,
  };
}
