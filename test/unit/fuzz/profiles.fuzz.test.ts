// Fuzz: profile files and profile imports. Any profiles.json text either loads (every profile it
// yields re-validates) or is refused as store_corrupt; a hostile import either fails with
// invalid_input or imports what validates — existing profiles are never lost or altered.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStoreText, serializeStore } from '../../../electron/profiles/storeFile.js';
import { ProfileStore } from '../../../electron/profiles/profileStore.js';
import { EXCHANGE_FORMAT, EXCHANGE_VERSION } from '../../../electron/profiles/exchange.js';
import { isPgEntraError } from '../../../shared/errors.js';
import { validateProfile, validateProfileInput, type Profile } from '../../../shared/profile.js';
import { FUZZ_TIMEOUT_MS, fuzzRuns, hostileJson, runFuzz } from './fuzzKit.js';

/** Store-backed cases take a lock and write files (~6 ms each): fewer by default, 10,000 with PGENTRA_FUZZ_RUNS=10000. */
const STORE_RUNS = 1_500;

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'pgentra-fuzz-profiles-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function profile(name: string, over: Record<string, unknown> = {}): Profile {
  const r = validateProfileInput({ name, host: `${name.toLowerCase()}.postgres.database.azure.com`, username: 'db-admins', ...over });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.profile;
}

const EXISTING: Profile[] = [
  profile('Prod', { folder: 'EU', database: 'sales', port: 6432, notes: 'main' }),
  profile('Staging', { credential: { kind: 'interactive', account: 'alice@contoso.example' } }),
  profile('Dev', { sslmode: 'verify-full', connectTimeoutSeconds: 30, color: '#336699' }),
];
const VALID_STORE = JSON.parse(serializeStore(EXISTING, [])) as unknown;
const VALID_V0 = { profiles: [{ name: 'Old', host: 'old.postgres.database.azure.com', user: 'db-admins', group: 'EU', sslMode: 'verify-full' }] };
const VALID_EXPORT = {
  format: EXCHANGE_FORMAT,
  version: EXCHANGE_VERSION,
  exportedAt: '2026-01-01T00:00:00.000Z',
  profiles: [
    { ...profile('Imported'), id: undefined },
    // A duplicate of an existing one (same connection), and a name clash.
    { ...EXISTING[0], name: 'Prod copy' },
    { ...profile('Prod', { host: 'other.postgres.database.azure.com' }) },
  ],
};

const text = (h: { kind: 'value' | 'text'; doc: unknown }): string => (h.kind === 'text' ? String(h.doc) : (JSON.stringify(h.doc) ?? 'undefined'));

describe('fuzz: profile files', () => {
  it(
    'parseStoreText: ok with valid profiles only, or corrupt/newer — never throws',
    async () => {
      await runFuzz('profiles.json-parse', [fc.oneof(hostileJson(VALID_STORE), hostileJson(VALID_V0))], (h) => {
        const r = parseStoreText(text(h));
        if (r.kind !== 'ok') {
          expect(['corrupt', 'newer']).toContain(r.kind);
          expect(typeof r.reason).toBe('string');
          return;
        }
        const ids = new Set<string>();
        for (const p of r.contents.profiles) {
          const again = validateProfile(JSON.parse(JSON.stringify(p)), { skipPolicy: typeof p.cloud === 'object' });
          expect(again.ok, JSON.stringify(p)).toBe(true);
          expect(ids.has(p.id)).toBe(false);
          ids.add(p.id);
        }
        // Invalid entries are kept for the next write, never dropped: a round-trip keeps them all.
        const round = parseStoreText(serializeStore(r.contents.profiles, r.contents.invalid));
        expect(round.kind).toBe('ok');
        if (round.kind === 'ok') {
          expect(round.contents.profiles.length).toBe(r.contents.profiles.length);
          expect(round.contents.invalid.length).toBe(r.contents.invalid.length);
        }
      });
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'ProfileStore on a hostile profiles.json: valid profiles or store_corrupt, the bad file moved aside intact',
    async () => {
      const dir = tempDir();
      const file = path.join(dir, 'profiles.json');
      await runFuzz(
        'profiles.json-load',
        [fc.oneof(hostileJson(VALID_STORE), hostileJson(VALID_V0))],
        async (h) => {
          for (const f of readdirSync(dir)) rmSync(path.join(dir, f), { force: true, recursive: true });
          const bytes = Buffer.from(text(h), 'utf8');
          writeFileSync(file, bytes);
          const store = new ProfileStore({ dataDir: dir, lockTimeoutMs: 2_000 });
          try {
            const list = await store.list();
            for (const p of list) expect(validateProfile(JSON.parse(JSON.stringify(p)), { skipPolicy: typeof p.cloud === 'object' }).ok).toBe(true);
          } catch (e) {
            if (!isPgEntraError(e) || e.code !== 'store_corrupt') throw e;
            // Never overwritten or deleted: the bytes are kept (in place, or moved aside).
            const kept = readdirSync(dir)
              .filter((f) => f.startsWith('profiles') && f.endsWith('.json'))
              .map((f) => readFileSync(path.join(dir, f)));
            expect(
              kept.some((k) => k.equals(bytes)),
              'the refused file was not kept byte for byte',
            ).toBe(true);
          }
        },
        fuzzRuns(STORE_RUNS),
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});

describe('fuzz: profile imports', () => {
  it(
    'a hostile import fails with invalid_input or imports what validates; existing profiles never lost or altered',
    async () => {
      const dir = tempDir();
      const file = path.join(dir, 'profiles.json');
      const original = serializeStore(EXISTING, []);
      writeFileSync(file, original);
      const store = new ProfileStore({ dataDir: dir, lockTimeoutMs: 2_000 });
      let rejected = 0;
      let imported = 0;
      await runFuzz(
        'profiles-import',
        [fc.oneof(hostileJson(VALID_EXPORT), hostileJson(VALID_STORE)), fc.constantFrom('skip', 'rename', 'replace'), fc.boolean()],
        async (h, onConflict, trustConfirmations) => {
          if (readFileSync(file, 'utf8') !== original) writeFileSync(file, original);
          const input = h.kind === 'text' ? String(h.doc) : h.doc;
          let result: Awaited<ReturnType<ProfileStore['importProfiles']>> | undefined;
          try {
            result = await store.importProfiles(input, { onConflict, trustConfirmations });
          } catch (e) {
            if (!isPgEntraError(e) || e.code !== 'invalid_input') throw e;
          }
          const after = await store.list();
          if (!result || result.created.length + result.replaced.length === 0) {
            rejected++;
            // Nothing imported: the file is byte for byte what it was.
            expect(readFileSync(file, 'utf8')).toBe(original);
            expect(after).toEqual(EXISTING);
            return;
          }
          imported++;
          const replacedIds = new Set(result.replaced.map((p) => p.id));
          for (const p of EXISTING) {
            const now = after.find((x) => x.id === p.id);
            expect(now, `existing profile ${p.name} lost`).toBeDefined();
            if (!replacedIds.has(p.id)) expect(now).toEqual(p);
          }
          for (const p of after) expect(validateProfile(JSON.parse(JSON.stringify(p))).ok).toBe(true);
          expect(after.length).toBe(EXISTING.length + result.created.length);
        },
        fuzzRuns(STORE_RUNS),
      );
      console.log(`fuzz: profiles-import outcomes: ${rejected} rejected/empty, ${imported} imported something`);
    },
    FUZZ_TIMEOUT_MS,
  );
});
