// Test helpers for the corporate proxy: a raw client that speaks to it byte for byte (so the tests
// see its exact status lines and headers, and can reuse a connection after a refusal), and small
// TCP/TLS servers to tunnel to.
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsMaterial } from '../ca.js';

export interface ProxyReply {
  status: number;
  statusLine: string;
  headers: Map<string, string>;
  body: string;
}

/** One client connection to the proxy; replies are read in order. */
export class RawProxyClient {
  private buffered = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private ended = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, c]);
      this.waiter?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.waiter?.();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawProxyClient> {
    return new Promise((resolve, reject) => {
      const s = netConnect({ host, port }, () => resolve(new RawProxyClient(s)));
      s.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.ended;
  }

  private async until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (this.ended) throw new Error(`connection closed before ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        this.waiter = r;
        setTimeout(r, 100);
      });
    }
  }

  /** Sends `CONNECT target` with these extra header lines and reads the reply head (and body). */
  async connect(target: string, headers: Record<string, string> = {}): Promise<ProxyReply> {
    const lines = [`CONNECT ${target} HTTP/1.1`, `Host: ${target}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    return this.request(lines.join('\r\n') + '\r\n\r\n');
  }

  async request(raw: string): Promise<ProxyReply> {
    this.socket.write(raw);
    await this.until(() => this.buffered.includes('\r\n\r\n'), 'the reply head');
    const end = this.buffered.indexOf('\r\n\r\n');
    const [statusLine = '', ...lines] = this.buffered.subarray(0, end).toString('latin1').split('\r\n');
    const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const));
    const length = Number(headers.get('content-length') ?? 0);
    await this.until(() => this.buffered.length >= end + 4 + length, 'the reply body');
    const body = this.buffered.subarray(end + 4, end + 4 + length).toString('utf8');
    this.buffered = this.buffered.subarray(end + 4 + length);
    return { status: Number(statusLine.split(' ')[1]), statusLine, headers, body };
  }

  /** Bytes that arrived after the last reply (the tunnel's). */
  async read(bytes: number): Promise<string> {
    await this.until(() => this.buffered.length >= bytes, `${bytes} bytes`);
    const out = this.buffered.subarray(0, bytes).toString('utf8');
    this.buffered = this.buffered.subarray(bytes);
    return out;
  }

  /** TLS over the established tunnel (as a client would after `200`). */
  startTls(servername: string, ca: string | string[]): Promise<TLSSocket> {
    this.socket.removeAllListeners('data');
    return new Promise((resolve, reject) => {
      const t = tlsConnect({ socket: this.socket, servername, ca, ALPNProtocols: ['http/1.1'] }, () => resolve(t));
      t.once('error', reject);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A TCP server that echoes every byte back, prefixed by `tag`. */
export async function startEchoServer(tag: string): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => s.write(`${tag}${d.toString('utf8')}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return {
    port: addr.port,
    server,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/**
 * A tiny HTTPS/1.1 server: `GET /hello` answers "hello from the real server", `GET /slow` answers
 * after `slowMs` (a long poll). Keep-alive as Node's does it.
 */
export async function startHttpsServer(tls: TlsMaterial, slowMs = 1_500): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const reply = (): void => {
      res.setHeader('content-type', 'text/plain');
      res.end(`hello from the real server ${req.url ?? ''}`);
    };
    if (req.url === '/slow') setTimeout(reply, slowMs);
    else reply();
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return {
    port: addr.port,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The issuer's CN of a peer certificate. */
export function issuerCn(cert: PeerCertificate): string {
  const cn = cert.issuer.CN;
  return Array.isArray(cn) ? (cn[0] ?? '') : (cn ?? '');
}

/** One HTTP/1.1 GET over an already-open (tunnelled) TLS socket, keeping it open. */
export function getOver(tls: TLSSocket, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN);
      if (!Number.isFinite(length)) return reject(new Error(`no content-length in ${head}`));
      if (buf.length < end + 4 + length) return;
      tls.removeListener('data', onData);
      resolve({ status: Number(head.split(' ')[1]), body: buf.subarray(end + 4, end + 4 + length).toString('utf8') });
    };
    tls.on('data', onData);
    tls.once('error', reject);
    tls.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`);
  });
}
