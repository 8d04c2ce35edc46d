// The public-cloud mode of the simulated Azure: which of Azure's real host names the simulators
// answer as, and on which addresses of a private network namespace (test/sim/namespace.ts makes
// it); and the namespace's network modes: direct (the default), or behind a corporate proxy, with
// the OS trust store holding the simulator's CAs when the proxy inspects TLS. The product runs
// there with its built-in `public` cloud and no cloud file.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { ARM_HOSTS } from './arm/clouds.js';
import { AZURE_LOGIN_HOSTS } from './entra/hosts.js';
import { GRAPH_HOSTS } from './graph/clouds.js';

/**
 * Entra ID and its MSAL aliases for the three built-in clouds, plus the three clouds' Resource
 * Manager and Microsoft Graph hosts: one HTTPS listener answers for all of them and routes by Host.
 * (Behind the corporate proxy all of them are reachable only through it.)
 */
export const ENTRA_HOSTS = [...AZURE_LOGIN_HOSTS, ...ARM_HOSTS, ...GRAPH_HOSTS] as const;
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

/** The corporate proxy of the proxy modes, as a managed workstation's HTTPS_PROXY names it. */
export const PROXY_HOST = 'proxy.contoso.example';
export const PROXY_ADDRESS = '127.0.4.1';
export const PROXY_PORT = 3128;
export const PROXY_URL = `http://${PROXY_HOST}:${PROXY_PORT}`;
/**
 * Where /etc/hosts sends Entra's, Resource Manager's and Graph's names while the proxy mode is on: nothing
 * listens there, so a direct connection is refused, as on a network whose firewall lets only the
 * proxy out. (Only the proxy's own name table still knows the real listener.)
 */
export const NOWHERE_ADDRESS = '127.0.9.1';

/** Debian's OS trust store, bind-mounted over with a copy the simulator may rewrite. */
export const OS_TRUST_STORE = '/etc/ssl/certs/ca-certificates.crt';

/** Set inside the namespace: its scratch dir, holding the CA (ca.pem, ca-key.pem), the hosts file and the trust store. */
export const NAMESPACE_ENV = 'PGENTRA_AZURE_NAMESPACE';

/** The namespace's network as one simulator start sets it (and its stop sets back to the default). */
export interface NetworkMode {
  /** Entra, Resource Manager and Graph only through the corporate proxy. */
  corporateProxy: boolean;
  /** PEM certificates added to the OS trust store (the simulator CA and the TLS inspection root). */
  osTrust: readonly string[];
}
export const DEFAULT_NETWORK: NetworkMode = { corporateProxy: false, osTrust: [] };

/** /etc/hosts for the namespace: the machine's own lines, then Azure's names on loopback. */
export function hostsFileText(original: string, mode: Pick<NetworkMode, 'corporateProxy'> = DEFAULT_NETWORK): string {
  const ours = [
    `${mode.corporateProxy ? NOWHERE_ADDRESS : ENTRA_ADDRESS} ${ENTRA_HOSTS.join(' ')}`,
    `${FLEX_ADDRESS} ${PUBLIC_SERVERS.join(' ')}`,
    ...(mode.corporateProxy ? [`${PROXY_ADDRESS} ${PROXY_HOST}`] : []),
  ];
  const title = mode.corporateProxy ? 'public-cloud mode, behind a corporate proxy' : 'public-cloud mode';
  return `${original.trimEnd()}\n# pgEntra simulated Azure (${title})\n${ours.join('\n')}\n`;
}

/** The OS trust store: the machine's bundle, then the certificates IT added (as update-ca-certificates appends them). */
export function trustStoreText(original: string, added: readonly string[]): string {
  return added.length === 0 ? original : `${original.trimEnd()}\n${added.map((pem) => pem.trimEnd()).join('\n')}\n`;
}

/**
 * The proxy's own name table in the namespace: the real listeners of Azure's names (with the
 * port asked for: the proxy's port rule decides what may be reached), IP literals as they are.
 */
export function resolveAsTheInternet(host: string, port: number): { host: string; port: number } | undefined {
  const name = host.toLowerCase();
  if ((ENTRA_HOSTS as readonly string[]).includes(name)) return { host: ENTRA_ADDRESS, port };
  if ((PUBLIC_SERVERS as readonly string[]).includes(name)) return { host: FLEX_ADDRESS, port };
  if (isIP(name)) return { host: name, port };
  return undefined;
}

export interface AzureNamespaceFiles {
  dir: string;
  caFile: string;
  caCertPem: string;
  caKeyPem: string;
  /** Bind-mounted over /etc/hosts; rewritten (same inode) per simulator start. */
  hostsFile: string;
  /** The machine's /etc/hosts when the namespace was made. */
  machineHostsFile: string;
  /** Bind-mounted over OS_TRUST_STORE (when the machine has one); rewritten per simulator start. */
  trustStoreFile: string;
  machineTrustStoreFile: string;
}
export function namespaceFiles(dir: string): Omit<AzureNamespaceFiles, 'caCertPem' | 'caKeyPem'> {
  return {
    dir,
    caFile: path.join(dir, 'ca.pem'),
    hostsFile: path.join(dir, 'hosts'),
    machineHostsFile: path.join(dir, 'hosts.machine'),
    trustStoreFile: path.join(dir, 'ca-certificates.crt'),
    machineTrustStoreFile: path.join(dir, 'ca-certificates.machine.crt'),
  };
}

/** The namespace this process runs in, or undefined outside one. */
export function currentNamespace(env: NodeJS.ProcessEnv = process.env): AzureNamespaceFiles | undefined {
  const dir = env[NAMESPACE_ENV];
  if (!dir) return undefined;
  const files = namespaceFiles(dir);
  return { ...files, caCertPem: readFileSync(files.caFile, 'utf8'), caKeyPem: readFileSync(path.join(dir, 'ca-key.pem'), 'utf8') };
}

/**
 * Sets the namespace's /etc/hosts and OS trust store for `mode` by rewriting the bind-mounted
 * files in place (a rename would leave the mount on the old inode). Every simulator start sets its
 * mode, even the default, so a simulator killed before its stop leaves nothing to the next.
 */
export function setNamespaceNetwork(ns: Omit<AzureNamespaceFiles, 'caCertPem' | 'caKeyPem'>, mode: NetworkMode): void {
  writeFileSync(ns.hostsFile, hostsFileText(readFileSync(ns.machineHostsFile, 'utf8'), mode));
  if (existsSync(ns.machineTrustStoreFile)) {
    writeFileSync(ns.trustStoreFile, trustStoreText(readFileSync(ns.machineTrustStoreFile, 'utf8'), mode.osTrust));
  } else if (mode.osTrust.length > 0) {
    throw new Error(`this machine has no ${OS_TRUST_STORE} to add the simulator's CAs to (Debian's ca-certificates package makes it)`);
  }
}
