// The Resource Manager simulator on the wire: authentication failures, RBAC, paging, the
// flexible-server resources and the long-running firewall-rule PUT, request by request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedAzure, type SimulatedAzure } from '../index.js';
import { ACCOUNTS, POSTGRES_RESOURCE, SimStateSchema, loadDirectory } from '../types.js';
import { SUBSCRIPTIONS } from './index.js';
import { armRequest, type ArmResponse } from './test-support.js';

const dir = loadDirectory();
const oid = (upn: string): string => dir.users.find((u) => u.upn === upn)?.objectId ?? '';
const dbAdmins = dir.groups.find((g) => g.displayName === ACCOUNTS.adminGroup)?.objectId ?? '';
const V = 'api-version=2025-08-01';
const PROD = `/subscriptions/${SUBSCRIPTIONS.production}`;
const FLEX = 'providers/Microsoft.DBforPostgreSQL/flexibleServers';

let sim: SimulatedAzure;
const token = (upn: string = ACCOUNTS.secondary): string => sim.entra.control.mintAccessToken({ upn }, { audience: 'https://management.azure.com' });
const get = (path: string, upn: string = ACCOUNTS.secondary): Promise<ArmResponse> => armRequest(sim, path, { token: token(upn) });
const names = (r: ArmResponse): string[] => (r.body as { value: { name: string }[] }).value.map((v) => v.name);

beforeAll(async () => {
  sim = await startSimulatedAzure({ withServer: false });
});
afterAll(async () => {
  await sim?.stop();
});

describe('ARM endpoint', () => {
  it('is the state file managementEndpoint, and Entra issues tokens for it', async () => {
    expect(sim.arm.endpoint).toMatch(/^https:\/\/localhost:\d+$/);
    expect(SimStateSchema.parse(sim.state).managementEndpoint).toBe(sim.arm.endpoint);
    // The product's scope for a custom cloud is <managementEndpoint>/.default: aud is the origin.
    const own = sim.entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { audience: sim.arm.endpoint });
    expect((await armRequest(sim, `/subscriptions?${V}`, { token: own })).status).toBe(200);
  });
});

describe('authentication', () => {
  it('no Authorization header: 401 AuthenticationFailed with the Bearer challenge', async () => {
    const r = await armRequest(sim, `/subscriptions?${V}`);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } });
    expect(r.headers['www-authenticate']).toBe(
      'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."',
    );
  });

  it('expired, wrong audience, bad signature, malformed', async () => {
    const cases: [string, string, RegExp][] = [
      [
        sim.entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { audience: 'https://management.azure.com', expired: true }),
        'ExpiredAuthenticationToken',
        /^The access token expiry UTC time '.+ [AP]M' is earlier than current UTC time '.+'\.$/,
      ],
      [
        sim.entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }),
        'InvalidAuthenticationTokenAudience',
        new RegExp(`wrong audience or resource '${POSTGRES_RESOURCE}'.*'https://management.azure.com'`),
      ],
      [sim.entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { audience: 'https://management.azure.com', signWithForeignKey: true }), 'InvalidAuthenticationToken', /invalid/],
      [sim.entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { audience: 'https://management.azure.com', tamper: true }), 'InvalidAuthenticationToken', /invalid/],
      ['not-a-jwt', 'InvalidAuthenticationToken', /invalid/],
    ];
    for (const [t, code, message] of cases) {
      const r = await armRequest(sim, `/subscriptions?${V}`, { token: t });
      expect(r.status, code).toBe(401);
      expect(r.body).toMatchObject({ error: { code } });
      expect((r.body as { error: { message: string } }).error.message).toMatch(message);
      expect(r.headers['www-authenticate']).toMatch(/^Bearer authorization_uri="https:\/\/login\.windows\.net\/", error="invalid_token"/);
    }
  });

  it('accepts every ARM audience form; requires api-version', async () => {
    for (const audience of ['https://management.azure.com/', 'https://management.core.windows.net/', 'https://management.core.windows.net']) {
      const t = sim.entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { audience });
      expect((await armRequest(sim, `/subscriptions?${V}`, { token: t })).status, audience).toBe(200);
    }
    const r = await get('/subscriptions');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: 'MissingApiVersionParameter', message: 'The api-version query parameter (?api-version=) is required for all requests.' } });
  });
});

describe('subscriptions', () => {
  it('lists what the caller holds a role in', async () => {
    const r = await get(`/subscriptions?api-version=2022-12-01`);
    expect(r.status).toBe(200);
    const body = r.body as { value: Record<string, unknown>[]; count: unknown };
    expect(body.value.map((s) => s.displayName)).toEqual(['Contoso Production', 'Contoso Dev', 'Fabrikam Shared']);
    expect(body.value[0]).toMatchObject({ id: PROD, subscriptionId: SUBSCRIPTIONS.production, state: 'Enabled', tenantId: dir.tenant.id });
    expect((await get(`/subscriptions?${V}`, ACCOUNTS.primary)).body).toMatchObject({ value: [{ displayName: 'Contoso Production' }] });
    expect((await get(`/subscriptions?${V}`, ACCOUNTS.nonMember)).body).toMatchObject({ value: [] });
    expect((await get(`/subscriptions?${V}`, ACCOUNTS.guest)).body).toMatchObject({ value: [] });
  });

  it('pages subscriptions by nextLink too', async () => {
    sim.arm.control.setPageSize(2);
    try {
      const first = await get(`/subscriptions?${V}`);
      const next = (first.body as { nextLink: string }).nextLink;
      expect((first.body as { value: { displayName: string }[] }).value.map((s) => s.displayName)).toEqual(['Contoso Production', 'Contoso Dev']);
      expect(next.startsWith(`${sim.arm.endpoint}/subscriptions?`)).toBe(true);
      expect((await get(next)).body).toMatchObject({ value: [{ displayName: 'Fabrikam Shared' }] });
    } finally {
      sim.arm.control.setPageSize(3);
    }
  });
});

describe('flexible servers', () => {
  it('lists a subscription over two pages with an absolute $skipToken nextLink', async () => {
    const first = await get(`${PROD}/${FLEX}?${V}`);
    expect(first.status).toBe(200);
    expect(names(first)).toEqual(['myserver', 'otherserver', 'lockedserver']);
    const next = (first.body as { nextLink: string }).nextLink;
    expect(next).toMatch(new RegExp(`^${sim.arm.endpoint}${PROD}/${FLEX}\\?api-version=2025-08-01&\\$skipToken=[\\w-]+$`));
    const second = await get(next);
    expect(names(second)).toEqual(['entraoffserver', 'stoppedserver']);
    expect((second.body as { nextLink?: string }).nextLink).toBeUndefined();
    expect(names(await get(`${PROD}/resourceGroups/rg-data/${FLEX}?${V}`))).toEqual(['myserver', 'otherserver', 'lockedserver']);
  });

  it('a server as ARM returns it', async () => {
    const r = await get(`${PROD}/resourceGroups/rg-data/${FLEX}/myserver?${V}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: `${PROD}/resourceGroups/rg-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/myserver`,
      name: 'myserver',
      type: 'Microsoft.DBforPostgreSQL/flexibleServers',
      location: 'westeurope',
      sku: { name: 'Standard_D2ds_v5', tier: 'GeneralPurpose' },
      properties: {
        state: 'Ready',
        fullyQualifiedDomainName: 'myserver.postgres.database.azure.com',
        version: '16',
        administratorLogin: 'azure_admin',
        authConfig: { activeDirectoryAuth: 'Enabled', passwordAuth: 'Enabled', tenantId: dir.tenant.id },
        network: { publicNetworkAccess: 'Enabled' },
        replicationRole: 'Primary',
      },
    });
    const off = await get(`${PROD}/resourceGroups/rg-data/${FLEX}/entraoffserver?${V}`);
    expect((off.body as { properties: { authConfig: unknown } }).properties.authConfig).toEqual({ activeDirectoryAuth: 'Disabled', passwordAuth: 'Enabled' });
    expect((await get(`${PROD}/resourceGroups/rg-data/${FLEX}/stoppedserver?${V}`)).body).toMatchObject({ properties: { state: 'Stopped' } });
    const dev = await get(`/subscriptions/${SUBSCRIPTIONS.dev}/resourceGroups/rg-dev/${FLEX}/devserver?${V}`);
    expect((dev.body as { properties: { network: Record<string, string> } }).properties.network).toMatchObject({
      publicNetworkAccess: 'Disabled',
      delegatedSubnetResourceId: expect.stringContaining('/subnets/') as unknown,
      privateDnsZoneArmResourceId: expect.stringContaining('/privateDnsZones/') as unknown,
    });
  });

  it('404s: absent server, resource group, subscription, nested resource, unknown type', async () => {
    const absent = await get(`${PROD}/resourceGroups/rg-data/${FLEX}/nosuch?${V}`);
    expect(absent.status).toBe(404);
    expect(absent.body).toMatchObject({ error: { code: 'ResourceNotFound' } });
    expect((absent.body as { error: { message: string } }).error.message).toMatch(/^The Resource 'Microsoft.DBforPostgreSQL\/flexibleServers\/nosuch' under resource group 'rg-data' was not found\./);
    expect((await get(`${PROD}/resourceGroups/rg-nope/${FLEX}/myserver?${V}`)).body).toMatchObject({ error: { code: 'ResourceGroupNotFound' } });
    expect((await get(`/subscriptions/00000000-0000-4000-8000-000000000000/${FLEX}?${V}`)).body).toMatchObject({ error: { code: 'SubscriptionNotFound' } });
    expect((await get(`${PROD}/resourceGroups/rg-data/${FLEX}/nosuch/firewallRules?${V}`)).body).toMatchObject({ error: { code: 'ParentResourceNotFound' } });
    const unknown = await get(`${PROD}/resourceGroups/rg-data/${FLEX}/myserver/nonsense?${V}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'InvalidResourceType' } });
    expect((await get(`/nothing/here?${V}`)).status).toBe(404);
  });

  it('administrators (Microsoft Entra)', async () => {
    const r = await get(`${PROD}/resourceGroups/rg-data/${FLEX}/otherserver/administrators?${V}`);
    expect(r.body).toEqual({
      value: [
        {
          properties: { principalType: 'Group', principalName: 'db-admins', objectId: dbAdmins, tenantId: dir.tenant.id },
          id: `${PROD}/resourceGroups/rg-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/otherserver/administrators/${dbAdmins}`,
          name: dbAdmins,
          type: 'Microsoft.DBforPostgreSQL/flexibleServers/administrators',
        },
        expect.objectContaining({ name: oid(ACCOUNTS.secondary), properties: expect.objectContaining({ principalType: 'User', principalName: ACCOUNTS.secondary }) as unknown }),
      ],
    });
    expect((await get(`${PROD}/resourceGroups/rg-data/${FLEX}/entraoffserver/administrators?${V}`)).body).toEqual({ value: [] });
  });
});

describe('RBAC', () => {
  it('a subscription listed but not readable: 403 AuthorizationFailed', async () => {
    const r = await get(`/subscriptions/${SUBSCRIPTIONS.shared}/${FLEX}?${V}`);
    expect(r.status).toBe(403);
    expect(r.body).toEqual({
      error: {
        code: 'AuthorizationFailed',
        message: `The client '${ACCOUNTS.secondary}' with object id '${oid(ACCOUNTS.secondary)}' does not have authorization to perform action 'Microsoft.DBforPostgreSQL/flexibleServers/read' over scope '/subscriptions/${SUBSCRIPTIONS.shared}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      },
    });
  });

  it('a direct GET without a role: 403; a Reader reads', async () => {
    expect((await get(`/subscriptions/${SUBSCRIPTIONS.dev}/resourceGroups/rg-dev/${FLEX}/devserver?${V}`, ACCOUNTS.primary)).status).toBe(403);
    expect((await get(`${PROD}/resourceGroups/rg-data/${FLEX}/myserver/firewallRules?${V}`, ACCOUNTS.primary)).status).toBe(200);
  });
});

describe('firewall rules', () => {
  const rules = `${PROD}/resourceGroups/rg-data/${FLEX}/lockedserver/firewallRules`;
  const put = (name: string, body: unknown, upn: string = ACCOUNTS.secondary): Promise<ArmResponse> => armRequest(sim, `${rules}/${name}?${V}`, { method: 'PUT', token: token(upn), body });

  it('lists and gets', async () => {
    const list = await get(`${rules}?${V}`);
    expect(list.body).toEqual({
      value: [
        {
          properties: { startIpAddress: '203.0.113.0', endIpAddress: '203.0.113.255' },
          id: `${PROD}/resourceGroups/rg-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/lockedserver/firewallRules/office`,
          name: 'office',
          type: 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules',
        },
      ],
    });
    expect((await get(`${rules}/office?${V}`)).body).toMatchObject({ name: 'office' });
    expect((await get(`${rules}/nosuch?${V}`)).body).toMatchObject({ error: { code: 'ResourceNotFound' } });
  });

  it('PUT: a Reader gets 403 for the write action', async () => {
    const r = await put('alice', { properties: { startIpAddress: '127.0.0.1', endIpAddress: '127.0.0.1' } }, ACCOUNTS.primary);
    expect(r.status).toBe(403);
    expect((r.body as { error: { code: string; message: string } }).error).toMatchObject({ code: 'AuthorizationFailed' });
    expect((r.body as { error: { message: string } }).error.message).toContain(`action 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/write' over scope '${rules}/alice'`);
  });

  it('PUT: validation answers 400', async () => {
    const bad: [string, unknown, string][] = [
      ['ok', { properties: { startIpAddress: '10.0.0.1', endIpAddress: '10.0.0.0' } }, 'InvalidParameterValue'],
      ['ok', { properties: { startIpAddress: '::1', endIpAddress: '::1' } }, 'InvalidParameterValue'],
      ['ok', { properties: { startIpAddress: '10.0.0.1' } }, 'InvalidParameterValue'],
      ['ok', '{not json', 'InvalidRequestContent'],
      ['bad name!', { properties: { startIpAddress: '10.0.0.1', endIpAddress: '10.0.0.1' } }, 'InvalidResourceName'],
    ];
    for (const [name, body, code] of bad) {
      const r = await put(encodeURIComponent(name), body);
      expect(r.status, code).toBe(400);
      expect(r.body).toMatchObject({ error: { code } });
    }
    expect(sim.arm.control.firewallRules('lockedserver').map((r) => r.name)).toEqual(['office']);
  });

  it('PUT: 202 + Azure-AsyncOperation; stored only when the operation succeeds; DELETE likewise', async () => {
    const r = await put('home', { properties: { startIpAddress: '198.51.100.7', endIpAddress: '198.51.100.7' } });
    expect(r.status).toBe(202);
    expect(r.headers['retry-after']).toBe('1');
    const opUrl = r.headers['azure-asyncoperation'] ?? '';
    expect(opUrl).toMatch(new RegExp(`^${sim.arm.endpoint}${PROD}/providers/Microsoft.DBforPostgreSQL/locations/westeurope/azureAsyncOperation/[0-9a-f-]{36}\\?api-version=2025-08-01$`));
    expect(r.headers.location).toBe(opUrl.replace('/azureAsyncOperation/', '/operationResults/'));

    const poll1 = await get(opUrl);
    expect(poll1.body).toMatchObject({ status: 'InProgress', name: opUrl.split('/').pop()?.split('?')[0] });
    expect((await get(`${rules}/home?${V}`)).status).toBe(404);
    const poll2 = await get(opUrl);
    expect(poll2.body).toMatchObject({ status: 'Succeeded', startTime: expect.any(String) as unknown, endTime: expect.any(String) as unknown });
    expect((await get(`${rules}/home?${V}`)).body).toMatchObject({ name: 'home', properties: { startIpAddress: '198.51.100.7' } });
    expect(sim.arm.control.firewallRules('lockedserver').map((x) => x.name)).toEqual(['office', 'home']);

    const del = await armRequest(sim, `${rules}/home?${V}`, { method: 'DELETE', token: token() });
    expect(del.status).toBe(202);
    await get(del.headers['azure-asyncoperation'] ?? '');
    expect((await get(del.headers['azure-asyncoperation'] ?? '')).body).toMatchObject({ status: 'Succeeded' });
    expect(sim.arm.control.firewallRules('lockedserver').map((x) => x.name)).toEqual(['office']);
    expect((await armRequest(sim, `${rules}/home?${V}`, { method: 'DELETE', token: token() })).status).toBe(204);
  });
});

describe('controls', () => {
  it('throttleNext: 429 TooManyRequests with Retry-After, once', async () => {
    sim.arm.control.throttleNext(1, 7);
    const r = await get(`/subscriptions?${V}`);
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('7');
    expect(r.body).toMatchObject({ error: { code: 'TooManyRequests' } });
    expect((await get(`/subscriptions?${V}`)).status).toBe(200);
  });

  it('failNext: 5xx with ARM error body', async () => {
    sim.arm.control.failNext(503);
    expect((await get(`/subscriptions?${V}`)).body).toMatchObject({ error: { code: 'ServiceUnavailable' } });
    sim.arm.control.failNext(500);
    const r = await get(`/subscriptions?${V}`);
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ error: { code: 'InternalServerError' } });
  });

  it('counts requests by kind', async () => {
    sim.arm.control.resetCounters();
    await get(`/subscriptions?${V}`);
    await get(`${PROD}/${FLEX}?${V}`);
    await get(`${PROD}/resourceGroups/rg-data/${FLEX}/myserver?${V}`);
    await get(`${PROD}/resourceGroups/rg-data/${FLEX}/myserver/administrators?${V}`);
    expect([sim.arm.control.requestCount('subscriptions'), sim.arm.control.requestCount('servers'), sim.arm.control.requestCount('server'), sim.arm.control.requestCount('administrators')]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(sim.arm.control.requestCount()).toBe(4);
  });

  it('addSubscription + addServers; setServerState / setEntraAuth show in ARM', async () => {
    const sub = 'c0ffee00-1111-4222-8333-444455556666';
    sim.arm.control.addSubscription({ subscriptionId: sub, displayName: 'Bench' });
    expect(sim.arm.control.addServers(sub, 4)).toEqual(['srv-001', 'srv-002', 'srv-003', 'srv-004']);
    expect(sim.arm.control.addServers(sub, 1, { resourceGroup: 'rg-other' })).toEqual(['srv-005']);
    const first = await get(`/subscriptions/${sub}/${FLEX}?${V}`);
    expect(names(first)).toEqual(['srv-001', 'srv-002', 'srv-003']);
    expect(names(await get((first.body as { nextLink: string }).nextLink))).toEqual(['srv-004', 'srv-005']);
    expect((await get(`/subscriptions?${V}`, ACCOUNTS.primary)).body).toMatchObject({ value: [{ displayName: 'Contoso Production' }] });

    sim.arm.control.setServerState('srv-001', 'Stopped');
    sim.arm.control.setEntraAuth('srv-001', false);
    expect((await get(`/subscriptions/${sub}/resourceGroups/rg-bench/${FLEX}/srv-001?${V}`)).body).toMatchObject({ properties: { state: 'Stopped', authConfig: { activeDirectoryAuth: 'Disabled' } } });
  });
});
