// Which hosts never go through a proxy: the addresses that are this machine or its link (always),
// and the NO_PROXY list. NO_PROXY has no standard; these rules follow curl (lib/noproxy.c,
// CURLOPT_NOPROXY) and Go (golang.org/x/net/http/httpproxy, used by Docker, kubectl, az's Go
// tools) where they agree:
//   `*`                          every host
//   `contoso.com`                contoso.com and every name under it (not notcontoso.com)
//   `.contoso.com`, `*.contoso.com`  the same — curl and Python ignore the leading dot; Go would
//                                not match contoso.com itself, a surprise we do not copy
//   `host:port`, `[::1]:8443`    that host (or address) on that port only (Go; curl ignores ports)
//   `10.1.2.3`, `fd00::1`        that address (IP literals, no name lookup — both tools)
//   `10.0.0.0/8`, `fd00::/8`     a CIDR range (curl ≥ 7.86, Go)
// Entries are comma- (or, like curl, space-) separated and case-insensitive; a trailing dot is
// ignored. Names are compared as written: NO_PROXY never causes a DNS lookup.
import { BlockList, isIP } from 'node:net';
import { domainToASCII } from 'node:url';

/**
 * Loopback and link-local: the machine itself (the local auth proxy, App Service's and Cloud
 * Shell's identity endpoints on 127.0.0.1/localhost) and its link (IMDS at 169.254.169.254).
 * A proxy could not reach them for us, and a managed identity's token must never pass through
 * one. Go's net/http does the same for loopback; link-local is our addition.
 */
const NEVER_PROXIED = new BlockList();
NEVER_PROXIED.addSubnet('127.0.0.0', 8, 'ipv4');
NEVER_PROXIED.addSubnet('169.254.0.0', 16, 'ipv4');
NEVER_PROXIED.addAddress('::1', 'ipv6');
NEVER_PROXIED.addSubnet('fe80::', 10, 'ipv6');

/** A URL's host name as the rules compare it: lower case, no brackets, no trailing dot. */
export function normalizeHost(hostname: string): string {
  let h = hostname.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  while (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/** True for localhost (and `*.localhost`, RFC 6761), 127.0.0.0/8, ::1, 169.254.0.0/16 and fe80::/10. */
export function isNeverProxied(hostname: string): boolean {
  const h = normalizeHost(hostname);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const family = isIP(h);
  if (family === 4) return NEVER_PROXIED.check(h, 'ipv4');
  if (family === 6) return NEVER_PROXIED.check(h, 'ipv6');
  return false;
}

interface DomainRule {
  /** `contoso.com`: matches it and its subdomains. */
  domain: string;
  port?: string;
}
interface AddressRule {
  list: BlockList;
  port?: string;
}

export interface NoProxyList {
  /** True when `hostname` (on `port`, as a string: `443`) must be reached directly. */
  matches(hostname: string, port: string): boolean;
}

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address → host and port. */
function splitHostPort(entry: string): { host: string; port?: string } {
  if (entry.startsWith('[')) {
    const end = entry.indexOf(']');
    if (end < 0) return { host: entry };
    const rest = entry.slice(end + 1);
    return { host: entry.slice(1, end), ...(rest.startsWith(':') && rest.length > 1 ? { port: rest.slice(1) } : {}) };
  }
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const [host = '', port = ''] = entry.split(':');
    return { host, ...(port ? { port } : {}) };
  }
  return { host: entry }; // no port, or an IPv6 literal without brackets
}

function addCidr(list: BlockList, entry: string): boolean {
  const slash = entry.indexOf('/');
  if (slash < 0) return false;
  const address = entry.slice(0, slash);
  const prefix = Number(entry.slice(slash + 1));
  const family = isIP(address);
  if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return false;
  list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return true;
}

/** Parses a NO_PROXY value; entries it cannot understand are ignored (as curl and Go do). */
export function parseNoProxy(value: string | undefined): NoProxyList {
  const domains: DomainRule[] = [];
  const addresses: AddressRule[] = [];
  const anyPort: AddressRule = { list: new BlockList() };
  let everything = false;
  for (const raw of (value ?? '').split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') {
      everything = true;
      continue;
    }
    if (addCidr(anyPort.list, entry)) continue;
    const { host: rawHost, port } = splitHostPort(entry);
    const host = normalizeHost(rawHost);
    const family = isIP(host);
    if (family !== 0) {
      if (port) {
        const list = new BlockList();
        list.addAddress(host, family === 4 ? 'ipv4' : 'ipv6');
        addresses.push({ list, port });
      } else anyPort.list.addAddress(host, family === 4 ? 'ipv4' : 'ipv6');
      continue;
    }
    const domain = domainToASCII(host.replace(/^\*?\.+/, ''));
    if (domain) domains.push({ domain, ...(port ? { port } : {}) });
  }
  addresses.push(anyPort);
  return {
    matches(hostname, port) {
      if (everything) return true;
      const h = normalizeHost(hostname);
      const family = isIP(h);
      if (family !== 0) {
        const type = family === 4 ? 'ipv4' : 'ipv6';
        return addresses.some((r) => (r.port === undefined || r.port === port) && r.list.check(h, type));
      }
      return domains.some((r) => (r.port === undefined || r.port === port) && (h === r.domain || h.endsWith(`.${r.domain}`)));
    },
  };
}
