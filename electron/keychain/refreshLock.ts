// Cross-process single-flight for token refreshes. msal-node-extensions' lock only guards each
// cache read/write, not the whole read → redeem refresh token → write cycle; two processes
// refreshing at once would both redeem the same (rotating, single-use) refresh token. Holding
// this lock around the refresh, and re-reading the cache once inside it, makes the second
// process reuse the first one's result.
import { mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { PgEntraError } from '../../shared/errors.js';

function holderAlive(file: string): boolean {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return true; // being written: assume alive
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH' && (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

export async function withRefreshLock<T>(dir: string, fn: () => Promise<T>, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<T> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'refresh.lock');
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    try {
      const handle = await open(file, 'wx', 0o600);
      try {
        await handle.write(String(process.pid));
      } finally {
        await handle.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!holderAlive(file)) {
        try {
          unlinkSync(file);
        } catch {
          // someone else cleaned it
        }
        continue;
      }
      if (Date.now() > deadline) throw new PgEntraError('store_locked', 'Another pgEntra process has been refreshing tokens for too long.', { hint: `If no pgEntra process is running, delete ${file}.` });
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 50));
    }
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
}
