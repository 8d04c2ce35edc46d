// Names of the keychain entry holding the MSAL cache. The account name includes a hash of the
// data dir so two pgEntra homes (tests, portable installs) never share or clobber a cache.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { tokenCachePath } from '../base/paths.js';

export const KEYCHAIN_SERVICE = 'pgEntra';

/**
 * The keychain account holding one MSAL cache. Built-in clouds share the default cache (no
 * partition); each custom cloud file has its own (`partition` = Cloud.cachePartition), so a
 * custom cloud never sees — or is handed — another cloud's tokens or refresh tokens.
 */
export function keychainAccountFor(dataDir: string, partition?: string): string {
  return `msal-token-cache-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}${partition ? `-${partition}` : ''}`;
}

/** The MSAL persistence file of a partition (Linux/macOS: change marker; Windows: the DPAPI cache itself). */
export function cacheFileFor(dataDir: string, partition?: string): string {
  const base = tokenCachePath(dataDir);
  return partition ? path.join(path.dirname(base), `msal-${partition}.cache`) : base;
}
