// The operating system's trusted root certificates, as PEM strings: where IT installs the root of
// a TLS-inspecting proxy or an enterprise CA. Windows and macOS: Node's own reader,
// `tls.getCACertificates('system')` (Node ≥ 22.15 — the installed app's Electron and its CLI have
// it), which honours the stores' trust settings. Linux: the distribution's bundle, read by us in
// any Node: Node's reader there follows OpenSSL's compiled-in paths, which for Node's and
// Electron's own builds need not be the distribution's. macOS under an older plain Node: the
// `security` tool's export of the system keychains. Windows under an older plain Node: nothing
// (no reader without native code), with a note that says so. Reads happen only when called —
// base/trustedRoots.ts calls this when the first TLS connection is built, never at start-up.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import tls from 'node:tls';
import { readSmallFile } from './boundedRead.js';

export interface SystemRoots {
  certificates: readonly string[];
  /** Where they came from: a file path, `the Windows certificate store`, … or `none`. */
  source: string;
  /** Why there are none, or what is left out. */
  note?: string;
}

type GetCaCertificates = (type: 'system') => string[];

/** What reading the OS store depends on; tests replace each part. */
export interface SystemRootsDeps {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** `tls.getCACertificates` where this Node has it. */
  getCACertificates: GetCaCertificates | undefined;
  /** A bounded read of a regular file (throws when missing, not a file or too large). */
  readFile(file: string): string;
  exists(file: string): boolean;
  /** Runs macOS's `security` with these arguments; its stdout. */
  runSecurity(args: readonly string[]): string;
}

/** Debian/Ubuntu, Fedora/RHEL (old layout), openSUSE, RHEL/CentOS (ca-trust), Alpine/Arch/macOS-style — the order Go's crypto/x509 tries. */
export const LINUX_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
] as const;

/** The macOS keychains holding Apple's roots and the ones an administrator or MDM profile adds. */
export const MACOS_KEYCHAINS = ['/System/Library/Keychains/SystemRootCertificates.keychain', '/Library/Keychains/System.keychain'] as const;

/** A full distribution bundle is ~200 KB; the `security` export ~300 KB. */
const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;
const SECURITY_TIMEOUT_MS = 10_000;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function pemBlocks(text: string): string[] {
  return (text.match(PEM_BLOCK) ?? []).map((pem) => pem.trim());
}

export function defaultSystemRootsDeps(): SystemRootsDeps {
  const getCACertificates = (tls as unknown as { getCACertificates?: GetCaCertificates }).getCACertificates;
  return {
    platform: process.platform,
    env: process.env,
    getCACertificates: getCACertificates?.bind(tls),
    readFile: (file) => readSmallFile(file, MAX_BUNDLE_BYTES).toString('utf8'),
    exists: (file) => existsSync(file),
    runSecurity: (args) =>
      execFileSync('/usr/bin/security', [...args], { encoding: 'utf8', timeout: SECURITY_TIMEOUT_MS, maxBuffer: MAX_BUNDLE_BYTES, stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true }),
  };
}

function linuxRoots(deps: SystemRootsDeps): SystemRoots {
  const named = deps.env.SSL_CERT_FILE?.trim();
  const candidates = named ? [named] : LINUX_BUNDLES.filter((f) => deps.exists(f)).slice(0, 1);
  const file = candidates[0];
  if (!file) return { certificates: [], source: 'none', note: `No system certificate bundle found (looked for ${LINUX_BUNDLES.join(', ')}); set SSL_CERT_FILE to yours.` };
  try {
    const certificates = pemBlocks(deps.readFile(file));
    return { certificates, source: named ? `SSL_CERT_FILE (${file})` : file, ...(certificates.length ? {} : { note: `${file} holds no PEM certificates.` }) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    return { certificates: [], source: 'none', note: `Cannot read the system certificate bundle ${file} (${code}).` };
  }
}

/**
 * A self-signed CA certificate: only those can be trust anchors. The System keychain also holds
 * leaves and intermediates an export would otherwise turn into anchors.
 */
export function isSelfSignedCa(pem: string): boolean {
  try {
    const cert = new X509Certificate(pem);
    return cert.ca && cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

function macRootsWithoutApi(deps: SystemRootsDeps): SystemRoots {
  const certificates: string[] = [];
  const failed: string[] = [];
  for (const keychain of MACOS_KEYCHAINS) {
    try {
      certificates.push(...pemBlocks(deps.runSecurity(['find-certificate', '-a', '-p', keychain])).filter(isSelfSignedCa));
    } catch {
      failed.push(keychain);
    }
  }
  const note =
    'read with `security find-certificate`: self-signed CA certificates only; trust settings ("Never Trust") and login keychains are not considered — Node ≥ 22.15 or the installed app reads the store itself';
  return {
    certificates,
    source: 'the macOS system keychains',
    note: failed.length ? `${note}; could not read ${failed.join(', ')}` : note,
  };
}

/** The OS's trusted roots on this machine (see the file's header for what is read where). */
export function readSystemRoots(deps: SystemRootsDeps = defaultSystemRootsDeps()): SystemRoots {
  if (deps.platform === 'win32' || deps.platform === 'darwin') {
    if (deps.getCACertificates) {
      try {
        const certificates = deps.getCACertificates('system').map((pem) => pem.trim());
        return { certificates, source: deps.platform === 'win32' ? 'the Windows certificate store' : 'the macOS keychains' };
      } catch (e) {
        if (deps.platform === 'win32') return { certificates: [], source: 'none', note: `Reading the Windows certificate store failed: ${(e as Error).message}.` };
        // macOS: the `security` export below still works.
      }
    }
    if (deps.platform === 'darwin') return macRootsWithoutApi(deps);
    return {
      certificates: [],
      source: 'none',
      note: 'This Node cannot read the Windows certificate store: the installed pgEntra app and its pgentra command (or Node ≥ 22.15) do.',
    };
  }
  return linuxRoots(deps);
}
