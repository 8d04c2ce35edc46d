import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { ProfileStore, type ProfileChange } from '../../../electron/profiles/profileStore.js';
import { isPgEntraError, type ErrorCode } from '../../../shared/errors.js';
import type { ProfileInput } from '../../../shared/profile.js';
import { sleep, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let store: ProfileStore;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  store = new ProfileStore({ dataDir: path.join(dir, 'home') });
});
afterEach(async () => cleanup());

const input = (name: string, extra: Partial<ProfileInput> = {}): ProfileInput => ({
  name,
  host: `${name.toLowerCase().replace(/[^a-z0-9]/g, '')}.postgres.database.azure.com`,
  username: 'db-admins',
  ...extra,
});

async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<Error> {
  try {
    await p;
  } catch (e) {
    if (!isPgEntraError(e)) throw e;
    expect(e.code, e.message).toBe(code);
    return e;
  }
  throw new Error(`expected ${code}`);
}

const readJson = async (file: string): Promise<unknown> => JSON.parse(await readFile(file, 'utf8'));

describe('CRUD', () => {
  it('creates with private permissions and the versioned file shape', async () => {
    const p = await store.create(input('Prod'));
    expect(await store.list()).toEqual([p]);
    expect(await readJson(store.file)).toEqual({ schemaVersion: 1, profiles: [p] });
    if (process.platform !== 'win32') {
      expect((await stat(store.file)).mode & 0o777).toBe(0o600);
      expect((await stat(store.dataDir)).mode & 0o777).toBe(0o700);
    }
  });

  it('get by id or case-insensitive name; not_found otherwise', async () => {
    const p = await store.create(input('Prod EU'));
    expect(await store.get(p.id)).toEqual(p);
    expect(await store.get('prod eu')).toEqual(p);
    await expectCode(store.get('nope'), 'not_found');
    await expectCode(store.update('00000000-0000-4000-8000-000000000000', { port: 1 }), 'not_found');
  });

  it('names are unique regardless of case', async () => {
    const a = await store.create(input('Prod'));
    await expectCode(store.create(input('PROD', { host: 'other.postgres.database.azure.com' })), 'conflict');
    const b = await store.create(input('Test'));
    await expectCode(store.update(b.id, { name: ' prod ' }), 'conflict');
    expect((await store.update(a.id, { name: 'PROD' })).name).toBe('PROD');
  });

  it('validation errors surface as invalid_input / confirmation_required and nothing is written', async () => {
    await expectCode(store.create(input('X', { port: 0 })), 'invalid_input');
    await expectCode(store.create({ ...input('X'), password: 'hunter2' } as ProfileInput), 'invalid_input');
    const e = await expectCode(store.create(input('X', { host: 'db.example.com' })), 'confirmation_required');
    expect(e.message).toMatch(/replay/);
    await expectCode(store.create(input('X', { sslmode: 'require' })), 'confirmation_required');
    expect(await store.list()).toEqual([]);
  });

  it('update keeps id/createdAt, bumps updatedAt, clears optional fields, drops host confirmation on host or port change', async () => {
    let t = Date.parse('2024-01-01T00:00:00Z');
    const s = new ProfileStore({ dataDir: store.dataDir, now: () => new Date((t += 1000)) });
    const p = await s.create(input('Lab', { host: 'lab.example.com', confirmations: { nonAzureHost: true }, color: '#ff0000' }));
    const u = await s.update(p.id, { color: undefined });
    expect(u).toMatchObject({ id: p.id, createdAt: p.createdAt, port: 5432, confirmations: { nonAzureHost: true } });
    expect(u.color).toBeUndefined();
    expect(u.updatedAt > p.updatedAt).toBe(true);
    // The confirmation is for host and port: another port needs it again.
    await expectCode(s.update(p.id, { port: 6432 }), 'confirmation_required');
    expect((await s.update(p.id, { port: 6432, confirmations: { nonAzureHost: true } })).port).toBe(6432);
    await expectCode(s.update(p.id, { host: 'other.example.com' }), 'confirmation_required');
    expect((await s.update(p.id, { host: 'other.example.com', confirmations: { nonAzureHost: true } })).host).toBe('other.example.com');
    await expectCode(s.update(p.id, { id: 'x' } as never), 'invalid_input');
  });

  it('duplicate, move, remove and restore (undo)', async () => {
    const p = await store.create(input('Prod'));
    const d1 = await store.duplicate(p.id);
    const d2 = await store.duplicate(p.id);
    expect([d1.name, d2.name]).toEqual(['Prod (copy)', 'Prod (copy 2)']);
    expect(d1.id).not.toBe(p.id);
    expect((await store.list()).map((x) => x.name)).toEqual(['Prod', 'Prod (copy 2)', 'Prod (copy)']);
    const long = await store.create(input('L'.repeat(100), { host: 'long.postgres.database.azure.com' }));
    expect((await store.duplicate(long.id)).name).toHaveLength(100);

    expect((await store.move(d1.id, 'Archive')).folder).toBe('Archive');
    const removed = await store.remove(d1.id);
    expect(removed.folder).toBe('Archive');
    expect(await store.find(d1.id)).toBeUndefined();
    expect(await store.restore(removed)).toEqual(removed);
    expect(await store.get(d1.id)).toEqual(removed);
    await expectCode(store.restore(removed), 'conflict');
  });

  it('emits change events', async () => {
    const seen: ProfileChange['type'][] = [];
    const off = store.subscribe((c) => seen.push(c.type));
    const p = await store.create(input('A'));
    await store.update(p.id, { port: 1 });
    await store.move(p.id, 'F');
    const d = await store.duplicate(p.id);
    const r = await store.remove(d.id);
    await store.restore(r);
    await store.importProfiles(await store.exportProfiles([p.id]), { onConflict: 'rename' });
    off();
    await store.remove(p.id);
    expect(seen).toEqual(['created', 'updated', 'moved', 'duplicated', 'removed', 'restored', 'imported']);
  });

  it('notices saves by another process (external change)', async () => {
    await store.create(input('A'));
    const seen: ProfileChange[] = [];
    store.subscribe((c) => seen.push(c));
    const stop = store.watchExternalChanges(0);
    // Our own saves must not count as external, even when the watcher fires between a save's
    // write and its cache refresh (no debounce here, many saves: that window is hit).
    for (let i = 0; i < 25; i++) await store.create(input(`Own ${i}`));
    await sleep(300);
    expect(seen.filter((c) => c.type === 'external')).toHaveLength(0);
    await new ProfileStore({ dataDir: store.dataDir }).create(input('B'));
    for (let i = 0; i < 50 && !seen.some((c) => c.type === 'external'); i++) await sleep(50);
    stop();
    expect(seen.some((c) => c.type === 'external')).toBe(true);
    expect((await store.list()).map((p) => p.name)).toContain('B');
  });
});

describe('corrupt and invalid files', () => {
  it('bad JSON is moved aside intact and reported; never overwritten', async () => {
    await store.create(input('A'));
    const garbage = '{"schemaVersion":1,"profiles":[{"name":"Prod", TRUNCATED';
    await writeFile(store.file, garbage);
    const e = await expectCode(store.create(input('B')), 'store_corrupt');
    expect(e.message).toMatch(/not valid JSON/);
    const movedTo = isPgEntraError(e) ? String(e.details?.movedTo) : '';
    expect(path.basename(movedTo)).toMatch(/^profiles\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z\.json$/);
    expect(await readFile(movedTo, 'utf8')).toBe(garbage);
    // The failed create wrote nothing; the next one starts a fresh file beside the preserved one.
    expect(await store.list()).toEqual([]);
    await store.create(input('B'));
    expect(await readFile(movedTo, 'utf8')).toBe(garbage);
  });

  it('a file failing the schema is moved aside on read as well', async () => {
    await store.create(input('A'));
    await writeFile(store.file, '{"hello":"world"}');
    const e = await expectCode(store.list(), 'store_corrupt');
    expect(await readFile(String(isPgEntraError(e) && e.details?.movedTo), 'utf8')).toBe('{"hello":"world"}');
  });

  it('an unreadable file counts as corrupt and is moved aside', async () => {
    if (process.platform === 'win32' || process.getuid?.() === 0) return; // root reads anything
    await store.create(input('A'));
    await chmod(store.file, 0o000);
    await expectCode(store.list(), 'store_corrupt');
    expect((await readdir(store.dataDir)).some((n) => n.startsWith('profiles.corrupt-'))).toBe(true);
  });

  it('a file from a newer pgEntra is left alone and not written over', async () => {
    await store.create(input('A'));
    const newer = JSON.stringify({ schemaVersion: 9, profiles: [] });
    await writeFile(store.file, newer);
    await expectCode(store.create(input('B')), 'store_corrupt');
    expect(await readFile(store.file, 'utf8')).toBe(newer);
  });

  it('invalid entries are reported, kept in the file across saves, and not dropped', async () => {
    const a = await store.create(input('A'));
    const bad = { ...a, id: '11111111-1111-4111-8111-111111111111', name: 'Bad', port: 'five' };
    await writeFile(store.file, JSON.stringify({ schemaVersion: 1, profiles: [a, bad] }));
    const snap = await store.snapshot();
    expect(snap.profiles).toEqual([a]);
    expect(snap.invalid).toHaveLength(1);
    expect(snap.invalid[0]).toMatchObject({ index: 1, name: 'Bad', id: bad.id });
    expect(snap.invalid[0]?.errors[0]?.message).toMatch(/^Port:/);
    await store.create(input('C'));
    expect(((await readJson(store.file)) as { profiles: unknown[] }).profiles).toContainEqual(bad);
  });

  it('migrates a v0 file, backing up the original before the first save', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(store.dataDir, { recursive: true });
    const v0 = JSON.stringify({
      profiles: [
        {
          id: '22222222-2222-4222-8222-222222222222',
          name: 'Old',
          host: 'old.postgres.database.azure.com',
          user: 'alice@contoso.example',
          group: 'Legacy',
          port: 5432,
          database: 'postgres',
          credential: { kind: 'interactive' },
          cloud: 'public',
          sslmode: 'verify-full',
          applicationName: 'pgEntra',
          connectTimeoutSeconds: 15,
          confirmations: {},
          createdAt: '2023-01-01T00:00:00.000Z',
          updatedAt: '2023-01-01T00:00:00.000Z',
        },
      ],
    });
    await writeFile(store.file, v0);
    expect(await store.get('Old')).toMatchObject({ username: 'alice@contoso.example', folder: 'Legacy' });
    await store.create(input('New'));
    const files = await readdir(store.dataDir);
    const backup = files.find((n) => n.startsWith('profiles.v0-backup-'));
    expect(backup).toBeDefined();
    expect(await readFile(path.join(store.dataDir, backup ?? ''), 'utf8')).toBe(v0);
    expect(await readJson(store.file)).toMatchObject({ schemaVersion: 1, profiles: [{ name: 'Old', username: 'alice@contoso.example' }, { name: 'New' }] });
  });
});

describe('lock', () => {
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid ?? 0;
    await new Promise((r) => child.on('exit', r));
    return pid;
  }

  it('a stale lock from a dead process is recovered', async () => {
    await store.create(input('A'));
    const pid = await deadPid();
    await writeFile(store.lockFile, JSON.stringify({ pid, host: os.hostname(), token: 'dead', acquiredAt: new Date().toISOString() }));
    await store.create(input('B'));
    expect((await store.list()).map((p) => p.name)).toEqual(['A', 'B']);
    expect((await readdir(store.dataDir)).sort()).toEqual(['profiles.json']);
  });

  it('a live lock times out with store_locked naming the holder; an old one is taken over', async () => {
    await store.create(input('A'));
    await writeFile(store.lockFile, JSON.stringify({ pid: process.ppid, host: os.hostname(), token: 'live', acquiredAt: new Date().toISOString() }));
    const s = new ProfileStore({ dataDir: store.dataDir, lockTimeoutMs: 300 });
    const e = await expectCode(s.create(input('B')), 'store_locked');
    expect(e.message).toContain(String(process.ppid));
    expect(await readFile(store.lockFile, 'utf8')).toContain('live'); // not stolen
    const patient = new ProfileStore({ dataDir: store.dataDir, lockTimeoutMs: 5_000, staleLockMs: 500 });
    await patient.create(input('B'));
    expect((await patient.list()).map((p) => p.name)).toEqual(['A', 'B']);
  });

  it('a garbage lock file is taken over after a short grace period', async () => {
    await store.create(input('A'));
    await writeFile(store.lockFile, '');
    const s = new ProfileStore({ dataDir: store.dataDir, lockTimeoutMs: 5_000 });
    await s.create(input('B'));
    expect((await s.list()).length).toBe(2);
  });
});

describe('import / export', () => {
  it('round trip into an empty store keeps every field', async () => {
    await store.create(input('A', { folder: 'EU', color: '#123456', notes: 'n', credential: { kind: 'azure-cli' } }));
    await store.create(input('B', { port: 6432, username: 'alice_fabrikam.com#EXT#@contoso.onmicrosoft.com' }));
    const exported = await store.exportProfiles();
    expect(JSON.parse(exported)).toMatchObject({ format: 'pgentra-profiles', version: 1 });
    const other = new ProfileStore({ dataDir: path.join(dir, 'other') });
    const r = await other.importProfiles(exported, { onConflict: 'skip' });
    expect(r.created).toHaveLength(2);
    const strip = ({ id: _i, createdAt: _c, updatedAt: _u, ...rest }: Record<string, unknown>) => rest;
    expect((await other.list()).map(strip)).toEqual((await store.list()).map(strip));
    // New ids: importing never collides with the source's ids.
    expect((await other.list()).map((p) => p.id)).not.toContain((await store.list())[0]?.id);
  });

  it('leaves the remembered PIM defaults out (the reason can hold ticket numbers); a file that has them still imports', async () => {
    const pim = { duration: '1h 30m', reason: 'INC-4711 rotate the prod key', ticketSystem: 'SNOW' };
    const a = await store.create(input('A', { pim }));
    for (const exported of [await store.exportProfiles(), await store.exportProfiles([a.id])]) {
      expect(exported).not.toContain('INC-4711');
      expect(JSON.parse(exported).profiles[0]).not.toHaveProperty('pim');
    }
    // An export from before (or a copied profiles.json) carries them: still valid.
    const older = JSON.stringify({ format: 'pgentra-profiles', version: 1, profiles: [{ ...input('B'), pim }] });
    const other = new ProfileStore({ dataDir: path.join(dir, 'other') });
    const r = await other.importProfiles(older, { onConflict: 'skip' });
    expect(r.created.map((p) => p.pim)).toEqual([pim]);
  });

  it('exports a subset; unknown ids are not_found', async () => {
    const a = await store.create(input('A'));
    await store.create(input('B'));
    expect(JSON.parse(await store.exportProfiles([a.id])).profiles.map((p: { name: string }) => p.name)).toEqual(['A']);
    await expectCode(store.exportProfiles(['nope']), 'not_found');
  });

  it('conflict modes: skip, rename, replace', async () => {
    const a = await store.create(input('A'));
    await store.create(input('B'));
    const file = JSON.stringify({
      format: 'pgentra-profiles',
      version: 1,
      profiles: [
        { ...input('A-renamed', { host: a.host }), port: 5432, database: 'postgres', notes: 'same connection as A' }, // duplicate by host+port+username+database
        input('b', { host: 'different.postgres.database.azure.com' }), // duplicate by name only
        input('C'),
      ],
    });

    const skip = await store.importProfiles(file, { onConflict: 'skip' });
    expect(skip.created.map((p) => p.name)).toEqual(['C']);
    expect(skip.skipped.map((s) => [s.name, s.reason])).toEqual([
      ['A-renamed', 'same server, port, database and username as "A"'],
      ['b', 'the name is used by "B"'],
    ]);
    expect(await store.importProfiles(file, { onConflict: 'skip' })).toMatchObject({ created: [], skipped: [{}, {}, {}] });

    const rename = await store.importProfiles(file, { onConflict: 'rename' });
    expect(rename.created.map((p) => p.name)).toEqual(['A-renamed', 'b (imported)', 'C (imported)']);
    expect(rename.renamed).toEqual([
      { index: 1, from: 'b', to: 'b (imported)' },
      { index: 2, from: 'C', to: 'C (imported)' },
    ]);

    const before = (await store.list()).length;
    const replace = await store.importProfiles(JSON.stringify({ format: 'pgentra-profiles', version: 1, profiles: [input('A', { host: a.host, notes: 'replaced' })] }), { onConflict: 'replace' });
    expect(replace.replaced).toHaveLength(1);
    expect(replace.replaced[0]).toMatchObject({ id: a.id, createdAt: a.createdAt, notes: 'replaced' });
    expect((await store.list()).length).toBe(before);
    expect((await store.get(a.id)).notes).toBe('replaced');
  });

  it('validates each entry: invalid ones are reported, secrets refused, confirmations not trusted by default', async () => {
    const file = JSON.stringify({
      format: 'pgentra-profiles',
      version: 1,
      profiles: [input('Ok'), { ...input('Pw'), password: 'x' }, input('Bad', { port: 0 }), input('Lab', { host: 'lab.example.com', confirmations: { nonAzureHost: true } }), 42],
    });
    const r = await store.importProfiles(file, { onConflict: 'skip' });
    expect(r.created.map((p) => p.name)).toEqual(['Ok']);
    expect(r.invalid.map((i) => [i.index, i.errors[0]?.code])).toEqual([
      [1, 'invalid_input'],
      [2, 'invalid_input'],
      [3, 'confirmation_required'],
      [4, 'invalid_input'],
    ]);
    const trusted = await store.importProfiles(file, { onConflict: 'skip', trustConfirmations: true });
    expect(trusted.created.map((p) => p.name)).toEqual(['Lab']);
  });

  it('rejects non-exports and newer formats as a whole', async () => {
    await expectCode(store.importProfiles('not json', { onConflict: 'skip' }), 'invalid_input');
    await expectCode(store.importProfiles('{"a":1}', { onConflict: 'skip' }), 'invalid_input');
    await expectCode(store.importProfiles('{"format":"pgentra-profiles","version":2,"profiles":[]}', { onConflict: 'skip' }), 'invalid_input');
    expect(await store.list()).toEqual([]);
  });
});

describe('performance', () => {
  it('list() on 5,000 profiles is fast once loaded (cache keyed by inode/size/mtime)', async () => {
    const { mkdir } = await import('node:fs/promises');
    const { validateProfileInput } = await import('../../../shared/profile.js');
    await mkdir(store.dataDir, { recursive: true });
    const profiles = Array.from({ length: 5000 }, (_, i) => {
      const r = validateProfileInput(input(`P${i}`, { folder: `F${i % 20}` }));
      if (!r.ok) throw new Error('fixture');
      return r.profile;
    });
    await writeFile(store.file, JSON.stringify({ schemaVersion: 1, profiles }));
    let t = performance.now();
    const loaded = await store.list();
    expect(loaded).toHaveLength(5000);
    const first = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < 20; i++) await store.list();
    const cached = (performance.now() - t) / 20;
    console.log(`5,000 profiles: first load ${first.toFixed(0)} ms, cached list() ${cached.toFixed(2)} ms`);
    // The cache, without a clock: an unchanged file hands back the very profiles parsed before.
    expect((await store.list())[4999]).toBe(loaded[4999]);
    // Generous (about 1 ms and 300 ms here): only a lost cache or a pathological parse gets near, not a busy machine.
    expect(cached).toBeLessThan(100);
    expect(first).toBeLessThan(15_000);
    // A save refreshes the cache; the next list() sees it.
    t = performance.now();
    await store.create(input('New'));
    console.log(`create with 5,000 profiles: ${(performance.now() - t).toFixed(0)} ms`);
    expect((await store.list()).length).toBe(5001);
  });
});
