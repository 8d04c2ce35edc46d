// TLS inspection ("SSL bump", as Zscaler, Netskope, Palo Alto or Squid's ssl_bump do): for a
// CONNECT to an inspected host the proxy first opens its own TLS connection to the real server
// (verifying it with the CAs it trusts, as a server-first bump does), then answers the client with
// a certificate for that host issued on the fly by the organisation's inspection root, and passes
// the plaintext between the two. Clients trust the root only if IT put it in their trust store.
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { CertificateAuthority } from '../ca.js';

/** The inspection root's name (CN and O): products may name it in their certificate errors. */
export const TLS_INSPECTION_ROOT_NAME = 'Contoso TLS Inspection Root';
export const TLS_INSPECTION_ROOT_DN = `CN=${TLS_INSPECTION_ROOT_NAME}, O=${TLS_INSPECTION_ROOT_NAME}`;

export interface TlsInspectionOptions {
  /** Issues the certificates the proxy shows clients (its `caCertPem` is the inspection root). */
  ca: CertificateAuthority;
  /** What the proxy trusts for its own connection to the real server. */
  upstreamCaPem: string | readonly string[];
  /** Host names whose tunnels are inspected; other CONNECTs are piped as they are. */
  hosts: readonly string[];
}

/** Only HTTP/1.1 is offered on both sides: enough for Entra and Resource Manager clients. */
const ALPN = ['http/1.1'];
const HANDSHAKE_TIMEOUT_MS = 10_000;

export class TlsInspector {
  private readonly hosts: Set<string>;
  /** One certificate per host name, issued on first use (RSA key generation takes ~100 ms). */
  private readonly contexts = new Map<string, Promise<SecureContext>>();

  constructor(private readonly opts: TlsInspectionOptions) {
    this.hosts = new Set(opts.hosts.map((h) => h.toLowerCase()));
  }

  inspects(host: string): boolean {
    return this.hosts.has(host.toLowerCase());
  }

  private contextFor(host: string): Promise<SecureContext> {
    let ctx = this.contexts.get(host);
    if (!ctx) {
      ctx = this.opts.ca.issue(isIP(host) ? { dns: [], ip: [host] } : { dns: [host] }).then((t) => createSecureContext({ cert: t.certPem, key: t.keyPem }));
      // A failed issue is not cached: the next CONNECT tries again.
      ctx.catch(() => this.contexts.delete(host));
      this.contexts.set(host, ctx);
    }
    return ctx;
  }

  /**
   * The proxy's own TLS connection to the real listener `to`, verified as `host` with the
   * upstream CAs. Rejects (with the TLS error) when the server cannot be reached or verified.
   */
  async connectUpstream(host: string, to: { host: string; port: number }): Promise<{ upstream: TLSSocket; context: SecureContext }> {
    const context = await this.contextFor(host);
    const upstream = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({
        host: to.host,
        port: to.port,
        ...(isIP(host) ? {} : { servername: host }),
        ca: typeof this.opts.upstreamCaPem === 'string' ? this.opts.upstreamCaPem : [...this.opts.upstreamCaPem],
        ALPNProtocols: ALPN,
        checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert),
      });
      const timer = setTimeout(() => s.destroy(Object.assign(new Error('TLS handshake timed out'), { code: 'ETIMEDOUT' })), HANDSHAKE_TIMEOUT_MS);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        s.removeListener('error', reject);
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    return { upstream, context };
  }

  /**
   * The client side: TLS as the server for `host` over the tunnel socket (bytes the client sent
   * early are still in its buffer; TLSSocket reads them first).
   */
  terminateClient(socket: Socket, context: SecureContext): TLSSocket {
    return new TLSSocket(socket, { isServer: true, secureContext: context, ALPNProtocols: ALPN });
  }
}
