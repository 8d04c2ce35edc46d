// Several processes (and this one) create and edit profiles at once: nothing may be lost.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ProfileStore } from '../../../electron/profiles/profileStore.js';
import { spawnFixture, tempDir, waitExit } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

describe('concurrent writers', () => {
  it('three child processes plus the parent, 25 profiles each, lose nothing', async () => {
    const N = 25;
    const prefixes = ['alpha', 'bravo', 'charlie'];
    const children = prefixes.map((p) => waitExit(spawnFixture('writer.ts', [dir, p, String(N)])));
    const store = new ProfileStore({ dataDir: dir, lockTimeoutMs: 60_000 });
    for (let i = 0; i < N; i++) await store.create({ name: `parent-${i}`, host: `parent-${i}.postgres.database.azure.com`, username: 'db-admins' });
    const results = await Promise.all(children);
    for (const r of results) expect(r.code, r.stderr).toBe(0);

    const names = (await store.list()).map((p) => p.name);
    const expected = [...prefixes, 'parent'].flatMap((p) => Array.from({ length: N }, (_, i) => `${p}-${i}`));
    expect(names.sort()).toEqual(expected.sort());
    expect(new Set((await store.list()).map((p) => p.id)).size).toBe(expected.length);
    // The children's updates also survived the interleaving.
    const edited = (await store.list()).filter((p) => p.notes?.startsWith('edited by'));
    expect(edited).toHaveLength(prefixes.length * Math.floor((N - 1) / 5));
    // No lock or temp files left behind, and the file is well formed.
    expect((await readdir(dir)).sort()).toEqual(['profiles.json']);
    expect(JSON.parse(await readFile(path.join(dir, 'profiles.json'), 'utf8')).profiles).toHaveLength(expected.length);
  });

  it('two stores in one process interleaving async calls lose nothing', async () => {
    const a = new ProfileStore({ dataDir: dir });
    const b = new ProfileStore({ dataDir: dir });
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).create({ name: `p${i}`, host: `p${i}.postgres.database.azure.com`, username: 'u' })));
    expect((await a.list()).length).toBe(20);
    expect((await b.list()).length).toBe(20);
  });
});
