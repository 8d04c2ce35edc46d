// One test per pre-flight finding (every FINDING_IDS entry): when it appears, when it does not,
// and that its action is something a person can do (a command, a portal path, SQL to run).
import { describe, expect, it } from 'vitest';
import { FINDING_IDS, PreflightFindingSchema, type AzureServer, type EntraAdmin, type FindingId } from '../../../shared/azure.js';
import { PgEntraError } from '../../../shared/errors.js';
import { azureUnavailable, entraDisabled, firewallBlocked, notEntraAdmin, privateNetwork, serverFindings, serverNotFound, serverStopped } from '../../../electron/azure/serverChecks.js';

const SUB = '66baffc8-23ba-4e81-b4f0-d92a26c9d95d';
function server(over: Partial<AzureServer> = {}): AzureServer {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/myserver`,
    name: 'myserver',
    subscriptionId: SUB,
    resourceGroup: 'rg-data',
    location: 'westeurope',
    fqdn: 'myserver.postgres.database.azure.com',
    version: '16',
    state: 'Ready',
    sku: 'Standard_D2ds_v5',
    entraAuth: 'enabled',
    passwordAuth: 'enabled',
    entraTenantId: null,
    publicNetworkAccess: 'enabled',
    privateNetwork: false,
    replicationRole: 'Primary',
    administratorLogin: 'azure_admin',
    ...over,
  };
}
const admins: EntraAdmin[] = [
  { principalType: 'Group', principalName: 'db-admins', objectId: 'g1', tenantId: null },
  { principalType: 'User', principalName: 'adm-alice@contoso.example', objectId: 'u1', tenantId: null },
];

const covered = new Set<FindingId>();
function valid<T extends { id: FindingId } | undefined>(f: T): NonNullable<T> {
  expect(f).toBeDefined();
  expect(PreflightFindingSchema.safeParse(f).success).toBe(true);
  const found = f as NonNullable<T>;
  covered.add(found.id);
  return found;
}

describe('pre-flight findings', () => {
  it('server_not_found: names what was looked for, how many subscriptions, and how to list servers', () => {
    const f = valid(serverNotFound('nosuch.postgres.database.azure.com', 2, 'adm-alice@contoso.example'));
    expect(f.message).toContain('nosuch.postgres.database.azure.com');
    expect(f.message).toContain('2 subscriptions adm-alice@contoso.example can read');
    expect(f.action).toContain('pgentra servers list');
  });

  it('server_stopped: Stopped is an error with the start command; Starting is a warning; Ready is nothing', () => {
    const f = valid(serverStopped(server({ state: 'Stopped' })));
    expect(f.severity).toBe('error');
    expect(f.action).toContain(`az postgres flexible-server start --resource-group rg-data --name myserver --subscription ${SUB}`);
    expect(f.action).toContain('portal');
    expect(serverStopped(server({ state: 'Starting' }))?.severity).toBe('warning');
    expect(serverStopped(server())).toBeUndefined();
    expect(serverStopped(server({ state: null }))).toBeUndefined();
  });

  it('entra_disabled: only when ARM says Disabled, with how to enable it', () => {
    const f = valid(entraDisabled(server({ entraAuth: 'disabled' })));
    expect(f.severity).toBe('error');
    expect(f.action).toMatch(/Authentication.*PostgreSQL and Microsoft Entra authentication/);
    expect(entraDisabled(server({ entraAuth: 'unknown' }))).toBeUndefined();
  });

  it('not_entra_admin: lists the admins and the exact pgaadauth_create_principal call (quoted); exact-case names pass', () => {
    const f = valid(notEntraAdmin(server(), admins, "o'brien@contoso.example"));
    expect(f.message).toContain('db-admins (Group), adm-alice@contoso.example (User)');
    expect(f.action).toContain("select * from pgaadauth_create_principal('o''brien@contoso.example', false, false);");
    expect(notEntraAdmin(server(), admins, 'db-admins')).toBeUndefined();
    expect(notEntraAdmin(server(), admins, 'DB-Admins')?.id).toBe('not_entra_admin'); // role names are case-sensitive
    expect(notEntraAdmin(server(), null, 'x')).toBeUndefined(); // admins unknown: no claim either way
    expect(notEntraAdmin(server(), [], 'x')?.action).toMatch(/Add Microsoft Entra admins/);
  });

  it('private_network: VNet integration and disabled public access, each with DNS/VPN advice', () => {
    const vnet = valid(privateNetwork(server({ privateNetwork: true, publicNetworkAccess: 'disabled' })));
    expect(vnet.message).toContain('VNet-integrated');
    expect(vnet.action).toMatch(/VPN/);
    expect(vnet.action).toMatch(/DNS/);
    const pe = valid(privateNetwork(server({ publicNetworkAccess: 'disabled' })));
    expect(pe.message).toContain('private endpoint');
    expect(pe.action).toContain('privatelink.postgres.database.azure.com');
    expect(privateNetwork(server())).toBeUndefined();
  });

  it('firewall_blocked: the IP from the refusal, the rule name and the allow-my-ip command with the profile; no fix for IPv6', () => {
    const refusal = new PgEntraError('firewall_blocked', 'The firewall …', { details: { ip: '203.0.113.7' } });
    const f = valid(firewallBlocked(refusal, { server: server(), profileName: 'prod' }));
    expect(f.fix).toEqual({ kind: 'allow-my-ip', ip: '203.0.113.7', ruleName: 'pgentra-203-0-113-7' });
    expect(f.action).toContain('pgentra firewall allow-my-ip prod');
    expect(f.action).toContain('pgentra-203-0-113-7');
    const text = valid(firewallBlocked(new Error('no pg_hba.conf entry for host "198.51.100.4", user "db-admins", database "postgres", SSL encryption'), { host: 'h' }));
    expect(text.fix?.ip).toBe('198.51.100.4');
    const v6 = valid(firewallBlocked('no pg_hba.conf entry for host "2001:db8::7"', { host: 'h' }));
    expect(v6.fix).toBeUndefined();
    expect(v6.action).toMatch(/IPv4/);
    expect(firewallBlocked(new Error('password authentication failed for user "x"'), { host: 'h' })).toBeUndefined();
    expect(firewallBlocked(undefined, { host: 'h' })).toBeUndefined();
  });

  it('azure_unavailable: the reason, as information, with what to do', () => {
    const f = valid(azureUnavailable('adm-alice may not list …', 'Ask an owner …'));
    expect(f.severity).toBe('info');
    expect(f.message).toContain('adm-alice may not list');
    expect(f.action).toBe('Ask an owner …');
  });

  it('serverFindings: stopped, Entra off and private network together, in that order', () => {
    const ids = serverFindings(server({ state: 'Stopped', entraAuth: 'disabled', privateNetwork: true })).map((f) => f.id);
    expect(ids).toEqual(['server_stopped', 'entra_disabled', 'private_network']);
    expect(serverFindings(server())).toEqual([]);
  });

  it('every finding id has a test above', () => {
    expect([...covered].sort()).toEqual([...FINDING_IDS].sort());
  });
});
