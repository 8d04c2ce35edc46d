// What the simulated proxy reads from a client: an HTTP/1.x request head (request line and
// header fields, no body), the `host:port` of a CONNECT and Basic proxy credentials. Anything
// malformed is `undefined`, which the proxy answers with Squid's 400.
import { isIP } from 'node:net';
import { z } from 'zod';

export interface RequestHead {
  method: string;
  target: string;
  version: string;
  /** Lower-cased names; a repeated field keeps its first value (enough for a proxy's few). */
  headers: Map<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function parseRequestHead(text: string): RequestHead | undefined {
  const [requestLine, ...lines] = text.split('\r\n');
  const m = /^([A-Z]+) (\S+) HTTP\/(1\.[01])$/.exec(requestLine ?? '');
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    // No obsolete line folding (RFC 9112 §5.2): a line starting with whitespace is malformed.
    if (colon <= 0 || !TOKEN.test(name)) return undefined;
    const key = name.toLowerCase();
    if (!headers.has(key)) headers.set(key, line.slice(colon + 1).trim());
  }
  return { method: m[1], target: m[2], version: m[3], headers };
}

const Port = z.coerce.number().int().min(1).max(65535);

/** `host:port` (authority-form, RFC 9110 §9.3.6); an IPv6 literal in brackets. Host lower-cased. */
export function parseConnectTarget(target: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(target);
  if (!m) return undefined;
  const host = (m[1] ?? m[2] ?? '').toLowerCase();
  if (m[1] !== undefined && isIP(host) !== 6) return undefined;
  const port = Port.safeParse(m[3]);
  return host && port.success ? { host, port: port.data } : undefined;
}

/** The user and password of `Proxy-Authorization: Basic …`, or undefined for anything else. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
