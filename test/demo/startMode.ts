// `npm start`'s choice: the simulated Azure when nothing real is set up (no profiles in the data
// folder, no PGENTRA_CLOUD_FILE), else the user's own data. Read-only: it never creates the
// data folder. Loaded by build/start.mjs through tsx.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dataDir } from '../../electron/base/paths.js';
import { parseStoreText, STORE_FILE_NAME } from '../../electron/profiles/storeFile.js';

export type StartMode = { kind: 'simulated'; dataDir: string } | { kind: 'real'; dataDir: string; reason: string };

export function chooseStartMode(env: NodeJS.ProcessEnv = process.env): StartMode {
  const dir = dataDir(env);
  if (env.PGENTRA_CLOUD_FILE) return { kind: 'real', dataDir: dir, reason: 'PGENTRA_CLOUD_FILE is set' };
  let text: string;
  try {
    text = readFileSync(path.join(dir, STORE_FILE_NAME), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'simulated', dataDir: dir };
    return { kind: 'real', dataDir: dir, reason: `${STORE_FILE_NAME} could not be read` };
  }
  const parsed = parseStoreText(text);
  // A file pgEntra cannot read is still the user's: let the app explain it rather than hide it.
  if (parsed.kind !== 'ok') return { kind: 'real', dataDir: dir, reason: `${STORE_FILE_NAME} needs attention` };
  const n = parsed.contents.profiles.length + parsed.contents.invalid.length;
  return n === 0 ? { kind: 'simulated', dataDir: dir } : { kind: 'real', dataDir: dir, reason: `${n} server profile(s) in ${dir}` };
}
