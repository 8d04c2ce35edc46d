// What a token says about itself, for the UI, `pgentra token --decode` and choosing the
// PostgreSQL user name. Decodes only — signature checks are the server's job.
//
// Guests: signed in through `organizations`, a guest gets a token from their HOME tenant, which a
// server in the resource tenant refuses; with `--tenant <resource tenant>` the token comes from the
// resource tenant but, by default, carries no `#EXT#` upn — only `unique_name`/`email` with the home
// address, and `idp` naming the home identity provider. Their database role is still the `…#EXT#…`
// name, so the home address is never offered as the role name.
import { z } from 'zod';
import { PgEntraError } from '../../shared/errors.js';
import { guestRoleNameFor } from '../../shared/profile.js';

export { guestRoleNameFor };

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
  email: z.string().optional(),
  idp: z.string().optional(),
  iss: z.string().optional(),
  /** Optional claim: 0 = member, 1 = guest. */
  acct: z.number().optional(),
  _claim_names: z.record(z.string(), z.unknown()).optional(),
});

export interface TokenFacts {
  upn?: string;
  oid?: string;
  tid?: string;
  aud?: string;
  /** Expiry, epoch seconds. */
  exp?: number;
  /** Group ids the token lists; null when it lists none at all (no `groups` claim: membership unknown, not "none"). */
  groupsCount: number | null;
  /** True when groups overflowed into _claim_names (more than 200). */
  groupsOverage: boolean;
  appid?: string;
  idtyp?: string;
  /** The PostgreSQL role name this token logs in as (omitted for a guest whose token lacks the #EXT# upn). */
  expectedUsername?: string;
  kind: 'user' | 'managed-identity' | 'app';
  /** The account is a guest (external) in the token's tenant. */
  guest?: boolean;
  /** A guest's address in their home tenant (unique_name / email), which is NOT their role name. */
  homeUpn?: string;
  /** The identity provider of an external account (`idp`). */
  idp?: string;
  /** What to do about the token, in words: guest role names, the tenant to sign in to. */
  notes?: string[];
}

export interface DescribeOptions {
  /** The server's tenant, when known (a custom cloud's tenantId): a token from another tenant is refused. */
  serverTenantId?: string;
}

const GUEST_UPN = /#EXT#@/i;

/** An external account's home address without a provider prefix such as `live.com#`. */
function homeAddressOf(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const hash = s.lastIndexOf('#');
  return hash >= 0 && !GUEST_UPN.test(s) ? s.slice(hash + 1) : s;
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

export function describeToken(jwt: string, opts: DescribeOptions = {}): TokenFacts {
  const parsed = Claims.safeParse(decodeJwtPayload(jwt));
  if (!parsed.success) {
    throw new PgEntraError('token_decode_failed', `The token claims have unexpected types: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}.`);
  }
  const c = parsed.data;
  const ownIssuer = c.tid ? [`https://sts.windows.net/${c.tid}/`, `https://login.microsoftonline.com/${c.tid}/v2.0`] : [];
  // idp names the account's home identity provider when it is not the token's own tenant.
  const external = c.idp !== undefined && c.idp !== c.iss && !ownIssuer.includes(c.idp);
  const guestUpn = [c.upn, c.unique_name, c.preferred_username].find((v) => v !== undefined && GUEST_UPN.test(v));
  const guest = guestUpn !== undefined || c.acct === 1 || external || /^[\w.-]+#/.test(c.unique_name ?? '');
  // A guest's unique_name/email is the home address: never the role name. v2 tokens have no upn,
  // only preferred_username (the sign-in name); the app id is never a user's role.
  const upn = guest ? guestUpn : (c.upn ?? c.unique_name ?? c.preferred_username);
  const homeUpn = guest && !guestUpn ? homeAddressOf(c.unique_name ?? c.email ?? c.preferred_username) : undefined;
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
  } else if (guest && (c.idtyp === 'user' || c.idtyp === undefined) && !miName) {
    kind = 'user'; // a guest without the #EXT# upn: the role name is not in the token
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
    // Whether a token for the PostgreSQL resource carries `groups` depends on how the resource is
    // configured: an absent claim says nothing about membership.
    groupsCount: c.groups ? c.groups.length : null,
    groupsOverage: c._claim_names !== undefined && 'groups' in c._claim_names,
    ...(appid ? { appid } : {}),
    ...(c.idtyp ? { idtyp: c.idtyp } : {}),
    ...(expectedUsername ? { expectedUsername } : {}),
    kind,
    ...(guest ? { guest: true } : {}),
    ...(homeUpn ? { homeUpn } : {}),
    ...(c.idp && external ? { idp: c.idp } : {}),
    ...notesFor({ guest, guestUpn, homeUpn, tid: c.tid, serverTenantId: opts.serverTenantId, kind }),
  };
}

function notesFor(f: { guest: boolean; guestUpn: string | undefined; homeUpn: string | undefined; tid: string | undefined; serverTenantId: string | undefined; kind: TokenFacts['kind'] }): {
  notes?: string[];
} {
  const notes: string[] = [];
  if (f.guest && f.guestUpn) {
    notes.push(`A guest account: its PostgreSQL role is the full guest UPN ${f.guestUpn} (with #EXT#; quote it in psql), not the home address.`);
  } else if (f.guest) {
    notes.push(
      `A guest (external) account: the token carries no #EXT# upn, only the home address${f.homeUpn ? ` ${f.homeUpn}` : ''}, which is NOT the role name. ` +
        `Its PostgreSQL role is its guest UPN in the server's tenant, for example ${guestRoleNameFor(f.homeUpn ?? 'name@home.example')} (as Entra shows it under the server tenant's users).`,
    );
  }
  if (f.serverTenantId && f.tid && f.tid.toLowerCase() !== f.serverTenantId.toLowerCase()) {
    notes.push(
      `This token is from tenant ${f.tid}, the server's tenant is ${f.serverTenantId}: the server refuses it. Sign in to the server's tenant with --tenant ${f.serverTenantId} (a guest signs in to their home tenant by default).`,
    );
  }
  return notes.length ? { notes } : {};
}
