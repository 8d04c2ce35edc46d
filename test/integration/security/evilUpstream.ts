// A scripted "flexible server" for attacks on the proxy's upstream side: a TCP listener on
// 127.0.0.1 that answers the SSLRequest (or not), then speaks TLS with a certificate from its own
// CA and lets each test decide what the server says. It records every byte it receives after the
// TLS handshake, so a test can look for the token there. The route's custom cloud file names the
// CA and `localhost` as a PostgreSQL domain, so the proxy's verify-full accepts exactly this server.
import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs it first
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { AccessToken, TokenProvider, TokenRequest } from '../../../electron/auth/tokenProvider.js';
import type { ProxyProfile } from '../../../electron/proxy/index.js';
import { createCertificateAuthority, type TlsMaterial } from '../../sim/ca.js';

export const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJ1cG4iOiJhZG0tYWxpY2VAY29udG9zby5leGFtcGxlIn0.c2lnbmF0dXJlLW9mLXRoZS1lbnRyYS10b2tlbg';

/** A TokenProvider that counts requests and always hands out TOKEN. */
export class CountingTokens implements TokenProvider {
  readonly requests: TokenRequest[] = [];
  async getToken(req: TokenRequest): Promise<AccessToken> {
    this.requests.push(req);
    return { token: TOKEN, expiresOn: new Date(Date.now() + 3600_000), account: 'adm-alice@contoso.example' };
  }
}

/** Frames a backend message. */
export function msg(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

export const authRequest = (code: number): Buffer => msg('R', int32(code));
export const readyForQuery = (): Buffer => msg('Z', Buffer.from('I'));
export const parameterStatus = (k: string, v: string): Buffer => msg('S', Buffer.from(`${k}\0${v}\0`));
export const errorResponse = (fields: Record<string, string>): Buffer => msg('E', Buffer.concat([...Object.entries(fields).map(([k, v]) => Buffer.from(`${k}${v}\0`)), Buffer.from([0])]));

/** What one upstream connection does once the proxy's startup packet arrived over TLS. */
export type Script = (sock: tls.TLSSocket, startup: Map<string, string>, conn: EvilConnection) => void;

export interface EvilConnection {
  /** Everything received over TLS (startup packet included). */
  received: Buffer[];
  /** Resolves with the next complete typed message from the proxy. */
  nextMessage(): Promise<{ type: string; body: Buffer }>;
}

export interface EvilUpstreamOptions {
  /** Answer to the SSLRequest: 'S' (default), 'N', or raw bytes (e.g. 'S' plus injected plaintext). */
  sslAnswer?: Buffer;
  /** Certificate to present; default one for localhost/127.0.0.1 from the cloud file's CA. */
  cert?: TlsMaterial;
  script: Script;
}

export interface EvilUpstream {
  port: number;
  profile: ProxyProfile;
  /** Every upstream connection the proxy opened. */
  connections: EvilConnection[];
  /** Every TLS socket still open. */
  openSockets(): number;
  /** Everything any connection received, as one buffer. */
  allReceived(): Buffer;
  /** A certificate for another host from the same CA, and one for localhost from an unrelated CA. */
  otherCerts(): Promise<{ wrongName: TlsMaterial; wrongCa: TlsMaterial }>;
  setOptions(o: EvilUpstreamOptions): void;
  close(): Promise<void>;
}

export async function startEvilUpstream(initial: EvilUpstreamOptions): Promise<EvilUpstream> {
  const ca = await createCertificateAuthority({ name: 'CN=pgEntra attack-test CA' });
  const good = await ca.issue({ dns: ['localhost'], ip: ['127.0.0.1'] });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-evil-upstream-'));
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, good.caCertPem, { mode: 0o600 });
  const cloudFile = path.join(dir, 'cloud.json');
  writeFileSync(cloudFile, JSON.stringify({ authorityHost: 'https://login.attack-test.invalid', resource: 'https://ossrdbms-aad.database.windows.net', caFile, postgresDomains: ['localhost'] }), {
    mode: 0o600,
  });
  let opts = initial;
  const connections: EvilConnection[] = [];
  const secure = new Set<tls.TLSSocket>();
  const raws = new Set<net.Socket>();

  const server = net.createServer((raw) => {
    raws.add(raw);
    raw.on('close', () => raws.delete(raw));
    raw.on('error', () => undefined);
    raw.once('data', () => {
      // The SSLRequest (8 bytes). Anything else: close.
      const answer = opts.sslAnswer ?? Buffer.from('S');
      raw.write(answer);
      if (answer[0] !== 0x53) return;
      const cert = opts.cert ?? good;
      const s = new tls.TLSSocket(raw, { isServer: true, key: cert.keyPem, cert: cert.certPem });
      secure.add(s);
      s.on('close', () => secure.delete(s));
      s.on('error', () => undefined);
      const conn: EvilConnection & { buf: Buffer; waiters: Array<() => void> } = {
        received: [],
        buf: Buffer.alloc(0),
        waiters: [],
        async nextMessage() {
          for (;;) {
            if (this.buf.length >= 5) {
              const len = this.buf.readInt32BE(1);
              if (this.buf.length >= len + 1) {
                const m = { type: String.fromCharCode(this.buf[0] as number), body: this.buf.subarray(5, len + 1) };
                this.buf = this.buf.subarray(len + 1);
                return m;
              }
            }
            await new Promise<void>((r) => this.waiters.push(r));
          }
        },
      };
      connections.push(conn);
      let started = false;
      s.on('data', (d: Buffer) => {
        conn.received.push(d);
        conn.buf = Buffer.concat([conn.buf, d]);
        if (!started) {
          if (conn.buf.length < 4 || conn.buf.length < conn.buf.readInt32BE(0)) return;
          const len = conn.buf.readInt32BE(0);
          const parts = conn.buf
            .subarray(8, len - 1)
            .toString('utf8')
            .split('\0');
          conn.buf = conn.buf.subarray(len);
          const startup = new Map<string, string>();
          for (let i = 0; i + 1 < parts.length; i += 2) startup.set(parts[i] as string, parts[i + 1] as string);
          started = true;
          opts.script(s, startup, conn);
        }
        for (const w of conn.waiters.splice(0)) w();
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const profile: ProxyProfile = {
    id: '22222222-2222-4222-8222-222222222222',
    name: 'attack-test',
    host: 'localhost',
    port,
    database: 'postgres',
    username: 'db-admins',
    credential: { kind: 'interactive', account: 'adm-alice@contoso.example' },
    cloud: { customFile: cloudFile },
    sslmode: 'verify-full',
    applicationName: 'pgEntra-attack-test',
    connectTimeoutSeconds: 10,
    confirmations: {},
  };
  return {
    port,
    profile,
    connections,
    openSockets: () => secure.size,
    allReceived: () => Buffer.concat(connections.flatMap((c) => c.received)),
    async otherCerts() {
      const other = await createCertificateAuthority({ name: 'CN=unrelated CA' });
      return { wrongName: await ca.issue({ dns: ['evil.example.com'], ip: ['192.0.2.1'] }), wrongCa: await other.issue({ dns: ['localhost'], ip: ['127.0.0.1'] }) };
    },
    setOptions(o) {
      opts = o;
    },
    async close() {
      for (const s of secure) s.destroy();
      for (const r of raws) r.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw PostgreSQL client: sends `chunks`, collects everything until the proxy closes or `waitMs`. */
export function rawClient(port: number, chunks: Buffer[], waitMs = 10_000): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    s.on('data', (d) => got.push(d));
    s.on('error', () => undefined);
    s.on('connect', () => chunks.forEach((c) => s.write(c)));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ data: Buffer.concat(got), closed: false });
    }, waitMs);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(got), closed: true });
    });
  });
}
