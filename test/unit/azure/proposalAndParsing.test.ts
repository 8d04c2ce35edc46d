// Pure pieces of the Azure features: the username proposal (admins × the token's oid and
// groups), firewall address parsing/validation, the SDK model mapping with odd inputs, and the
// custom cloud file's managementEndpoint.
import { describe, expect, it } from 'vitest';
import { parseRefusedIp, validateFirewallIp, validateRuleName } from '../../../electron/azure/firewall.js';
import { toAzureServer, toEntraAdmin } from '../../../electron/azure/serverMapping.js';
import { claimsFromToken, proposeUsernames } from '../../../electron/azure/usernameProposal.js';
import { findServers, mapLimit } from '../../../electron/azure/discovery.js';
import { parseAuthorizationFailed } from '../../../electron/azure/armErrors.js';
import { AzureServerSchema, firewallRuleNameFor, type EntraAdmin } from '../../../shared/azure.js';
import { BUILTIN_CLOUDS, CustomCloudFileSchema, cloudFromFile, managementScopeFor } from '../../../shared/clouds.js';
import { PgEntraError } from '../../../shared/errors.js';
import { validateProfileInput } from '../../../shared/profile.js';
import { SUB, jwt, serverModel } from './fakeArm.js';

const GROUP = 'a0b1c2d3-0000-4000-8000-000000000001';
const OTHER_GROUP = 'a0b1c2d3-0000-4000-8000-000000000002';
const ME = 'b0b1c2d3-0000-4000-8000-000000000003';
const admins: EntraAdmin[] = [
  { principalType: 'Group', principalName: 'db-admins', objectId: GROUP, tenantId: null },
  { principalType: 'Group', principalName: 'db-owners', objectId: OTHER_GROUP, tenantId: null },
];

describe('username proposal', () => {
  it('an admin group in the token’s groups claim comes first, then the account, then unverified groups', () => {
    const claims = claimsFromToken(jwt({ idtyp: 'user', upn: 'adm-alice@contoso.example', oid: ME, groups: [GROUP] }));
    expect(claims).toEqual({ oid: ME, groups: [GROUP], roleName: 'adm-alice@contoso.example' });
    const c = proposeUsernames(admins, claims);
    expect(c.map((x) => [x.username, x.reason])).toEqual([
      ['db-admins', 'admin-group'],
      ['adm-alice@contoso.example', 'account'],
      ['db-owners', 'admin-group-unverified'],
    ]);
  });

  it('the account as a User admin (by oid, not by name) comes first and is not repeated', () => {
    const withMe: EntraAdmin[] = [...admins, { principalType: 'User', principalName: 'adm-alice@contoso.example', objectId: ME.toUpperCase(), tenantId: null }];
    const c = proposeUsernames(withMe, { oid: ME, groups: [GROUP], roleName: 'adm-alice@contoso.example' });
    expect(c.map((x) => x.reason)).toEqual(['admin-user', 'admin-group', 'admin-group-unverified']);
    expect(c[0]?.username).toBe('adm-alice@contoso.example');
  });

  it('no admin matches: the account; groups overage: every admin group unverified, saying why', () => {
    expect(proposeUsernames(admins, { oid: ME, groups: [], roleName: 'carol@contoso.example' })[0]).toMatchObject({ username: 'carol@contoso.example', reason: 'account' });
    const overage = claimsFromToken(jwt({ idtyp: 'user', upn: 'x@contoso.example', oid: ME, _claim_names: { groups: 'src1' } }));
    expect(overage.groups).toBeUndefined();
    const c = proposeUsernames(admins, overage);
    expect(c.filter((x) => x.reason === 'admin-group-unverified').map((x) => x.username)).toEqual(['db-admins', 'db-owners']);
    expect(c.find((x) => x.username === 'db-admins')?.label).toMatch(/too many groups/);
  });

  it('no groups claim at all is "unknown", never "member of no group": admin groups stay choices, saying why', () => {
    const claims = claimsFromToken(jwt({ idtyp: 'user', upn: 'adm-alice@contoso.example', oid: ME }));
    expect(claims.groups).toBeUndefined();
    expect(claims.groupsUnknown).toBe('absent');
    const c = proposeUsernames(admins, claims);
    expect(c.map((x) => x.reason)).toEqual(['account', 'admin-group-unverified', 'admin-group-unverified']);
    expect(c.find((x) => x.username === 'db-admins')?.label).toMatch(/does not list groups/);
    expect(c.find((x) => x.username === 'db-admins')?.label).not.toMatch(/not show you as a member/);
    // An empty list is a statement: not a member.
    const none = proposeUsernames(admins, claimsFromToken(jwt({ idtyp: 'user', upn: 'carol@contoso.example', oid: ME, groups: [] })));
    expect(none.find((x) => x.username === 'db-admins')?.label).toMatch(/does not show you as a member/);
  });

  it('admins unknown (403): the account alone, saying so; a guest is proposed by its #EXT# name', () => {
    expect(proposeUsernames(null, { roleName: 'a@b.example' })).toEqual([{ username: 'a@b.example', reason: 'account', label: expect.stringContaining('admins are unknown') }]);
    const guest = claimsFromToken(jwt({ idtyp: 'user', upn: 'bob_fabrikam.example#EXT#@contoso.example', oid: ME }));
    expect(guest.roleName).toBe('bob_fabrikam.example#EXT#@contoso.example');
  });
});

describe('firewall addresses', () => {
  it.each([
    [new PgEntraError('firewall_blocked', 'x', { details: { ip: '203.0.113.7' } }), '203.0.113.7'],
    [{ code: 'firewall_blocked', message: 'x', details: { ip: '198.51.100.1' } }, '198.51.100.1'],
    [new Error('no pg_hba.conf entry for host "127.0.0.1", user "db-admins", database "postgres", SSL encryption'), '127.0.0.1'],
    ['FATAL: no pg_hba.conf entry for host "2001:db8::1", user "u"', '2001:db8::1'],
    ['no pg_hba.conf entry for host "evil.example", user "u"', undefined],
    ['no pg_hba.conf entry for host "1.2.3.4; drop", user "u"', undefined],
    [new Error('password authentication failed for user "x"'), undefined],
    [{ code: 'firewall_blocked', details: { ip: 42 } }, undefined],
    [null, undefined],
  ])('parseRefusedIp(%s) = %s', (input, ip) => expect(parseRefusedIp(input)).toBe(ip));

  it('validates IPv4 only, not 0.0.0.0, and rule names', () => {
    expect(validateFirewallIp(' 203.0.113.7 ')).toBe('203.0.113.7');
    expect(() => validateFirewallIp('2001:db8::1')).toThrow(/IPv4 addresses only/);
    expect(() => validateFirewallIp('0.0.0.0')).toThrow(/every Azure service/);
    expect(() => validateFirewallIp('203.0.113.256')).toThrow(/not an IPv4 address/);
    expect(() => validateFirewallIp('010.0.0.1')).toThrow(/not an IPv4 address/);
    expect(firewallRuleNameFor('203.0.113.7')).toBe('pgentra-203-0-113-7');
    expect(validateRuleName('pgentra-203-0-113-7')).toBe('pgentra-203-0-113-7');
    expect(() => validateRuleName('a/b')).toThrow(/not a firewall rule name/);
  });

  it('reads the permission and scope of an AuthorizationFailed text', () => {
    expect(
      parseAuthorizationFailed(
        "The client 'a' with object id 'b' does not have authorization to perform action 'Microsoft.DBforPostgreSQL/flexibleServers/read' over scope '/subscriptions/x' or the scope is invalid.",
      ),
    ).toEqual({
      permission: 'Microsoft.DBforPostgreSQL/flexibleServers/read',
      scope: '/subscriptions/x',
    });
    expect(parseAuthorizationFailed('nope')).toEqual({});
  });
});

describe('server mapping', () => {
  const flat = (m: Record<string, unknown>): Record<string, unknown> => ({ ...m, ...(m.properties as object), properties: undefined });

  it('maps a full model (as the SDK deserializes it) and takes name and place from the resource id', () => {
    const s = toAzureServer(flat(serverModel('myserver', { network: { publicNetworkAccess: 'Disabled', delegatedSubnetResourceId: '/subscriptions/x/…/subnets/s' } })));
    expect(AzureServerSchema.parse(s)).toMatchObject({
      name: 'myserver',
      subscriptionId: SUB,
      resourceGroup: 'rg-data',
      fqdn: 'myserver.postgres.database.azure.com',
      entraAuth: 'enabled',
      publicNetworkAccess: 'disabled',
      privateNetwork: true,
      sku: 'Standard_D2ds_v5',
    });
  });

  it('odd inputs: missing or foreign ids are skipped; wrong types and unknown enums read as unknown/null', () => {
    expect(toAzureServer(undefined)).toBeUndefined();
    expect(toAzureServer('server')).toBeUndefined();
    expect(toAzureServer({ name: 'x' })).toBeUndefined();
    expect(toAzureServer({ id: '/subscriptions/x/resourceGroups/r/providers/Microsoft.Sql/servers/y' })).toBeUndefined();
    const s = toAzureServer({
      id: `/subscriptions/${SUB}/resourceGroups/RG/providers/microsoft.dbforpostgresql/flexibleServers/Odd`,
      name: 'something-else',
      location: 42,
      fullyQualifiedDomainName: '',
      state: { nested: true },
      version: null,
      authConfig: { activeDirectoryAuth: 'Sometimes', passwordAuth: 'DISABLED' },
      network: 'public',
      sku: [],
    });
    expect(s).toMatchObject({
      name: 'Odd',
      resourceGroup: 'RG',
      location: '',
      fqdn: null,
      state: null,
      version: null,
      entraAuth: 'unknown',
      passwordAuth: 'disabled',
      publicNetworkAccess: 'unknown',
      privateNetwork: false,
      sku: null,
    });
    expect(toAzureServer({ id: `/subscriptions/${SUB}/resourceGroups/r/providers/Microsoft.DBforPostgreSQL/flexibleServers/bare` })).toMatchObject({ entraAuth: 'unknown', fqdn: null });
  });

  it('admins need a name and an object id', () => {
    expect(toEntraAdmin({ principalType: 'Group', principalName: 'db-admins', objectId: GROUP, tenantId: 't' })).toEqual({
      principalType: 'Group',
      principalName: 'db-admins',
      objectId: GROUP,
      tenantId: 't',
    });
    expect(toEntraAdmin({ principalName: 'x' })).toBeUndefined();
    expect(toEntraAdmin({ principalName: 'x', objectId: 'o' })?.principalType).toBe('Unknown');
    expect(toEntraAdmin(7)).toBeUndefined();
  });

  it('finds a server by name (any case) or host name', () => {
    const list = [toAzureServer(flat(serverModel('myserver'))), toAzureServer(flat(serverModel('other', { fullyQualifiedDomainName: null })))].filter((s) => s !== undefined);
    expect(findServers(list, 'MyServer').map((s) => s.name)).toEqual(['myserver']);
    expect(findServers(list, 'myserver.postgres.database.azure.com').map((s) => s.name)).toEqual(['myserver']);
    expect(findServers(list, 'myserver.postgres.database.usgovcloudapi.net')).toEqual([]);
    expect(findServers(list, 'other.postgres.database.azure.com').map((s) => s.name)).toEqual(['other']);
  });

  it('mapLimit keeps the order and the limit', async () => {
    let running = 0;
    let peak = 0;
    const r = await mapLimit([5, 1, 3, 2, 4], 2, async (n) => {
      peak = Math.max(peak, ++running);
      await new Promise((res) => setTimeout(res, n));
      running--;
      return n * 10;
    });
    expect(r).toEqual([50, 10, 30, 20, 40]);
    expect(peak).toBe(2);
  });
});

describe('clouds and profiles', () => {
  it('built-in clouds have their management endpoints; custom files may name one (https origin only)', () => {
    expect(managementScopeFor(BUILTIN_CLOUDS.public)).toBe('https://management.azure.com/.default');
    expect(BUILTIN_CLOUDS.usgov.managementEndpoint).toBe('https://management.usgovcloudapi.net');
    expect(BUILTIN_CLOUDS.china.managementEndpoint).toBe('https://management.chinacloudapi.cn');
    const base = { authorityHost: 'https://login.example', resource: 'https://db.example' };
    expect(cloudFromFile(CustomCloudFileSchema.parse(base), 'custom:x').managementEndpoint).toBeUndefined();
    expect(cloudFromFile(CustomCloudFileSchema.parse({ ...base, managementEndpoint: 'https://localhost:8443/' }), 'custom:x').managementEndpoint).toBe('https://localhost:8443');
    expect(CustomCloudFileSchema.safeParse({ ...base, managementEndpoint: 'http://localhost:8443' }).success).toBe(false);
    expect(CustomCloudFileSchema.safeParse({ ...base, managementEndpoint: 'https://arm.example/sub/path' }).success).toBe(false);
  });

  it('a profile may remember its server (resource id only)', () => {
    const p = { name: 'p', host: 'myserver.postgres.database.azure.com', username: 'db-admins' };
    const id = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/myserver`;
    const ok = validateProfileInput({ ...p, azure: { resourceId: id } });
    expect(ok.ok && ok.profile.azure?.resourceId).toBe(id);
    const bad = validateProfileInput({ ...p, azure: { resourceId: '/subscriptions/x' } });
    expect(!bad.ok && bad.errors[0]?.message).toMatch(/^Azure server.*flexible server resource id/);
    const extra = validateProfileInput({ ...p, azure: { resourceId: id, token: 'x' } });
    expect(extra.ok).toBe(false);
  });
});
