// The cross-process refresh lock: stale locks (garbage, reused pid, dead holder) are taken over,
// racing stealers never both hold it, and a cancelled caller stops waiting.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withRefreshLock } from '../../../electron/keychain/refreshLock.js';
import { isPgEntraError } from '../../../shared/errors.js';

const REFRESH_LOCK_FILE = 'refresh.lock';
const made: string[] = [];
const tmp = (): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-lock-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ago = (file: string, seconds: number): void => {
  const t = new Date(Date.now() - seconds * 1000);
  utimesSync(file, t, t);
};
const errorOf = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

/** A pid that certainly belongs to no process: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  if (!r.pid) throw new Error('could not spawn');
  return r.pid;
}

describe('refresh lock', () => {
  it('a garbage lock file (empty / old plain-pid format) is taken over once it is old, not waited on for the whole timeout', async () => {
    for (const garbage of ['', 'not-a-pid', String(process.pid)]) {
      const dir = tmp();
      const file = path.join(dir, REFRESH_LOCK_FILE);
      writeFileSync(file, garbage);
      ago(file, 30);
      const started = Date.now();
      expect(await withRefreshLock(dir, async () => 'ran', { timeoutMs: 10_000 })).toBe('ran');
      // Generous (milliseconds here): half the timeout, so only a waiter that sat it out comes near.
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(existsSync(file)).toBe(false);
    }
  });

  it('a lock whose pid is alive (pid reuse) is stale after the configured age; a fresh one is respected', async () => {
    const dir = tmp();
    const file = path.join(dir, REFRESH_LOCK_FILE);
    const held = JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'someone-else', acquiredAt: new Date().toISOString() });
    writeFileSync(file, held);
    // fresh and alive: waited on, then store_locked
    const e = await errorOf(withRefreshLock(dir, async () => 'ran', { timeoutMs: 300, staleMs: 60_000 }));
    expect(isPgEntraError(e) && e.code).toBe('store_locked');
    expect(readFileSync(file, 'utf8')).toBe(held); // not removed by the failed waiter
    // older than staleMs: taken over
    ago(file, 5);
    expect(await withRefreshLock(dir, async () => 'ran', { timeoutMs: 3_000, staleMs: 2_000 })).toBe('ran');
  });

  it("concurrent stealers of a dead holder's lock never both hold it", { timeout: 60_000 }, async () => {
    const dead = deadPid();
    for (let i = 0; i < 60; i++) {
      const dir = tmp();
      const file = path.join(dir, REFRESH_LOCK_FILE);
      // Both formats: the current one, and a bare pid as older pgEntra versions wrote (left by a crash).
      writeFileSync(file, i % 2 ? JSON.stringify({ pid: dead, host: os.hostname(), token: 'dead', acquiredAt: new Date().toISOString() }) : String(dead));
      if (i % 2 === 0) ago(file, 30);
      let holders = 0;
      let maxHolders = 0;
      const critical = async (): Promise<void> => {
        holders++;
        maxHolders = Math.max(maxHolders, holders);
        await sleep(Math.random() * 5);
        holders--;
      };
      await Promise.all(Array.from({ length: 4 }, () => withRefreshLock(dir, critical, { timeoutMs: 10_000 })));
      expect(maxHolders, `iteration ${i}`).toBe(1);
    }
  });

  it('stops waiting when the caller aborts', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, REFRESH_LOCK_FILE), JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'busy', acquiredAt: new Date().toISOString() }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const started = Date.now();
    const e = await errorOf(withRefreshLock(dir, async () => 'ran', { timeoutMs: 10_000, signal: ac.signal }));
    expect(isPgEntraError(e) && e.code).toBe('sign_in_cancelled');
    // Generous (about 0.1–0.3 s here): half the 10 s timeout, which a caller that kept waiting would reach.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('releases only its own lock', async () => {
    const dir = tmp();
    const file = path.join(dir, REFRESH_LOCK_FILE);
    const other = JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'other', acquiredAt: new Date().toISOString() });
    // While we hold the lock, it is judged stale and taken over by someone else; our release must leave theirs.
    await withRefreshLock(dir, async () => {
      writeFileSync(file, other);
    });
    expect(readFileSync(file, 'utf8')).toBe(other);
  });
});
