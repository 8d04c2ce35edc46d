// Reading and writing profiles.json: parse, migrate, validate each entry. A file that cannot be
// understood is never overwritten — it is moved aside to profiles.corrupt-<timestamp>.json.
import { open, rename, copyFile, constants } from 'node:fs/promises';
import path from 'node:path';
import { type Profile, type ProfileFieldError, validateProfile } from '../../shared/profile.js';
import { CURRENT_SCHEMA_VERSION, migrateStoreFile } from './migrations.js';

export const STORE_FILE_NAME = 'profiles.json';

/** An entry that failed validation. Kept verbatim in the file (never dropped) and reported. */
export interface InvalidEntry {
  index: number;
  id?: string;
  name?: string;
  errors: ProfileFieldError[];
  raw: unknown;
}

export interface StoreContents {
  profiles: readonly Profile[];
  invalid: readonly InvalidEntry[];
  /** Schema version the file had on disk (older → migrated in memory, written back on next save). */
  fromVersion: number;
}

export type ReadOutcome =
  { kind: 'missing' } | { kind: 'ok'; contents: StoreContents; signature: string } | { kind: 'corrupt'; reason: string; signature: string } | { kind: 'newer'; reason: string; signature: string };

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Text of profiles.json → contents, or why it cannot be used. Pure, for tests and the store. */
export function parseStoreText(text: string): { kind: 'ok'; contents: StoreContents } | { kind: 'corrupt' | 'newer'; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { kind: 'corrupt', reason: `profiles.json is not valid JSON (${e instanceof Error ? e.message : String(e)}).` };
  }
  const migrated = migrateStoreFile(json);
  if (!migrated.ok) return { kind: migrated.reason === 'newer' ? 'newer' : 'corrupt', reason: migrated.message };
  const profiles: Profile[] = [];
  const invalid: InvalidEntry[] = [];
  const ids = new Set<string>();
  migrated.data.profiles.forEach((raw, index) => {
    const rec = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
    // Custom clouds' domains live in their file, unknown here: their host policy is checked when
    // connecting (checkProfilePolicy) and when saving, not on load.
    const customCloud = typeof rec?.cloud === 'object' && rec.cloud !== null;
    const r = validateProfile(raw, { skipPolicy: customCloud });
    const meta = { index, raw, ...(str(rec?.id) ? { id: str(rec?.id) } : {}), ...(str(rec?.name) ? { name: str(rec?.name) } : {}) };
    if (!r.ok) {
      invalid.push({ ...meta, errors: r.errors });
    } else if (ids.has(r.profile.id)) {
      invalid.push({ ...meta, errors: [{ path: 'id', message: `Id: ${r.profile.id} is used by an earlier profile in the file`, code: 'invalid_input' }] });
    } else {
      ids.add(r.profile.id);
      profiles.push(deepFreeze(r.profile));
    }
  });
  return { kind: 'ok', contents: { profiles, invalid, fromVersion: migrated.fromVersion } };
}

/**
 * Reads the file through one handle so the signature (inode, size, mtime) matches the bytes read,
 * even if a writer renames a new file in meanwhile. Unreadable (permissions) counts as corrupt.
 */
export async function readStoreFile(file: string, cached?: { signature: string; outcome: ReadOutcome }): Promise<ReadOutcome> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(file, constants.O_RDONLY);
  } catch (e) {
    if (errno(e) === 'ENOENT') return { kind: 'missing' };
    if (errno(e) === 'EACCES' || errno(e) === 'EPERM') return { kind: 'corrupt', reason: `profiles.json cannot be read (${errno(e)}).`, signature: 'unreadable' };
    throw e;
  }
  try {
    const st = await fh.stat();
    const signature = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (cached && cached.signature === signature) return cached.outcome;
    if (st.isDirectory()) return { kind: 'corrupt', reason: 'profiles.json is a directory.', signature };
    const text = await fh.readFile('utf8');
    const parsed = parseStoreText(text);
    return parsed.kind === 'ok' ? { kind: 'ok', contents: parsed.contents, signature } : { ...parsed, signature };
  } finally {
    await fh.close();
  }
}

export function serializeStore(profiles: readonly Profile[], invalid: readonly InvalidEntry[]): string {
  return `${JSON.stringify({ schemaVersion: CURRENT_SCHEMA_VERSION, profiles: [...profiles, ...invalid.map((e) => e.raw)] }, null, 2)}\n`;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[:.]/g, '-'); // no colons: valid on Windows
}

/** Renames the file to `<base>.<label>-<timestamp>.json` next to it (never overwriting one). */
export async function moveAside(file: string, label: string, now = new Date()): Promise<string> {
  const dir = path.dirname(file);
  const base = path.basename(file, '.json');
  for (let n = 0; ; n++) {
    const target = path.join(dir, `${base}.${label}-${stamp(now)}${n ? `-${n}` : ''}.json`);
    // link+unlink would be exclusive; a plain existence probe is enough under the store lock.
    const exists = await open(target, 'r').then(
      async (h) => (await h.close(), true),
      () => false,
    );
    if (exists) continue;
    await rename(file, target);
    return target;
  }
}

/** Keeps the pre-migration file before the first save in the new format. */
export async function backupBeforeMigration(file: string, fromVersion: number, now = new Date()): Promise<string> {
  const target = path.join(path.dirname(file), `${path.basename(file, '.json')}.v${fromVersion}-backup-${stamp(now)}.json`);
  await copyFile(file, target, constants.COPYFILE_EXCL).catch((e: unknown) => {
    if (errno(e) !== 'EEXIST') throw e;
  });
  return target;
}
