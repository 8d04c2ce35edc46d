// The certificate authorities pgEntra trusts for servers — one list for database sessions
// (tls.ts), Entra and Azure Resource Manager (net/httpsTransport.ts) and the CA bundle psql and
// pgAdmin get (interop/caBundle.ts): Node's bundled roots, the ones an administrator added with
// NODE_EXTRA_CA_CERTS, and — unless the person turned the `trustOsCertificates` setting off — the
// operating system's store, where IT installs the root of a TLS-inspecting proxy. Passing `ca`
// to TLS replaces Node's default store, so every place that builds its own trust list must start
// from this one. The OS store is read on the first call of trustedRoots(), i.e. when the first
// TLS connection is built — never by `pgentra token` answering from the keychain.
import tls from 'node:tls';
import { readSmallFile } from './boundedRead.js';
import { pemBlocks, readSystemRoots, type SystemRoots } from './systemRoots.js';

type GetCaCertificates = (type?: 'default' | 'bundled' | 'extra' | 'system') => string[];

export interface TrustConfig {
  /** The `trustOsCertificates` setting (default on). */
  osCertificates: boolean;
}

/** What trustedRoots() is made of, for diagnostics and error hints. */
export interface TrustDescription {
  osCertificates: boolean;
  /** Node's bundled roots + NODE_EXTRA_CA_CERTS. */
  nodeCount: number;
  /** The OS store: where it was read from and how many roots it gave (0 when off). */
  osSource?: string;
  osCount: number;
  osNote?: string;
  /** The de-duplicated total. */
  total: number;
}

let config: TrustConfig = { osCertificates: true };
let readOsRoots: () => SystemRoots = () => readSystemRoots();
let built: { roots: readonly string[]; description: TrustDescription } | undefined;
let generation = 0;

/**
 * Applies the settings (call before the first connection, and again when they change). Clears
 * what was built from the old ones, including tls.ts's secure contexts (they watch
 * trustGeneration()). `systemRoots` replaces the OS reader (tests).
 */
export function configureTrust(next: TrustConfig, deps: { systemRoots?: () => SystemRoots } = {}): void {
  config = { osCertificates: next.osCertificates };
  readOsRoots = deps.systemRoots ?? (() => readSystemRoots());
  built = undefined;
  generation++;
}

/** Bumped by configureTrust: a cached secure context from an older generation is stale. */
export function trustGeneration(): number {
  return generation;
}

/** Whether the OS store is part of the list (the setting; reads nothing). */
export function osCertificatesTrusted(): boolean {
  return config.osCertificates;
}

/** Certificates (PEM) of the NODE_EXTRA_CA_CERTS file, read like Node does at start-up. */
function extraCertificates(env: NodeJS.ProcessEnv): string[] {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return pemBlocks(readSmallFile(file).toString('utf8'));
  } catch {
    return []; // Node itself only warns about an unreadable file; so do we (by trusting nothing extra)
  }
}

/** Node's default store: bundled roots + NODE_EXTRA_CA_CERTS. */
function nodeRoots(): string[] {
  // Node ≥ 22.15 (Electron) reports its default store itself; Node 20 (the CLI) has only the bundled list.
  const getCaCertificates = (tls as unknown as { getCACertificates?: GetCaCertificates }).getCACertificates;
  return getCaCertificates ? getCaCertificates('default') : [...tls.rootCertificates, ...extraCertificates(process.env)];
}

/** The same certificate in two files differs at most in line breaks: compare the base64 alone. */
function certificateKey(pem: string): string {
  return pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
}

function build(): { roots: readonly string[]; description: TrustDescription } {
  const seen = new Set<string>();
  const roots: string[] = [];
  const add = (pem: string): void => {
    const key = certificateKey(pem);
    if (seen.has(key)) return;
    seen.add(key);
    roots.push(pem.trim());
  };
  const fromNode = nodeRoots();
  fromNode.forEach(add);
  let os: SystemRoots | undefined;
  if (config.osCertificates) {
    os = readOsRoots();
    os.certificates.forEach(add);
  }
  const description: TrustDescription = {
    osCertificates: config.osCertificates,
    nodeCount: fromNode.length,
    osCount: os?.certificates.length ?? 0,
    ...(os ? { osSource: os.source } : {}),
    ...(os?.note ? { osNote: os.note } : {}),
    total: roots.length,
  };
  return { roots: Object.freeze(roots), description };
}

/** Bundled roots + NODE_EXTRA_CA_CERTS + the OS store (when the setting is on), de-duplicated. */
export function trustedRoots(): readonly string[] {
  built ??= build();
  return built.roots;
}

/** What the list holds (builds it, reading the OS store when on). */
export function describeTrust(): TrustDescription {
  built ??= build();
  return built.description;
}

/** One line for diagnostics: `OS certificate store on: 146 roots from /etc/ssl/certs/ca-certificates.crt; 151 trusted in all`. */
export function trustSummary(d: TrustDescription = describeTrust()): string {
  if (!d.osCertificates) return `OS certificate store off: ${d.total} roots trusted (Node's bundled roots and NODE_EXTRA_CA_CERTS)`;
  const os = d.osCount ? `${d.osCount} roots from ${d.osSource ?? 'the OS store'}` : `no roots read${d.osNote ? ` (${d.osNote})` : ''}`;
  return `OS certificate store on: ${os}; ${d.total} trusted in all`;
}
