// Managed identity through IMDS (AZURE_POD_IDENTITY_AUTHORITY_HOST). MSAL picks the source once
// per process, so App Service lives in its own file (vitest gives each file its own worker).
import { ManagedIdentityApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, loadDirectory, POSTGRES_RESOURCE } from '../types.js';
import type { EntraSim } from './index.js';
import { decodeJwt, startTestSim } from './support.js';

const dir = loadDirectory();
const identity = (name: string): (typeof dir.managedIdentities)[number] => {
  const m = dir.managedIdentities.find((x) => x.name === name);
  if (!m) throw new Error(name);
  return m;
};

describe('managed identity via IMDS', () => {
  let sim: EntraSim;
  const saved = process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;

  beforeAll(async () => {
    sim = (await startTestSim()).sim;
    delete process.env.IDENTITY_ENDPOINT;
    delete process.env.IDENTITY_HEADER;
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = sim.imdsEndpoint;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
    else process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = saved;
    await sim?.close();
  });

  it('gets a system-assigned identity token (MSAL default network client, plain HTTP)', async () => {
    const app = new ManagedIdentityApplication();
    // MSAL names the IMDS source 'DefaultToImds' even when AZURE_POD_IDENTITY_AUTHORITY_HOST redirects it.
    expect(app.getManagedIdentitySource()).toBe('DefaultToImds');
    const r = await app.acquireToken({ resource: `${POSTGRES_RESOURCE}/.default` });
    const p = decodeJwt(r.accessToken).payload;
    const system = identity(ACCOUNTS.systemIdentity);
    expect(p).toMatchObject({ aud: POSTGRES_RESOURCE, appid: system.clientId, oid: system.objectId, idtyp: 'app', xms_mirid: system.resourceId, iss: sim.issuerV1 });
    expect(p.upn).toBeUndefined();
    expect(r.expiresOn && r.expiresOn.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    expect(sim.control.requestCount('imds')).toBe(1);
  });

  it('gets a user-assigned identity token by client id', async () => {
    const user = identity(ACCOUNTS.userIdentity);
    const app = new ManagedIdentityApplication({ managedIdentityIdParams: { userAssignedClientId: user.clientId } });
    const r = await app.acquireToken({ resource: POSTGRES_RESOURCE });
    const p = decodeJwt(r.accessToken).payload;
    expect(p).toMatchObject({ appid: user.clientId, oid: user.objectId, xms_mirid: user.resourceId });
  });

  it('answers like IMDS on the wire (Metadata header, string numbers, unknown identity)', async () => {
    const base = `${sim.imdsEndpoint}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(POSTGRES_RESOURCE)}`;
    const noHeader = await fetch(base);
    expect(noHeader.status).toBe(400);
    expect(await noHeader.json()).toEqual({ error: 'bad_request_102', error_description: 'Required metadata header not specified' });
    const ok = await fetch(base, { headers: { Metadata: 'true' } });
    const body = (await ok.json()) as Record<string, unknown>;
    expect(typeof body.expires_on).toBe('string');
    expect(typeof body.expires_in).toBe('string');
    expect(body).toMatchObject({ resource: POSTGRES_RESOURCE, token_type: 'Bearer', client_id: identity(ACCOUNTS.systemIdentity).clientId });
    const unknown = await fetch(`${base}&client_id=00000000-0000-0000-0000-000000000000`, { headers: { Metadata: 'true' } });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error_description: 'Identity not found' });
    const byRes = await fetch(`${base}&msi_res_id=${encodeURIComponent(identity(ACCOUNTS.userIdentity).resourceId)}`, { headers: { Metadata: 'true' } });
    expect(byRes.status).toBe(200);
  });
  it('answers IMDS errors like Azure: bad_request_102 for the Metadata header, invalid_resource for unknown resources', async () => {
    const base = `${sim.imdsEndpoint}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=`;
    const headerError = { error: 'bad_request_102', error_description: 'Required metadata header not specified' };
    for (const value of ['True', 'TRUE', 'yes']) {
      const r = await fetch(base + encodeURIComponent(POSTGRES_RESOURCE), { headers: { Metadata: value } });
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual(headerError);
    }
    const unknown = await fetch(base + encodeURIComponent('https://unknown.example'), { headers: { Metadata: 'true' } });
    expect(unknown.status).toBe(400);
    const body = (await unknown.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'invalid_resource', error_codes: [500011] });
    expect(String(body.error_description)).toMatch(/^AADSTS500011: The resource principal named https:\/\/unknown\.example was not found .* Trace ID: \S+ Correlation ID: \S+ Timestamp: /);
    for (const resource of ['https://ossrdbms-aad.database.usgovcloudapi.net', 'https://ossrdbms-aad.database.chinacloudapi.cn', 'https://management.azure.com/']) {
      expect((await fetch(base + encodeURIComponent(resource), { headers: { Metadata: 'true' } })).status).toBe(200);
    }
  });

  it('issues managed-identity tokens for about 24 h, independent of the user-token lifetime', async () => {
    const get = async (): Promise<Record<string, unknown>> =>
      (await (
        await fetch(`${sim.imdsEndpoint}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(POSTGRES_RESOURCE)}`, { headers: { Metadata: 'true' } })
      ).json()) as Record<string, unknown>;
    sim.control.setTokenLifetime(60);
    try {
      const day = await get();
      expect(day.expires_in).toBe('86400');
      expect(Number(day.expires_on) - Number(day.not_before)).toBe(86400);
      const p = decodeJwt(String(day.access_token)).payload;
      expect(Number(p.exp) - Number(p.iat)).toBe(86400);
      sim.control.setManagedIdentityTokenLifetime(120);
      expect((await get()).expires_in).toBe('120');
    } finally {
      sim.control.setTokenLifetime(null);
      sim.control.setManagedIdentityTokenLifetime(86400);
    }
  });
});
