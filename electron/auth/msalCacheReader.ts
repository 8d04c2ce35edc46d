// Reads MSAL's serialized cache (the JSON kept in the keychain) without loading MSAL: the
// `pgentra token` hot path uses it to answer from the keychain in a few ms, and the broker uses
// it to serve a still-valid token during an outage (MSAL itself refuses tokens inside its 5-min
// refresh window). Read-only: writing stays MSAL's job.
import { z } from 'zod';

const AccountEntry = z.object({
  home_account_id: z.string(),
  environment: z.string(),
  realm: z.string(),
  username: z.string(),
  local_account_id: z.string().optional(),
  name: z.string().optional(),
});
const AccessTokenEntry = z.object({
  home_account_id: z.string(),
  environment: z.string(),
  credential_type: z.string(),
  client_id: z.string(),
  secret: z.string(),
  realm: z.string(),
  target: z.string(),
  expires_on: z.union([z.string(), z.number()]),
  token_type: z.string().optional(),
});
const SerializedCache = z.object({
  Account: z.record(z.string(), z.unknown()).optional(),
  AccessToken: z.record(z.string(), z.unknown()).optional(),
});

export interface CachedAccount {
  homeAccountId: string;
  environment: string;
  tenantId: string;
  username: string;
  name?: string;
}

export interface CachedAccessToken {
  token: string;
  expiresOn: Date;
  account: string;
  tenantId: string;
}

export interface CacheLookup {
  clientId: string;
  /** host[:port] values of the cloud (MSAL's `environment`). */
  environments: string[];
  resource: string;
  username: string;
  /** Tenant GUID; undefined = the account's home tenant. */
  tenantId?: string;
}

function entries<T>(record: Record<string, unknown> | undefined, schema: z.ZodType<T>): T[] {
  const out: T[] = [];
  for (const v of Object.values(record ?? {})) {
    const r = schema.safeParse(v);
    if (r.success) out.push(r.data);
  }
  return out;
}

export function parseCache(serialized: string | null): { accounts: CachedAccount[]; tokens: z.infer<typeof AccessTokenEntry>[] } {
  if (!serialized) return { accounts: [], tokens: [] };
  let json: unknown;
  try {
    json = JSON.parse(serialized);
  } catch {
    return { accounts: [], tokens: [] };
  }
  const top = SerializedCache.safeParse(json);
  if (!top.success) return { accounts: [], tokens: [] };
  const accounts = entries(top.data.Account, AccountEntry).map((a) => ({
    homeAccountId: a.home_account_id,
    environment: a.environment,
    tenantId: a.realm,
    username: a.username,
    ...(a.name ? { name: a.name } : {}),
  }));
  const tokens = entries(top.data.AccessToken, AccessTokenEntry).filter((t) => t.credential_type.toLowerCase() === 'accesstoken');
  return { accounts, tokens };
}

/** The cached access token for the account/resource with the latest expiry, or undefined. */
export function findCachedAccessToken(serialized: string | null, q: CacheLookup): CachedAccessToken | undefined {
  const { accounts, tokens } = parseCache(serialized);
  const envs = new Set(q.environments.map((e) => e.toLowerCase()));
  const user = q.username.toLowerCase();
  const account = accounts.find((a) => a.username.toLowerCase() === user && envs.has(a.environment.toLowerCase()));
  if (!account) return undefined;
  const realm = (q.tenantId ?? account.tenantId).toLowerCase();
  const resource = q.resource.replace(/\/+$/, '').toLowerCase();
  let best: CachedAccessToken | undefined;
  for (const t of tokens) {
    if (t.home_account_id !== account.homeAccountId) continue;
    if (!envs.has(t.environment.toLowerCase())) continue;
    if (t.client_id.toLowerCase() !== q.clientId.toLowerCase()) continue;
    if (t.realm.toLowerCase() !== realm) continue;
    const scopes = t.target.toLowerCase().split(/\s+/);
    if (!scopes.some((s) => s === `${resource}/.default` || s.startsWith(`${resource}/`))) continue;
    const expiresOn = new Date(Number(t.expires_on) * 1000);
    if (!best || expiresOn > best.expiresOn) best = { token: t.secret, expiresOn, account: account.username, tenantId: t.realm };
  }
  return best;
}

/** Distinct signed-in accounts (by UPN) of a cloud in the serialized cache. */
export function listCachedAccounts(serialized: string | null, environments: string[]): CachedAccount[] {
  const envs = new Set(environments.map((e) => e.toLowerCase()));
  const byUser = new Map<string, CachedAccount>();
  for (const a of parseCache(serialized).accounts) {
    if (envs.has(a.environment.toLowerCase()) && !byUser.has(a.username.toLowerCase())) byUser.set(a.username.toLowerCase(), a);
  }
  return [...byUser.values()];
}
