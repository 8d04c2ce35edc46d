// An HTTP CONNECT tunnel through a proxy (RFC 9110 §9.3.6): connect to the proxy (TLS to it for an
// https:// proxy URL), ask for `CONNECT host:port`, with Basic Proxy-Authorization from the URL's
// credentials, and hand back the socket once the proxy answers 2xx — the caller then runs TLS to
// the target over it. Failures are PgEntraErrors that name the proxy, never its credentials.
import net from 'node:net';
import tls, { type SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import { proxyAuthRequired, proxyRefused, proxyUnreachable, type ProxyFailureContext, type ProxySource } from './networkErrors.js';
import { proxyPort } from './proxyConfig.js';

/** A proxy's answer to CONNECT is a status line and a few headers; more is not an HTTP proxy. */
const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

export interface TunnelTarget {
  host: string;
  port: number;
}

export interface TunnelOptions {
  source: ProxySource;
  /** Trust for an https:// proxy's own certificate. */
  secureContext: SecureContext;
  /** Aborts the attempt (the caller's connect timeout). */
  signal: AbortSignal;
}

function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** `Basic base64(user:password)` from the URL's percent-encoded credentials, or undefined. */
export function basicProxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s; // a stray % that is not an escape: take it as written
    }
  };
  return `Basic ${Buffer.from(`${decode(proxy.username)}:${decode(proxy.password)}`, 'utf8').toString('base64')}`;
}

/** `host:port` as CONNECT and Host write it (IPv6 in brackets). */
export function authority(target: TunnelTarget): string {
  return `${net.isIPv6(target.host) ? `[${target.host}]` : target.host}:${target.port}`;
}

export interface ConnectResponse {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
}

/** Parses `HTTP/1.1 407 Proxy Authentication Required\r\nName: value…` (the head without the blank line). */
export function parseConnectResponse(head: string): ConnectResponse | undefined {
  const lines = head.split('\r\n');
  const m = /^HTTP\/\d(?:\.\d)?\s+(\d{3})(?:\s+(.*))?$/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { status: Number(m[1]), reason: (m[2] ?? '').trim(), headers };
}

/** The schemes a 407's Proxy-Authenticate headers offer (`Basic`, `Negotiate`, `NTLM` …). */
export function authSchemes(res: ConnectResponse): string[] {
  return res.headers
    .filter(([name]) => name === 'proxy-authenticate')
    .map(([, value]) => value.split(/[\s,]/)[0] ?? '')
    .filter(Boolean);
}

function connectToProxy(proxy: URL, opts: TunnelOptions): Duplex {
  const host = hostOf(proxy);
  const port = proxyPort(proxy);
  if (proxy.protocol === 'https:') {
    return tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), secureContext: opts.secureContext, rejectUnauthorized: true });
  }
  return net.connect({ host, port });
}

/** Opens the tunnel; resolves with the socket to run TLS over, or rejects with a PgEntraError (or the abort reason). */
export function openTunnel(proxy: URL, target: TunnelTarget, opts: TunnelOptions): Promise<Duplex> {
  const ctx: ProxyFailureContext = { proxy, source: opts.source, target };
  const authorization = basicProxyAuthorization(proxy);
  return new Promise<Duplex>((resolve, reject) => {
    const socket = connectToProxy(proxy, opts);
    let head = Buffer.alloc(0);
    let settled = false;
    const finish = (error: unknown, ok?: Duplex): void => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      if (ok) resolve(ok);
      else {
        socket.destroy();
        reject(error);
      }
    };
    const onAbort = (): void => finish(proxyUnreachable(ctx, 'no answer in time', opts.signal.reason));
    const onError = (e: NodeJS.ErrnoException): void => {
      // An https:// proxy whose certificate does not verify is a proxy problem too; the code says which.
      finish(proxyUnreachable(ctx, e.code ?? e.message, e));
    };
    const onClose = (): void => finish(proxyUnreachable(ctx, 'it closed the connection without answering'));
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_RESPONSE_HEAD_BYTES) finish(proxyUnreachable(ctx, 'its answer to CONNECT is not HTTP'));
        return;
      }
      const res = parseConnectResponse(head.subarray(0, end).toString('latin1'));
      if (!res) return finish(proxyUnreachable(ctx, 'its answer to CONNECT is not HTTP'));
      if (res.status >= 200 && res.status < 300) {
        // TLS starts with the client's hello, so nothing should follow; if something did, keep it for TLS.
        const rest = head.subarray(end + 4);
        socket.removeListener('data', onData);
        socket.pause();
        if (rest.length) socket.unshift(rest);
        return finish(undefined, socket);
      }
      if (res.status === 407) return finish(proxyAuthRequired(ctx, authorization !== undefined, authSchemes(res)));
      return finish(proxyRefused(ctx, res.status, res.reason));
    };
    if (opts.signal.aborted) return onAbort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('data', onData);
    const lines = [`CONNECT ${authority(target)} HTTP/1.1`, `Host: ${authority(target)}`, ...(authorization ? [`Proxy-Authorization: ${authorization}`] : []), 'User-Agent: pgEntra', '', ''];
    socket.write(lines.join('\r\n'));
  });
}
