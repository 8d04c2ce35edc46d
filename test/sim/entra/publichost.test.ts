// Public-host mode: real MSAL with its BUILT-IN clouds (authority login.microsoftonline.com,
// no knownAuthorities) against the simulator answering as Azure's login hosts. Instead of a
// network namespace, the network client sends every HTTPS request to the simulator's listener
// while keeping the Host header and SNI.
import { PublicClientApplication, ServerError } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, AZURE_CLI_CLIENT_ID, loadDirectory, POSTGRES_RESOURCE } from '../types.js';
import type { ConnectTo } from './browser.js';
import { AZURE_LOGIN_HOSTS } from './hosts.js';
import { completeSignInHeadless, type EntraSim } from './index.js';
import { CaTrustingNetworkClient, decodeJwt, httpsText, startTestSim } from './support.js';

const dir = loadDirectory();
const alice = dir.users.find((u) => u.upn === ACCOUNTS.primary);

describe('public host mode (built-in clouds)', () => {
  let sim: EntraSim;
  let ca: string;
  let connectTo: ConnectTo;
  const pca = (authority: string): PublicClientApplication =>
    new PublicClientApplication({ auth: { clientId: AZURE_CLI_CLIENT_ID, authority }, system: { networkClient: new CaTrustingNetworkClient(ca, connectTo) } });

  beforeAll(async () => {
    // Listen on a random loopback port, but write URLs for port 443 (the rewriting client forwards).
    const started = await startTestSim({ autoApprove: ACCOUNTS.primary, listen: { https: { hosts: ['127.0.0.1'], port: 0, publicPort: 443 } } });
    sim = started.sim;
    ca = started.tls.caCertPem;
    connectTo = sim.loginListener;
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('answers as login.microsoftonline.com', () => {
    expect(sim.authorityHost).toBe('https://login.microsoftonline.com');
    expect(sim.knownAuthorities).toEqual(AZURE_LOGIN_HOSTS);
    expect(sim.jwksUri).toBe(`https://login.microsoftonline.com/${sim.tenantId}/discovery/v2.0/keys`);
  });

  it('serves MSAL with hard-coded metadata: no discovery requests, cache alias login.windows.net', async () => {
    const app = pca('https://login.microsoftonline.com/organizations');
    sim.control.resetCounters();
    const r = await app.acquireTokenInteractive({
      scopes: [`${POSTGRES_RESOURCE}/.default`],
      openBrowser: async (url) => {
        expect(new URL(url).origin + new URL(url).pathname).toBe('https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize');
        await completeSignInHeadless(url, { caCertPem: ca, connectTo });
      },
    });
    expect(sim.control.requestCount('openid')).toBe(0);
    expect(sim.control.requestCount('discovery')).toBe(0);
    expect(r.account).toMatchObject({ environment: 'login.windows.net', homeAccountId: `${alice?.objectId}.${sim.tenantId}`, username: ACCOUNTS.primary });
    expect(decodeJwt(r.idToken).payload.iss).toBe(`https://login.microsoftonline.com/${sim.tenantId}/v2.0`);
    expect(decodeJwt(r.accessToken).payload).toMatchObject({ aud: POSTGRES_RESOURCE, iss: sim.issuerV1, upn: ACCOUNTS.primary });

    // The refresh token serves ARM too; an unknown resource is Entra's invalid_resource.
    const account = r.account;
    if (!account) throw new Error('no account');
    const arm = await app.acquireTokenSilent({ account, scopes: ['https://management.azure.com/.default'] });
    expect(decodeJwt(arm.accessToken).payload.aud).toBe('https://management.azure.com');
    const bad: unknown = await app.acquireTokenSilent({ account, scopes: ['https://unknown.example/.default'] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ServerError);
    expect(bad).toMatchObject({ errorCode: 'invalid_resource' });
    expect((bad as ServerError).errorMessage).toContain('AADSTS500011: The resource principal named https://unknown.example was not found');
    expect(sim.control.requestCount('token:refresh_token')).toBe(2);
  });

  for (const [authority, resource, environment] of [
    ['https://login.microsoftonline.us/organizations', 'https://ossrdbms-aad.database.usgovcloudapi.net', 'login.microsoftonline.us'],
    ['https://login.chinacloudapi.cn/organizations', 'https://ossrdbms-aad.database.chinacloudapi.cn', 'login.partner.microsoftonline.cn'],
  ] as const) {
    it(`device code through ${new URL(authority).host} for ${resource}`, async () => {
      const r = await pca(authority).acquireTokenByDeviceCode({
        scopes: [`${resource}/.default`],
        deviceCodeCallback: (info) => {
          // MSAL rewrote the alias to the cloud's network host; the page lives there.
          expect(info.verificationUri).toBe(`https://${environment}/devicelogin`);
          sim.control.approveDeviceCode(info.userCode, ACCOUNTS.primary);
        },
      });
      expect(r?.account?.environment).toBe(environment);
      expect(decodeJwt(r?.idToken ?? '').payload.iss).toBe(`https://${environment}/${sim.tenantId}/v2.0`);
      expect(decodeJwt(r?.accessToken ?? '').payload.aud).toBe(resource);
    });
  }

  it('writes URLs for the Host the request came to, and ignores foreign Host values', async () => {
    const config = async (host: string): Promise<Record<string, unknown>> =>
      JSON.parse((await httpsText(`https://login.microsoftonline.com/${sim.tenantId}/v2.0/.well-known/openid-configuration`, ca, { connectTo, host })).body) as Record<string, unknown>;
    const windowsNet = await config('login.windows.net');
    expect(windowsNet).toMatchObject({
      issuer: `https://login.windows.net/${sim.tenantId}/v2.0`,
      token_endpoint: `https://login.windows.net/${sim.tenantId}/oauth2/v2.0/token`,
      cloud_instance_name: 'microsoftonline.com',
    });
    expect(await config('login.microsoftonline.us')).toMatchObject({ cloud_instance_name: 'microsoftonline.us', msgraph_host: 'graph.microsoft.us' });
    expect((await config('evil.example')).issuer).toBe(`https://login.microsoftonline.com/${sim.tenantId}/v2.0`);
  });

  it('serves instance discovery like Entra (Microsoft hosts only)', async () => {
    const url = (endpoint: string): string => `https://login.microsoftonline.com/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(endpoint)}`;
    const ok = await httpsText(url('https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize'), ca, { connectTo });
    expect(ok.status).toBe(200);
    const body = JSON.parse(ok.body) as { tenant_discovery_endpoint: string; metadata: { preferred_network: string; preferred_cache: string; aliases: string[] }[] };
    expect(body.tenant_discovery_endpoint).toBe('https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration');
    expect(body.metadata[0]).toEqual({
      preferred_network: 'login.microsoftonline.com',
      preferred_cache: 'login.windows.net',
      aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'],
    });
    const unknown = await httpsText(url('https://login.contoso.example/organizations/oauth2/v2.0/authorize'), ca, { connectTo });
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: 'invalid_instance', error_codes: [50049] });
    expect(sim.control.requestCount('discovery')).toBe(2);
  });
});

describe('listen options', () => {
  it('binds resolved host names and the IMDS address it is given', async () => {
    const { sim } = await startTestSim({ listen: { https: { hosts: ['localhost'], port: 0, names: ['localhost'] }, imds: { host: '127.0.0.1', port: 0 } } });
    try {
      expect(sim.authorityHost).toBe(`https://localhost:${sim.loginListener.port}`);
      expect(sim.knownAuthorities).toEqual([`localhost:${sim.loginListener.port}`]);
      expect(sim.imdsEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const r = await fetch(`${sim.imdsEndpoint}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(POSTGRES_RESOURCE)}`, { headers: { Metadata: 'true' } });
      expect(r.status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
