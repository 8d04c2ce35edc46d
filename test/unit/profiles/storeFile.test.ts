import { describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION, migrateStoreFile } from '../../../electron/profiles/migrations.js';
import { parseStoreText, serializeStore } from '../../../electron/profiles/storeFile.js';
import { validateProfileInput, type Profile } from '../../../shared/profile.js';

function profile(name: string): Profile {
  const r = validateProfileInput({ name, host: `${name.toLowerCase()}.postgres.database.azure.com`, username: 'db-admins' });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.profile;
}

describe('migrations', () => {
  it('v0 (user/group/sslMode, no schemaVersion) → v1', () => {
    const r = migrateStoreFile({ profiles: [{ name: 'a', user: 'db-admins', group: 'EU', sslMode: 'verify-full' }, 7] });
    expect(r).toEqual({
      ok: true,
      fromVersion: 0,
      data: { schemaVersion: 1, profiles: [{ name: 'a', username: 'db-admins', folder: 'EU', sslmode: 'verify-full' }, 7] },
    });
  });
  it('a bare array is v0', () => {
    const r = migrateStoreFile([{ user: 'x' }]);
    expect(r.ok && r.data.profiles).toEqual([{ username: 'x' }]);
  });
  it('does not clobber a username already present', () => {
    const r = migrateStoreFile({ profiles: [{ user: 'old', username: 'new' }] });
    expect(r.ok && r.data.profiles).toEqual([{ user: 'old', username: 'new' }]);
  });
  it('current version passes through, newer and unknown shapes are refused', () => {
    expect(migrateStoreFile({ schemaVersion: CURRENT_SCHEMA_VERSION, profiles: [] })).toMatchObject({ ok: true, fromVersion: 1 });
    expect(migrateStoreFile({ schemaVersion: 99, profiles: [] })).toMatchObject({ ok: false, reason: 'newer' });
    expect(migrateStoreFile({ hello: 1 })).toMatchObject({ ok: false, reason: 'unrecognized' });
    expect(migrateStoreFile('x')).toMatchObject({ ok: false, reason: 'unrecognized' });
  });
});

describe('parseStoreText', () => {
  it('round-trips serializeStore', () => {
    const ps = [profile('A'), profile('B')];
    const r = parseStoreText(serializeStore(ps, []));
    expect(r.kind === 'ok' && r.contents.profiles).toEqual(ps);
  });
  it('bad JSON and wrong shapes are corrupt; newer is separate', () => {
    expect(parseStoreText('{"schemaVersion":1,"profiles":[').kind).toBe('corrupt');
    expect(parseStoreText('').kind).toBe('corrupt');
    expect(parseStoreText('{"schemaVersion":1}').kind).toBe('corrupt');
    expect(parseStoreText('{"schemaVersion":5,"profiles":[]}').kind).toBe('newer');
  });
  it('reports invalid entries (with index, id, name, errors) instead of dropping them, and keeps them on write', () => {
    const good = profile('Good');
    const bad = { ...profile('Bad'), port: 0 };
    const secret = { ...profile('Secret'), password: 'x' };
    const dupId = { ...profile('Dup'), id: good.id };
    const r = parseStoreText(JSON.stringify({ schemaVersion: 1, profiles: [good, bad, 'junk', secret, dupId] }));
    if (r.kind !== 'ok') throw new Error(r.reason);
    expect(r.contents.profiles).toEqual([good]);
    expect(r.contents.invalid.map((e) => [e.index, e.name])).toEqual([
      [1, 'Bad'],
      [2, undefined],
      [3, 'Secret'],
      [4, 'Dup'],
    ]);
    expect(r.contents.invalid[0]?.errors[0]?.message).toMatch(/Port/);
    expect(r.contents.invalid[3]?.errors[0]?.message).toMatch(/used by an earlier profile/);
    const again = parseStoreText(serializeStore(r.contents.profiles, r.contents.invalid));
    expect(again.kind === 'ok' && again.contents.invalid.map((e) => e.raw)).toEqual([bad, 'junk', secret, dupId]);
  });
  it('a non-Azure host without confirmation in the file is reported, not loaded', () => {
    const p = { ...profile('X'), host: 'evil.example.com' };
    const r = parseStoreText(JSON.stringify({ schemaVersion: 1, profiles: [p] }));
    expect(r.kind === 'ok' && r.contents.invalid[0]?.errors[0]?.code).toBe('confirmation_required');
  });
});
