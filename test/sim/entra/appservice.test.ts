// Managed identity through the App Service endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER).
import { ManagedIdentityApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, loadDirectory, POSTGRES_RESOURCE } from '../types.js';
import type { EntraSim } from './index.js';
import { decodeJwt, startTestSim } from './support.js';

const dir = loadDirectory();

describe('managed identity via App Service', () => {
  let sim: EntraSim;
  const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

  beforeAll(async () => {
    sim = (await startTestSim()).sim;
    process.env.IDENTITY_ENDPOINT = sim.appService.endpoint;
    process.env.IDENTITY_HEADER = sim.appService.header;
  });
  afterAll(async () => {
    for (const [k, v] of [
      ['IDENTITY_ENDPOINT', saved.endpoint],
      ['IDENTITY_HEADER', saved.header],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await sim?.close();
  });

  it('gets system- and user-assigned tokens', async () => {
    const sys = new ManagedIdentityApplication();
    expect(sys.getManagedIdentitySource()).toBe('AppService');
    const r = await sys.acquireToken({ resource: POSTGRES_RESOURCE });
    const system = dir.managedIdentities.find((m) => m.name === ACCOUNTS.systemIdentity);
    expect(decodeJwt(r.accessToken).payload).toMatchObject({ aud: POSTGRES_RESOURCE, oid: system?.objectId, idtyp: 'app' });
    const user = dir.managedIdentities.find((m) => m.name === ACCOUNTS.userIdentity);
    const ua = new ManagedIdentityApplication({ managedIdentityIdParams: { userAssignedClientId: user?.clientId ?? '' } });
    const r2 = await ua.acquireToken({ resource: POSTGRES_RESOURCE, forceRefresh: true });
    expect(decodeJwt(r2.accessToken).payload).toMatchObject({ appid: user?.clientId, xms_mirid: user?.resourceId });
    expect(sim.control.requestCount('appservice')).toBe(2);
  });

  it('requires the X-IDENTITY-HEADER secret and answers with string expires_on', async () => {
    const url = `${sim.appService.endpoint}?api-version=2019-08-01&resource=${encodeURIComponent(POSTGRES_RESOURCE)}`;
    expect((await fetch(url)).status).toBe(401);
    const ok = await fetch(url, { headers: { 'X-IDENTITY-HEADER': sim.appService.header } });
    const body = (await ok.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'client_id', 'expires_on', 'resource', 'token_type']);
    expect(typeof body.expires_on).toBe('string');
  });
});
