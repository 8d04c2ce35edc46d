// The CLI journey on a managed workstation: Entra ID and Resource Manager reachable only through
// the corporate proxy http://proxy.contoso.example:3128 (direct connections to them are refused),
// pgentra given nothing but HTTPS_PROXY — then with proxy authentication, and with TLS inspection
// whose root (and the simulator's CA) sit in the OS trust store only, no NODE_EXTRA_CA_CERTS.
// IMDS and PostgreSQL stay direct: the proxy's log must show CONNECTs to Entra/ARM hosts only.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRA_HOSTS, PROXY_URL } from '../sim/publicCloud.js';
import { TLS_INSPECTION_ROOT_NAME } from '../sim/proxy/tlsInspection.js';
import { ACCOUNTS } from '../sim/types.js';
import { claimsOf, namespaceOrSkip, startPublicAzure, type PublicAzure, type Run } from './fixture.js';

const skip = namespaceOrSkip();
const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const JWT = /eyJ[\w-]{10,}\.[\w-]{10,}\./;
const PROXY_USER = 'CONTOSO\\adm-alice';
const PROXY_PASSWORD = 'c0rp@proxy:pa%ss';
const ENTRA_OR_ARM = new Set<string>(ENTRA_HOSTS);

function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.href.replace(/\/$/, '');
}

function readBrowserLog(az: PublicAzure): string {
  try {
    return readFileSync(path.join(az.dir, 'browser.log'), 'utf8');
  } catch {
    return '';
  }
}

/** The journey every mode must pass: sign-in, accounts, token, servers list, a profile from Azure, a query and psql as db-admins. */
async function journey(az: PublicAzure, env: NodeJS.ProcessEnv): Promise<void> {
  const pgentra = async (args: string[]): Promise<Run> => {
    const r = await az.pgentra(args, { env });
    if (args[0] !== 'token') expect(r.stdout + r.stderr).not.toMatch(JWT);
    return r;
  };
  const login = await pgentra(['login', '--account', ACCOUNTS.secondary]);
  expect(login.stderr + readBrowserLog(az)).not.toMatch(/failed/i);
  expect(login.code).toBe(0);
  const accounts = await pgentra(['accounts', '--json']);
  expect((JSON.parse(accounts.stdout) as Array<{ username: string }>).map((a) => a.username)).toEqual([ACCOUNTS.secondary]);
  const token = await pgentra(['token', '--account', ACCOUNTS.secondary, '--fresh']);
  expect(token.stderr).toBe('');
  expect(claimsOf(token.stdout.trim()).upn).toBe(ACCOUNTS.secondary);
  const list = await pgentra(['servers', 'list']);
  expect(list.code, list.stderr).toBe(0);
  expect(list.stdout).toMatch(/^myserver\s+rg-data\s+Contoso Production\s.*\smyserver\.postgres\.database\.azure\.com$/m);
  const add = await pgentra(['profiles', 'add', 'prod', '--from-azure', 'myserver']);
  expect(add.code, add.stderr).toBe(0);
  expect(add.stdout).toContain(`Username: ${ACCOUNTS.adminGroup}`);
  const query = await pgentra(['query', 'prod', '-c', 'select current_user', '--csv']);
  expect(query.stderr).toBe('');
  expect(query.stdout.trim().split('\n')).toEqual(['current_user', ACCOUNTS.adminGroup]);
  const psql = await pgentra(['psql', 'prod', '--', '-X', '-A', '-t', '-c', 'select current_user']);
  expect(psql.stderr).toBe('');
  expect(psql.stdout.trim()).toBe(ACCOUNTS.adminGroup);
}

/** Every request the proxy saw was a CONNECT to Entra or Resource Manager: never IMDS, never PostgreSQL, no plain HTTP. */
function expectOnlyEntraAndArm(az: PublicAzure): void {
  const proxy = az.sim.proxy;
  if (!proxy) throw new Error('no proxy');
  const connects = proxy.control.connects();
  expect(connects.length).toBeGreaterThan(0);
  expect(connects.filter((c) => !ENTRA_OR_ARM.has(c.host) || c.port !== 443)).toEqual([]);
  expect(connects.map((c) => c.host)).toContain('management.azure.com');
  expect(proxy.control.requestCount()).toBe(connects.length);
}

describe.skipIf(skip !== undefined || !keyring)('public cloud behind a corporate proxy: the CLI with only HTTPS_PROXY', () => {
  let az: PublicAzure;
  beforeAll(async () => {
    az = await startPublicAzure({ corporateProxy: true, signInAs: ACCOUNTS.secondary });
  });
  afterAll(async () => {
    await az?.stop();
  });

  it('through the proxy: login, accounts, token, servers list, profiles add --from-azure, query and psql; without it nothing reaches Azure', async () => {
    const env = az.env();
    expect(env.HTTPS_PROXY).toBe(PROXY_URL);
    az.sim.proxy?.control.reset();
    await journey(az, env);
    expectOnlyEntraAndArm(az);
    // Without the proxy (what pgEntra did before it read HTTPS_PROXY) nothing reaches Azure here.
    const direct = await az.pgentra(['servers', 'list'], { env: az.env({ HTTPS_PROXY: '' }) });
    expect(direct.code).toBe(75);
    expect(direct.stderr).toContain('Azure Resource Manager is unreachable (ECONNREFUSED)');
  });

  it('IMDS stays direct even with HTTP_PROXY set: a managed identity token and a query as vm-app-01', async () => {
    const env = az.env({ HTTP_PROXY: PROXY_URL });
    const create = await az.pgentra(['query', 'prod', '-c', `select * from pgaadauth_create_principal('${ACCOUNTS.systemIdentity}', false, false)`], { env });
    expect(create.stderr).toBe('');
    az.sim.proxy?.control.reset();
    const token = await az.pgentra(['token', '--managed-identity', '--json'], { env });
    expect(token.stderr).toBe('');
    expect(token.code).toBe(0);
    const add = await az.pgentra(['profiles', 'add', 'vm', '--host', 'myserver.postgres.database.azure.com', '--user', ACCOUNTS.systemIdentity, '--auth', 'managed-identity'], { env });
    expect(add.code, add.stderr).toBe(0);
    const q = await az.pgentra(['query', 'vm', '-c', 'select current_user'], { env });
    expect(q.stderr).toBe('');
    expect(q.stdout).toContain(ACCOUNTS.systemIdentity);
    expect(az.sim.entra.control.requestCount('imds')).toBeGreaterThan(0);
    expect(az.sim.proxy?.control.requestCount()).toBe(0);
  });

  it('a proxy that cannot be reached is an outage: a still-valid cached token is served; Resource Manager fails with exit 75 naming the proxy', async () => {
    const down = az.env({ HTTPS_PROXY: 'http://127.0.0.1:9' });
    const cached = await az.pgentra(['token', '--account', ACCOUNTS.secondary], { env: az.env() });
    // --min-validity beyond any token's life: the broker must ask Entra, cannot, and serves the still-valid token.
    const stale = await az.pgentra(['token', '--account', ACCOUNTS.secondary, '--min-validity', '86400'], { env: down });
    expect(stale.code, stale.stderr).toBe(0);
    expect(stale.stdout.trim()).toBe(cached.stdout.trim());
    const list = await az.pgentra(['servers', 'list'], { env: down });
    expect(list.code).toBe(75);
    // The ARM token is still cached: the failure is the call to Resource Manager itself.
    expect(list.stderr).toContain('Cannot reach the proxy http://127.0.0.1:9 (ECONNREFUSED) to connect to management.azure.com.');
  });

  it('proxy authentication: 407 without credentials names the proxy (exit 78); the percent-encoded USER:PASS in HTTPS_PROXY works; a wrong password is never echoed', async () => {
    az.sim.proxy?.control.setAuth({ user: PROXY_USER, password: PROXY_PASSWORD });
    try {
      const bare = await az.pgentra(['servers', 'list']);
      expect(bare.code).toBe(78);
      expect(bare.stderr).toContain(`The proxy ${PROXY_URL} requires a user name and password (407 Proxy Authentication Required) to reach`);
      expect(bare.stderr).toContain(`HTTPS_PROXY=http://USER:PASSWORD@proxy.contoso.example:3128`);
      const fresh = await az.pgentra(['token', '--account', ACCOUNTS.secondary, '--fresh']);
      expect(fresh.code).toBe(78);
      expect(fresh.stderr).toContain(`The proxy ${PROXY_URL} requires a user name and password`);

      const wrong = await az.pgentra(['servers', 'list'], { env: az.env({ HTTPS_PROXY: withCredentials(PROXY_URL, PROXY_USER, 'hunter2-wrong') }) });
      expect(wrong.code).toBe(78);
      expect(wrong.stderr).toContain(`The proxy ${PROXY_URL} refused the user name and password given in HTTPS_PROXY`);
      expect(wrong.stdout + wrong.stderr).not.toMatch(/hunter2|adm-alice:/);

      const env = az.env({ HTTPS_PROXY: withCredentials(PROXY_URL, PROXY_USER, PROXY_PASSWORD) });
      az.sim.proxy?.control.reset();
      const list = await az.pgentra(['servers', 'list'], { env });
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toMatch(/^myserver\s/m);
      const token = await az.pgentra(['token', '--account', ACCOUNTS.secondary, '--fresh'], { env });
      expect(token.code, token.stderr).toBe(0);
      expect(az.sim.proxy?.control.connects().every((c) => c.authenticated && c.status === 200)).toBe(true);
      expectOnlyEntraAndArm(az);
      const logs = readFileSync(path.join(az.home, 'logs', 'cli.log'), 'utf8');
      expect(logs).not.toContain(PROXY_PASSWORD);
      expect(logs).not.toContain(encodeURIComponent(PROXY_PASSWORD));
    } finally {
      az.sim.proxy?.control.setAuth(undefined);
    }
  });
});

describe.skipIf(skip !== undefined || !keyring)('public cloud behind a TLS-inspecting proxy: trust from the OS store only', () => {
  let az: PublicAzure;
  beforeAll(async () => {
    az = await startPublicAzure({ tlsInspection: true, signInAs: ACCOUNTS.secondary });
  });
  afterAll(async () => {
    await az?.stop();
  });

  it('the same journey works with no NODE_EXTRA_CA_CERTS (psql included); the CA bundle for libpq (pgentra env) holds the OS roots', async () => {
    const env = az.env();
    expect(env.NODE_EXTRA_CA_CERTS).toBeUndefined();
    az.sim.proxy?.control.reset();
    await journey(az, env);
    expect(az.sim.proxy?.control.connects().some((c) => c.inspected)).toBe(true);
    expectOnlyEntraAndArm(az);
    // pgentra psql no longer hands libpq a root file (its endpoint does the TLS); pgentra env still does.
    const vars = await az.pgentra(['env', 'prod'], { env });
    expect(vars.code, vars.stderr).toBe(0);
    const bundle = readFileSync(path.join(az.home, 'certs', 'system-roots.pem'), 'utf8');
    expect(bundle).toContain(az.sim.inspectionCaPem?.trim().split('\n')[1] ?? 'inspection root missing');
  });

  it('with trust-os-certificates off the error names the issuer and the setting (exit 78); on again, it works', async () => {
    const off = await az.pgentra(['settings', 'set', 'trust-os-certificates', 'off']);
    expect(off.code, off.stderr).toBe(0);
    try {
      const token = await az.pgentra(['token', '--account', ACCOUNTS.secondary, '--fresh']);
      expect(token.code).toBe(78);
      expect(token.stderr).toContain(`The TLS certificate of login.microsoftonline.com was issued by "${TLS_INSPECTION_ROOT_NAME}", which pgEntra does not trust; nothing was sent.`);
      expect(token.stderr).toContain('pgentra settings set trust-os-certificates on');
      const list = await az.pgentra(['servers', 'list']);
      expect(list.code).toBe(78);
      expect(list.stderr).toContain(`was issued by "${TLS_INSPECTION_ROOT_NAME}"`);
    } finally {
      const on = await az.pgentra(['settings', 'set', 'trust-os-certificates', 'on']);
      expect(on.code, on.stderr).toBe(0);
      expect(on.stdout).toMatch(/OS certificate store on: \d+ roots from (SSL_CERT_FILE \()?\/etc\/ssl\/certs\/ca-certificates\.crt/);
    }
    const again = await az.pgentra(['token', '--account', ACCOUNTS.secondary, '--fresh']);
    expect(again.code, again.stderr).toBe(0);
  });
});
