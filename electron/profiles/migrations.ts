// profiles.json schema versions. Each migration lifts the file one version; they run in order on
// load and the result is written back on the next save (the original is backed up first).
//
// v0 (pgEntra 0.0.x previews): a bare array or `{ profiles }` without schemaVersion, entries used
//     `user` for the role name, `group` for the folder and `sslMode` in camel case.
// v1: `{ schemaVersion: 1, profiles: Profile[] }` (shared/profile.ts).
import { z } from 'zod';

export const CURRENT_SCHEMA_VERSION = 1;

export type MigrationResult =
  { ok: true; data: { schemaVersion: number; profiles: unknown[] }; fromVersion: number } | { ok: false; reason: 'unrecognized' | 'newer'; message: string; version?: number };

interface Migration {
  from: number;
  describe: string;
  up(file: { profiles: unknown[] }): { profiles: unknown[] };
}

const V0EntrySchema = z.looseObject({ user: z.unknown().optional(), group: z.unknown().optional(), sslMode: z.unknown().optional() });

/** Renames `from` to `to` unless `to` is already there (then the old key is left for the validator to report). */
function renameKey(o: Record<string, unknown>, from: string, to: string): void {
  if (from in o && !(to in o)) {
    o[to] = o[from];
    delete o[from];
  }
}

const MIGRATIONS: readonly Migration[] = [
  {
    from: 0,
    describe: 'user → username, group → folder, sslMode → sslmode',
    up: (file) => ({
      profiles: file.profiles.map((entry) => {
        const parsed = V0EntrySchema.safeParse(entry);
        if (!parsed.success) return entry; // not an object: left for validation to report
        const o: Record<string, unknown> = { ...parsed.data };
        renameKey(o, 'user', 'username');
        renameKey(o, 'group', 'folder');
        renameKey(o, 'sslMode', 'sslmode');
        return o;
      }),
    }),
  },
];

const EnvelopeSchema = z.looseObject({ schemaVersion: z.number().int().nonnegative().optional(), profiles: z.array(z.unknown()) });

/** Brings any known shape of profiles.json to the current version. Never throws. */
export function migrateStoreFile(raw: unknown): MigrationResult {
  let profiles: unknown[];
  let version: number;
  if (Array.isArray(raw)) {
    profiles = raw;
    version = 0;
  } else {
    const env = EnvelopeSchema.safeParse(raw);
    if (!env.success) {
      const v = z.object({ schemaVersion: z.number() }).safeParse(raw);
      if (v.success && v.data.schemaVersion > CURRENT_SCHEMA_VERSION) {
        return { ok: false, reason: 'newer', version: v.data.schemaVersion, message: `profiles.json was written by a newer pgEntra (schema ${v.data.schemaVersion}); update pgEntra to use it.` };
      }
      return { ok: false, reason: 'unrecognized', message: 'profiles.json is not a pgEntra profile list ({ schemaVersion, profiles: [...] }).' };
    }
    profiles = env.data.profiles;
    version = env.data.schemaVersion ?? 0;
  }
  if (version > CURRENT_SCHEMA_VERSION) {
    return { ok: false, reason: 'newer', version, message: `profiles.json was written by a newer pgEntra (schema ${version}); update pgEntra to use it.` };
  }
  const fromVersion = version;
  let file = { profiles };
  for (const m of MIGRATIONS) {
    if (m.from === version) {
      file = m.up(file);
      version = m.from + 1;
    }
  }
  if (version !== CURRENT_SCHEMA_VERSION) {
    return { ok: false, reason: 'unrecognized', version, message: `profiles.json has schema version ${fromVersion}, which this pgEntra cannot migrate.` };
  }
  return { ok: true, data: { schemaVersion: version, profiles: file.profiles }, fromVersion };
}
