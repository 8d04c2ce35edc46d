// Resolves the `cloud` string of a profile or CLI flag (`public` | `usgov` | `china` | a file
// path) to a Cloud, reading and validating custom-cloud files. A custom cloud file decides where
// tokens go (authority, resource, PostgreSQL domains) and which CA is trusted, so it is refused
// outright on a network share or where another local user could change it (the file, its CA
// file, or the folder of either). Whether its owner has confirmed it is electron/connect's job.
import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { readSmallFile } from './boundedRead.js';
import { BUILTIN_CLOUDS, CustomCloudFileSchema, cloudFromFile, describeIssues, isBuiltinCloudName, type Cloud } from '../../shared/clouds.js';
import { PgEntraError } from '../../shared/errors.js';

// Keyed by absolute path; re-read when the file's mtime or size changes, so a long-running app
// sees edits (e.g. a shrunken postgresDomains) without a restart. A stat per call is cheap.
const loaded = new Map<string, { cloud: Cloud; mtimeMs: number; size: number; caMtimeMs?: number; caSize?: number }>();

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * `\\host\share\…`, `//host/share/…` (and the `\\?\UNC\…` / `\\.\…` device forms): a file on a
 * network share. Checked on the text as given, before any resolution (POSIX path.resolve turns
 * `//host` into `/host`). A Windows drive letter mapped to a share cannot be told apart here.
 */
export function isNetworkPath(p: string): boolean {
  return /^[\\/]{2}/.test(p.trim());
}

function unsafe(message: string, file: string): PgEntraError {
  return new PgEntraError('cloud_file_unsafe', message, {
    hint: 'Keep custom cloud files (and their CA files) on a local disk, owned by you, in a folder only you can write (chmod go-w FILE FOLDER).',
    details: { file },
  });
}

/** Mode and owner check of one path (POSIX only): nobody but the current user (or root) may change it. */
function assertOnlyOwnerWrites(p: string, what: string, file: string): void {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return; // ACLs: not checked (see README)
  let st;
  try {
    st = statSync(p);
  } catch {
    return; // the reader reports a missing file
  }
  const uid = process.getuid();
  if (st.uid !== uid && st.uid !== 0) {
    throw unsafe(`The ${what} ${p} belongs to another user (uid ${st.uid}), who could change where pgEntra sends your Entra token. pgEntra does not use it.`, file);
  }
  // A sticky folder (/tmp) lets others add files but not replace or rename yours.
  const sticky = st.isDirectory() && (st.mode & 0o1000) !== 0;
  if ((st.mode & 0o022) !== 0 && !sticky) {
    throw unsafe(`The ${what} ${p} can be changed by other users (mode ${(st.mode & 0o777).toString(8)}), who could change where pgEntra sends your Entra token. pgEntra does not use it.`, file);
  }
}

/**
 * Refuses a custom cloud file (or the CA file it names) on a network share or writable by another
 * local user: the file itself, its folder, and — when it is a symbolic link — the target and the
 * target's folder. Throws cloud_file_unsafe.
 */
export function assertSafeCloudLocation(p: string, what = 'cloud file', file = p): void {
  if (isNetworkPath(p)) {
    throw unsafe(`The ${what} ${p} is on a network share. Anyone who can write to that share could redirect your Entra token, so pgEntra only uses cloud files on a local disk.`, file);
  }
  const abs = path.resolve(p);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    real = abs;
  }
  if (isNetworkPath(real)) throw unsafe(`The ${what} ${p} leads to a network share (${real}); pgEntra only uses cloud files on a local disk.`, file);
  for (const target of new Set([abs, path.dirname(abs), real, path.dirname(real)])) {
    assertOnlyOwnerWrites(target, target === abs || target === real ? what : `folder of the ${what}`, file);
  }
}

function readCaHash(caFile: string): string | undefined {
  try {
    return sha256Hex(readSmallFile(caFile));
  } catch {
    return undefined; // reported when the CA is used (sessions, sign-in)
  }
}

export function loadCloudFile(file: string): Cloud {
  if (isNetworkPath(file)) assertSafeCloudLocation(file);
  const abs = path.resolve(file);
  assertSafeCloudLocation(abs);
  let bytes: Buffer;
  try {
    bytes = readSmallFile(abs);
  } catch (e) {
    throw new PgEntraError('cloud_file_invalid', `Cannot read the cloud file ${abs}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, {
      hint: 'Check the path given to --cloud or PGENTRA_CLOUD_FILE.',
      details: { file: abs },
    });
  }
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PgEntraError('cloud_file_invalid', `The cloud file ${abs} is not valid JSON: ${(e as Error).message}.`, { details: { file: abs } });
  }
  const parsed = CustomCloudFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new PgEntraError('cloud_file_invalid', `The cloud file ${abs} is invalid: ${describeIssues(parsed.error)}.`, {
      hint: 'A custom cloud file needs authorityHost (https), resource, and optionally knownAuthorities, caFile, postgresDomains, clientId, tenantId, managementEndpoint.',
      details: { file: abs },
    });
  }
  const cloud = cloudFromFile(parsed.data, `custom:${abs}`);
  // A relative caFile is relative to the cloud file, not to the working directory.
  if (cloud.caFile) {
    if (isNetworkPath(cloud.caFile)) assertSafeCloudLocation(cloud.caFile, 'CA file named by the cloud file', abs);
    cloud.caFile = path.resolve(path.dirname(abs), cloud.caFile);
    assertSafeCloudLocation(cloud.caFile, 'CA file named by the cloud file', abs);
  }
  const sha256 = sha256Hex(bytes);
  const caSha256 = cloud.caFile ? readCaHash(cloud.caFile) : undefined;
  cloud.source = { file: abs, sha256, ...(caSha256 ? { caSha256 } : {}) };
  cloud.cachePartition = cachePartitionFor(abs, sha256, caSha256);
  return cloud;
}

/** The token-cache partition of a custom cloud: path + content hashes, so an edited file or another CA never reuses tokens. */
export function cachePartitionFor(file: string, sha256: string, caSha256?: string): string {
  return `cloud-${sha256Hex(`${file}\n${sha256}\n${caSha256 ?? ''}`).slice(0, 24)}`;
}

/** `public` | `usgov` | `china` | path of a custom cloud file (cached until the file or its CA changes). */
export function resolveCloud(nameOrFile: string): Cloud {
  if (isBuiltinCloudName(nameOrFile)) return BUILTIN_CLOUDS[nameOrFile];
  if (!nameOrFile.includes('/') && !nameOrFile.includes('\\') && !nameOrFile.endsWith('.json')) {
    throw new PgEntraError('invalid_input', `Unknown cloud "${nameOrFile}".`, { hint: 'Use public, usgov, china, or the path of a custom cloud JSON file.' });
  }
  // Before the cache: modes and owners change without changing the file's mtime.
  assertSafeCloudLocation(nameOrFile);
  const key = path.resolve(nameOrFile);
  let st: { mtimeMs: number; size: number } | undefined;
  try {
    st = statSync(key);
  } catch {
    st = undefined; // loadCloudFile reports the unreadable file
  }
  const hit = loaded.get(key);
  if (hit && st && hit.mtimeMs === st.mtimeMs && hit.size === st.size) {
    const ca = hit.cloud.caFile ? statOrUndefined(hit.cloud.caFile) : undefined;
    if (hit.cloud.caFile) assertSafeCloudLocation(hit.cloud.caFile, 'CA file named by the cloud file', key);
    if (ca?.mtimeMs === hit.caMtimeMs && ca?.size === hit.caSize) return hit.cloud;
  }
  loaded.delete(key);
  const cloud = loadCloudFile(key);
  if (st) {
    const ca = cloud.caFile ? statOrUndefined(cloud.caFile) : undefined;
    loaded.set(key, { cloud, mtimeMs: st.mtimeMs, size: st.size, ...(ca ? { caMtimeMs: ca.mtimeMs, caSize: ca.size } : {}) });
  }
  return cloud;
}

function statOrUndefined(p: string): { mtimeMs: number; size: number } | undefined {
  try {
    const s = statSync(p);
    return { mtimeMs: s.mtimeMs, size: s.size };
  } catch {
    return undefined;
  }
}

/** The cloud's Azure Resource Manager origin, or cloud_file_invalid saying which key a custom cloud file lacks. */
/** Microsoft Graph's origin for PIM, or cloud_file_invalid saying what to add to a custom cloud file. */
export function graphEndpointOf(cloud: Cloud): string {
  if (!cloud.graphEndpoint) {
    throw new PgEntraError(
      'cloud_file_invalid',
      `The cloud file ${cloud.source?.file ?? cloud.id} has no graphEndpoint, so pgEntra cannot ask Microsoft Graph about PIM group memberships in this cloud.`,
      {
        hint: 'Add "graphEndpoint": "https://<Microsoft Graph host>" to the custom cloud file (public Azure: https://graph.microsoft.com), then trust the file again.',
        details: { file: cloud.source?.file ?? cloud.id },
      },
    );
  }
  return new URL(cloud.graphEndpoint).origin;
}

export function managementEndpointOf(cloud: Cloud): string {
  if (!cloud.managementEndpoint) {
    throw new PgEntraError(
      'cloud_file_invalid',
      `The cloud file ${cloud.source?.file ?? cloud.id} has no managementEndpoint, so pgEntra cannot ask Azure Resource Manager about servers in this cloud.`,
      {
        hint: 'Add "managementEndpoint": "https://<Azure Resource Manager host>" to the custom cloud file (public Azure: https://management.azure.com), then trust the file again.',
        details: { file: cloud.source?.file ?? cloud.id },
      },
    );
  }
  return new URL(cloud.managementEndpoint).origin;
}
