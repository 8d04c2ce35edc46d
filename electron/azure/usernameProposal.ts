// Which PostgreSQL role a profile should log in as, from the server's Entra admins and the
// account's own database token: the account itself when it is an admin (its `oid`), an admin
// group its token lists (`groups`), else its own role name; admin groups the token does not
// show (not a member, or more groups than the token can carry) stay as choices, marked unverified.
import { z } from 'zod';
import type { EntraAdmin, UsernameChoice } from '../../shared/azure.js';
import { decodeJwtPayload, describeToken } from '../auth/describeToken.js';

export interface AccountClaims {
  oid?: string;
  /** Group object ids from the token; undefined when it does not say (overage, or no `groups` claim at all). */
  groups?: string[];
  /** Why `groups` is undefined: more groups than a token carries, or none listed (the resource emits no groups claim). */
  groupsUnknown?: 'overage' | 'absent';
  /** The account's own role name (UPN; a guest's #EXT# UPN; an identity's name), when known. */
  roleName?: string;
}

const GroupClaims = z.looseObject({ groups: z.array(z.string()).optional().catch(undefined), _claim_names: z.record(z.string(), z.unknown()).optional().catch(undefined) });

/** The claims that matter here, from the database access token (decoded only; the server verifies it). */
export function claimsFromToken(jwt: string, fallbackName?: string): AccountClaims {
  const facts = describeToken(jwt);
  const raw = GroupClaims.safeParse(decodeJwtPayload(jwt));
  const overage = facts.groupsOverage || (raw.success && raw.data._claim_names !== undefined && 'groups' in raw.data._claim_names);
  // No claim is not "member of nothing": whether database tokens carry groups is the resource's configuration.
  const groups = raw.success && !overage ? raw.data.groups : undefined;
  const groupsUnknown = overage ? ('overage' as const) : groups === undefined ? ('absent' as const) : undefined;
  const roleName = facts.expectedUsername ?? fallbackName;
  return { ...(facts.oid ? { oid: facts.oid } : {}), ...(groups ? { groups } : {}), ...(groupsUnknown ? { groupsUnknown } : {}), ...(roleName ? { roleName } : {}) };
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Usernames to choose from, best first (never empty when the account's role name is known). */
export function proposeUsernames(admins: readonly EntraAdmin[] | null, claims: AccountClaims): UsernameChoice[] {
  const out: UsernameChoice[] = [];
  const add = (c: UsernameChoice): void => {
    if (!out.some((o) => o.username === c.username)) out.push(c);
  };
  const list = admins ?? [];
  const groups = claims.groups ? new Set(claims.groups.map((g) => g.toLowerCase())) : undefined;
  for (const a of list) {
    if (a.principalType !== 'Group' && claims.oid && same(a.objectId, claims.oid))
      add({ username: a.principalName, reason: 'admin-user', label: `${a.principalName} — you are a Microsoft Entra admin of this server` });
  }
  for (const a of list) {
    if (a.principalType === 'Group' && groups?.has(a.objectId.toLowerCase()))
      add({ username: a.principalName, reason: 'admin-group', label: `${a.principalName} — a Microsoft Entra admin group your account is in` });
  }
  if (claims.roleName) {
    add({
      username: claims.roleName,
      reason: 'account',
      label: `${claims.roleName} — your own account (${admins === null ? "the server's admins are unknown; " : ''}it must exist as a role on the server)`,
    });
  }
  for (const a of list) {
    if (a.principalType === 'Group' && !groups?.has(a.objectId.toLowerCase())) {
      const why = groups
        ? 'your token does not show you as a member'
        : claims.groupsUnknown === 'overage'
          ? 'your token lists too many groups to tell whether you are a member'
          : 'your token does not list groups, so pgEntra cannot tell whether you are a member';
      add({ username: a.principalName, reason: 'admin-group-unverified', label: `${a.principalName} — a Microsoft Entra admin group; ${why}` });
    }
  }
  return out;
}
