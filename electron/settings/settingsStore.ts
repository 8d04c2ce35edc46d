// settings.json in the data folder: read synchronously (the CLI reads it on every run, before any
// network call; it is a few hundred bytes) and replaced atomically, owner-only, when changed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PgEntraError } from '../../shared/errors.js';
import { DEFAULT_SETTINGS, SettingsSchema, type Settings } from '../../shared/settings.js';
import { ensurePrivateDir, writeFileAtomic } from '../base/atomicFile.js';
import { MAX_SMALL_FILE_BYTES } from '../base/boundedRead.js';

export const SETTINGS_FILE = 'settings.json';

export function settingsPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), SETTINGS_FILE);
}

/** The settings (defaults when the file does not exist); store_corrupt when it cannot be understood. */
export function readSettings(dataDir: string): Settings {
  const file = settingsPath(dataDir);
  let text: string;
  try {
    const buf = readFileSync(file);
    if (buf.length > MAX_SMALL_FILE_BYTES) throw Object.assign(new Error('too large'), { code: 'EFBIG' });
    text = buf.toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_SETTINGS;
    throw new PgEntraError('store_corrupt', `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, {
      hint: `Fix or delete ${file} (pgEntra then uses its defaults).`,
      details: { file },
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PgEntraError('store_corrupt', `${file} is not valid JSON.`, { hint: `Fix or delete it (pgEntra then uses its defaults), or run pgentra settings reset.`, details: { file } });
  }
  const parsed = SettingsSchema.safeParse(json);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
    throw new PgEntraError('store_corrupt', `${file} is not a pgEntra settings file: ${why}.`, { hint: 'Fix it, or run pgentra settings reset.', details: { file } });
  }
  return parsed.data;
}

export async function writeSettings(dataDir: string, settings: Settings): Promise<Settings> {
  const valid = SettingsSchema.parse(settings);
  await ensurePrivateDir(path.resolve(dataDir));
  await writeFileAtomic(settingsPath(dataDir), JSON.stringify(valid, null, 2) + '\n');
  return valid;
}
