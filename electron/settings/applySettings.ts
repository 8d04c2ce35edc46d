// A settings change takes effect in this process at once (the trust list the next connection
// uses) and in the CA bundle psql and pgAdmin were given, when one was written before.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../../shared/settings.js';
import { configureTrust } from '../base/trustedRoots.js';
import { CA_BUNDLE_FILE, ensureCaBundle } from '../interop/caBundle.js';

export async function applySettings(dataDir: string, settings: Settings): Promise<void> {
  configureTrust({ osCertificates: settings.trustOsCertificates });
  if (existsSync(path.join(path.resolve(dataDir), 'certs', CA_BUNDLE_FILE))) await ensureCaBundle(dataDir);
}
