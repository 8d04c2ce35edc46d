// The seed journey as a user runs it, with the product's production configuration: the built-in
// public cloud (authority login.microsoftonline.com/organizations, MSAL's own metadata and cache
// aliases), a server named myserver.postgres.database.azure.com:5432, the OS trust store — and
// no cloud file anywhere. The simulated Azure answers as those names inside a private network
// namespace; the product trusts its CA only through NODE_EXTRA_CA_CERTS.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_SERVER, PUBLIC_SERVERS } from '../sim/publicCloud.js';
import { ACCOUNTS } from '../sim/types.js';
import { claimsOf, namespaceOrSkip, run, startLocalProxy, startPublicAzure, type PublicAzure } from './fixture.js';

const skip = namespaceOrSkip();
const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const RESOURCE = 'https://ossrdbms-aad.database.windows.net';

describe.skipIf(skip !== undefined || !keyring)('public cloud: the CLI journey with no cloud file', () => {
  let az: PublicAzure;
  beforeAll(async () => {
    az = await startPublicAzure({ signInAs: ACCOUNTS.secondary });
  });
  afterAll(async () => {
    await az?.stop();
  });

  it('signs in the secondary ID, then lists it and gets its token (MSAL files it under login.windows.net)', async () => {
    const login = await az.pgentra(['login', '--account', ACCOUNTS.secondary, '--json']);
    expect(login.stderr + readBrowserLog(az)).not.toMatch(/failed/i);
    expect(login.code).toBe(0);
    expect(az.sim.entra.control.requestCount('token:authorization_code')).toBe(1);

    const accounts = await az.pgentra(['accounts', '--json']);
    expect(accounts.code).toBe(0);
    const list = JSON.parse(accounts.stdout) as Array<{ username: string; environment: string }>;
    expect(list.map((a) => a.username)).toEqual([ACCOUNTS.secondary]);
    expect(list[0]?.environment).toBe('login.windows.net');

    az.sim.entra.control.resetCounters();
    const token = await az.pgentra(['token', '--account', ACCOUNTS.secondary]);
    expect(token.stderr).toBe('');
    expect(token.code).toBe(0);
    const claims = claimsOf(token.stdout.trim());
    expect(claims.aud).toBe(RESOURCE);
    expect(claims.upn).toBe(ACCOUNTS.secondary);
    expect(claims.iss).toBe(`https://sts.windows.net/${az.sim.state.tenantId}/`);
    // Answered from the keychain, as pgAdmin's password command is on every connection.
    expect(az.sim.entra.control.requestCount()).toBe(0);
  });

  it('a profile for myserver.postgres.database.azure.com as db-admins: query, psql and a refreshed token', async () => {
    const add = await az.pgentra(['profiles', 'add', 'prod', '--host', PUBLIC_SERVER, '--user', ACCOUNTS.adminGroup, '--account', ACCOUNTS.secondary]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const query = await az.pgentra(['query', 'prod', '-c', 'select current_user', '--json']);
    expect(query.stderr).toBe('');
    expect(query.stdout).toContain(ACCOUNTS.adminGroup);

    const psql = await az.pgentra(['psql', 'prod', '--', '-X', '-A', '-t', '-c', 'select current_user']);
    expect(psql.stderr).toBe('');
    expect(psql.stdout.trim()).toBe(ACCOUNTS.adminGroup);

    // Tokens that expire within the broker's margin: the next command refreshes silently.
    az.sim.entra.control.setTokenLifetime(20);
    const before = await az.pgentra(['token', 'prod', '--fresh']);
    az.sim.entra.control.resetCounters();
    const after = await az.pgentra(['token', 'prod']);
    expect(after.code).toBe(0);
    expect(after.stdout.trim()).not.toBe(before.stdout.trim());
    expect(az.sim.entra.control.requestCount('token:refresh_token')).toBe(1);
    const again = await az.pgentra(['query', 'prod', '-c', 'select current_user']);
    expect(again.stdout).toContain(ACCOUNTS.adminGroup);
    az.sim.entra.control.setTokenLifetime(3600);
  });

  it('the pgAdmin export: its PasswordExecCommand, run as pgAdmin runs it, logs psql in with its sslrootcert', async () => {
    const out = path.join(az.dir, 'servers.json');
    const exp = await az.pgentra(['export', 'pgadmin', '--out', out]);
    expect(exp.code, exp.stderr).toBe(0);
    const servers = JSON.parse(readFileSync(out, 'utf8')) as {
      Servers: Record<string, { Host: string; Port: number; Username: string; PasswordExecCommand: string; ConnectionParameters: Record<string, string> }>;
    };
    const server = Object.values(servers.Servers)[0];
    if (!server) throw new Error('no server exported');
    expect(server.Host).toBe(PUBLIC_SERVER);
    expect(server.Port).toBe(5432);
    expect(server.PasswordExecCommand).not.toContain('--cloud');
    // pgAdmin: subprocess.run(cmd, shell=True, …), the password is the stripped stdout.
    const py = await run(
      'python3',
      [
        '-c',
        'import subprocess,sys; r=subprocess.run(sys.argv[1], shell=True, capture_output=True, text=True, timeout=60); print(r.stdout.strip()); sys.stderr.write(r.stderr); sys.exit(r.returncode)',
        server.PasswordExecCommand,
      ],
      {
        env: az.env(),
      },
    );
    expect(py.stderr).toBe('');
    expect(py.code).toBe(0);
    const token = py.stdout.trim();
    expect(claimsOf(token).aud).toBe(RESOURCE);
    const psql = await run('psql', ['-X', '-A', '-t', '-c', 'select current_user'], {
      env: {
        PATH: process.env.PATH,
        PGHOST: server.Host,
        PGPORT: String(server.Port),
        PGDATABASE: 'postgres',
        PGUSER: server.Username,
        PGPASSWORD: token,
        PGSSLMODE: server.ConnectionParameters.sslmode,
        PGSSLROOTCERT: server.ConnectionParameters.sslrootcert,
      },
    });
    expect(server.ConnectionParameters.sslmode).toBe('verify-full');
    expect(psql.stderr).toBe('');
    expect(psql.stdout.trim()).toBe(ACCOUNTS.adminGroup);
  });

  it('the local auth proxy: psql and pgbench connect to 127.0.0.1 with no password', async () => {
    const proxy = await startLocalProxy(az, 'prod', { port: 16432, user: ACCOUNTS.adminGroup });
    try {
      const env = proxy.env;
      const psql = await run('psql', ['-X', '-A', '-t', '-c', 'select current_user'], { env });
      expect(psql.stderr).toBe('');
      expect(psql.stdout.trim()).toBe(ACCOUNTS.adminGroup);
      // As on Azure, an Entra admin group may create objects in postgres: pgbench -i works.
      const init = await run('pgbench', ['-i', '-s', '1', '-q'], { env });
      expect(init.code, init.stderr).toBe(0);
      const bench = await run('pgbench', ['-S', '-c', '2', '-t', '20', '-n'], { env });
      expect(bench.code, bench.stderr).toBe(0);
      expect(bench.stdout).toMatch(/number of failed transactions: 0/);
    } finally {
      await proxy.stop();
    }
  });

  it('another server of the tenant, under the same wildcard certificate', async () => {
    const other = PUBLIC_SERVERS[1];
    const add = await az.pgentra(['profiles', 'add', 'other', '--host', other, '--user', ACCOUNTS.adminGroup, '--account', ACCOUNTS.secondary]);
    expect(add.code).toBe(0);
    const q = await az.pgentra(['query', 'other', '-c', 'select current_user']);
    expect(q.stdout).toContain(ACCOUNTS.adminGroup);
  });

  it('managed identity through IMDS at 169.254.169.254, after an admin created its principal', async () => {
    const create = await az.pgentra(['query', 'prod', '-c', `select * from pgaadauth_create_principal('${ACCOUNTS.systemIdentity}', false, false)`]);
    expect(create.stderr).toBe('');
    const token = await az.pgentra(['token', '--managed-identity', '--json']);
    expect(token.stderr).toBe('');
    expect(token.code).toBe(0);
    const add = await az.pgentra(['profiles', 'add', 'vm', '--host', PUBLIC_SERVER, '--user', ACCOUNTS.systemIdentity, '--auth', 'managed-identity']);
    expect(add.code).toBe(0);
    const q = await az.pgentra(['query', 'vm', '-c', 'select current_user']);
    expect(q.stderr).toBe('');
    expect(q.stdout).toContain(ACCOUNTS.systemIdentity);
    expect(az.sim.entra.control.requestCount('imds')).toBeGreaterThan(0);
  });

  for (const cloud of ['usgov', 'china'] as const) {
    it(`a ${cloud} sign-in is listed by pgentra accounts --cloud ${cloud} (MSAL's ${cloud} cache alias)`, async () => {
      const login = await az.pgentra(['login', '--cloud', cloud, '--account', ACCOUNTS.secondary]);
      expect(login.stderr + readBrowserLog(az)).not.toMatch(/sign-in failed/);
      expect(login.code).toBe(0);
      const accounts = await az.pgentra(['accounts', '--cloud', cloud, '--json']);
      const list = JSON.parse(accounts.stdout) as Array<{ username: string; environment: string }>;
      expect(list.map((a) => a.username)).toEqual([ACCOUNTS.secondary]);
      expect(list[0]?.environment).toBe(cloud === 'usgov' ? 'login.microsoftonline.us' : 'login.partner.microsoftonline.cn');
      const token = await az.pgentra(['token', '--cloud', cloud, '--account', ACCOUNTS.secondary]);
      expect(token.code).toBe(0);
      expect(claimsOf(token.stdout.trim()).aud).toBe(cloud === 'usgov' ? 'https://ossrdbms-aad.database.usgovcloudapi.net' : 'https://ossrdbms-aad.database.chinacloudapi.cn');
    });
  }
});

function readBrowserLog(az: PublicAzure): string {
  try {
    return readFileSync(path.join(az.dir, 'browser.log'), 'utf8');
  } catch {
    return '';
  }
}
