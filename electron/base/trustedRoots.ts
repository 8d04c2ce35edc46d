// The certificate authorities pgEntra trusts for servers: Node's bundled roots plus the ones an
// administrator added with NODE_EXTRA_CA_CERTS (how enterprises add a private CA for Node and
// Electron apps). Passing `ca` to TLS replaces Node's default store, extra certificates
// included, so every place that builds its own trust list must start from this one.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

type GetCaCertificates = (type?: 'default' | 'bundled' | 'extra' | 'system') => string[];

let cached: readonly string[] | undefined;

/** Certificates (PEM) of the NODE_EXTRA_CA_CERTS file, read once like Node does at start-up. */
function extraCertificates(env: NodeJS.ProcessEnv): string[] {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return readFileSync(file, 'utf8').match(PEM_BLOCK) ?? [];
  } catch {
    return []; // Node itself only warns about an unreadable file; so do we (by trusting nothing extra)
  }
}

/** Bundled roots + NODE_EXTRA_CA_CERTS, as Node's own default store has them. */
export function trustedRoots(): readonly string[] {
  if (cached) return cached;
  // Node ≥ 22.15 (Electron) reports its default store itself; Node 20 (the CLI) has only the bundled list.
  const getCaCertificates = (tls as unknown as { getCACertificates?: GetCaCertificates }).getCACertificates;
  const roots = getCaCertificates ? getCaCertificates('default') : [...tls.rootCertificates, ...extraCertificates(process.env)];
  cached = Object.freeze(roots.map((pem) => pem.trim()));
  return cached;
}
