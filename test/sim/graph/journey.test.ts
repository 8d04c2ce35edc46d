// The PIM journey end to end with the real MSAL and a real PostgreSQL behind the flexible-server
// simulator: an eligible user cannot log in as db-admins; they activate through Graph with a Graph
// token MSAL gets silently from their sign-in; the database token they already hold still fails
// (its claims count), a fresh one works once the activation has propagated. A group whose policy
// asks for an authentication context: Graph's refusal names the claims, one interactive step-up
// with them, and the activation goes through.
import { readFileSync } from 'node:fs';
import { InteractionRequiredAuthError, PublicClientApplication, type AccountInfo } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSignInHeadless } from '../entra/index.js';
import { CaTrustingNetworkClient } from '../entra/support.js';
import { loginAs } from '../flex/test-support.js';
import { startSimulatedAzure, type SimulatedAzure } from '../index.js';
import { ACCOUNTS, AZURE_CLI_CLIENT_ID, POSTGRES_RESOURCE } from '../types.js';
import { activation, graphRequest, PIM_BASE, sleep } from './test-support.js';

const DELAY = 1_500;
let sim: SimulatedAzure;
let caPem: string;
let msal: PublicClientApplication;
let account: AccountInfo;
let adm: string;
let admins: string;

const PG_SCOPES = [`${POSTGRES_RESOURCE}/.default`];
const graphScopes = (): string[] => [`${sim.graph.endpoint}/PrivilegedEligibilitySchedule.Read.AzureADGroup`, `${sim.graph.endpoint}/PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup`];
const browser = (url: string): Promise<void> => completeSignInHeadless(url, { caCertPem: caPem }).then(() => undefined);

/** Logs in to the flexible server as db-admins with `token`; the current user, or the server's refusal. */
const loginAsAdmins = (token: string): Promise<string> => loginAs({ host: 'localhost', port: sim.state.server.port, ca: caPem }, ACCOUNTS.adminGroup, token);

const activate = async (token: string, justification = 'Schema migration CHG-1042'): Promise<{ status: number; body: unknown }> =>
  graphRequest({ endpoint: sim.graph.endpoint, caFile: sim.caFile }, `${PIM_BASE}/assignmentScheduleRequests`, { method: 'POST', token, body: activation(adm, admins, { justification }) });

beforeAll(async () => {
  sim = await startSimulatedAzure({ pimEligible: [{ upn: ACCOUNTS.secondary, group: ACCOUNTS.adminGroup }], pimActivationDelayMs: DELAY, autoApprove: ACCOUNTS.secondary });
  caPem = readFileSync(sim.caFile, 'utf8');
  adm = sim.state.accounts.find((a) => a.upn === ACCOUNTS.secondary)?.objectId ?? '';
  admins = sim.state.groups.find((g) => g.displayName === ACCOUNTS.adminGroup)?.objectId ?? '';
  msal = new PublicClientApplication({
    auth: { clientId: AZURE_CLI_CLIENT_ID, authority: `${sim.entra.authorityHost}/organizations`, knownAuthorities: sim.entra.knownAuthorities, clientCapabilities: ['CP1'] },
    system: { networkClient: new CaTrustingNetworkClient(caPem) },
  });
  const first = await msal.acquireTokenInteractive({ scopes: PG_SCOPES, openBrowser: browser });
  account = first.account as AccountInfo;
});
afterAll(async () => {
  await sim?.stop();
});

describe('PIM for Groups with a real login', () => {
  it('db-admins refuses the eligible user until they activate; then only a fresh token (after propagation) gets in', async () => {
    const held = (await msal.acquireTokenSilent({ scopes: PG_SCOPES, account })).accessToken;
    expect(await loginAsAdmins(held)).toBe('refused: password authentication failed for user "db-admins"');

    const graph = await msal.acquireTokenSilent({ scopes: graphScopes(), account });
    const r = await activate(graph.accessToken);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'Provisioned' });

    // Right after: a new token does not carry the group yet; the held one never will.
    expect(await loginAsAdmins((await msal.acquireTokenSilent({ scopes: PG_SCOPES, account, forceRefresh: true })).accessToken)).toMatch(/^refused: password authentication failed/);
    await sleep(DELAY + 200);
    expect(await loginAsAdmins(held)).toMatch(/^refused: password authentication failed/);
    // MSAL's cache still hands out the pre-activation token: only a fresh one helps.
    const cached = (await msal.acquireTokenSilent({ scopes: PG_SCOPES, account })).accessToken;
    expect(await loginAsAdmins(cached)).toMatch(/^refused/);
    const fresh = (await msal.acquireTokenSilent({ scopes: PG_SCOPES, account, forceRefresh: true })).accessToken;
    expect(await loginAsAdmins(fresh)).toBe(ACCOUNTS.adminGroup);

    // When it ends, the next fresh token is refused again.
    sim.graph.control.expireActivation(ACCOUNTS.secondary, ACCOUNTS.adminGroup);
    expect(await loginAsAdmins((await msal.acquireTokenSilent({ scopes: PG_SCOPES, account, forceRefresh: true })).accessToken)).toMatch(/^refused/);
  });

  it('an authentication context: the refusal names the claims; one interactive step-up with them; the activation goes through', async () => {
    sim.graph.control.setPimPolicy(ACCOUNTS.adminGroup, { authenticationContext: 'c1' });
    // A sign-in that did no MFA (a session with MFA would meet the context silently).
    sim.entra.control.setMfaByDefault(false);
    try {
      const graph = await msal.acquireTokenInteractive({ scopes: graphScopes(), openBrowser: browser });
      account = graph.account ?? account;
      const refused = await activate(graph.accessToken);
      expect(refused.status).toBe(400);
      const error = (refused.body as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('RoleAssignmentRequestAcrsValidationFailed');
      const claims = decodeURIComponent(error.message.replace(/^.*&claims=/, ''));

      // Silently, Entra wants MFA the grant did not do; interactively, one MFA approval.
      await expect(msal.acquireTokenSilent({ scopes: graphScopes(), account, claims })).rejects.toBeInstanceOf(InteractionRequiredAuthError);
      sim.entra.control.resetCounters();
      const stepped = await msal.acquireTokenInteractive({ scopes: graphScopes(), claims, openBrowser: browser });
      expect(sim.entra.control.events().map((e) => e.kind)).toEqual(['mfaPrompt', 'mfaApproved']);
      const ok = await activate(stepped.accessToken);
      expect(ok.status).toBe(201);
      expect(ok.body).toMatchObject({ status: 'Provisioned' });
    } finally {
      sim.entra.control.setMfaByDefault(true);
      sim.graph.control.setPimPolicy(ACCOUNTS.adminGroup, { authenticationContext: null });
    }
  });
});
