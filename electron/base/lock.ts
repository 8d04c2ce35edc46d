// Cross-process lock so the app and the CLI can edit profiles at the same time without losing
// each other's changes. A lock file created with O_EXCL holds {pid, host, token}; a lock whose
// process is gone (or that is far older than any real save) is stale and taken over.
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { z } from 'zod';
import { PgEntraError } from '../../shared/errors.js';

export interface LockOptions {
  /** Give up with `store_locked` after this long. */
  timeoutMs?: number;
  /** A lock older than this is stale even if its pid is alive (pid reuse, another machine). */
  staleMs?: number;
}
export interface HeldLock {
  release(): Promise<void>;
}

const LockInfoSchema = z.object({ pid: z.number().int().positive(), host: z.string(), token: z.string(), acquiredAt: z.string() });
type LockInfo = z.infer<typeof LockInfoSchema>;

/** How long an unreadable lock file may exist before it counts as stale (its writer died between create and write). */
const UNREADABLE_GRACE_MS = 2_000;
const STEAL_GUARD_STALE_MS = 5_000;

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM'; // exists, owned by someone else
  }
}

async function tryCreate(file: string, content: string): Promise<boolean> {
  try {
    const fh = await open(file, 'wx', 0o600);
    try {
      await fh.writeFile(content);
    } finally {
      await fh.close();
    }
    return true;
  } catch (e) {
    if (errno(e) === 'EEXIST') return false;
    throw e;
  }
}

async function readLock(file: string): Promise<{ raw: string; info: LockInfo | undefined; ageMs: number } | undefined> {
  try {
    const [raw, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    let info: LockInfo | undefined;
    try {
      const parsed = LockInfoSchema.safeParse(JSON.parse(raw));
      info = parsed.success ? parsed.data : undefined;
    } catch {
      info = undefined;
    }
    return { raw, info, ageMs: Date.now() - st.mtimeMs };
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
}

function isStale(lock: { info: LockInfo | undefined; ageMs: number }, staleMs: number): boolean {
  if (!lock.info) return lock.ageMs > UNREADABLE_GRACE_MS;
  if (lock.ageMs > staleMs) return true;
  return lock.info.host === os.hostname() && !isPidAlive(lock.info.pid);
}

/**
 * Removes a stale lock. Two waiters may both judge it stale; the guard file makes sure only one
 * removes it and that nobody removes a fresh lock created in between (content is re-checked).
 */
async function removeStale(file: string, staleRaw: string): Promise<void> {
  const guard = `${file}.steal`;
  if (!(await tryCreate(guard, String(process.pid)))) {
    const g = await stat(guard).catch(() => undefined);
    if (g && Date.now() - g.mtimeMs > STEAL_GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    return;
  }
  try {
    const again = await readLock(file);
    if (again && again.raw === staleRaw) await unlink(file).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

export async function acquireFileLock(file: string, opts: LockOptions = {}): Promise<HeldLock> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const staleMs = opts.staleMs ?? 60_000;
  const info: LockInfo = { pid: process.pid, host: os.hostname(), token: randomBytes(12).toString('hex'), acquiredAt: new Date().toISOString() };
  const content = JSON.stringify(info);
  const deadline = Date.now() + timeoutMs;
  let holder: LockInfo | undefined;
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(file, content)) {
      return {
        release: async () => {
          // Only remove our own lock: if it was judged stale and taken over, it is not ours any more.
          const cur = await readLock(file).catch(() => undefined);
          if (cur?.info?.token === info.token) await unlink(file).catch(() => undefined);
        },
      };
    }
    const cur = await readLock(file);
    if (cur) {
      holder = cur.info;
      if (isStale(cur, staleMs)) {
        await removeStale(file, cur.raw);
        continue;
      }
    }
    if (Date.now() >= deadline) {
      throw new PgEntraError('store_locked', `The profile store is busy${holder ? ` (locked by process ${holder.pid} on ${holder.host} since ${holder.acquiredAt})` : ''}. Try again in a moment.`, {
        hint: `If no pgEntra app or CLI is running, delete ${file}.`,
        details: { lockFile: file, ...(holder ? { pid: holder.pid } : {}) },
      });
    }
    // Short, jittered waits: saves take milliseconds, and jitter avoids lock-step retries.
    const wait = Math.min(5 + attempt * 5, 50) * (0.5 + Math.random());
    await new Promise((r) => setTimeout(r, wait));
  }
}

export async function withFileLock<T>(file: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lock = await acquireFileLock(file, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
