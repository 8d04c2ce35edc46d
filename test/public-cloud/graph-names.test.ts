// PIM for Groups by Azure's real names, inside the public-cloud namespace: Microsoft Graph is
// graph.microsoft.com (and the national Graph hosts) on the login listener's address; an eligible
// user activates there and then logs in to myserver.postgres.database.azure.com as db-admins with
// a fresh token — and not before.
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs } from '../sim/flex/test-support.js';
import { activation, graphRequest, PIM_BASE, PIM_SCOPES, sleep } from '../sim/graph/test-support.js';
import { startSimulatedAzure, type SimulatedAzure } from '../sim/index.js';
import { ENTRA_ADDRESS, PUBLIC_SERVER } from '../sim/publicCloud.js';
import { ACCOUNTS } from '../sim/types.js';
import { namespaceOrSkip } from './fixture.js';

const skip = namespaceOrSkip();
const DELAY = 500;

describe.skipIf(skip !== undefined)('PIM for Groups by the real Graph host names', () => {
  let sim: SimulatedAzure;
  let ca: string;
  let adm: string;
  let admins: string;

  const graph = { endpoint: 'https://graph.microsoft.com', caFile: '' };
  const graphToken = (): string => sim.entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { audience: 'https://graph.microsoft.com', scp: PIM_SCOPES });

  /** Logs in to the public server as db-admins with a fresh token; the current user, or the server's refusal. */
  const loginAsAdmins = (): Promise<string> => loginAs({ host: PUBLIC_SERVER, port: 5432, ca }, ACCOUNTS.adminGroup, sim.entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }));

  beforeAll(async () => {
    sim = await startSimulatedAzure({ publicCloud: true, pimEligible: [{ upn: ACCOUNTS.secondary, group: ACCOUNTS.adminGroup }], pimActivationDelayMs: DELAY });
    ca = readFileSync(sim.caFile, 'utf8');
    graph.caFile = sim.caFile;
    adm = sim.state.accounts.find((a) => a.upn === ACCOUNTS.secondary)?.objectId ?? '';
    admins = sim.state.groups.find((g) => g.displayName === ACCOUNTS.adminGroup)?.objectId ?? '';
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("Graph's names lead to the login listener; the state file names https://graph.microsoft.com", async () => {
    expect(sim.graph.endpoint).toBe('https://graph.microsoft.com');
    expect(sim.state.graphEndpoint).toBe('https://graph.microsoft.com');
    for (const name of ['graph.microsoft.com', 'graph.microsoft.us', 'microsoftgraph.chinacloudapi.cn']) expect((await lookup(name)).address).toBe(ENTRA_ADDRESS);
    const me = await graphRequest(graph, '/v1.0/me');
    expect(me.status).toBe(401);
    expect(me.body).toMatchObject({ error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } });
  });

  it('the eligible user is refused as db-admins, activates on graph.microsoft.com, and gets in with a fresh token once it propagated', async () => {
    expect(await loginAsAdmins()).toBe('refused: password authentication failed for user "db-admins"');
    const eligible = await graphRequest(graph, `${PIM_BASE}/eligibilityScheduleInstances?$filter=principalId eq '${adm}'&$expand=group`, { token: graphToken() });
    expect(eligible.status, eligible.text).toBe(200);
    expect(eligible.body).toMatchObject({ value: [{ groupId: admins, group: { displayName: ACCOUNTS.adminGroup } }] });
    const r = await graphRequest(graph, `${PIM_BASE}/assignmentScheduleRequests`, { token: graphToken(), body: activation(adm, admins) });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#identityGovernance/privilegedAccess/group/assignmentScheduleRequests/$entity',
      status: 'Provisioned',
    });
    await sleep(DELAY + 200);
    expect(await loginAsAdmins()).toBe(ACCOUNTS.adminGroup);
  });
});
