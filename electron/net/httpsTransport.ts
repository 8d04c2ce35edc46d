// The https.Agent for pgEntra's own HTTPS calls (Entra through MSAL's network module, Azure
// Resource Manager through the SDK's pipeline). Per connection it asks the ProxyResolver, then
// connects directly or through an HTTP CONNECT tunnel (proxyTunnel.ts), and runs TLS to the
// target with pgEntra's trust list (base/trustedRoots.ts), SNI = the target host, the chain and
// the host name verified — a token goes only over verified TLS to the host it was meant for. The
// socket is handed to the HTTP request only after the handshake verified, so every failure before
// it is a typed PgEntraError: proxy_auth_required, proxy_failed, tls_untrusted (naming the issuer
// the server presented: a second handshake that sends nothing reads it, since Node drops the
// peer certificate of a connection it rejected), tls_verification_failed. Plain network errors
// (refused, reset, DNS) of a direct connection pass through as Node's own errors.
import https from 'node:https';
import net from 'node:net';
import tls, { type SecureContext, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { PgEntraError } from '../../shared/errors.js';
import { describeTrust, osCertificatesTrusted } from '../base/trustedRoots.js';
import { trustContext } from '../base/tls.js';
import { NETWORK_ERROR_CODES, networkCauseOf, tlsUntrusted, tlsVerificationFailed, type TrustFacts } from './networkErrors.js';
import { isNeverProxied } from './noProxy.js';
import { directResolver, type ProxyDecision, type ProxyResolver } from './proxyConfig.js';
import { openTunnel, type TunnelTarget } from './proxyTunnel.js';

export interface HttpsTransportOptions {
  /** A custom cloud's CA (PEM), trusted next to pgEntra's roots. */
  extraCaPem?: string;
  /** Direct or through which proxy, per connection (default: always direct). */
  resolveProxy?: ProxyResolver;
  keepAlive?: boolean;
  /** Proxy tunnel + TCP + TLS handshake, ms (default 15 s). */
  connectTimeoutMs?: number;
}

/** Chain errors: the certificate was not issued by a root pgEntra trusts. */
const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
]);
/** Other verification failures (name, dates, signature): a trust setting does not fix them. */
const VERIFY_CODES =
  /^(ERR_TLS_CERT_ALTNAME_INVALID|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_REVOKED|CERT_SIGNATURE_FAILURE|CERT_REJECTED|INVALID_CA|INVALID_PURPOSE|HOSTNAME_MISMATCH|CERT_CHAIN_TOO_LONG|PATH_LENGTH_EXCEEDED)$/;
const DIAGNOSTIC_TIMEOUT_MS = 5_000;

/** The subject or issuer name a person recognises: CN, else O, else the whole name. */
function nameOf(name: tls.Certificate | undefined): string | undefined {
  if (!name) return undefined;
  const pick = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  return pick(name.CN) ?? pick(name.O) ?? (Object.keys(name).length ? JSON.stringify(name) : undefined);
}

/**
 * The issuer at the top of the chain a server presented: the root it claims to chain to (its
 * leaf's issuer when it sent only the leaf).
 */
export function presentedIssuer(cert: tls.DetailedPeerCertificate | undefined): string | undefined {
  let cur = cert;
  for (let i = 0; i < 10 && cur?.issuerCertificate && cur.issuerCertificate !== cur && cur.issuerCertificate.fingerprint256 !== cur.fingerprint256; i++) cur = cur.issuerCertificate;
  return nameOf(cur?.issuer);
}

function trustFacts(): TrustFacts {
  if (!osCertificatesTrusted()) return { osCertificates: false };
  const d = describeTrust();
  return { osCertificates: true, osCount: d.osCount, ...(d.osSource ? { osSource: d.osSource } : {}), ...(d.osNote ? { osNote: d.osNote } : {}) };
}

/** `p`, or the signal's reason once it aborts (the work behind `p` is abandoned, not stopped). */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export class HttpsTransport extends https.Agent {
  private readonly resolveProxy: ProxyResolver;
  private readonly extraCaPem: string | undefined;
  private readonly connectTimeoutMs: number;
  /** The last typed failure per `host:port`, for explain(). */
  private readonly failures = new Map<string, PgEntraError>();

  constructor(opts: HttpsTransportOptions = {}) {
    super({ keepAlive: opts.keepAlive ?? false });
    this.resolveProxy = opts.resolveProxy ?? directResolver;
    this.extraCaPem = opts.extraCaPem;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 15_000;
  }

  /** Built when the first connection needs it (reading the OS store then, not at construction). */
  private secureContext(): SecureContext {
    return trustContext(this.extraCaPem);
  }

  // Node's Agent accepts the socket through the callback (documented for agent.createConnection).
  override createConnection(options: { host?: string | null; port?: number | string | null; servername?: string | null }, callback: (err: Error | null, socket?: Duplex) => void): undefined {
    const host = (options.host ?? 'localhost').replace(/^\[|\]$/g, '');
    const port = Number(options.port ?? 443);
    const servername = options.servername || (net.isIP(host) ? undefined : host);
    this.connect({ host, port }, servername).then(
      (socket) => {
        this.failures.delete(`${host}:${port}`);
        callback(null, socket);
      },
      (e: unknown) => {
        const typed = networkCauseOf(e);
        if (typed) this.failures.set(`${host}:${port}`, typed);
        callback(e instanceof Error ? e : new Error(String(e)));
      },
    );
    return undefined;
  }

  /**
   * The PgEntraError behind a failure an HTTP library re-wrapped (the Azure SDK keeps only the
   * message and the code of a request error), or undefined when `e` is not one of ours.
   */
  explain(e: unknown, url: string): PgEntraError | undefined {
    const direct = networkCauseOf(e);
    if (direct) return direct;
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code !== 'string' || !NETWORK_ERROR_CODES.has(code as PgEntraError['code'])) return undefined;
    let key: string;
    try {
      const u = new URL(url);
      key = `${u.hostname.replace(/^\[|\]$/g, '')}:${u.port || (u.protocol === 'http:' ? '80' : '443')}`;
    } catch {
      return undefined;
    }
    const recorded = this.failures.get(key);
    return recorded?.code === code ? recorded : undefined;
  }

  /** A verified TLS socket to `target`, directly or through the proxy the resolver names. */
  async connect(target: TunnelTarget, servername: string | undefined): Promise<TLSSocket> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(Object.assign(new Error(`Connecting to ${target.host}:${target.port} took longer than ${this.connectTimeoutMs} ms`), { code: 'ETIMEDOUT' })),
      this.connectTimeoutMs,
    );
    try {
      // A PAC lookup that hangs counts against the same deadline as the connection.
      const route = await raceAbort(this.route(target), controller.signal);
      try {
        return await this.handshake(await this.open(route, target, controller.signal), target, servername, true, controller.signal);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (UNTRUSTED_CODES.has(code)) {
          const issuer = await this.diagnoseIssuer(route, target, servername).catch(() => undefined);
          throw Object.assign(tlsUntrusted(target.host, issuer, code, trustFacts()), { cause: e });
        }
        if (VERIFY_CODES.test(code)) throw Object.assign(tlsVerificationFailed(target.host, code, (e as Error).message), { cause: e });
        throw e;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private async route(target: TunnelTarget): Promise<ProxyDecision> {
    // The resolvers never proxy loopback and link-local (IMDS); checked here too, whatever resolver was given.
    if (isNeverProxied(target.host)) return { kind: 'direct' };
    return this.resolveProxy(new URL(`https://${net.isIPv6(target.host) ? `[${target.host}]` : target.host}:${target.port}/`));
  }

  private open(route: ProxyDecision, target: TunnelTarget, signal: AbortSignal): Promise<Duplex> {
    if (route.kind === 'proxy') return openTunnel(route.url, target, { source: route.source, secureContext: this.secureContext(), signal });
    return Promise.resolve(net.connect({ host: target.host, port: target.port }));
  }

  /** TLS over `socket`; resolves once the handshake is done and (with `verify`) verified. */
  private handshake(socket: Duplex, target: TunnelTarget, servername: string | undefined, verify: boolean, signal: AbortSignal): Promise<TLSSocket> {
    return new Promise<TLSSocket>((resolve, reject) => {
      const tlsSocket = tls.connect({
        socket,
        host: target.host,
        ...(servername ? { servername } : {}),
        secureContext: this.secureContext(),
        // The normal path: exactly Node's strict default. Only the diagnostic handshake, which
        // sends nothing and is closed at once, looks at a certificate that did not verify.
        rejectUnauthorized: verify,
      });
      const onAbort = (): void => {
        tlsSocket.destroy();
        socket.destroy();
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      tlsSocket.once('secureConnect', () => {
        signal.removeEventListener('abort', onAbort);
        tlsSocket.removeListener('error', onError);
        resolve(tlsSocket);
      });
      const onError = (e: Error): void => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(e);
      };
      tlsSocket.once('error', onError);
    });
  }

  /** The issuer the server presents, read from a handshake that sends no request and is closed at once. */
  private async diagnoseIssuer(route: ProxyDecision, target: TunnelTarget, servername: string | undefined): Promise<string | undefined> {
    const signal = AbortSignal.timeout(DIAGNOSTIC_TIMEOUT_MS);
    const socket = await this.handshake(await this.open(route, target, signal), target, servername, false, signal);
    try {
      return presentedIssuer(socket.getPeerCertificate(true));
    } finally {
      socket.destroy();
    }
  }
}
