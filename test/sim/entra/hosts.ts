// Where the simulator listens and which names it answers as. By default: loopback on random
// ports, answering as localhost. In public-host mode (`listen.https`, e.g. inside a private
// network namespace whose /etc/hosts maps login.microsoftonline.com & co. to a local address) it
// answers as whichever of Azure's login hosts a request's Host header names, so real MSAL with
// its built-in cloud metadata works unmodified.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface EntraListenOptions {
  https?: {
    /** Addresses, or names resolved through the system resolver (/etc/hosts), to listen on. */
    hosts: string[];
    /** 0 = random. */
    port: number;
    /** Names to answer as (Host header); the first makes `authorityHost`. Default: Azure's login
     *  hosts of the three built-in clouds, login.microsoftonline.com first. */
    names?: string[];
    /** Port written in URLs when clients reach the listener through a forwarder (a test's
     *  host-rewriting network client). Default: the listening port. */
    publicPort?: number;
  };
  /** The managed-identity endpoint (IMDS is 169.254.169.254:80). Default 127.0.0.1, random port. */
  imds?: { host: string; port: number };
}

/** Entra's hosts and the aliases MSAL knows for the public, US Government and China clouds. */
export const AZURE_LOGIN_HOSTS = [
  'login.microsoftonline.com',
  'login.windows.net',
  'login.microsoft.com',
  'login.microsoftonline.us',
  'login.usgovcloudapi.net',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
];

export interface BindPlan {
  addresses: { address: string; required: boolean }[];
  port: number;
}

/** Default: 127.0.0.1, plus ::1 when the machine has it, so "localhost" works either way. */
const LOOPBACK: BindPlan = {
  addresses: [
    { address: '127.0.0.1', required: true },
    { address: '::1', required: false },
  ],
  port: 0,
};
const DEFAULT_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export async function httpsBindPlan(opts: EntraListenOptions['https']): Promise<BindPlan> {
  if (!opts) return LOOPBACK;
  const resolved = await Promise.all(opts.hosts.map((h) => (isIP(h) ? Promise.resolve([{ address: h }]) : lookup(h, { all: true }))));
  const unique = [...new Set(resolved.flat().map((r) => r.address))];
  return { addresses: unique.map((address) => ({ address, required: true })), port: opts.port };
}

export function imdsBindPlan(opts: EntraListenOptions['imds']): BindPlan {
  return opts ? { addresses: [{ address: opts.host, required: true }], port: opts.port } : { addresses: [{ address: '127.0.0.1', required: true }], port: 0 };
}

const withPort = (host: string, port: number, standard: number): string => (port === standard ? host : `${host}:${port}`);
const bracketed = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host);

/** Names the HTTPS endpoint answers as, its canonical origin and MSAL's knownAuthorities. */
export class HostNames {
  private readonly names: Set<string>;
  private readonly hosts: string[];

  /** `boundPort`: where the HTTPS listener ended up (read once it listens). */
  constructor(
    private readonly opts: EntraListenOptions['https'],
    private readonly boundPort: () => number,
  ) {
    this.hosts = opts ? (opts.names ?? AZURE_LOGIN_HOSTS).map((h) => bracketed(h.toLowerCase())) : ['localhost'];
    if (this.hosts.length === 0) throw new Error('listen.https.names must name at least one host');
    this.names = new Set(opts ? this.hosts : DEFAULT_NAMES);
  }

  private get port(): number {
    return this.opts?.publicPort ?? this.boundPort();
  }

  get knownAuthorities(): string[] {
    return this.hosts.map((h) => withPort(h, this.port, 443));
  }

  get authorityHost(): string {
    return `https://${this.knownAuthorities[0] ?? ''}`;
  }

  /** `https://<Host header>` when it names one of ours, else the canonical origin. */
  originOf(hostHeader: string | undefined): string {
    const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i.exec(hostHeader ?? '');
    return m?.[1] && this.names.has(m[1].toLowerCase()) ? `https://${(hostHeader ?? '').toLowerCase()}` : this.authorityHost;
  }
}

export function imdsOrigin(opts: EntraListenOptions['imds'], boundAddress: string, boundPort: number): string {
  return `http://${withPort(bracketed(opts?.host ?? boundAddress), boundPort, 80)}`;
}

/** Per-cloud values of the OpenID configuration, by login host (public cloud otherwise). */
export function cloudOf(host: string): { instance: string; graphHost: string; msgraphHost: string } {
  if (/\.(microsoftonline\.us|usgovcloudapi\.net)$/.test(host)) return { instance: 'microsoftonline.us', graphHost: 'graph.windows.net', msgraphHost: 'graph.microsoft.us' };
  if (/\.(microsoftonline\.cn|chinacloudapi\.cn)$/.test(host)) return { instance: 'partner.microsoftonline.cn', graphHost: 'graph.chinacloudapi.cn', msgraphHost: 'microsoftgraph.chinacloudapi.cn' };
  return { instance: 'microsoftonline.com', graphHost: 'graph.windows.net', msgraphHost: 'graph.microsoft.com' };
}
