// Resolves the `cloud` string of a profile or CLI flag (`public` | `usgov` | `china` | a file
// path) to a Cloud, reading and validating custom-cloud files.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { BUILTIN_CLOUDS, CustomCloudFileSchema, cloudFromFile, describeIssues, isBuiltinCloudName, type Cloud } from '../../shared/clouds.js';
import { PgEntraError } from '../../shared/errors.js';

// Keyed by absolute path; re-read when the file's mtime or size changes, so a long-running app
// sees edits (e.g. a shrunken postgresDomains) without a restart. A stat per call is cheap.
const loaded = new Map<string, { cloud: Cloud; mtimeMs: number; size: number }>();

export function loadCloudFile(file: string): Cloud {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new PgEntraError('cloud_file_invalid', `Cannot read the cloud file ${abs}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, {
      hint: 'Check the path given to --cloud or PGENTRA_CLOUD_FILE.',
      details: { file: abs },
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PgEntraError('cloud_file_invalid', `The cloud file ${abs} is not valid JSON: ${(e as Error).message}.`, { details: { file: abs } });
  }
  const parsed = CustomCloudFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new PgEntraError('cloud_file_invalid', `The cloud file ${abs} is invalid: ${describeIssues(parsed.error)}.`, {
      hint: 'A custom cloud file needs authorityHost (https), resource, and optionally knownAuthorities, caFile, postgresDomains, clientId, tenantId.',
      details: { file: abs },
    });
  }
  const cloud = cloudFromFile(parsed.data, `custom:${abs}`);
  // A relative caFile is relative to the cloud file, not to the working directory.
  if (cloud.caFile) cloud.caFile = path.resolve(path.dirname(abs), cloud.caFile);
  return cloud;
}

/** `public` | `usgov` | `china` | path of a custom cloud file (cached until the file changes). */
export function resolveCloud(nameOrFile: string): Cloud {
  if (isBuiltinCloudName(nameOrFile)) return BUILTIN_CLOUDS[nameOrFile];
  if (!nameOrFile.includes('/') && !nameOrFile.includes('\\') && !nameOrFile.endsWith('.json')) {
    throw new PgEntraError('invalid_input', `Unknown cloud "${nameOrFile}".`, { hint: 'Use public, usgov, china, or the path of a custom cloud JSON file.' });
  }
  const key = path.resolve(nameOrFile);
  let st: { mtimeMs: number; size: number } | undefined;
  try {
    st = statSync(key);
  } catch {
    st = undefined; // loadCloudFile reports the unreadable file
  }
  const hit = loaded.get(key);
  if (hit && st && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.cloud;
  loaded.delete(key);
  const cloud = loadCloudFile(key);
  if (st) loaded.set(key, { cloud, mtimeMs: st.mtimeMs, size: st.size });
  return cloud;
}
