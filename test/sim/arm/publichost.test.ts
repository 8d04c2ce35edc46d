// The public-cloud mode's host routing without the namespace: the Entra simulator's login listener
// (as login.microsoftonline.com & co., URLs for port 443) with ARM mounted on it the way
// test/sim/index.ts does; requests go to the listener keeping their Host header and SNI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntraSim } from '../entra/index.js';
import { startTestSim } from '../entra/support.js';
import { ServerPolicies } from '../flex/policy.js';
import { httpsJson } from '../httpsJson.js';
import { ACCOUNTS, loadDirectory } from '../types.js';
import { SUBSCRIPTIONS, createArmService, mountOnLoginListener } from './index.js';

const dir = loadDirectory();
let entra: EntraSim;
let ca: string;

/** A request to a public host name, sent to the login listener (Host header and SNI kept). */
async function call(url: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await httpsJson(new URL(url), ca, { token, connectTo: entra.loginListener });
  return { status: r.status, body: (r.body ?? {}) as Record<string, unknown> };
}

const mint = (audience: string): string => entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { audience });
const SERVERS = `/subscriptions/${SUBSCRIPTIONS.production}/resourceGroups/rg-data/providers/Microsoft.DBforPostgreSQL/flexibleServers?api-version=2025-08-01`;

beforeAll(async () => {
  const started = await startTestSim({ listen: { https: { hosts: ['127.0.0.1'], port: 0, publicPort: 443 } } });
  entra = started.sim;
  ca = started.tls.caCertPem;
  mountOnLoginListener(entra, createArmService({ directory: dir, policies: new ServerPolicies(), signingKeys: entra.signingKeys }));
});
afterAll(async () => {
  await entra?.close();
});

describe('ARM on the login listener (public-cloud mode)', () => {
  it('management.azure.com is ARM: servers by their public FQDN, nextLink back to management.azure.com', async () => {
    const r = await call(`https://management.azure.com${SERVERS}`, mint('https://management.azure.com/'));
    expect(r.status).toBe(200);
    expect(r.body.nextLink).toMatch(/^https:\/\/management\.azure\.com\/subscriptions\//);
    expect((r.body.value as { properties: { fullyQualifiedDomainName: string } }[])[0]?.properties.fullyQualifiedDomainName).toBe('myserver.postgres.database.azure.com');
  });

  it('a national ARM host takes its own audience and names servers in its own domain', async () => {
    const gov = await call(`https://management.usgovcloudapi.net${SERVERS}`, mint('https://management.usgovcloudapi.net'));
    expect(gov.status).toBe(200);
    expect((gov.body.value as { properties: { fullyQualifiedDomainName: string } }[])[0]?.properties.fullyQualifiedDomainName).toBe('myserver.postgres.database.usgovcloudapi.net');
    const wrong = await call(`https://management.usgovcloudapi.net${SERVERS}`, mint('https://management.azure.com'));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: { code: 'InvalidAuthenticationTokenAudience' } });
    expect((await call(`https://management.chinacloudapi.cn${SERVERS}`, mint('https://management.chinacloudapi.cn/'))).status).toBe(200);
  });

  it('Entra hosts do not serve ARM paths, and ARM hosts do not serve Entra paths', async () => {
    const onLogin = await call(`https://login.microsoftonline.com/subscriptions?api-version=2022-12-01`, mint('https://management.azure.com'));
    expect(onLogin.status).toBe(404);
    expect(onLogin.body).toMatchObject({ error: 'not_found' });
    const onArm = await call(`https://management.azure.com/${dir.tenant.id}/v2.0/.well-known/openid-configuration`);
    expect(onArm.status).toBe(404);
    expect(onArm.body).toMatchObject({ error: { code: 'NotFound' } });
    expect((await call(`https://login.microsoftonline.com/${dir.tenant.id}/v2.0/.well-known/openid-configuration`)).status).toBe(200);
  });
});
