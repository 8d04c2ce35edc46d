// `pgentra psql` keeps the token away from what psql scripts can reach (issue #11): Debian's real
// psql against the simulated flexible server, run as a real `pgentra` process. A script prints
// psql's environment (`\! env`) and then `\connect`s to another local server that asks for a
// cleartext password: neither may see the token. psql holds no token at all (issue 23): it talks to
// a private endpoint, a Unix socket (0600) in a 0700 folder while psql runs, gone afterwards. The
// other libpq routes are in psqlRoutes.test.ts. Needs the keychain (test/support/with-keyring.sh).
import 'reflect-metadata'; // the simulator CA (@peculiar/x509) needs it first
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProfileStore } from '../../../electron/profiles/profileAccess.js';
import type { Profile } from '../../../shared/profile.js';
import { passwordCatcher } from '../../support/psqlHostile.js';
import { startSignedInProfile, type SignedInProfile } from '../cli/signedInProfile.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/;
const INHERITED = 'inherited-password-4711';

let home: string;
let profile: Profile;
let fixture: SignedInProfile | undefined;

beforeAll(async () => {
  if (!keyring) return;
  fixture = await startSignedInProfile('sim admins', 'pgentra-psqlsec-');
  home = fixture.home;
  profile = await openProfileStore(home).get('sim admins');
}, 180_000);

afterAll(async () => {
  await fixture?.stop();
});

function pgentraPsql(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/cli.ts'), 'psql', profile.id, '--', ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe.skipIf(!keyring)('pgentra psql: the token stays out of reach of psql scripts', () => {
  it('\\! env shows no token and no PGPASSWORD; \\connect to another server does not send the token; the endpoint folder is private and removed', async () => {
    const catcher = await passwordCatcher('127.0.0.1', 0);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-psqlsec-script-'));
    try {
      const script = path.join(dir, 'evil.sql');
      writeFileSync(
        script,
        [
          `select 'LOGGED_IN_AS=' || current_user;`,
          `\\! echo "ENDPOINT=$PGHOST"`,
          `\\! stat -c 'MODE=%a' "$PGHOST/.s.PGSQL.$PGPORT" "$PGHOST"`,
          `\\! echo ENV-START; env; echo ENV-END`,
          `\\connect 'host=127.0.0.1 port=${catcher.port} dbname=postgres user=db-admins sslmode=disable'`,
          `select 'NOT REACHED';`,
          '',
        ].join('\n'),
      );
      // An inherited PGPASSWORD (the user's shell) must not reach psql either.
      const env = { ...process.env, PGENTRA_HOME: home, PGENTRA_PSQL: '/usr/bin/psql', PGENTRA_CLOUD_FILE: '', PGPASSWORD: INHERITED };
      const r = await pgentraPsql(['-X', '-A', '-t', '-w', '-f', script], env);

      // psql logged in to the profile's server through the endpoint.
      expect(r.out.includes('LOGGED_IN_AS=db-admins'), JWT.test(r.err) ? 'psql failed' : r.err).toBe(true);
      const envDump = r.out.slice(r.out.indexOf('ENV-START'), r.out.indexOf('ENV-END'));
      expect(envDump.length).toBeGreaterThan(20);
      expect(JWT.test(envDump), "a JWT in psql's environment").toBe(false); // boolean: a failure must not print the token
      expect(envDump).not.toMatch(/^PGPASSWORD=/m);
      expect(envDump).not.toContain(INHERITED);
      expect(envDump).not.toMatch(/^PGPASSFILE=/m);

      // The endpoint: a socket 0600 in a 0700 folder while psql ran, gone once it exited.
      const folder = /^ENDPOINT=(.+)$/m.exec(r.out)?.[1] ?? '';
      expect(folder).toMatch(/pgentra-psql-/);
      expect(r.out.match(/^MODE=\d+$/gm)).toEqual(['MODE=600', 'MODE=700']);
      expect(existsSync(folder)).toBe(false);

      // The other server was reached and asked for a password, and never got the token.
      expect(catcher.startups(), r.err).toBeGreaterThan(0);
      const got = catcher.received().toString('latin1');
      expect(got).toContain('db-admins');
      expect(JWT.test(got), 'the other server received a JWT').toBe(false);
      expect(got).not.toContain(INHERITED);
      expect(r.out).not.toContain('NOT REACHED');
      expect(JWT.test(r.out + r.err)).toBe(false);
    } finally {
      await catcher.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('another database on the same server (-d NAME) still logs in', async () => {
    const r = await pgentraPsql(['-X', '-A', '-t', '-w', '-d', 'postgres', '-c', 'select current_user'], { ...process.env, PGENTRA_HOME: home, PGENTRA_PSQL: '/usr/bin/psql', PGENTRA_CLOUD_FILE: '' });
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim()).toBe('db-admins');
  });

  it('SIGTERM to pgentra while psql runs a query: psql ends, the endpoint stops, its folder goes, exit 143', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/cli.ts'), 'psql', profile.id, '--', '-X', '-A', '-t', '-w', '-c', 'select pg_sleep(30)'], {
      cwd: repoRoot,
      env: { ...process.env, PGENTRA_HOME: home, PGENTRA_PSQL: '/usr/bin/psql', PGENTRA_CLOUD_FILE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    // psql, once its query runs: its pid and the endpoint folder it was given.
    const psqlChild = (): { pid: string; folder: string } | undefined => {
      for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          if (!stat.includes('(psql)') || Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== child.pid) continue;
          if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('pg_sleep')) continue;
          const folder = /(?:^|\0)PGHOST=([^\0]*)/.exec(readFileSync(`/proc/${pid}/environ`, 'utf8'))?.[1];
          if (folder) return { pid, folder };
        } catch {
          // gone meanwhile
        }
      }
      return undefined;
    };
    let seen: { pid: string; folder: string } | undefined;
    await expect.poll(() => (seen = psqlChild()), { timeout: 30_000, interval: 100 }).toBeDefined();
    if (!seen) throw new Error('psql not seen');
    // The query is running through the endpoint.
    await expect.poll(() => existsSync(path.join(seen?.folder ?? '', '.s.PGSQL.5432')), { timeout: 10_000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGTERM');
    const code = await exited;
    expect(code, err).toBe(143);
    expect(existsSync(seen.folder)).toBe(false);
    expect(existsSync(`/proc/${seen.pid}`)).toBe(false);
  });
});
