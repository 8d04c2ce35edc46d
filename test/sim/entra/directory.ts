// Who signs in and what they are in each tenant. An account lives in its home tenant (a member
// of the resource tenant, or a user of an external tenant); in the resource tenant an external
// account is represented by its guest object, with its own object id and `#EXT#` UPN.
import type { Directory } from '../types.js';
import type { EntraErrorSpec } from './errors.js';

export type Tenant = Directory['tenant'];
export interface Person {
  objectId: string;
  upn: string;
  displayName: string;
  mail?: string;
}

/** A sign-in identity: a user in their home tenant. */
export interface Account {
  home: Tenant;
  user: Person;
}

/** The directory object that stands for an account in the tenant a token is issued for. */
export interface Principal {
  tenant: Tenant;
  objectId: string;
  /** UPN in `tenant`: a guest's `…#EXT#@…` name in the resource tenant. */
  upn: string;
  displayName: string;
  account: Account;
  /** `tenant` is not the account's home tenant. */
  guest: boolean;
}

/** Tenant path segments Entra resolves to the signed-in user's home tenant. */
export type TenantAlias = 'organizations' | 'common';

const same = (a: string | undefined, b: string): boolean => a !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
const isAlias = (s: string): s is TenantAlias => s === 'organizations' || s === 'common';

function tenants(dir: Directory): Tenant[] {
  return [dir.tenant, ...dir.externalTenants.map(({ id, domain, displayName }) => ({ id, domain, displayName }))];
}

/** Path segment → the alias or the tenant id it names; null when Entra would not know it. */
export function resolveTenant(dir: Directory, segment: string): TenantAlias | string | null {
  const s = decodeURIComponent(segment).toLowerCase();
  if (isAlias(s)) return s;
  return tenants(dir).find((t) => same(t.id, s) || same(t.domain, s))?.id ?? null;
}

export function tenantById(dir: Directory, id: string): Tenant | undefined {
  return tenants(dir).find((t) => same(t.id, id));
}

/** Everyone who can sign in, as the account chooser lists them. */
export function signInAccounts(dir: Directory): Account[] {
  const members = dir.users.filter((u) => !u.guest).map((user) => ({ home: dir.tenant, user }));
  const external = dir.externalTenants.flatMap(({ users, ...home }) => users.map((user) => ({ home, user })));
  return [...members, ...external];
}

/**
 * A sign-in name → the home account. Takes the home UPN or mail, and also a guest's `#EXT#`
 * UPN or mail in the resource tenant (Entra's home realm discovery sends that guest home).
 */
export function findAccount(dir: Directory, name: string): Account | undefined {
  const accounts = signInAccounts(dir);
  const direct = accounts.find((a) => same(a.user.upn, name) || same(a.user.mail, name));
  if (direct) return direct;
  const guest = dir.users.find((u) => u.guest && (same(u.upn, name) || same(u.mail, name)));
  return guest?.homeUpn === undefined ? undefined : accounts.find((a) => same(a.user.upn, guest.homeUpn ?? ''));
}

/** By the home object id (what grants store). */
export function accountById(dir: Directory, objectId: string): Account | undefined {
  return signInAccounts(dir).find((a) => same(a.user.objectId, objectId));
}

/** The account's object in `tenantId`: itself at home, its guest object in the resource tenant. */
export function principalIn(dir: Directory, account: Account, tenantId: string): Principal | undefined {
  if (same(account.home.id, tenantId)) {
    const { user } = account;
    return { tenant: account.home, objectId: user.objectId, upn: user.upn, displayName: user.displayName, account, guest: false };
  }
  if (!same(dir.tenant.id, tenantId)) return undefined;
  const guest = dir.users.find((u) => u.guest && same(u.homeUpn, account.user.upn));
  return guest && { tenant: dir.tenant, objectId: guest.objectId, upn: guest.upn, displayName: guest.displayName, account, guest: true };
}

/** `organizations`/`common` sign a user into their home tenant; a named tenant must know them. */
export function principalFor(dir: Directory, account: Account, tenant: TenantAlias | string): Principal | EntraErrorSpec {
  const principal = principalIn(dir, account, isAlias(tenant) ? account.home.id : tenant);
  if (principal) return principal;
  const name = tenantById(dir, tenant)?.displayName ?? tenant;
  return {
    error: 'invalid_grant',
    aadsts: 50020,
    description: `User account '${account.user.upn}' from identity provider 'https://sts.windows.net/${account.home.id}/' does not exist in tenant '${name}' and cannot access the application in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
  };
}
