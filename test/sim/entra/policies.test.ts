// Conditional Access, app assignment and consent: each outcome interactively (what the page shows
// or posts back) and silently (what the token endpoint answers a refresh), in Entra's shapes.
import { afterEach, describe, expect, it } from 'vitest';
import { ACCOUNTS, AZURE_CLI_CLIENT_ID, POSTGRES_RESOURCE, type ConditionalAccessPolicy } from '../types.js';
import { claimsOf, decide, h1, isFormPost, pickAccount, postedFields, redeem, refresh, signInAndRedeem, startSignIn, tokenRequest, type Page } from './flows.js';
import { completeSignInHeadless } from './index.js';
import { httpsText, useTestSim } from './support.js';
import { parseForms } from './browser.js';

const PG = `${POSTGRES_RESOURCE}/.default`;
const ARM = 'https://management.azure.com/.default';
const APP = '9dc2d27b-0177-4af7-a5fe-f8866c83e5ac'; // pgEntra's app registration in directory.json

const policy = (grant: ConditionalAccessPolicy['grant'], over: Partial<ConditionalAccessPolicy> = {}): ConditionalAccessPolicy => ({
  id: '0f8d2c4a-5b6e-4a7f-9c1d-2e3f4a5b6c7d',
  displayName: `Require ${grant}`,
  state: 'enabled',
  users: { include: ['All'] },
  grant,
  ...over,
});

const TRACE = / Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/;
const capolids = (id: string): string => JSON.stringify({ access_token: { capolids: { essential: true, values: [id] } } });
const alert = (p: Page): string => /role="alert">([\s\S]*?)</.exec(p.body)?.[1] ?? '';

describe('Conditional Access, assignment and consent', () => {
  const entra = useTestSim({ mfaByDefault: false });

  afterEach(() => {
    entra.sim.control.setConditionalAccess([]);
    entra.sim.control.setAutoApprove(null);
    entra.sim.control.setClientSettings(APP, { assignmentRequired: false, assignedUsers: [], adminConsented: true, userConsentAllowed: true });
    entra.sim.control.resetCounters();
  });

  it('MFA for Resource Manager only: the database scope refreshes, the ARM refresh answers 50076 with the policy in claims; the ARM sign-in asks for MFA', async () => {
    const t = await signInAndRedeem(entra.sim, entra.ca, ACCOUNTS.secondary, PG);
    const p = policy('mfa', { resources: { include: ['https://management.azure.com'] } });
    entra.sim.control.setConditionalAccess([p]);
    const rt = String(t.json.refresh_token);
    expect((await refresh(entra.sim, entra.ca, rt, PG)).status).toBe(200);
    // The CLI's resource URI for ARM is the same cloud app.
    for (const scope of [ARM, 'https://management.core.windows.net//.default']) {
      const r = await refresh(entra.sim, entra.ca, rt, scope);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ error: 'invalid_grant', error_codes: [50076], suberror: 'basic_action', claims: capolids(p.id) });
      expect(String(r.json.error_description)).toMatch(/^AADSTS50076: .*must use multi-factor authentication to access '797f4846-ba00-4fd7-ba43-dac1f8f63013'\./);
      expect(String(r.json.error_description)).toMatch(TRACE);
    }
    expect(entra.sim.control.events('refusal')).toHaveLength(2);
    // Interactively for ARM: the approval page, then a token that did MFA.
    const s = await startSignIn(entra.sim, entra.ca, { scope: ARM });
    const approval = await pickAccount(entra.ca, s.page, ACCOUNTS.secondary);
    expect(h1(approval)).toBe('Approve sign in request');
    const arm = await redeem(entra.sim, entra.ca, postedFields(await decide(entra.ca, approval, 'approve')).code ?? '', s.verifier, ARM);
    expect(claimsOf(arm.json.access_token)).toMatchObject({ aud: 'https://management.azure.com', amr: ['pwd', 'mfa'] });
    // Its refresh token meets the policy from now on.
    expect((await refresh(entra.sim, entra.ca, String(arm.json.refresh_token), ARM)).status).toBe(200);
  });

  it('excluded users, other clients, report-only and disabled policies are not enforced', async () => {
    const t = await signInAndRedeem(entra.sim, entra.ca, ACCOUNTS.secondary, PG);
    const rt = String(t.json.refresh_token);
    for (const p of [
      policy('block', { users: { include: ['All'], exclude: ['db-admins'] } }),
      policy('block', { clients: [APP] }),
      policy('block', { state: 'enabledForReportingButNotEnforced' }),
      policy('block', { state: 'disabled' }),
      policy('block', { resources: { include: ['All'], exclude: [POSTGRES_RESOURCE] } }),
    ]) {
      entra.sim.control.setConditionalAccess([p]);
      expect((await refresh(entra.sim, entra.ca, rt, PG)).status, p.displayName).toBe(200);
    }
    entra.sim.control.setConditionalAccess([policy('block', { users: { include: [ACCOUNTS.secondary] } })]);
    expect((await refresh(entra.sim, entra.ca, rt, PG)).json.error_codes).toEqual([53003]);
    expect(() => entra.sim.control.setConditionalAccess([policy('block', { users: { include: ['nobody@contoso.example'] } })])).toThrow(/no user or group named nobody/);
  });

  it('block (53003): the page says so and never posts back; a refresh answers invalid_grant, message_only, with capolids', async () => {
    const t = await signInAndRedeem(entra.sim, entra.ca, ACCOUNTS.primary, PG);
    const p = policy('block');
    entra.sim.control.setConditionalAccess([p]);
    const s = await startSignIn(entra.sim, entra.ca, { scope: PG });
    const page = await pickAccount(entra.ca, s.page, ACCOUNTS.primary);
    expect(h1(page)).toBe('You don&#39;t have access to this');
    expect(alert(page)).toContain('Error Code: 53003');
    expect(page.body).toMatch(/<dt>App id<\/dt><dd>04b07795-8ddb-461a-bbee-02f9e1bf7b46<\/dd>/);
    expect(parseForms(page.body)).toEqual([]);
    const r = await refresh(entra.sim, entra.ca, String(t.json.refresh_token), PG);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'invalid_grant', error_codes: [53003], suberror: 'message_only', claims: capolids(p.id) });
    expect(String(r.json.error_description)).toMatch(/^AADSTS53003: Access has been blocked by Conditional Access policies\. The access policy does not allow token issuance\./);
    expect(entra.sim.control.events('refusal').map((e) => (e.kind === 'refusal' ? [e.via, e.aadsts] : []))).toEqual([
      ['authorize', 53003],
      ['token', 53003],
    ]);
    // The auto-approve person meets the same page; the headless helper reports it.
    entra.sim.control.setAutoApprove(ACCOUNTS.primary);
    const auto = await startSignIn(entra.sim, entra.ca, { scope: PG });
    expect(isFormPost(auto.page)).toBe(false);
    expect(alert(auto.page)).toContain('Error Code: 53003');
  });

  it('compliant device (53000): the page, whose back link posts access_denied + error_subcode=cancel with no description; a refresh answers 530003', async () => {
    const t = await signInAndRedeem(entra.sim, entra.ca, ACCOUNTS.primary, PG);
    const p = policy('compliantDevice');
    entra.sim.control.setConditionalAccess([p]);
    const s = await startSignIn(entra.sim, entra.ca, { scope: PG });
    const page = await pickAccount(entra.ca, s.page, ACCOUNTS.primary);
    expect(h1(page)).toBe('Help us keep your device secure');
    expect(alert(page)).toContain('Error Code: 53000');
    expect(page.body).toContain('<dt>Device state</dt><dd>Unregistered</dd>');
    expect(postedFields(await decide(entra.ca, page, 'back'))).toEqual({ error: 'access_denied', error_subcode: 'cancel', state: 'st-1' });
    const r = await refresh(entra.sim, entra.ca, String(t.json.refresh_token), PG);
    expect(r.json).toMatchObject({ error: 'invalid_grant', error_codes: [530003], claims: capolids(p.id) });
    expect(String(r.json.error_description)).toMatch(/^AADSTS530003: Your device is required to be managed to access this resource\./);
    // The auto-approve person leaves the page by its back link: the app gets the refusal.
    entra.sim.control.setAutoApprove(ACCOUNTS.primary);
    expect(postedFields((await startSignIn(entra.sim, entra.ca, { scope: PG })).page)).toEqual({ error: 'access_denied', error_subcode: 'cancel', state: 'st-1' });
  });

  it('user not assigned (50105): posted back as access_denied; a refresh answers invalid_grant 50105; an assigned group member signs in', async () => {
    const t = await signInAndRedeem(entra.sim, entra.ca, ACCOUNTS.primary, PG);
    entra.sim.control.setClientSettings(AZURE_CLI_CLIENT_ID, { assignmentRequired: true, assignedUsers: ['db-admins'] });
    try {
      const s = await startSignIn(entra.sim, entra.ca, { scope: PG });
      const posted = postedFields(await pickAccount(entra.ca, s.page, ACCOUNTS.primary));
      expect(posted).toMatchObject({ error: 'access_denied', state: 'st-1' });
      expect(posted.error_description).toMatch(
        /^AADSTS50105: Your administrator has configured the application Microsoft Azure CLI \('04b07795-8ddb-461a-bbee-02f9e1bf7b46'\) to block users unless they are specifically granted \('assigned'\) access to the application\. The signed in user 'alice@contoso\.example' is blocked/,
      );
      const r = await refresh(entra.sim, entra.ca, String(t.json.refresh_token), PG);
      expect(r.json).toMatchObject({ error: 'invalid_grant', error_codes: [50105] });
      expect((await signInAndRedeem(entra.sim, entra.ca, ACCOUNTS.secondary, PG)).status).toBe(200);
    } finally {
      entra.sim.control.setClientSettings(AZURE_CLI_CLIENT_ID, { assignmentRequired: false, assignedUsers: [] });
    }
  });

  it('consent (65001): the consent page once per user, then silent; without admin consent a refresh answers consent_required', async () => {
    const before = await signInAndRedeem(entra.sim, entra.ca, ACCOUNTS.primary, PG);
    entra.sim.control.setClientSettings(AZURE_CLI_CLIENT_ID, { adminConsented: false });
    try {
      const r = await refresh(entra.sim, entra.ca, String(before.json.refresh_token), PG);
      expect(r.json).toMatchObject({ error: 'invalid_grant', error_codes: [65001], suberror: 'consent_required' });
      expect(String(r.json.error_description)).toMatch(
        /^AADSTS65001: The user or administrator has not consented to use the application with ID '04b07795-8ddb-461a-bbee-02f9e1bf7b46' named 'Microsoft Azure CLI'\. Send an interactive authorization request for this user and resource\./,
      );
      const s = await startSignIn(entra.sim, entra.ca, { scope: PG });
      const consent = await pickAccount(entra.ca, s.page, ACCOUNTS.primary);
      expect(h1(consent)).toBe('Permissions requested');
      const cancelled = postedFields(await decide(entra.ca, consent, 'cancel'));
      expect(cancelled).toMatchObject({ error: 'access_denied', error_subcode: 'cancel', error_description: expect.stringMatching(/^AADSTS65004: User declined to consent/) });
      const again = await startSignIn(entra.sim, entra.ca, { scope: PG });
      const t = await redeem(entra.sim, entra.ca, postedFields(await decide(entra.ca, await pickAccount(entra.ca, again.page, ACCOUNTS.primary), 'accept')).code ?? '', again.verifier, PG);
      expect(t.status).toBe(200);
      expect((await refresh(entra.sim, entra.ca, String(t.json.refresh_token), PG)).status).toBe(200);
      expect(entra.sim.control.events().map((e) => e.kind)).toEqual(['refusal', 'consentPrompt', 'consentPrompt', 'consentGranted']);
      // Consented once: the next sign-in goes straight through.
      expect((await signInAndRedeem(entra.sim, entra.ca, ACCOUNTS.primary, PG)).status).toBe(200);
      // Users may not consent: "Need admin approval" (90094), whose link returns to the app.
      entra.sim.control.setClientSettings(AZURE_CLI_CLIENT_ID, { userConsentAllowed: false });
      const admin = await pickAccount(entra.ca, (await startSignIn(entra.sim, entra.ca, { scope: PG })).page, ACCOUNTS.secondary);
      expect(h1(admin)).toBe('Need admin approval');
      expect(alert(admin)).toContain('Error Code: 90094');
      expect(postedFields(await decide(entra.ca, admin, 'back'))).toMatchObject({ error: 'access_denied', error_subcode: 'cancel' });
    } finally {
      entra.sim.control.setClientSettings(AZURE_CLI_CLIENT_ID, { adminConsented: true, userConsentAllowed: true });
    }
  });

  it('MFA comes before consent: the approval page, then the consent page', async () => {
    entra.sim.control.setClientSettings(AZURE_CLI_CLIENT_ID, { adminConsented: false });
    entra.sim.control.setConditionalAccess([policy('mfa')]);
    try {
      const s = await startSignIn(entra.sim, entra.ca, { scope: PG });
      const approval = await pickAccount(entra.ca, s.page, ACCOUNTS.nonMember);
      expect(h1(approval)).toBe('Approve sign in request');
      const consent = await decide(entra.ca, approval, 'approve');
      expect(h1(consent)).toBe('Permissions requested');
      const t = await redeem(entra.sim, entra.ca, postedFields(await decide(entra.ca, consent, 'accept')).code ?? '', s.verifier, PG);
      expect(claimsOf(t.json.access_token).amr).toEqual(['pwd', 'mfa']);
    } finally {
      entra.sim.control.setClientSettings(AZURE_CLI_CLIENT_ID, { adminConsented: true });
    }
  });

  it("failNext('authorize', …, { pageOnly }) stays on the page: nothing reaches the app and the headless helper reports it", async () => {
    entra.sim.control.failNext('authorize', { error: 'invalid_request', aadsts: 50020, pageOnly: true });
    const s = await startSignIn(entra.sim, entra.ca, { scope: PG });
    expect(isFormPost(s.page)).toBe(false);
    expect(alert(s.page)).toMatch(/^AADSTS50020: User account from identity provider does not exist in tenant/);
    entra.sim.control.failNext('authorize', { error: 'invalid_request', aadsts: 50020, pageOnly: true });
    const url = `${entra.sim.authorityHost}/${entra.sim.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: AZURE_CLI_CLIENT_ID, redirect_uri: 'http://localhost:5999', response_type: 'code', response_mode: 'form_post', scope: PG, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }).toString()}`;
    await expect(completeSignInHeadless(url, { caCertPem: entra.ca, upn: ACCOUNTS.primary })).rejects.toThrow(/AADSTS50020/);
  });

  it('device code: a block policy stays on the device-login page and polls keep waiting; approveDeviceCode throws with the code', async () => {
    entra.sim.control.setConditionalAccess([policy('block')]);
    const dc = JSON.parse((await httpsText(`${entra.sim.authorityHost}/${entra.sim.tenantId}/oauth2/v2.0/devicecode`, entra.ca, { form: { client_id: AZURE_CLI_CLIENT_ID, scope: PG } })).body) as {
      user_code: string;
      device_code: string;
    };
    const form = parseForms((await httpsText(`${entra.sim.authorityHost}/devicelogin`, entra.ca)).body)[0];
    const page = await httpsText(form?.action ?? '', entra.ca, { form: { otc: dc.user_code, upn: ACCOUNTS.primary } });
    expect(h1({ status: 200, body: page.body })).toBe('You don&#39;t have access to this');
    expect((await tokenRequest(entra.sim, entra.ca, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: dc.device_code })).json.error).toBe('authorization_pending');
    expect(() => entra.sim.control.approveDeviceCode(dc.user_code, ACCOUNTS.primary)).toThrow(/AADSTS53003/);
  });
});
