// Azure's mandatory MFA for Resource Manager writes: the 401 claims challenge as ARM sends it, read
// by the Azure SDK's own bearer policy (core-rest-pipeline), and the one step-up through MSAL and
// the Entra simulator that gets a token ARM accepts. Reads and app identities are never challenged.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import type { FirewallRule } from '@azure/arm-postgresql-flexible';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { bearerTokenAuthenticationPolicy, createDefaultHttpClient, createEmptyPipeline, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { InteractionRequiredAuthError, PublicClientApplication, type AccountInfo } from '@azure/msal-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completeSignInHeadless } from '../entra/index.js';
import { CaTrustingNetworkClient } from '../entra/support.js';
import { startSimulatedAzure, type SimulatedAzure } from '../index.js';
import { ACCOUNTS, AZURE_CLI_CLIENT_ID } from '../types.js';
import { MFA_CLAIMS, SUBSCRIPTIONS } from './index.js';
import { armRequest, sdkClient } from './test-support.js';

const PROD = `/subscriptions/${SUBSCRIPTIONS.production}`;
const RULES = `${PROD}/resourceGroups/rg-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/lockedserver/firewallRules`;
const V = 'api-version=2025-08-01';
const BODY = { properties: { startIpAddress: '192.0.2.7', endIpAddress: '192.0.2.7' } };
/** ARM's challenge, byte for byte (the base64 is the one Azure CLI and PowerShell print). */
const CHALLENGE = 'Bearer authorization_uri="https://login.windows.net/", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlcyI6WyJwMSJdfX19"';

let sim: SimulatedAzure;
const mint = (o: { mfa?: boolean; acrs?: string[] } = {}, upn: string = ACCOUNTS.secondary): string => sim.entra.control.mintAccessToken({ upn }, { audience: sim.arm.endpoint, ...o });

beforeAll(async () => {
  sim = await startSimulatedAzure({ withServer: false });
});
afterAll(async () => {
  await sim?.stop();
});
afterEach(() => {
  sim.arm.control.setRequireMfaForWrites(false);
  sim.entra.control.setMfaByDefault(true);
  sim.entra.control.setAutoApprove(null);
  sim.arm.control.setFirewallRules('lockedserver', [{ name: 'office', startIpAddress: '203.0.113.0', endIpAddress: '203.0.113.255' }]);
  sim.arm.control.resetCounters();
  sim.entra.control.resetCounters();
});

describe('mandatory MFA for Resource Manager writes', () => {
  it('is off by default: a write with a token that did no MFA is accepted', async () => {
    const put = await armRequest(sim, `${RULES}/nomfa?${V}`, { method: 'PUT', token: mint({ mfa: false }), body: BODY });
    expect(put.status).toBe(202);
  });

  it('on: PUT and DELETE without MFA get 401 RequestDisallowedByAzure with the insufficient_claims challenge; GET is unaffected', async () => {
    sim.arm.control.setRequireMfaForWrites(true);
    const token = mint({ mfa: false });
    const put = await armRequest(sim, `${RULES}/ClientIPAddress_1?${V}`, { method: 'PUT', token, body: BODY });
    expect(put.status).toBe(401);
    expect(put.headers['www-authenticate']).toBe(CHALLENGE);
    expect(put.body).toEqual({
      error: {
        code: 'RequestDisallowedByAzure',
        message:
          "Resource 'ClientIPAddress_1' was disallowed by Azure: You are receiving this error because you tried to create, update or delete Azure resources without authenticating through MFA. User accounts must be authenticated through MFA to manage your resources. To resolve this error, go to https://aka.ms/MFAforAzure.",
      },
    });
    expect(put.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const claims = /claims="([^"]+)"/.exec(put.headers['www-authenticate'] ?? '')?.[1] ?? '';
    expect(JSON.parse(Buffer.from(claims, 'base64').toString('utf8'))).toEqual(JSON.parse(MFA_CLAIMS));
    expect((await armRequest(sim, `${RULES}/office?${V}`, { method: 'DELETE', token })).status).toBe(401);
    expect(sim.arm.control.firewallRules('lockedserver').map((r) => r.name)).toEqual(['office']);
    const get = await armRequest(sim, `${RULES}?${V}`, { token });
    expect(get.status).toBe(200);
    expect(sim.arm.control.requestCount('mfaChallenge')).toBe(2);
  });

  it('accepts a token that did MFA, one that met the p1 context, and an app identity', async () => {
    sim.arm.control.setRequireMfaForWrites(true);
    expect((await armRequest(sim, `${RULES}/mfa?${V}`, { method: 'PUT', token: mint(), body: BODY })).status).toBe(202);
    expect((await armRequest(sim, `${RULES}/p1?${V}`, { method: 'PUT', token: mint({ mfa: false, acrs: ['p1'] }), body: BODY })).status).toBe(202);
    // Another context is not p1: still challenged.
    expect((await armRequest(sim, `${RULES}/c1?${V}`, { method: 'PUT', token: mint({ mfa: false, acrs: ['c1'] }), body: BODY })).status).toBe(401);
    const app = sim.entra.control.mintAccessToken({ managedIdentity: ACCOUNTS.systemIdentity }, { audience: sim.arm.endpoint });
    const byApp = await armRequest(sim, `${RULES}/app?${V}`, { method: 'PUT', token: app, body: BODY });
    // No role for the identity: RBAC answers, not the MFA check.
    expect(byApp.status).toBe(403);
    expect(sim.arm.control.requestCount('mfaChallenge')).toBe(1);
  });

  /** A credential that hands out a non-MFA token, and a p1 one when asked with claims (recording what it was asked). */
  const stepUpCredential = (): { asked: (string | undefined)[]; getToken(s: string | string[], o?: GetTokenOptions): Promise<AccessToken> } => {
    const asked: (string | undefined)[] = [];
    return {
      asked,
      getToken(_scopes, options) {
        asked.push(options?.claims);
        const token = options?.claims ? mint({ mfa: false, acrs: ['p1'] }) : mint({ mfa: false });
        return Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 });
      },
    };
  };

  /** A firewall rule on lockedserver for one address, written through the ARM client (@azure/arm-postgresql-flexible) with `credential`. */
  const putRuleWithSdk = (credential: TokenCredential, name: string, ip: string): Promise<FirewallRule> =>
    sdkClient(sim, credential, SUBSCRIPTIONS.production).firewallRules.beginCreateOrUpdateAndWait(
      'rg-data',
      'lockedserver',
      name,
      { startIpAddress: ip, endIpAddress: ip },
      { updateIntervalInMs: 10 },
    );

  it("core-rest-pipeline's own bearer policy (its CAE challenge parser, no ARM callback) retries with the decoded claims", async () => {
    sim.arm.control.setRequireMfaForWrites(true);
    const credential = stepUpCredential();
    const pipeline = createEmptyPipeline();
    pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: `${sim.arm.endpoint}/.default` }));
    // Trust the simulator's CA (Node's HTTP client honours request.agent, set on every try).
    const agent = new Agent({ ca: readFileSync(sim.caFile, 'utf8') });
    pipeline.addPolicy({ name: 'simulatorCa', sendRequest: (req, next) => next(Object.assign(req, { agent })) });
    const request = createPipelineRequest({
      url: `${sim.arm.endpoint}${RULES}/ClientIPAddress_crp?${V}`,
      method: 'PUT',
      headers: createHttpHeaders({ 'content-type': 'application/json' }),
      body: JSON.stringify(BODY),
    });
    const response = await pipeline.sendRequest(createDefaultHttpClient(), request);
    expect(response.status).toBe(202);
    expect(credential.asked).toEqual([undefined, MFA_CLAIMS]);
    expect(sim.arm.control.requestCount('mfaChallenge')).toBe(1);
  });

  it('the ARM client (@azure/arm-postgresql-flexible) steps up the same way', async () => {
    sim.arm.control.setRequireMfaForWrites(true);
    const credential = stepUpCredential();
    const asked = credential.asked;
    const rule = await putRuleWithSdk(credential, 'ClientIPAddress_sdk', '192.0.2.8');
    expect(rule.name).toBe('ClientIPAddress_sdk');
    expect(asked).toEqual([undefined, MFA_CLAIMS]);
    expect(sim.arm.control.requestCount('mfaChallenge')).toBe(1);
  });

  it('end to end: a non-MFA MSAL sign-in, the challenge, a silent attempt refused with 50076, one interactive step-up, the write succeeds', async () => {
    sim.arm.control.setRequireMfaForWrites(true);
    sim.entra.control.setMfaByDefault(false);
    sim.entra.control.setAutoApprove(ACCOUNTS.secondary);
    const caCertPem = readFileSync(sim.caFile, 'utf8');
    const msal = new PublicClientApplication({
      auth: { clientId: AZURE_CLI_CLIENT_ID, authority: `${sim.entra.authorityHost}/${sim.entra.tenantId}`, knownAuthorities: sim.entra.knownAuthorities, clientCapabilities: ['CP1'] },
      system: { networkClient: new CaTrustingNetworkClient(caCertPem) },
    });
    const scopes = [`${sim.arm.endpoint}/.default`];
    const browser = (url: string): Promise<void> => completeSignInHeadless(url, { caCertPem }).then(() => undefined);
    const first = await msal.acquireTokenInteractive({ scopes, openBrowser: browser });
    let account = first.account as AccountInfo;
    const silentErrors: unknown[] = [];
    // What a product credential does: silent with the claims, interactive with them if that needs a person.
    const credential = {
      async getToken(s: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
        const request = { scopes: [s].flat(), ...(options?.claims ? { claims: options.claims } : {}) };
        try {
          const r = await msal.acquireTokenSilent({ ...request, account });
          return { token: r.accessToken, expiresOnTimestamp: r.expiresOn?.getTime() ?? Date.now() + 600_000 };
        } catch (e) {
          if (!(e instanceof InteractionRequiredAuthError)) throw e;
          silentErrors.push(e);
          const r = await msal.acquireTokenInteractive({ ...request, openBrowser: browser });
          account = r.account ?? account;
          return { token: r.accessToken, expiresOnTimestamp: r.expiresOn?.getTime() ?? Date.now() + 600_000 };
        }
      },
    };
    sim.entra.control.resetCounters();
    const rule = await putRuleWithSdk(credential, 'ClientIPAddress_msal', '192.0.2.9');
    expect(rule.name).toBe('ClientIPAddress_msal');
    expect(silentErrors).toHaveLength(1);
    expect(silentErrors[0]).toMatchObject({ errorCode: 'invalid_grant', subError: 'basic_action' });
    expect(sim.arm.control.requestCount('mfaChallenge')).toBe(1);
    expect(sim.entra.control.events().map((e) => e.kind)).toEqual(['refusal', 'mfaPrompt', 'mfaApproved']);
    expect(sim.entra.control.requestCount('authorize')).toBe(1);
  });
});
