// pgAdmin's password command and `pgentra psql` against the simulated Azure (Entra + flexible
// server), with the real keychain (run inside test/support/with-keyring.sh) and the built CLI
// (dist/cli/pgentra.mjs: `npm run build` first — `npm test` does).
import 'reflect-metadata'; // the simulator CA (@peculiar/x509) needs it first
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustCloudFile } from '../../../electron/connect/cloudTrust.js';
import { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import { runCli } from '../../../electron/cli/dispatcher.js';
import { customCloudDomains } from '../../../electron/profiles/profileAccess.js';
import { ProfileStore } from '../../../electron/profiles/profileStore.js';
import { createLogger } from '../../../electron/log/logger.js';
import type { Profile } from '../../../shared/profile.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { completeSignInHeadless } from '../../sim/entra/index.js';
import { ACCOUNTS } from '../../sim/types.js';
import { pgadminLoaderError } from '../../unit/interop/pgadminLoader.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/;
const LIFETIME = 6;

let sim: SimulatedAzure;
let home: string;
let profile: Profile;
const env = (): NodeJS.ProcessEnv => ({ ...process.env, PGENTRA_HOME: home, PGENTRA_PSQL: '/usr/bin/psql', PGENTRA_CLOUD_FILE: '' });

beforeAll(async () => {
  if (!keyring) return;
  sim = await startSimulatedAzure({ autoApprove: ACCOUNTS.secondary, tokenLifetimeSeconds: LIFETIME });
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-interop-'));
  await trustCloudFile(home, sim.stateFile); // the user's consent, as `pgentra clouds trust` records it
  const broker = new TokenBroker({ dataDir: home, logger: createLogger({ level: 'warn', sinks: [] }) });
  const caCertPem = readFileSync(sim.caFile, 'utf8');
  const who = await broker.signInInteractive(sim.stateFile, { openBrowser: async (url) => void completeSignInHeadless(url, { caCertPem }).catch(() => undefined) });
  expect(who.username).toBe(ACCOUNTS.secondary);
  broker.close();
  const store = new ProfileStore({ dataDir: home, customCloudDomains });
  profile = await store.create({
    name: 'sim admins',
    host: sim.state.server.host,
    port: sim.state.server.port,
    username: 'db-admins',
    credential: { kind: 'interactive', account: ACCOUNTS.secondary },
    cloud: { customFile: sim.stateFile },
    confirmations: { nonAzureHost: true },
  });
}, 180_000);

afterAll(async () => {
  if (!keyring) return;
  const { deleteKeychainCache } = await import('../../../electron/keychain/cachePersistence.js');
  await deleteKeychainCache(home).catch(() => undefined);
  await sim?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** pgAdmin desktop's environment: the session's (keychain bus, PGENTRA_HOME) but not the shell's PATH. */
function pgAdminEnv(): NodeJS.ProcessEnv {
  const { PATH: _path, PGENTRA_CLOUD_FILE: _cloud, ...rest } = process.env;
  return { ...rest, PATH: '/usr/bin:/bin', PGENTRA_HOME: home };
}

/** What pgAdmin does: subprocess.run(cmd, shell=True, timeout=60), password = stdout.strip(). */
function runLikePgAdmin(cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', cmd], { timeout: 60_000, env: pgAdminEnv() }, (err, stdout, stderr) => {
      if (err) reject(new Error(`password command failed (${err.message}): ${stderr}`));
      else resolve(String(stdout).trim());
    });
  });
}

async function currentUser(password: string): Promise<string> {
  const client = new pg.Client({
    host: sim.state.server.host,
    port: sim.state.server.port,
    user: 'db-admins',
    database: 'postgres',
    password,
    ssl: { ca: readFileSync(sim.caFile, 'utf8'), servername: sim.state.server.host },
  });
  await client.connect();
  try {
    const r = await client.query<{ current_user: string }>('select current_user');
    return r.rows[0]?.current_user ?? '';
  } finally {
    await client.end();
  }
}

describe.skipIf(!keyring)('pgAdmin password command against the simulated flexible server', () => {
  it('export → loader rules → run the command like pgAdmin → token accepted; again after the token expired', async () => {
    expect(existsSync(path.join(repoRoot, 'dist/cli/pgentra.mjs')), 'build the CLI first: npm run build').toBe(true);
    let out = '';
    let err = '';
    const code = await runCli(['export', 'pgadmin', profile.id], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: env(),
      commands: [{ name: 'export', summary: '', load: async () => (await import('../../../electron/cli/commands/export.js')).command }],
    });
    expect(code, err).toBe(0);
    expect(out).not.toMatch(JWT);
    const file = JSON.parse(out) as { Servers: Record<string, { PasswordExecCommand: string; ConnectionParameters: { sslrootcert: string } }> };
    expect(pgadminLoaderError(file)).toBeUndefined();
    const server = file.Servers['1'];
    expect(server?.ConnectionParameters.sslrootcert).toBe(sim.caFile);
    const cmd = server?.PasswordExecCommand ?? '';
    expect(cmd).toContain(`token ${profile.id} --cloud ${sim.stateFile}`);

    const first = await runLikePgAdmin(cmd);
    expect(first).toMatch(JWT);
    expect(await currentUser(first)).toBe('db-admins');
    await new Promise((r) => setTimeout(r, (LIFETIME + 2) * 1000)); // the first token is now expired
    const second = await runLikePgAdmin(cmd);
    expect(await currentUser(second)).toBe('db-admins');
  });

  it('pgentra psql PROFILE -- -c "select current_user" prints db-admins; the token is in no argv and no file', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/cli.ts'), 'psql', profile.id, '--', '-X', '-A', '-t', '-c', 'select pg_sleep(1.5), current_user'], {
      cwd: repoRoot,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // While psql runs, read its command line and its environment: the token is in neither.
    const seen: { cmdline: string; hasPassword: boolean; hasPassfile: boolean }[] = [];
    const poll = setInterval(() => {
      for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          if (!stat.includes('(psql)')) continue;
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          if (ppid !== child.pid) continue;
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
          const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
          if (!seen.some((s) => s.cmdline === cmdline)) seen.push({ cmdline, hasPassword: /(^|\0)PGPASSWORD=/.test(environ) || JWT.test(environ), hasPassfile: /(^|\0)PGPASSFILE=/.test(environ) });
        } catch {
          // process gone
        }
      }
    }, 100);
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    clearInterval(poll);
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe('|db-admins');
    expect(seen.length, 'psql was observed running').toBeGreaterThan(0);
    for (const s of seen) expect(s.cmdline).not.toMatch(JWT);
    // `psql --version` (the check that psql exists) runs first without a token; the session never
    // gets one either: it connects to pgentra's private endpoint, with no password file at all.
    const sessions = seen.filter((s) => s.cmdline.includes('current_user'));
    expect(sessions.length).toBeGreaterThan(0);
    for (const s of sessions) expect(s).toMatchObject({ hasPassword: false, hasPassfile: false });
    for (const s of seen.filter((x) => x.cmdline.includes('--version'))) expect(s.hasPassword).toBe(false);
    expect(stdout + stderr).not.toMatch(JWT);
    // No token in any file under PGENTRA_HOME (the cache is in the keychain; logs never hold tokens).
    const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(path.join(d, n)).isDirectory() ? walk(path.join(d, n)) : [path.join(d, n)]));
    for (const f of walk(home)) expect(readFileSync(f, 'latin1'), f).not.toMatch(JWT);
  });
});
