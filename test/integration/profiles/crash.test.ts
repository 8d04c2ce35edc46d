// kill -9 in the middle of saves: the file must always be the old or the new version — parseable
// and valid — never torn, empty or missing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseStoreText } from '../../../electron/profiles/storeFile.js';
import { ProfileStore } from '../../../electron/profiles/profileStore.js';
import { sleep, spawnFixture, tempDir, waitExit, waitForLine } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

async function assertIntact(file: string): Promise<number> {
  const text = await readFile(file, 'utf8');
  const parsed = parseStoreText(text);
  if (parsed.kind !== 'ok') throw new Error(`torn or invalid file after kill: ${parsed.reason}\n${text.slice(0, 200)}`);
  expect(parsed.contents.invalid).toEqual([]);
  expect(parsed.contents.profiles.some((p) => p.name === 'loop')).toBe(true);
  return parsed.contents.profiles.length;
}

describe('SIGKILL during saves', () => {
  it('always leaves a complete previous or new file', async () => {
    const file = path.join(dir, 'profiles.json');
    const rounds = 12;
    for (let round = 0; round < rounds; round++) {
      const child = spawnFixture('saveLoop.ts', [dir]);
      const exited = waitExit(child);
      await waitForLine(child, 'ready');
      // While it saves, readers must never see a broken file either.
      const deadline = Date.now() + 50 + Math.random() * 400;
      while (Date.now() < deadline) {
        await assertIntact(file);
        await sleep(Math.random() * 10);
      }
      child.kill('SIGKILL');
      const r = await exited;
      expect(r.signal).toBe('SIGKILL');
      await assertIntact(file);
    }
    // The store recovers: stale lock (dead pid) and leftover temp files are cleaned on the next save.
    const store = new ProfileStore({ dataDir: dir, lockTimeoutMs: 10_000 });
    const loop = await store.get('loop');
    await store.update(loop.id, { notes: 'after the crashes' });
    expect((await store.get('loop')).notes).toBe('after the crashes');
    const left = (await readdir(dir)).filter((n) => n !== 'profiles.json');
    expect(left).toEqual([]);
  });
});
