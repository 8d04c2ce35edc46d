// The MSAL token cache in the OS keychain via @azure/msal-node-extensions: Keychain (macOS) and
// libsecret (Linux) through keytar, DPAPI-encrypted file (Windows). The extension's lock file
// serialises writers across the app and any number of CLI processes. There is deliberately no
// plain-text fallback: without a keychain the caller gets keychain_unavailable and may opt
// into a memory-only cache.
import { mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { ICachePlugin } from '@azure/msal-node';
import { PgEntraError } from '../../shared/errors.js';
import { KEYCHAIN_SERVICE, cacheFileFor, keychainAccountFor } from './keychainNames.js';
import { keychainUnavailable, probeKeychain } from './keychainProbe.js';

export interface CachePersistenceOptions {
  dataDir: string;
  /** A custom cloud's cache partition (Cloud.cachePartition); none = the built-in clouds' shared cache. */
  partition?: string;
  /** Lock retries: default 300 × 50 ms = 15 s before giving up with keychain_error. */
  lockRetryNumber?: number;
  lockRetryDelayMs?: number;
}

/** A lock file left by a crashed process would block every later access: remove it if its pid is gone. */
function removeStaleLock(lockFile: string): void {
  let pidText: string;
  try {
    pidText = readFileSync(lockFile, 'utf8').trim();
  } catch {
    return;
  }
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return; // being written right now, or unknown: leave it
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') {
      try {
        unlinkSync(lockFile);
      } catch {
        // another process removed it first
      }
    }
  }
}

export async function createKeychainCachePlugin(opts: CachePersistenceOptions): Promise<ICachePlugin> {
  await probeKeychain();
  const cachePath = cacheFileFor(opts.dataDir, opts.partition);
  mkdirSync(path.dirname(cachePath), { recursive: true, mode: 0o700 });
  removeStaleLock(`${cachePath}.lockfile`);
  const ext = await import('@azure/msal-node-extensions');
  let persistence;
  try {
    persistence = await ext.PersistenceCreator.createPersistence({
      cachePath,
      dataProtectionScope: ext.DataProtectionScope.CurrentUser,
      serviceName: KEYCHAIN_SERVICE,
      accountName: keychainAccountFor(opts.dataDir, opts.partition),
      usePlaintextFileOnLinux: false, // never silently store tokens in a plain file
    });
  } catch (e) {
    throw keychainUnavailable((e as Error).message.split('\n')[0] ?? 'persistence check failed', e);
  }
  const plugin = new ext.PersistenceCachePlugin(persistence, {
    retryNumber: opts.lockRetryNumber ?? 300,
    retryDelay: opts.lockRetryDelayMs ?? 50,
  });
  // msal-node-extensions bundles its own msal-common; the plugin contract is the same.
  return wrapLockErrors(plugin as unknown as ICachePlugin);
}

function wrapLockErrors(inner: ICachePlugin): ICachePlugin {
  const wrap = async (fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      const msg = (e as Error).message ?? String(e);
      if (/lock/i.test(msg)) throw new PgEntraError('store_locked', `The token cache is locked by another pgEntra process: ${msg}`, { hint: 'Try again in a moment.', cause: e });
      throw new PgEntraError('keychain_error', `The keychain could not be read or written: ${msg}`, { cause: e });
    }
  };
  return {
    beforeCacheAccess: (ctx) => wrap(() => inner.beforeCacheAccess(ctx)),
    afterCacheAccess: (ctx) => wrap(() => inner.afterCacheAccess(ctx)),
  };
}

/** Deletes a cache's keychain entry and marker file (tests, the demo, "forget everything"); `partition`: a custom cloud's. */
export async function deleteKeychainCache(dataDir: string, partition?: string): Promise<void> {
  if (process.platform !== 'win32') {
    const { loadKeytar } = await import('./keytarLoader.js');
    await loadKeytar().deletePassword(KEYCHAIN_SERVICE, keychainAccountFor(dataDir, partition));
  }
  try {
    unlinkSync(cacheFileFor(dataDir, partition));
  } catch {
    // not there
  }
}
