// Writes command output to a file (0600, atomically: a reader never sees half an export) or to
// stdout for `--out -` / no --out.
import path from 'node:path';
import { writeFileAtomic } from '../base/atomicFile.js';
import { PgEntraError } from '../../shared/errors.js';

export interface TextSink {
  write(chunk: string): unknown;
}

/** Returns the absolute path written, or undefined for stdout. */
export async function writeOutput(text: string, out: string | undefined, cwd: string, stdout: TextSink): Promise<string | undefined> {
  if (out === undefined || out === '-') {
    stdout.write(text);
    return undefined;
  }
  const file = path.resolve(cwd, out);
  await writePrivateFile(file, text);
  return file;
}

/**
 * A file the person asked the app to save (results as CSV, servers.json): owner-only (0600) like
 * the CLI's exports, since it may hold connection data or query results; replaced atomically.
 */
export async function writePrivateFile(file: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(file, text, 0o600);
  } catch (e) {
    throw new PgEntraError('io_error', `Cannot write ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, hint: 'Check that the folder exists and is writable.' });
  }
}
