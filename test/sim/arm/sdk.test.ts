// The official ARM client (@azure/arm-postgresql-flexible, as the product uses it) against the
// Resource Manager simulator: paging, deserialised fields, Retry-After on 429, 5xx retries, the
// firewall rule's long-running PUT/DELETE to completion, and RBAC errors as RestError.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSignInHeadless } from '../entra/index.js';
import { msalClientFor } from '../entra/support.js';
import { startSimulatedAzure, type SimulatedAzure } from '../index.js';
import { ACCOUNTS, POSTGRES_RESOURCE, loadDirectory } from '../types.js';
import { SUBSCRIPTIONS } from './index.js';
import { mintedCredential, sdkClient } from './test-support.js';

const dir = loadDirectory();
let sim: SimulatedAzure;

beforeAll(async () => {
  sim = await startSimulatedAzure({ withServer: false, autoApprove: ACCOUNTS.secondary });
});
afterAll(async () => {
  await sim?.stop();
});

const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('@azure/arm-postgresql-flexible against the simulator', () => {
  it('lists every page, with the fields the product reads', async () => {
    const client = sdkClient(sim, mintedCredential(sim, ACCOUNTS.secondary), SUBSCRIPTIONS.production);
    sim.arm.control.resetCounters();
    const servers = await collect(client.servers.listBySubscription());
    expect(servers.map((s) => s.name)).toEqual(['myserver', 'otherserver', 'lockedserver', 'entraoffserver', 'stoppedserver']);
    expect(sim.arm.control.requestCount('servers')).toBe(2);
    expect(servers[0]).toMatchObject({
      id: `/subscriptions/${SUBSCRIPTIONS.production}/resourceGroups/rg-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/myserver`,
      type: 'Microsoft.DBforPostgreSQL/flexibleServers',
      location: 'westeurope',
      sku: { name: 'Standard_D2ds_v5', tier: 'GeneralPurpose' },
      state: 'Ready',
      version: '16',
      fullyQualifiedDomainName: 'myserver.postgres.database.azure.com',
      administratorLogin: 'azure_admin',
      authConfig: { activeDirectoryAuth: 'Enabled', passwordAuth: 'Enabled', tenantId: dir.tenant.id },
      network: { publicNetworkAccess: 'Enabled' },
      replicationRole: 'Primary',
    });
    expect(servers.find((s) => s.name === 'stoppedserver')?.state).toBe('Stopped');
    const admins = await collect(client.administratorsMicrosoftEntra.listByServer('rg-data', 'otherserver'));
    expect(admins.map((a) => [a.principalType, a.principalName])).toEqual([
      ['Group', ACCOUNTS.adminGroup],
      ['User', ACCOUNTS.secondary],
    ]);
    const dev = await sdkClient(sim, mintedCredential(sim, ACCOUNTS.secondary), SUBSCRIPTIONS.dev).servers.get('rg-dev', 'devserver');
    expect(dev.network?.publicNetworkAccess).toBe('Disabled');
    expect(dev.network?.delegatedSubnetResourceId).toMatch(/\/subnets\//);
  });

  it('honours Retry-After on 429 and retries a 503', async () => {
    const client = sdkClient(sim, mintedCredential(sim, ACCOUNTS.secondary), SUBSCRIPTIONS.production);
    sim.arm.control.resetCounters();
    sim.arm.control.throttleNext(1, 1);
    const started = Date.now();
    expect((await client.servers.get('rg-data', 'myserver')).name).toBe('myserver');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(sim.arm.control.requestCount('server')).toBe(2);
    sim.arm.control.failNext(503);
    expect((await client.servers.get('rg-data', 'myserver')).name).toBe('myserver');
    expect(sim.arm.control.requestCount('server')).toBe(4);
  });

  it('beginCreateOrUpdateAndWait / beginDeleteAndWait on a firewall rule run to completion', async () => {
    const client = sdkClient(sim, mintedCredential(sim, ACCOUNTS.secondary), SUBSCRIPTIONS.production);
    sim.arm.control.setAsyncPolls(2);
    sim.arm.control.resetCounters();
    try {
      const rule = await client.firewallRules.beginCreateOrUpdateAndWait(
        'rg-data',
        'lockedserver',
        'ClientIPAddress_2025',
        { startIpAddress: '192.0.2.10', endIpAddress: '192.0.2.10' },
        { updateIntervalInMs: 10 },
      );
      expect(rule).toMatchObject({ name: 'ClientIPAddress_2025', startIpAddress: '192.0.2.10', endIpAddress: '192.0.2.10', type: 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules' });
      expect(sim.arm.control.requestCount('firewallRules:write')).toBe(1);
      expect(sim.arm.control.requestCount('operations')).toBe(3);
      expect(sim.arm.control.firewallRules('lockedserver')).toContainEqual({ name: 'ClientIPAddress_2025', startIpAddress: '192.0.2.10', endIpAddress: '192.0.2.10' });
      await client.firewallRules.beginDeleteAndWait('rg-data', 'lockedserver', 'ClientIPAddress_2025', { updateIntervalInMs: 10 });
      expect(sim.arm.control.firewallRules('lockedserver').map((r) => r.name)).toEqual(['office']);
    } finally {
      sim.arm.control.setAsyncPolls(1);
    }
  });

  it('RBAC refusals surface as RestError 403 AuthorizationFailed', async () => {
    const alice = sdkClient(sim, mintedCredential(sim, ACCOUNTS.primary), SUBSCRIPTIONS.production);
    const put: unknown = await alice.firewallRules.beginCreateOrUpdateAndWait('rg-data', 'lockedserver', 'alice', { startIpAddress: '192.0.2.1', endIpAddress: '192.0.2.1' }).catch((e: unknown) => e);
    expect(put).toMatchObject({ name: 'RestError', statusCode: 403, code: 'AuthorizationFailed' });
    const shared = sdkClient(sim, mintedCredential(sim, ACCOUNTS.secondary), SUBSCRIPTIONS.shared);
    const list: unknown = await collect(shared.servers.listBySubscription()).catch((e: unknown) => e);
    expect(list).toMatchObject({ name: 'RestError', statusCode: 403, code: 'AuthorizationFailed' });
  });

  it('a real MSAL sign-in: the database account gets an ARM token for <managementEndpoint>/.default silently', async () => {
    const caCertPem = readFileSync(sim.caFile, 'utf8');
    const msal = msalClientFor(sim.entra, caCertPem);
    const db = await msal.acquireTokenInteractive({ scopes: [`${POSTGRES_RESOURCE}/.default`], openBrowser: (url) => completeSignInHeadless(url, { caCertPem }).then(() => undefined) });
    if (!db.account) throw new Error('no account');
    const account = db.account;
    const credential = {
      async getToken(scopes: string | string[]) {
        const r = await msal.acquireTokenSilent({ account, scopes: [scopes].flat() });
        return { token: r.accessToken, expiresOnTimestamp: r.expiresOn?.getTime() ?? Date.now() + 600_000 };
      },
    };
    const server = await sdkClient(sim, credential, SUBSCRIPTIONS.production).servers.get('rg-data', 'otherserver');
    expect(server.version).toBe('17');
  });
});
