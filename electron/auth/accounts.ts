// Signed-in accounts of a cloud: list, sign out one or all (removes the account and its tokens
// from the shared keychain cache).
import type { AccountInfo } from '@azure/msal-node';
import type { Cloud } from '../../shared/clouds.js';
import { PgEntraError } from '../../shared/errors.js';
import type { MsalApps } from './msalApps.js';

export interface AccountSummary {
  username: string;
  name?: string;
  tenantId: string;
  homeAccountId: string;
  environment: string;
}

function summary(a: AccountInfo): AccountSummary {
  return { username: a.username, ...(a.name ? { name: a.name } : {}), tenantId: a.tenantId, homeAccountId: a.homeAccountId, environment: a.environment };
}

export async function listAccountInfos(apps: MsalApps, cloud: Cloud): Promise<AccountInfo[]> {
  const pca = await apps.publicClient(cloud);
  const all = await pca.getAllAccounts();
  const envs = new Set(cloud.cacheEnvironments.map((h) => h.toLowerCase()));
  return all.filter((a) => envs.has(a.environment.toLowerCase()));
}

export async function listAccounts(apps: MsalApps, cloud: Cloud): Promise<AccountSummary[]> {
  return (await listAccountInfos(apps, cloud)).map(summary).sort((a, b) => a.username.localeCompare(b.username));
}

/** Signs out one account (by UPN) or, with `all`, every account of the cloud. Returns the UPNs removed. */
export async function signOut(apps: MsalApps, cloud: Cloud, which: { account: string } | { all: true }): Promise<string[]> {
  const pca = await apps.publicClient(cloud);
  const accounts = await listAccountInfos(apps, cloud);
  const targets = 'all' in which ? accounts : accounts.filter((a) => a.username.toLowerCase() === which.account.toLowerCase());
  if (!('all' in which) && targets.length === 0) {
    throw new PgEntraError('not_found', `${which.account} is not signed in.`, { hint: 'List signed-in accounts with: pgentra accounts' });
  }
  for (const a of targets) await pca.signOut({ account: a });
  return targets.map((a) => a.username);
}
