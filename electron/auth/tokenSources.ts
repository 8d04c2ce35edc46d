// Where the token broker gets a token its memory cannot give, per credential kind. A signed-in
// user (interactive / device code): the keychain's MSAL cache read directly (no MSAL load), then
// MSAL silent (refresh token) under the cross-process refresh lock; a managed identity or the
// Azure CLI: their own source. Also the cached tokens that may still be served during an outage.
// Nothing here remembers anything: the broker's hot cache, shared flights and sign-out rules sit above.
import path from 'node:path';
import type { AccountInfo, AuthenticationResult } from '@azure/msal-node';
import type { Credential } from '../../shared/credential.js';
import { DEFAULT_TENANT, scopesFor, type Cloud } from '../../shared/clouds.js';
import { PgEntraError } from '../../shared/errors.js';
import { tokenCachePath } from '../base/paths.js';
import { getAzureCliToken } from './azureCliCredential.js';
import { getManagedIdentityToken } from './managedIdentityCredential.js';
import { findCachedAccessToken, listCachedAccounts, type CacheLookup } from './msalCacheReader.js';
import { authorityFor, clientIdFor, type AuthSettings, type MsalApps } from './msalApps.js';
import { mapMsalError } from './msalErrors.js';
import type { AccessToken } from './tokenProvider.js';

export type TokenSource = 'memory' | 'keychain' | 'msal-cache' | 'network' | 'stale-during-outage';

export interface AccessTokenWithSource extends AccessToken {
  source: TokenSource;
}

/** What the sources need from the broker: its MSAL apps and its settings. */
export interface SourceContext {
  apps: MsalApps;
  options: AuthSettings & {
    /** Azure CLI executable (tests use a stand-in). */
    azureCliCommand?: string;
    /** Environment for child processes (az). */
    env?: NodeJS.ProcessEnv;
  };
}

export interface SourceRequest {
  minMs: number;
  /** Skip every cached access token: the token comes from Entra. */
  fresh: boolean;
  signal: AbortSignal | undefined;
  /** Claims (JSON) a challenge asked for: sent with the refresh, never answered from a cache. */
  claims?: string | undefined;
}

type UserCredential = Extract<Credential, { kind: 'interactive' | 'device-code' }>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function remainingMs(t: { expiresOn: Date }, now = Date.now()): number {
  return t.expiresOn.getTime() - now;
}

/** The token's `iat` (decoded only). */
export function issuedAt(jwt: string): Date | undefined {
  try {
    const iat = (JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iat?: unknown }).iat;
    return typeof iat === 'number' ? new Date(iat * 1000) : undefined;
  } catch {
    return undefined;
  }
}

/** A cached token issued before the account's latest PIM activation lacks that group: not to be served. */
function predatesActivation(ctx: SourceContext, token: string, account: string | undefined): boolean {
  const notBefore = account ? ctx.options.tokensNotBefore?.(account) : undefined;
  if (!notBefore) return false;
  const iat = issuedAt(token);
  return iat === undefined || iat < notBefore;
}

/** A token for the credential from its source, with at least `minMs` left when the source can give that. */
export async function tokenFromSource(ctx: SourceContext, cloud: Cloud, cred: Credential, req: SourceRequest): Promise<AccessTokenWithSource> {
  switch (cred.kind) {
    case 'interactive':
    case 'device-code':
      return req.fresh || req.claims ? freshFromMsal(ctx, cloud, cred, req.signal, req.claims) : acquireForUser(ctx, cloud, cred, req.minMs, req.signal);
    case 'managed-identity': {
      const id = { ...(cred.clientId ? { clientId: cred.clientId } : {}), ...(cred.objectId ? { objectId: cred.objectId } : {}), ...(cred.resourceId ? { resourceId: cred.resourceId } : {}) };
      // An identity cannot do MFA; a claims challenge (revocation) only needs a token newer than the cached one.
      const fresh = req.fresh || req.claims !== undefined;
      let t = await getManagedIdentityToken(ctx.apps, cloud, id, fresh);
      if (remainingMs(t) < req.minMs && !fresh) t = await getManagedIdentityToken(ctx.apps, cloud, id, true);
      return { ...t, source: 'network' };
    }
    case 'azure-cli': {
      if (req.claims) {
        // az cannot be handed claims through get-access-token; its own login can (--claims-challenge).
        throw new PgEntraError('mfa_required', 'Azure asks the Azure CLI sign-in for more (multi-factor authentication or another check) than it has.', {
          // The claims themselves stay in the main process (they name policies, not secrets, but the rule is one).
          hint: `Sign in again with the Azure CLI for that resource, completing MFA: az login${cred.tenant ? ` --tenant ${cred.tenant}` : ''} --scope ${cloud.resource.replace(/\/+$/, '')}/.default — or use a signed-in pgEntra account for this profile.`,
        });
      }
      const t = await getAzureCliToken({
        resource: cloud.resource,
        ...(cred.tenant ? { tenant: cred.tenant } : {}),
        ...(ctx.options.azureCliCommand ? { command: ctx.options.azureCliCommand } : {}),
        ...(ctx.options.env ? { env: ctx.options.env } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      });
      return { ...t, source: 'network' };
    }
  }
}

/** A token that is still valid (≥ 1 s left) from memory (`hot`) or the cache, for use while Entra is unreachable. */
export async function validDuringOutage(ctx: SourceContext, cloud: Cloud, cred: Credential, hot: AccessToken | undefined): Promise<AccessTokenWithSource | undefined> {
  const candidates: AccessToken[] = [];
  if (hot) candidates.push(hot);
  if (cred.kind === 'interactive' || cred.kind === 'device-code') {
    try {
      const pca = await ctx.apps.publicClient(cloud);
      for (const serialized of [pca.getTokenCache().serialize(), await readPersistedCache(ctx, cloud)]) {
        const lookup = lookupFor(ctx, cloud, cred, serialized);
        const t = lookup ? findCachedAccessToken(serialized, lookup) : undefined;
        if (t) candidates.push(t);
      }
    } catch {
      // nothing more to offer
    }
  }
  const best = candidates.filter((t) => remainingMs(t) > 1_000).sort((a, b) => b.expiresOn.getTime() - a.expiresOn.getTime())[0];
  return best ? { ...best, source: 'stale-during-outage' } : undefined;
}

/** What to look for in a serialized cache; a credential without account matches when exactly one account of the cloud is in `serialized`. */
function lookupFor(ctx: SourceContext, cloud: Cloud, cred: UserCredential, serialized: string | null): CacheLookup | undefined {
  const tenant = cred.tenant && cred.tenant !== DEFAULT_TENANT ? cred.tenant : undefined;
  if (tenant && !GUID.test(tenant)) return undefined; // a domain cannot be matched to the cached realm offline
  const environments = cloud.cacheEnvironments;
  let username = cred.account;
  if (!username) {
    // Same rule as pickAccount, answered without MSAL: several accounts → MSAL path with its clear error.
    const accounts = listCachedAccounts(serialized, environments);
    if (accounts.length !== 1 || !accounts[0]) return undefined;
    username = accounts[0].username;
  }
  return {
    clientId: clientIdFor(cloud, ctx.options),
    environments,
    resource: cloud.resource,
    username,
    ...(tenant ? { tenantId: tenant } : {}),
  };
}

/** The keychain's serialized MSAL cache, read without MSAL (null when memory-only or unavailable on this OS). */
async function readPersistedCache(ctx: SourceContext, cloud: Cloud): Promise<string | null> {
  if (ctx.options.memoryCache || process.platform === 'win32') return null;
  const [{ readKeychainEntry }, { keychainAccountFor }] = await Promise.all([import('../keychain/keychainProbe.js'), import('../keychain/keychainNames.js')]);
  // The cloud's own partition: a custom cloud reads only its own entry, built-in clouds the shared one.
  return readKeychainEntry(keychainAccountFor(ctx.options.dataDir, cloud.cachePartition));
}

async function acquireForUser(ctx: SourceContext, cloud: Cloud, cred: UserCredential, minMs: number, signal?: AbortSignal): Promise<AccessTokenWithSource> {
  const persisted = await readPersistedCache(ctx, cloud);
  const lookup = lookupFor(ctx, cloud, cred, persisted);
  if (lookup) {
    // Fast path: answer from the keychain without loading MSAL when the token has enough time left.
    const cached = findCachedAccessToken(persisted, lookup);
    if (cached && remainingMs(cached) >= minMs && !predatesActivation(ctx, cached.token, cached.account)) {
      return { token: cached.token, expiresOn: cached.expiresOn, account: cached.account, tenantId: cached.tenantId, source: 'keychain' };
    }
  }
  if (ctx.options.memoryCache) return silentFromMsal(ctx, cloud, cred, minMs);
  // Other processes share the cache: refresh under a cross-process lock, and first look
  // again whether one of them refreshed while we waited.
  const { withRefreshLock } = await import('../keychain/refreshLock.js');
  return withRefreshLock(
    path.dirname(tokenCachePath(ctx.options.dataDir)),
    async () => {
      const again = await readPersistedCache(ctx, cloud);
      const relook = lookupFor(ctx, cloud, cred, again);
      if (relook) {
        const cached = findCachedAccessToken(again, relook);
        if (cached && remainingMs(cached) >= minMs && !predatesActivation(ctx, cached.token, cached.account)) {
          return { token: cached.token, expiresOn: cached.expiresOn, account: cached.account, tenantId: cached.tenantId, source: 'keychain' as const };
        }
      }
      return silentFromMsal(ctx, cloud, cred, minMs);
    },
    signal ? { signal } : {},
  );
}

/** The refresh-token grant under the cross-process lock, skipping every cached access token (with a challenge's claims, if any). */
async function freshFromMsal(ctx: SourceContext, cloud: Cloud, cred: UserCredential, signal?: AbortSignal, claims?: string): Promise<AccessTokenWithSource> {
  if (ctx.options.memoryCache) return silentFromMsal(ctx, cloud, cred, 0, true, claims);
  const { withRefreshLock } = await import('../keychain/refreshLock.js');
  return withRefreshLock(path.dirname(tokenCachePath(ctx.options.dataDir)), () => silentFromMsal(ctx, cloud, cred, 0, true, claims), signal ? { signal } : {});
}

async function silentFromMsal(ctx: SourceContext, cloud: Cloud, cred: UserCredential, minMs: number, forceRefresh = false, claims?: string): Promise<AccessTokenWithSource> {
  const pca = await ctx.apps.publicClient(cloud);
  const account = await pickAccount(ctx, cloud, cred);
  const errCtx = {
    account: account.username,
    ...(cred.tenant ? { tenant: cred.tenant } : {}),
    ...errorScope(cloud),
    authorityHost: cloud.authorityHost,
    clientId: clientIdFor(cloud, ctx.options),
    recentNetworkFailure: () => ctx.apps.networkClient(cloud).recentFailure(),
  };
  const tenant = cred.tenant && cred.tenant !== DEFAULT_TENANT ? cred.tenant : account.tenantId;
  const request = { account, scopes: scopesFor(cloud), authority: authorityFor(cloud, tenant), ...(claims ? { claims } : {}) };
  let r: AuthenticationResult;
  try {
    r = await pca.acquireTokenSilent(forceRefresh ? { ...request, forceRefresh: true } : request);
    // MSAL only renews inside 5 min of expiry; a larger margin needs an explicit refresh. A cached
    // token from before a PIM activation lacks the group: renewed too.
    if (r.fromCache && ((r.expiresOn && remainingMs({ expiresOn: r.expiresOn }) < minMs) || predatesActivation(ctx, r.accessToken, account.username))) {
      r = await pca.acquireTokenSilent({ ...request, forceRefresh: true });
    }
  } catch (e) {
    throw mapMsalError(e, errCtx);
  }
  if (!r.expiresOn) throw new PgEntraError('sign_in_failed', 'Entra returned a token without expiry.');
  return { token: r.accessToken, expiresOn: r.expiresOn, account: r.account?.username ?? account.username, tenantId: r.tenantId || tenant, source: r.fromCache ? 'msal-cache' : 'network' };
}

/** For messages: what a token is for, and the `pgentra login --scope` that signs in for it. */
function errorScope(cloud: Cloud): { resourceName?: string; scopeFlag?: string } {
  if (cloud.managementEndpoint && cloud.resource === cloud.managementEndpoint) return { resourceName: 'Azure Resource Manager', scopeFlag: '--scope management' };
  if (cloud.graphEndpoint && cloud.resource === cloud.graphEndpoint) return { resourceName: 'Microsoft Graph (PIM)', scopeFlag: '--scope graph' };
  return {};
}

async function pickAccount(ctx: SourceContext, cloud: Cloud, cred: UserCredential): Promise<AccountInfo> {
  const { listAccountInfos } = await import('./accounts.js');
  const all = await listAccountInfos(ctx.apps, cloud);
  if (cred.account) {
    const want = cred.account.toLowerCase();
    const hit = all.find((a) => a.username.toLowerCase() === want);
    if (hit) return hit;
    throw new PgEntraError('sign_in_required', `${cred.account} is not signed in.`, {
      hint: `Run: pgentra login --account ${cred.account}${cred.tenant ? ` --tenant ${cred.tenant}` : ''}`,
      details: { account: cred.account },
    });
  }
  if (all.length === 1 && all[0]) return all[0];
  if (all.length === 0) throw new PgEntraError('sign_in_required', 'No account is signed in.', { hint: 'Run: pgentra login' });
  throw new PgEntraError('invalid_input', `Several accounts are signed in (${all.map((a) => a.username).join(', ')}); choose one.`, {
    hint: 'Choose the account in the profile (pgentra profiles add … --account UPN, or the profile editor in the app), or pass --account UPN.',
  });
}
