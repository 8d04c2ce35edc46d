// A small TLS front end for login-refusal tests: it speaks the start of the PostgreSQL protocol
// (SSLRequest → TLS → StartupMessage) and then, depending on its mode, refuses the login the way
// Azure does (firewall, 57P03 "starting up", a SCRAM request, 28P01 after the password) or relays
// the connection to the simulated flexible server. It can also end every relayed session with
// FATAL 57P01, as a restart or planned failover does. Counts what it saw (never keeps a token).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { authenticationCleartextPassword, authenticationSASL, buildStartupMessage, errorResponse } from '../../../electron/pgwire/index.js';
import { PacketReader } from '../../../electron/pgwire/packetReader.js';
import type { ProxyProfile } from '../../../electron/proxy/index.js';
import { openUpstream } from '../../../electron/proxy/upstream.js';
import { createTlsMaterial } from '../../sim/ca.js';

export type FrontMode = 'relay' | 'firewall' | 'starting' | 'sasl' | 'deny-after-password';

export interface RefusingFront {
  host: 'localhost';
  port: number;
  /** The CA that signed the front's certificate. */
  caFile: string;
  /** A custom cloud file naming that CA and `localhost` (for proxy routes). */
  cloudFile: string;
  mode: FrontMode;
  /** Startup packets received, per mode. */
  readonly startups: Record<FrontMode, number>;
  /** Password messages received (their content is dropped). */
  passwords: number;
  /** Every relayed session gets FATAL 57P01 and is closed. */
  terminateAll(): void;
  /**
   * Arms a restart at an exact point of every relayed session (call it while the sessions are
   * idle): the server's messages are relayed up to and including the next one of type `after`
   * ('C' CommandComplete, 's' PortalSuspended), nothing of the server's after that; the client's
   * next message (Close/Sync, Execute) is answered with FATAL 57P01 and the connection closed —
   * as when the backend is terminated while it waits for the client. `null`: at the client's
   * next message. Resolves when it fired.
   */
  terminateAfterNext(after: 'C' | 's' | null): Promise<void>;
  /** Every connection is cut without a word. */
  dropAll(): void;
  close(): Promise<void>;
}

export interface RelayTarget {
  host: string;
  port: number;
  caPem: string;
}

export async function startRefusingFront(relayTo?: RelayTarget): Promise<RefusingFront> {
  const material = await createTlsMaterial();
  const dir = mkdtempSync(path.join(tmpdir(), 'pgentra-front-'));
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, material.caCertPem);
  const cloudFile = path.join(dir, 'cloud.json');
  writeFileSync(cloudFile, JSON.stringify({ authorityHost: 'https://login.example.invalid', resource: 'https://ossrdbms-aad.database.windows.net', caFile, postgresDomains: ['localhost'] }));
  const context = tls.createSecureContext({ cert: material.certPem, key: material.keyPem });
  const sockets = new Set<net.Socket>();
  const relayed = new Map<tls.TLSSocket, tls.TLSSocket>();

  const handle = async (raw: net.Socket): Promise<void> => {
    const rawReader = new PacketReader(raw);
    const first = await rawReader.untyped();
    if (first.kind !== 'ssl') return void raw.destroy();
    raw.write('S');
    rawReader.detach();
    const sock = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
    sock.on('error', () => undefined);
    sockets.add(sock);
    const reader = new PacketReader(sock);
    const startup = await reader.untyped();
    if (startup.kind !== 'startup') return void sock.destroy();
    const mode = front.mode;
    front.startups[mode]++;
    const user = startup.params.get('user') ?? '';
    const database = startup.params.get('database') ?? user;
    switch (mode) {
      case 'firewall':
        // Azure's firewall refusal: after TLS, before any authentication request.
        sock.end(
          errorResponse({
            severity: 'FATAL',
            code: '28000',
            message: `no pg_hba.conf entry for host "${raw.remoteAddress?.replace(/^::ffff:/, '') ?? ''}", user "${user}", database "${database}", SSL encryption`,
          }),
        );
        return;
      case 'starting':
        sock.end(errorResponse({ severity: 'FATAL', code: '57P03', message: 'the database system is starting up' }));
        return;
      case 'sasl':
      case 'deny-after-password': {
        sock.write(mode === 'sasl' ? authenticationSASL(['SCRAM-SHA-256']) : authenticationCleartextPassword());
        try {
          await reader.typed();
          front.passwords++;
        } catch {
          return; // the client hung up instead of answering
        }
        sock.end(errorResponse({ severity: 'FATAL', code: '28P01', message: `password authentication failed for user "${user}"` }));
        return;
      }
      case 'relay': {
        if (!relayTo) return void sock.destroy();
        const up = await openUpstream({
          host: relayTo.host,
          port: relayTo.port,
          ssl: { ca: [relayTo.caPem], servername: relayTo.host, rejectUnauthorized: true },
          connectTimeoutMs: 10_000,
        });
        sockets.add(up.socket);
        up.socket.on('error', () => undefined);
        const early = up.reader.detach();
        up.socket.write(buildStartupMessage(startup.params, (startup.majorVersion << 16) | startup.minorVersion));
        const rest = reader.detach();
        if (rest.length) up.socket.write(rest);
        if (early.length) sock.write(early);
        relayed.set(sock, up.socket);
        sock.once('close', () => {
          relayed.delete(sock);
          up.socket.destroy();
        });
        up.socket.once('close', () => sock.destroy());
        sock.pipe(up.socket);
        up.socket.pipe(sock);
        return;
      }
    }
  };

  const server = net.createServer((raw) => {
    sockets.add(raw);
    raw.on('error', () => undefined);
    raw.once('close', () => sockets.delete(raw));
    handle(raw).catch(() => raw.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const front: RefusingFront = {
    host: 'localhost',
    port,
    caFile,
    cloudFile,
    mode: 'relay',
    startups: { relay: 0, firewall: 0, starting: 0, sasl: 0, 'deny-after-password': 0 },
    passwords: 0,
    terminateAll() {
      for (const [s, up] of relayed) {
        up.unpipe(s);
        s.unpipe(up);
        s.end(errorResponse({ severity: 'FATAL', code: '57P01', message: 'terminating connection due to administrator command' }));
      }
    },
    terminateAfterNext(after) {
      const fired: Array<Promise<void>> = [];
      for (const [s, up] of relayed) {
        up.unpipe(s);
        s.unpipe(up);
        fired.push(
          new Promise<void>((resolve) => {
            let pending = Buffer.alloc(0);
            let seen = after === null;
            up.on('data', (chunk: Buffer) => {
              if (seen) return;
              pending = Buffer.concat([pending, chunk]);
              while (pending.length >= 5) {
                const len = pending.readInt32BE(1) + 1;
                if (pending.length < len) break;
                const type = String.fromCharCode(pending[0] as number);
                s.write(pending.subarray(0, len));
                pending = pending.subarray(len);
                if (type === after) {
                  seen = true;
                  break;
                }
              }
            });
            s.on('data', (chunk: Buffer) => {
              if (!seen) return void up.write(chunk);
              if (s.writableEnded) return;
              s.end(errorResponse({ severity: 'FATAL', code: '57P01', message: 'terminating connection due to administrator command' }));
              up.destroy();
              resolve();
            });
            // unpipe() left both paused.
            up.resume();
            s.resume();
          }),
        );
      }
      return Promise.all(fired).then(() => undefined);
    },
    dropAll() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    async close() {
      front.dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return front;
}

/** A proxy profile for the front: db-admins on its host and port, its cloud file, verify-full. */
export function frontProfile(front: RefusingFront, id: string, applicationName: string): ProxyProfile {
  return {
    id,
    name: 'front',
    host: front.host,
    port: front.port,
    database: 'postgres',
    username: 'db-admins',
    credential: { kind: 'interactive', account: 'adm-alice@contoso.example' },
    cloud: { customFile: front.cloudFile },
    sslmode: 'verify-full',
    applicationName,
    connectTimeoutSeconds: 10,
    confirmations: {},
  };
}
