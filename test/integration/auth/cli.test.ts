// The built `pgentra` CLI as separate processes: silent tokens from the keychain, no secrets on
// disk or stderr, exit codes, keychain unavailable, concurrent refresh, managed identity
// (IMDS and App Service, one process each: MSAL detects the source once per process), Azure CLI.
import './simCloud.js'; // loads reflect-metadata first
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustCloudFile } from '../../../electron/connect/cloudTrust.js';
import { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import { describeToken } from '../../../electron/auth/describeToken.js';
import { EXIT } from '../../../electron/cli/exitCodes.js';
import { ProfileStore } from '../../../electron/profiles/profileStore.js';
import { silentLogger } from '../../../electron/log/logger.js';
import { completeSignInHeadless } from '../../sim/entra/index.js';
import { ACCOUNTS } from '../../sim/types.js';
import { startSimCloud, type SimCloud } from './simCloud.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(root, 'electron/cli/bin.mjs');
const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const USER_MI_CLIENT_ID = '7ac1b52d-0cd2-4540-8b9e-cbd682c73d8c';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

let s: SimCloud;
const baseEnv = (home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, PGENTRA_HOME: home, PGENTRA_CLOUD_FILE: s.cloudFile, ...extra };
  for (const k of ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'AZURE_POD_IDENTITY_AUTHORITY_HOST', 'MSI_ENDPOINT', 'MSI_SECRET', 'IDENTITY_SERVER_THUMBPRINT']) if (!(k in extra)) delete env[k];
  return env;
};

async function signIn(home: string, upn: string): Promise<void> {
  const broker = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: home, logger: silentLogger });
  await broker.signInInteractive(s.cloudFile, { openBrowser: async (url) => void completeSignInHeadless(url, { caCertPem: s.tls.caCertPem, upn }).catch(() => undefined) });
  broker.close();
}

beforeAll(async () => {
  // The tests run the built CLI, like pgAdmin does.
  const b = spawnSync(process.execPath, [path.join(root, 'build/build.mjs'), '--no-renderer'], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0 && !existsSync(path.join(root, 'dist/cli/pgentra.mjs'))) throw new Error(`build failed: ${b.stderr}`);
  s = await startSimCloud();
});
afterAll(async () => {
  await s?.cleanup();
});

describe('pgentra CLI arguments', () => {
  it('--help documents commands and exit codes; bad arguments exit 64', async () => {
    const home = s.newHome('args');
    const help = await run(['--help'], baseEnv(home));
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/token/);
    expect(help.stdout).toMatch(/77\s+sign-in required/);
    const tokenHelp = await run(['token', '--help'], baseEnv(home));
    expect(tokenHelp.code).toBe(0);
    expect(tokenHelp.stdout).toMatch(/--managed-identity/);
    const bad = await run(['token', '--nope'], baseEnv(home));
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect((await run(['frobnicate'], baseEnv(home))).code).toBe(EXIT.usage);
    expect((await run(['token', '--account', 'a@b.c', '--azure-cli'], baseEnv(home))).code).toBe(EXIT.usage);
  });
});

describe.skipIf(!keyring)('pgentra CLI with the keychain', () => {
  it('a new process gets the token silently from the keychain; no token request; token nowhere on disk or stderr', async () => {
    const home = s.newHome('cli');
    await signIn(home, ACCOUNTS.secondary);
    s.sim.control.resetCounters();
    const r = await run(['token', '--account', ACCOUNTS.secondary, '--cloud', s.cloudFile], baseEnv(home));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(describeToken(token).upn).toBe(ACCOUNTS.secondary);
    expect(s.sim.control.requestCount()).toBe(0);

    const j = await run(['token', '--account', ACCOUNTS.secondary, '--json'], baseEnv(home));
    const parsed = JSON.parse(j.stdout) as { accessToken: string; expiresOn: string; expires_on: number; account: string; tenant: string };
    expect(parsed.accessToken).toBe(token);
    expect(parsed.expires_on).toBe(Math.floor(new Date(parsed.expiresOn).getTime() / 1000));
    expect(parsed.account).toBe(ACCOUNTS.secondary);

    const d = await run(['token', '--account', ACCOUNTS.secondary, '--decode'], baseEnv(home));
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/expectedUsername\s+adm-alice@contoso\.example/);
    expect(d.stdout).not.toContain(token);

    const accounts = await run(['accounts', '--json'], baseEnv(home));
    expect((JSON.parse(accounts.stdout) as { username: string }[]).map((a) => a.username)).toEqual([ACCOUNTS.secondary]);

    // a failing run writes logs; they must not hold the token either
    await run(['token', '--account', 'nobody@contoso.example', '--verbose'], baseEnv(home));
    for (const f of filesUnder(home)) expect(readFileSync(f, 'utf8'), f).not.toContain(token);
    expect(r.stderr + j.stderr + d.stderr).not.toContain(token);

    const unknown = await run(['token', '--account', 'nobody@contoso.example'], baseEnv(home));
    expect(unknown.code).toBe(EXIT.signInRequired);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);

    const out = await run(['logout', '--account', ACCOUNTS.secondary], baseEnv(home));
    expect(out.code).toBe(0);
    expect((await run(['token', '--account', ACCOUNTS.secondary], baseEnv(home))).code).toBe(EXIT.signInRequired);
  });

  it("pgentra token PROFILE uses the saved profile's credential and cloud (what pgAdmin's password command runs)", async () => {
    const home = s.newHome('cli-profile');
    await signIn(home, ACCOUNTS.secondary);
    await trustCloudFile(home, s.cloudFile); // profiles need the owner's consent to their cloud file
    const store = new ProfileStore({ dataDir: home, customCloudDomains: () => ['localhost'] });
    const profile = await store.create({
      name: 'Sim admins',
      host: 'localhost',
      username: 'db-admins',
      credential: { kind: 'interactive', account: ACCOUNTS.secondary },
      cloud: { customFile: s.cloudFile },
    });
    // No --cloud and a different PGENTRA_CLOUD_FILE: the profile alone decides.
    const env = { ...baseEnv(home), PGENTRA_CLOUD_FILE: '' };
    for (const ref of [profile.id, 'Sim admins']) {
      const r = await run(['token', ref], env);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(describeToken(r.stdout.trim()).upn).toBe(ACCOUNTS.secondary);
    }
    const missing = await run(['token', 'no-such-profile'], env);
    expect(missing.code).not.toBe(0);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/no-such-profile/);
  });

  it('two processes refreshing at once leave a readable cache (lock works)', async () => {
    const home = s.newHome('lock');
    s.sim.control.setTokenLifetime(4);
    try {
      await signIn(home, ACCOUNTS.primary);
      await new Promise((r) => setTimeout(r, 4_500));
      const runs = await Promise.all([1, 2, 3].map(() => run(['token', '--account', ACCOUNTS.primary, '--min-validity', '1'], baseEnv(home))));
      for (const r of runs) {
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(describeToken(r.stdout.trim()).upn).toBe(ACCOUNTS.primary);
      }
      const after = await run(['accounts', '--json'], baseEnv(home));
      expect(after.code).toBe(0);
      expect((JSON.parse(after.stdout) as { username: string }[]).map((a) => a.username)).toEqual([ACCOUNTS.primary]);
      expect(existsSync(path.join(home, 'token-cache', 'msal.cache.lockfile'))).toBe(false);
    } finally {
      s.sim.control.setTokenLifetime(3600);
    }
  });
});

describe('keychain unavailable', () => {
  it('exits 69 with keychain_unavailable; --memory-cache works', async () => {
    const home = s.newHome('nokeychain');
    const env = baseEnv(home);
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const r = await run(['token', '--account', ACCOUNTS.secondary], env);
    expect(r.code).toBe(EXIT.keychainUnavailable);
    expect(r.stderr).toMatch(/keychain is not available.*--memory-cache/);
    expect(r.stdout).toBe('');
    const m = await run(['accounts', '--memory-cache'], env);
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(/No accounts signed in/);
    // an az-based token needs no keychain at all
    const noPlainText = filesUnder(home).filter((f) => /msal\.cache$/.test(f));
    for (const f of noPlainText) expect(readFileSync(f, 'utf8').length).toBeLessThan(5);
  });
});

describe('managed identity (one process per source)', () => {
  it('system-assigned and user-assigned via IMDS', async () => {
    const home = s.newHome('mi');
    const env = baseEnv(home, { AZURE_POD_IDENTITY_AUTHORITY_HOST: s.sim.imdsEndpoint });
    const sys = await run(['token', '--managed-identity', '--decode', '--json'], env);
    expect(sys.stderr).toBe('');
    expect((JSON.parse(sys.stdout) as { expectedUsername: string }).expectedUsername).toBe(ACCOUNTS.systemIdentity);
    const user = await run(['token', '--managed-identity', '--client-id', USER_MI_CLIENT_ID, '--decode', '--json'], env);
    expect((JSON.parse(user.stdout) as { expectedUsername: string }).expectedUsername).toBe(ACCOUNTS.userIdentity);
  });

  it('via the App Service variables', async () => {
    const home = s.newHome('appsvc');
    const env = baseEnv(home, { IDENTITY_ENDPOINT: s.sim.appService.endpoint, IDENTITY_HEADER: s.sim.appService.header });
    const user = await run(['token', '--managed-identity', '--client-id', USER_MI_CLIENT_ID, '--decode', '--json'], env);
    expect(user.stderr).toBe('');
    expect((JSON.parse(user.stdout) as { expectedUsername: string }).expectedUsername).toBe(ACCOUNTS.userIdentity);
  });

  it('unreachable IMDS → network_unavailable (75)', async () => {
    const env = baseEnv(s.newHome('mi-down'), { AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:9' });
    const r = await run(['token', '--managed-identity'], env);
    expect(r.code).toBe(EXIT.networkUnavailable);
  });
});

describe('azure-cli credential (stand-in az on PATH)', () => {
  function fakeAz(dir: string, script: string): string {
    mkdirSync(dir, { recursive: true });
    const p = path.join(dir, 'az');
    writeFileSync(p, `#!/bin/sh\n${script}\n`);
    chmodSync(p, 0o755);
    return dir;
  }

  it('prints the token az returns; argument array reaches az intact', async () => {
    const token = s.sim.control.mintAccessToken({ upn: ACCOUNTS.primary });
    const exp = Math.floor(Date.now() / 1000) + 3000;
    const out = path.join(s.dir, 'az-args.txt');
    const binDir = fakeAz(
      path.join(s.dir, 'az-ok'),
      `printf '%s\\n' "$@" > '${out}'\ncat <<'JSON'\n{"accessToken":"${token}","expiresOn":"2099-01-01 00:00:00.000000","expires_on":${exp},"subscription":"s","tenant":"${s.sim.tenantId}","tokenType":"Bearer"}\nJSON`,
    );
    const env = baseEnv(s.newHome('az'), { PATH: `${binDir}:${process.env.PATH ?? ''}` });
    const r = await run(['token', '--azure-cli', '--tenant', 'contoso.example', '--json'], env);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout) as { accessToken: string; expires_on: number };
    expect(j.accessToken).toBe(token);
    expect(j.expires_on).toBe(exp);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual([
      'account',
      'get-access-token',
      '--resource',
      'https://ossrdbms-aad.database.windows.net',
      '--tenant',
      'contoso.example',
      '--output',
      'json',
    ]);
  });

  it('not logged in / missing az → clear errors, exit 78', async () => {
    const binDir = fakeAz(path.join(s.dir, 'az-nologin'), `echo "ERROR: Please run 'az login' to setup account." >&2\nexit 1`);
    const r = await run(['token', '--azure-cli'], baseEnv(s.newHome('az2'), { PATH: `${binDir}:${process.env.PATH ?? ''}` }));
    expect(r.code).toBe(EXIT.credentialUnavailable);
    expect(r.stderr).toMatch(/not signed in.*az login/);
    const missing = await run(['token', '--azure-cli'], baseEnv(s.newHome('az3'), { PATH: path.join(s.dir, 'empty-bin') }));
    expect(missing.code).toBe(EXIT.credentialUnavailable);
    expect(missing.stderr).toMatch(/Azure CLI \(az\) was not found/);
  });
});
