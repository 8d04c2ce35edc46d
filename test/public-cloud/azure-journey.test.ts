// Browse Azure as a user runs it, with the product's production configuration: the built-in
// public cloud (login.microsoftonline.com, management.azure.com, NAME.postgres.database.azure.com
// :5432), the OS trust store plus NODE_EXTRA_CA_CERTS, and no cloud file anywhere. A fresh sign-in
// lists the servers (every page), makes a profile from a server with no typed host, and fixes a
// firewall refusal with `pgentra firewall allow-my-ip`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerListingSchema } from '../../shared/azure.js';
import { ACCOUNTS } from '../sim/types.js';
import { namespaceOrSkip, startPublicAzure, type PublicAzure, type Run } from './fixture.js';

const skip = namespaceOrSkip();
const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const JWT = /eyJ[\w-]{10,}\.[\w-]{10,}\./;

describe.skipIf(skip !== undefined || !keyring)('public cloud: Browse Azure from the CLI', () => {
  let az: PublicAzure;
  const pgentra = async (args: string[]): Promise<Run> => {
    const r = await az.pgentra(args);
    expect(r.stdout + r.stderr).not.toMatch(JWT);
    return r;
  };
  beforeAll(async () => {
    az = await startPublicAzure({ signInAs: ACCOUNTS.secondary });
  });
  afterAll(async () => {
    await az?.stop();
  });

  it('a fresh sign-in lists the servers of every subscription, across pages, with the 403 one as a note', async () => {
    const login = await pgentra(['login', '--account', ACCOUNTS.secondary]);
    expect(login.code, login.stderr).toBe(0);
    az.sim.arm.control.resetCounters();
    const list = await pgentra(['servers', 'list']);
    expect(list.code, list.stderr).toBe(0);
    for (const name of ['myserver', 'otherserver', 'lockedserver', 'entraoffserver', 'stoppedserver', 'devserver']) expect(list.stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
    expect(list.stdout).toMatch(/^myserver\s+rg-data\s+Contoso Production\s.*\smyserver\.postgres\.database\.azure\.com$/m);
    expect(list.stderr).toMatch(/^note: .*Fabrikam Shared.*403 AuthorizationFailed/m);
    expect(az.sim.arm.control.requestCount('servers')).toBeGreaterThanOrEqual(4); // Production is two pages
    const json = await pgentra(['servers', 'list', '--json']);
    expect(ServerListingSchema.parse(JSON.parse(json.stdout)).servers).toHaveLength(6);
  });

  it('profiles add --from-azure myserver, then a query as db-admins with no typed host', async () => {
    const add = await pgentra(['profiles', 'add', 'prod', '--from-azure', 'myserver']);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain('Username: db-admins');
    expect(add.stdout).toContain(`Account: ${ACCOUNTS.secondary}`);
    const q = await pgentra(['query', 'prod', '-c', 'select current_user', '--csv']);
    expect(q.stderr).toBe('');
    expect(q.stdout.trim().split('\n')).toEqual(['current_user', ACCOUNTS.adminGroup]);
  });

  it('a firewall refusal names allow-my-ip; allow-my-ip --yes finds the address, adds the rule and the query works', async () => {
    const add = await pgentra(['profiles', 'add', 'locked', '--from-azure', 'lockedserver']);
    expect(add.code, add.stderr).toBe(0);
    const refused = await pgentra(['query', 'locked', '-c', 'select current_user']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/firewall of lockedserver\.postgres\.database\.azure\.com:5432 does not allow connections from (\S+):/);
    expect(refused.stderr).toContain('pgentra firewall allow-my-ip locked');
    const ip = /does not allow connections from ([\d.]+):/.exec(refused.stderr)?.[1] ?? '';
    const rule = `pgentra-${ip.replace(/\./g, '-')}`;

    const fix = await pgentra(['firewall', 'allow-my-ip', 'locked', '--yes']);
    expect(fix.code, fix.stderr).toBe(0);
    expect(fix.stdout).toContain('Server:    lockedserver (resource group rg-data');
    expect(fix.stdout).toContain(`Rule:      ${rule}`);
    expect(fix.stdout).toContain(`IP range:  ${ip} – ${ip}`);
    expect(fix.stdout).toContain(`Added firewall rule ${rule}`);
    expect(fix.stdout).toContain('the firewall lets you in now');
    expect(az.sim.arm.control.firewallRules('lockedserver').map((r) => r.name)).toContain(rule);

    const q = await pgentra(['query', 'locked', '-c', 'select current_user', '--csv']);
    expect(q.stderr).toBe('');
    expect(q.stdout.trim().split('\n')).toEqual(['current_user', ACCOUNTS.adminGroup]);
    // Once allowed, it changes nothing.
    const again = await pgentra(['firewall', 'allow-my-ip', 'locked']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already lets you in');
  });
});
