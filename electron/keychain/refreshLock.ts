// Cross-process single-flight for token refreshes. msal-node-extensions' lock only guards each
// cache read/write, not the whole read → redeem refresh token → write cycle; two processes
// refreshing at once would both redeem the same (rotating, single-use) refresh token. Holding
// this lock around the refresh, and re-reading the cache once inside it, makes the second
// process reuse the first one's result.
//
// The lock itself is the profile store's file lock: a random token in the file (release only
// removes our own lock), a steal guard (two waiters that both see a dead holder cannot both take
// over), and an age limit (a lock left by a crash, a garbage file or a reused pid does not block
// every later refresh).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PgEntraError, isPgEntraError } from '../../shared/errors.js';
import { acquireFileLock, type HeldLock } from '../base/lock.js';

export interface RefreshLockOptions {
  /** Give up with `store_locked` after waiting this long (default 20 s). */
  timeoutMs?: number;
  /** A lock older than this is taken over even if its pid looks alive (default 60 s; a refresh takes seconds). */
  staleMs?: number;
  /** Stop waiting (with `sign_in_cancelled`) when the caller gives up. */
  signal?: AbortSignal;
}

export const REFRESH_LOCK_FILE = 'refresh.lock';
/** acquireFileLock has no AbortSignal: wait in short slices and look at the signal in between. */
const SLICE_MS = 200;

function cancelled(): PgEntraError {
  return new PgEntraError('sign_in_cancelled', 'The token request was cancelled while waiting for another pgEntra process to refresh tokens.');
}

function abortPromise(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let onAbort = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined); // only observed through the race below
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

async function acquire(file: string, opts: RefreshLockOptions): Promise<HeldLock> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  const staleMs = opts.staleMs ?? 60_000;
  for (;;) {
    if (opts.signal?.aborted) throw cancelled();
    const slice = acquireFileLock(file, { timeoutMs: Math.max(0, Math.min(SLICE_MS, deadline - Date.now())), staleMs });
    let lock: HeldLock;
    try {
      if (opts.signal) {
        const abort = abortPromise(opts.signal);
        try {
          lock = await Promise.race([slice, abort.promise]);
        } finally {
          abort.dispose();
        }
      } else {
        lock = await slice;
      }
    } catch (e) {
      if (opts.signal?.aborted) {
        // The slice may still win the lock after we stopped waiting: give it back.
        slice.then((l) => l.release()).catch(() => undefined);
        throw cancelled();
      }
      if (!isPgEntraError(e) || e.code !== 'store_locked') throw e;
      if (Date.now() >= deadline) {
        throw new PgEntraError('store_locked', 'Another pgEntra process has been refreshing tokens for too long.', {
          hint: `Try again in a moment. If no pgEntra app or CLI is running, delete ${file}.`,
          details: { lockFile: file },
          cause: e,
        });
      }
      continue;
    }
    return lock;
  }
}

export async function withRefreshLock<T>(dir: string, fn: () => Promise<T>, opts: RefreshLockOptions = {}): Promise<T> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = await acquire(path.join(dir, REFRESH_LOCK_FILE), opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
