// Glue between the CLI context and the pure interop modules: the profile store for the data dir,
// the facts cliLocation needs about this process, and the sslrootcert value for a client.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Profile } from '../../shared/profile.js';
import { isPackagedApp } from '../base/cliMode.js';
import { osCertificatesTrusted } from '../base/trustedRoots.js';
import { ensureCaBundle } from './caBundle.js';
import { customCaFileFor } from './cloudFacts.js';
import type { CliLocationFacts } from './cliLocation.js';
import type { TargetOs } from '../../shared/shellQuote.js';

/** The checkout root when this code runs from a source tree (tsx) or its bundle (dist/cli). */
export function findSourceRoot(fromUrl: string = import.meta.url): string | undefined {
  let dir = path.dirname(fileURLToPath(fromUrl));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'electron', 'cli', 'bin.mjs')) && existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/**
 * The facts locateCli needs about this process. "Packaged" is Electron's app.isPackaged as noted
 * by main.ts (process.resourcesPath is set in a development Electron too); plain Node never is.
 */
export function currentCliFacts(os: TargetOs, env: NodeJS.ProcessEnv, override?: string): CliLocationFacts {
  const packaged = isPackagedApp();
  const resourcesPath = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  const sourceRoot = packaged ? undefined : findSourceRoot();
  const cli = override ?? env.PGENTRA_CLI_PATH;
  return {
    os,
    execPath: process.execPath,
    packaged,
    electron: process.versions.electron !== undefined,
    ...(packaged && resourcesPath ? { resourcesPath } : {}),
    ...(packaged && env.APPIMAGE ? { appImage: env.APPIMAGE } : {}),
    ...(cli ? { override: cli } : {}),
    ...(sourceRoot ? { sourceRoot } : {}),
  };
}

/**
 * The root certificate for a profile: the custom cloud's CA file when it names one, else
 * `system` where the client's libpq understands it and pgEntra trusts the OS store too, else a PEM
 * bundle of pgEntra's trusted roots in the data dir (with trust-os-certificates off, `system`
 * would trust what pgEntra does not).
 */
export async function sslRootCertFor(profile: Profile, dataDir: string, systemOk: boolean): Promise<string> {
  const ca = customCaFileFor(profile);
  if (ca) return ca;
  return systemOk && osCertificatesTrusted() ? 'system' : ensureCaBundle(dataDir);
}

/** Re-checks the host/TLS confirmations before a token is sent (custom-cloud profiles load without them). */
