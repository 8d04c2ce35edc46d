// Which of the resource tenant's Conditional Access policies apply to a sign-in (user, client,
// resource), and what they demand. Block wins over the grant controls, as in Entra; report-only and
// disabled policies are never enforced. Guests signing in to their home tenant meet none of them.
import type { ConditionalAccessPolicy, Directory } from '../types.js';
import { findAccount, type Principal } from './directory.js';

export type CaGrant = ConditionalAccessPolicy['grant'];

/** Resource Manager answers to several resource URIs (the CLI asks for management.core.windows.net). */
const ARM_RESOURCES = [
  'https://management.azure.com',
  'https://management.core.windows.net',
  'https://management.usgovcloudapi.net',
  'https://management.core.usgovcloudapi.net',
  'https://management.chinacloudapi.cn',
  'https://management.core.chinacloudapi.cn',
];

const canonical = (r: string): string =>
  r
    .replace(/\/\.default$/, '')
    .replace(/\/+$/, '')
    .toLowerCase();
const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * A resource URI and its aliases: every Resource Manager URI (and a custom cloud's ARM endpoint,
 * `armAliases`) is one cloud app to Conditional Access, like Entra's "Windows Azure Service Management API".
 */
function aliasesOf(resource: string, armAliases: readonly string[]): string[] {
  const r = canonical(resource);
  const arm = [...ARM_RESOURCES, ...armAliases].map(canonical);
  return arm.includes(r) ? arm : [r];
}

function matchesResource(list: readonly string[], resource: string, armAliases: readonly string[]): boolean {
  const names = aliasesOf(resource, armAliases);
  return list.some((x) => x === 'All' || names.includes(canonical(x)));
}

/** The directory object's groups; by default its permanent memberships (PIM activations come from the caller). */
export type GroupsOf = (objectId: string) => string[];

const permanentGroups =
  (dir: Directory): GroupsOf =>
  (oid) =>
    dir.groups.filter((g) => g.members.some((m) => same(m, oid))).map((g) => g.objectId);

/** `name` is All, a UPN/mail of the person (home or guest object) or a group the principal is in. */
function namesPrincipal(dir: Directory, name: string, p: Principal, groupsOf: GroupsOf): boolean {
  if (name === 'All') return true;
  if (same(name, p.upn) || same(name, p.account.user.upn)) return true;
  const group = dir.groups.find((g) => same(g.displayName, name));
  return group !== undefined && groupsOf(p.objectId).some((id) => same(id, group.objectId));
}

export function namesAny(dir: Directory, names: readonly string[], p: Principal, groupsOf: GroupsOf = permanentGroups(dir)): boolean {
  return names.some((n) => namesPrincipal(dir, n, p, groupsOf));
}

/** Unknown names in a policy would silently match nobody: refuse them up front. */
export function checkNames(dir: Directory, names: readonly string[], where: string): void {
  for (const n of names) {
    if (n === 'All' || dir.groups.some((g) => same(g.displayName, n)) || findAccount(dir, n)) continue;
    throw new Error(`${where}: no user or group named ${n}`);
  }
}

export function checkPolicies(dir: Directory, policies: readonly ConditionalAccessPolicy[]): void {
  for (const p of policies) checkNames(dir, [...p.users.include, ...(p.users.exclude ?? [])], `policy ${p.displayName}`);
}

export interface SignInFacts {
  principal: Principal;
  clientId: string;
  resource: string;
}

/** The enforced policies that apply, strongest control first (block, compliant device, MFA). */
export function applicablePolicies(
  dir: Directory,
  policies: readonly ConditionalAccessPolicy[],
  f: SignInFacts,
  armAliases: readonly string[] = [],
  groupsOf: GroupsOf = permanentGroups(dir),
): ConditionalAccessPolicy[] {
  // Policies live in the resource tenant: a sign-in elsewhere (a guest at home) meets none.
  if (!same(f.principal.tenant.id, dir.tenant.id)) return [];
  const order: CaGrant[] = ['block', 'compliantDevice', 'mfa'];
  return policies
    .filter((p) => p.state === 'enabled')
    .filter((p) => namesAny(dir, p.users.include, f.principal, groupsOf) && !namesAny(dir, p.users.exclude ?? [], f.principal, groupsOf))
    .filter((p) => !p.clients || p.clients.some((c) => same(c, f.clientId)))
    .filter((p) => !p.resources || (matchesResource(p.resources.include, f.resource, armAliases) && !matchesResource(p.resources.exclude ?? [], f.resource, armAliases)))
    .sort((a, b) => order.indexOf(a.grant) - order.indexOf(b.grant));
}

/** Entra's `claims` on a Conditional Access failure: the policies that failed, by id. */
export function capolidsClaims(policies: readonly ConditionalAccessPolicy[]): string {
  return JSON.stringify({ access_token: { capolids: { essential: true, values: policies.map((p) => p.id) } } });
}
