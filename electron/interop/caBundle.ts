// A PEM file of pgEntra's trusted roots in the data dir. Clients that cannot use
// `sslrootcert=system` need a file: libpq < 16 (Debian 12's psql 15), and pgAdmin, which drops an
// sslrootcert that is not an existing file (get_complete_file_path) — so "system" never reaches libpq.
// psql/pgAdmin's CA bundle follows the same list as pgEntra's own connections (base/trustedRoots.ts):
// Node's roots (the Azure roots DigiCert Global Root G2/CA and Microsoft RSA Root CA 2017 among
// them), NODE_EXTRA_CA_CERTS, and the OS store while the trust-os-certificates setting is on.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { trustedRoots } from '../base/trustedRoots.js';
import { ensurePrivateDir, writeFileAtomic } from '../base/atomicFile.js';

export const CA_BUNDLE_FILE = 'system-roots.pem';

export function caBundleText(): string {
  return trustedRoots().join('\n') + '\n';
}

/** Writes `<dataDir>/certs/system-roots.pem` when missing or outdated; returns its absolute path. */
export async function ensureCaBundle(dataDir: string): Promise<string> {
  const dir = path.join(path.resolve(dataDir), 'certs');
  const file = path.join(dir, CA_BUNDLE_FILE);
  const text = caBundleText();
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current !== text) {
    await ensurePrivateDir(dir);
    // Public certificates: readable by others is fine (pgAdmin may run as another user in server mode).
    await writeFileAtomic(file, text, 0o644);
  }
  return file;
}
