// The ARM pipeline as it leaves the process, through a stand-in transport: the ARM token goes to
// the cloud's management origin only (a server-given nextLink or Azure-AsyncOperation URL to
// another origin is refused before anything is sent), every request uses pgEntra's trust agent,
// one 429 is waited out, national clouds get their own host, and refusals read as what to do.
import { describe, expect, it } from 'vitest';
import { ArmClient } from '../../../electron/azure/armClient.js';
import { armCredential } from '../../../electron/azure/armCredential.js';
import { createAzureService } from '../../../electron/azure/index.js';
import { HttpsTransport } from '../../../electron/net/httpsTransport.js';
import { BUILTIN_CLOUDS } from '../../../shared/clouds.js';
import { PgEntraError } from '../../../shared/errors.js';
import type { Profile } from '../../../shared/profile.js';
import type { AccessToken, TokenRequest } from '../../../electron/auth/tokenProvider.js';
import { ARM_TOKEN, SUB, fakeArm, fakeTokens, serverModel, type Route } from './fakeArm.js';

const PUBLIC = 'https://management.azure.com';
const SUB2 = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const SUB3 = 'a8c2f0e1-5d4b-4c6a-9e2f-3b7d1c9e8f40';
const caller = { cloud: 'public', credential: { kind: 'interactive' as const, account: 'adm-alice@contoso.example' } };
const FORBIDDEN = {
  error: {
    code: 'AuthorizationFailed',
    message: `The client 'adm-alice@contoso.example' with object id 'x' does not have authorization to perform action 'Microsoft.DBforPostgreSQL/flexibleServers/read' over scope '/subscriptions/${SUB3}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  },
};

function subscriptions(origin = PUBLIC, nextLink?: string): Route {
  return (method, url) => {
    if (method !== 'GET' || url.origin !== origin) return undefined;
    if (url.pathname === '/subscriptions') {
      return {
        status: 200,
        body: {
          value: [
            { subscriptionId: SUB, displayName: 'Contoso Production', state: 'Enabled', tenantId: 't' },
            { subscriptionId: SUB2, displayName: 'Contoso Dev', state: 'Enabled', tenantId: 't' },
            { subscriptionId: SUB3, displayName: 'Fabrikam Shared', state: 'Enabled', tenantId: 't' },
          ],
          ...(nextLink ? { nextLink } : {}),
        },
      };
    }
    return undefined;
  };
}

function servers(pages: Record<string, unknown>): Route {
  return (method, url) => {
    const m = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.DBforPostgreSQL\/flexibleServers$/.exec(url.pathname);
    if (method !== 'GET' || !m?.[1]) return undefined;
    const key = `${m[1]}${url.searchParams.get('page') ? `#${url.searchParams.get('page')}` : ''}`;
    const page = pages[key];
    if (page === 'forbidden') return { status: 403, body: FORBIDDEN };
    return page ? { status: 200, body: page } : { status: 200, body: { value: [] } };
  };
}

const both =
  (...routes: Route[]): Route =>
  (m, u, b) =>
    routes.map((r) => r(m, u, b)).find((x) => x !== undefined);

describe('ARM pipeline', () => {
  it('lists every page of every subscription, waits out one 429, makes a 403 subscription a note, and sends the ARM token only with the trust agent', async () => {
    let throttled = 0;
    const throttle: Route = (method, url) => {
      if (url.pathname.endsWith('/flexibleServers') && url.pathname.includes(SUB2) && throttled++ === 0)
        return { status: 429, headers: { 'retry-after': '0' }, body: { error: { code: 'TooManyRequests', message: 'slow down' } } };
      return undefined;
    };
    const http = fakeArm(
      both(
        subscriptions(),
        throttle,
        servers({
          [SUB]: {
            value: [serverModel('myserver'), serverModel('otherserver')],
            nextLink: `${PUBLIC}/subscriptions/${SUB}/providers/Microsoft.DBforPostgreSQL/flexibleServers?api-version=2025-08-01&page=2`,
          },
          [`${SUB}#2`]: { value: [serverModel('lockedserver')] },
          [SUB2]: { value: [serverModel('devserver', {}, SUB2, 'rg-dev')] },
          [SUB3]: 'forbidden',
        }),
      ),
    );
    const tokens = fakeTokens();
    const azure = createAzureService({ tokens, dataDir: '/nonexistent', httpClient: http });
    const listing = await azure.listServers(caller);
    expect(listing.servers.map((s) => s.name).sort()).toEqual(['devserver', 'lockedserver', 'myserver', 'otherserver']);
    expect(listing.subscriptions).toHaveLength(3);
    expect(throttled).toBe(2); // the 429 and the retry
    expect(listing.notes).toHaveLength(1);
    expect(listing.notes[0]).toMatchObject({ subscriptionId: SUB3, code: 'forbidden' });
    expect(listing.notes[0]?.message).toContain('Microsoft.DBforPostgreSQL/flexibleServers/read');
    expect(listing.notes[0]?.message).toContain('Fabrikam Shared');
    for (const s of http.sent) {
      expect(new URL(s.url).origin).toBe(PUBLIC);
      expect(s.authorization).toBe(`Bearer ${ARM_TOKEN}`);
      // pgEntra's transport: its trust list and proxy choice, whatever agent the SDK would have picked.
      expect(s.agent).toBeInstanceOf(HttpsTransport);
    }
    expect(tokens.requests.every((r) => r.resource === 'management')).toBe(true);
  });

  it('refuses a nextLink to another origin (or plain http) before sending: no request, no token leaves for it', async () => {
    for (const foreign of ['https://evil.example/steal', 'http://management.azure.com/subscriptions/x', 'https://management.azure.com.evil.example/x']) {
      const http = fakeArm(both(subscriptions(), servers({ [SUB]: { value: [serverModel('myserver')], nextLink: foreign } })));
      const azure = createAzureService({ tokens: fakeTokens(), dataDir: '/nonexistent', httpClient: http });
      const listing = await azure.listServers(caller);
      expect(listing.servers.map((s) => s.name)).toEqual(['myserver']);
      expect(listing.notes.find((n) => n.subscriptionId === SUB)?.message).toMatch(/sends its Azure Resource Manager token only to https:\/\/management\.azure\.com/);
      expect(http.sent.every((s) => new URL(s.url).origin === PUBLIC && s.url.startsWith('https:'))).toBe(true);
    }
    // The subscription list's own nextLink: the listing fails, still without sending it.
    const http = fakeArm(subscriptions(PUBLIC, 'https://evil.example/subscriptions'));
    const azure = createAzureService({ tokens: fakeTokens(), dataDir: '/nonexistent', httpClient: http });
    await expect(azure.listServers(caller)).rejects.toThrow(/only to https:\/\/management\.azure\.com/);
    expect(http.sent.some((s) => s.url.includes('evil'))).toBe(false);
  });

  it('US Government: endpoint and $host are the national cloud, and so is every request', async () => {
    const gov = 'https://management.usgovcloudapi.net';
    const http = fakeArm(both(subscriptions(gov), servers({})));
    const tokens = fakeTokens();
    const arm = new ArmClient({
      cloud: BUILTIN_CLOUDS.usgov,
      credential: armCredential(tokens, { cloud: 'usgov', credential: caller.credential }, `${gov}/.default`),
      scope: `${gov}/.default`,
      httpClient: http,
    });
    expect(arm.flex(SUB).$host).toBe(gov);
    arm.close();
    const azure = createAzureService({ tokens, dataDir: '/nonexistent', httpClient: http });
    const listing = await azure.listServers({ ...caller, cloud: 'usgov' });
    expect(listing.subscriptions).toHaveLength(3);
    expect(http.sent.length).toBeGreaterThan(1);
    expect(http.sent.every((s) => s.url.startsWith(`${gov}/`))).toBe(true);
    expect(tokens.requests.every((r) => r.cloud === 'usgov' && r.resource === 'management')).toBe(true);
  });

  it('the credential adapter hands out the management scope only', async () => {
    const cred = armCredential(fakeTokens(), { cloud: 'public', credential: caller.credential }, `${PUBLIC}/.default`);
    await expect(cred.getToken('https://ossrdbms-aad.database.windows.net/.default')).rejects.toThrow(/only/);
    await expect(cred.getToken([`${PUBLIC}/.default`, 'openid'])).rejects.toThrow(/only/);
    expect((await cred.getToken(`${PUBLIC}/.default`))?.token).toBe(ARM_TOKEN);
    expect(cred.lastIssued()?.account).toBe('adm-alice@contoso.example');
  });

  it('a failed renewal answers with the still-valid token (the SDK renews in the background without catching)', async () => {
    let fail = false;
    let lifetimeMs = 3_600_000;
    const tokens = {
      async getToken(req: TokenRequest): Promise<AccessToken> {
        expect(req.minValiditySeconds).toBeGreaterThanOrEqual(300);
        if (fail) throw new PgEntraError('sign_in_cancelled', 'The token request was cancelled.');
        return { token: ARM_TOKEN, expiresOn: new Date(Date.now() + lifetimeMs) };
      },
    };
    const cred = armCredential(tokens, { cloud: 'public', credential: caller.credential }, `${PUBLIC}/.default`);
    const first = await cred.getToken(`${PUBLIC}/.default`);
    fail = true;
    expect(await cred.getToken(`${PUBLIC}/.default`)).toEqual(first);
    // Nothing valid to fall back to: the failure is the answer.
    fail = false;
    lifetimeMs = 5_000;
    await cred.getToken(`${PUBLIC}/.default`);
    fail = true;
    await expect(cred.getToken(`${PUBLIC}/.default`)).rejects.toThrow(/cancelled/);
  });
});

describe('firewall rule (long-running PUT)', () => {
  const profile = {
    name: 'locked',
    host: 'lockedserver.postgres.database.azure.com',
    username: 'db-admins',
    cloud: 'public',
    credential: caller.credential,
    azure: { resourceId: `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/lockedserver` },
  } as unknown as Profile;
  const serverPath = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/lockedserver`;

  function lro(operationUrl: string, putStatus = 202): Route {
    const rule = { id: `${serverPath}/firewallRules/pgentra-203-0-113-7`, name: 'pgentra-203-0-113-7', properties: { startIpAddress: '203.0.113.7', endIpAddress: '203.0.113.7' } };
    let polled = 0;
    return (method, url) => {
      if (method === 'GET' && url.pathname === serverPath) return { status: 200, body: serverModel('lockedserver') };
      if (url.pathname === `${serverPath}/firewallRules/pgentra-203-0-113-7`) {
        if (method === 'PUT')
          return putStatus === 403
            ? {
                status: 403,
                body: {
                  error: {
                    code: 'AuthorizationFailed',
                    message: `The client 'alice@contoso.example' with object id 'y' does not have authorization to perform action 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/write' over scope '${serverPath}/firewallRules/pgentra-203-0-113-7' or the scope is invalid.`,
                  },
                },
              }
            : { status: putStatus, headers: { 'azure-asyncoperation': operationUrl } };
        if (method === 'GET') return { status: 200, body: rule };
      }
      if (method === 'GET' && url.pathname === '/op/1') return { status: 200, body: { status: polled++ === 0 ? 'InProgress' : 'Succeeded' } };
      return undefined;
    };
  }

  it('PUT 202, polls Azure-AsyncOperation until Succeeded, returns the rule', async () => {
    const http = fakeArm(lro(`${PUBLIC}/op/1?api-version=2025-08-01`));
    const azure = createAzureService({ tokens: fakeTokens(), dataDir: '/nonexistent', httpClient: http });
    const r = await azure.allowIp(profile, '203.0.113.7');
    expect(r).toMatchObject({ ruleName: 'pgentra-203-0-113-7', startIpAddress: '203.0.113.7', endIpAddress: '203.0.113.7', server: { name: 'lockedserver' } });
    expect(http.sent.filter((s) => s.url.includes('/op/1'))).toHaveLength(2);
    const put = http.sent.find((s) => s.method === 'PUT');
    expect(put?.authorization).toBe(`Bearer ${ARM_TOKEN}`);
  });

  it('an Azure-AsyncOperation URL on another origin is never polled', async () => {
    const http = fakeArm(lro('https://evil.example/op/1'));
    const azure = createAzureService({ tokens: fakeTokens(), dataDir: '/nonexistent', httpClient: http });
    await expect(azure.allowIp(profile, '203.0.113.7', { signal: AbortSignal.timeout(20_000) })).rejects.toThrow(/only to https:\/\/management\.azure\.com/);
    expect(http.sent.some((s) => s.url.includes('evil'))).toBe(false);
  });

  it('403 AuthorizationFailed names the missing permission and where', async () => {
    const http = fakeArm(lro(`${PUBLIC}/op/1`, 403));
    const azure = createAzureService({ tokens: fakeTokens(), dataDir: '/nonexistent', httpClient: http });
    const e = await azure.allowIp({ ...profile, credential: { kind: 'interactive', account: 'alice@contoso.example' } } as Profile, '203.0.113.7').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PgEntraError);
    const err = e as PgEntraError;
    expect(err.code).toBe('azure_forbidden');
    expect(err.message).toContain('alice@contoso.example may not add the firewall rule pgentra-203-0-113-7 (203.0.113.7) to lockedserver');
    expect(err.message).toContain('Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/write');
    expect(err.message).toContain(SUB);
    expect(err.hint).toMatch(/Contributor/);
  });

  it('refuses IPv6, 0.0.0.0 and non-addresses before any request', async () => {
    const http = fakeArm(lro(`${PUBLIC}/op/1`));
    const azure = createAzureService({ tokens: fakeTokens(), dataDir: '/nonexistent', httpClient: http });
    for (const ip of ['2001:db8::1', '0.0.0.0', 'myhost', '1.2.3.04']) {
      await expect(azure.allowIp(profile, ip)).rejects.toMatchObject({ code: 'invalid_input' });
    }
    expect(http.sent.filter((s) => s.method === 'PUT')).toHaveLength(0);
  });
});
