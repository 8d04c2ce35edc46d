// The public-cloud mode of the simulated Azure: which of Azure's real host names the simulators
// answer as, and on which addresses of a private network namespace (test/sim/namespace.ts makes
// it). The product runs there with its built-in `public` cloud and no cloud file.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ARM_HOSTS } from './arm/clouds.js';
import { AZURE_LOGIN_HOSTS } from './entra/hosts.js';

/**
 * Entra ID and its MSAL aliases for the three built-in clouds, plus the three clouds' Resource
 * Manager hosts: one HTTPS listener answers for all of them and routes by Host.
 */
export const ENTRA_HOSTS = [...AZURE_LOGIN_HOSTS, ...ARM_HOSTS] as const;
export const ENTRA_ADDRESS = '127.0.2.1';
export const ENTRA_PORT = 443;

/**
 * Flexible servers of the simulated tenant with public access, all served by one simulator on one
 * address (it tells them apart by SNI). The VNet-integrated `devserver` is deliberately absent: its
 * name only resolves in its private DNS zone.
 */
export const PUBLIC_SERVERS = [
  'myserver.postgres.database.azure.com',
  'otherserver.postgres.database.azure.com',
  'lockedserver.postgres.database.azure.com',
  'entraoffserver.postgres.database.azure.com',
  'stoppedserver.postgres.database.azure.com',
] as const;
export const PUBLIC_SERVER = PUBLIC_SERVERS[0];
/** Azure's certificate names the domain by wildcard, DNS names only (no IP SANs). */
export const POSTGRES_CERT_NAME = '*.postgres.database.azure.com';
export const FLEX_ADDRESS = '127.0.3.1';
export const FLEX_PORT = 5432;

/** IMDS at its real link-local address, added to the namespace's own loopback. */
export const IMDS_ADDRESS = '169.254.169.254';
export const IMDS_PORT = 80;

/** Set inside the namespace: its scratch dir, holding the CA (ca.pem, ca-key.pem) and the hosts file. */
export const NAMESPACE_ENV = 'PGENTRA_AZURE_NAMESPACE';

/** /etc/hosts for the namespace: the machine's own lines, then Azure's names on loopback. */
export function hostsFileText(original: string): string {
  const ours = [`${ENTRA_ADDRESS} ${ENTRA_HOSTS.join(' ')}`, `${FLEX_ADDRESS} ${PUBLIC_SERVERS.join(' ')}`];
  return `${original.trimEnd()}\n# pgEntra simulated Azure (public-cloud mode)\n${ours.join('\n')}\n`;
}

export interface NamespaceCa {
  dir: string;
  caFile: string;
  caCertPem: string;
  caKeyPem: string;
}

/** The namespace this process runs in, or undefined outside one. */
export function currentNamespace(env: NodeJS.ProcessEnv = process.env): NamespaceCa | undefined {
  const dir = env[NAMESPACE_ENV];
  if (!dir) return undefined;
  const caFile = path.join(dir, 'ca.pem');
  return { dir, caFile, caCertPem: readFileSync(caFile, 'utf8'), caKeyPem: readFileSync(path.join(dir, 'ca-key.pem'), 'utf8') };
}
