// The public-cloud mode's host routing for Microsoft Graph without the namespace: Graph mounted on
// the Entra simulator's login listener the way test/sim/index.ts does, answering as
// graph.microsoft.com and the national Graph hosts, each with its own token audience.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntraSim } from '../entra/index.js';
import { startTestSim } from '../entra/support.js';
import { httpsJson } from '../httpsJson.js';
import { PimStore } from '../pim/store.js';
import { ACCOUNTS, loadDirectory } from '../types.js';
import { createGraphService, mountOnLoginListener } from './index.js';
import { PIM_BASE, PIM_SCOPES } from './test-support.js';

const dir = structuredClone(loadDirectory());
const store = new PimStore(dir, { eligible: [{ upn: ACCOUNTS.secondary, group: ACCOUNTS.adminGroup }] });
const adm = dir.users.find((u) => u.upn === ACCOUNTS.secondary)?.objectId ?? '';
let entra: EntraSim;
let ca: string;

/** A request to a public host name, sent to the login listener (Host header and SNI kept). */
async function call(url: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await httpsJson(new URL(url), ca, { token, connectTo: entra.loginListener });
  return { status: r.status, body: (r.body ?? {}) as Record<string, unknown> };
}

const mint = (audience: string): string => entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { audience, scp: PIM_SCOPES });
const ELIGIBLE = `${PIM_BASE}/eligibilityScheduleInstances?$filter=principalId%20eq%20'${adm}'`;

beforeAll(async () => {
  const started = await startTestSim({ listen: { https: { hosts: ['127.0.0.1'], port: 0, publicPort: 443 } }, groupsOf: (oid) => store.groupsOf(oid) });
  entra = started.sim;
  ca = started.tls.caCertPem;
  mountOnLoginListener(entra, createGraphService({ store, signingKeys: entra.signingKeys }));
});
afterAll(async () => {
  await entra?.close();
});

describe('Graph on the login listener (public-cloud mode)', () => {
  it('graph.microsoft.com is Graph: its audience, its @odata.context', async () => {
    const r = await call(`https://graph.microsoft.com${ELIGIBLE}`, mint('https://graph.microsoft.com'));
    expect(r.status).toBe(200);
    expect(r.body['@odata.context']).toBe('https://graph.microsoft.com/v1.0/$metadata#identityGovernance/privilegedAccess/group/eligibilityScheduleInstances');
    expect(r.body.value).toHaveLength(1);
    expect((await call(`https://graph.microsoft.com${ELIGIBLE}`, mint('00000003-0000-0000-c000-000000000000'))).status).toBe(200);
  });

  it("a national Graph host takes its own audience, not the public cloud's", async () => {
    expect((await call(`https://graph.microsoft.us${ELIGIBLE}`, mint('https://graph.microsoft.us'))).status).toBe(200);
    expect((await call(`https://microsoftgraph.chinacloudapi.cn${ELIGIBLE}`, mint('https://microsoftgraph.chinacloudapi.cn'))).status).toBe(200);
    const wrong = await call(`https://graph.microsoft.us${ELIGIBLE}`, mint('https://graph.microsoft.com'));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' } });
  });

  it('Entra hosts do not serve Graph paths, and Graph hosts do not serve Entra paths', async () => {
    const onLogin = await call(`https://login.microsoftonline.com${ELIGIBLE}`, mint('https://graph.microsoft.com'));
    expect(onLogin.status).toBe(404);
    const onGraph = await call(`https://graph.microsoft.com/${dir.tenant.id}/v2.0/.well-known/openid-configuration`);
    expect(onGraph.status).toBe(400);
    expect(onGraph.body).toMatchObject({ error: { code: 'BadRequest', message: `Invalid version: ${dir.tenant.id}` } });
  });
});
