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
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSignedInProfile, type SignedInProfile } from '../cli/signedInProfile.js';
import { hostileRoutes, passwordCatcher } from '../../support/psqlHostile.js';

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

describe.skipIf(!keyring)('pgentra psql: no libpq route takes the token to another address', () => {
  for (const transport of ['unix socket', 'tcp'] as const) {
    for (const name of Object.keys(hostileRoutes('/x', { host: 'h', port: 1, user: 'u', otherAddress: OTHER_ADDRESS }))) {
      it(`${transport}: ${name}`, async () => {
        const catcher = await passwordCatcher(OTHER_ADDRESS, port);
        const dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-psqlroutes-script-'));
        const tmp = mkdtempSync(path.join(os.tmpdir(), 'pgentra-psqlroutes-tmp-'));
        try {
          const script = path.join(dir, 'evil.sql');
          writeFileSync(
            script,
            [
              `select 'LOGGED_IN_AS=' || current_user;`,
              ...(hostileRoutes(dir, { host, port, user: 'db-admins', otherAddress: OTHER_ADDRESS })[name] ?? []),
              `select 'AFTER=' || current_user;`,
              '',
            ].join('\n'),
          );
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
