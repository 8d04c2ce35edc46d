// MFA as an enterprise tenant does it: only when asked (the request's claims, or the person), done
// on the "Approve sign in request" page, remembered by the grant, and never granted silently.
import { InteractionRequiredAuthError, PublicClientApplication, type AccountInfo } from '@azure/msal-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, AZURE_CLI_CLIENT_ID, POSTGRES_RESOURCE } from '../types.js';
import { claimsOf, decide, h1, isFormPost, P1_CLAIMS, pickAccount, postedFields, redeem, refresh, signInAndRedeem, startSignIn, tokenRequest, withCp1 } from './flows.js';
import { completeSignInHeadless, signInWithChromium } from './index.js';
import { CaTrustingNetworkClient, httpsText, startTestSim, useTestSim } from './support.js';
import { parseForms } from './browser.js';

const PG = `${POSTGRES_RESOURCE}/.default`;
const P1 = JSON.stringify(P1_CLAIMS);

describe('MFA on demand (mfaByDefault off)', () => {
  const entra = useTestSim({ mfaByDefault: false });

  afterEach(() => {
    entra.sim.control.setAutoApprove(null);
    entra.sim.control.resetCounters();
  });

  it('signs in without MFA when nothing asks for it: amr pwd only, no approval page', async () => {
    const t = await signInAndRedeem(entra.sim, entra.ca, ACCOUNTS.primary, PG);
    expect(t.status).toBe(200);
    expect(claimsOf(t.json.access_token)).toMatchObject({ amr: ['pwd'], upn: ACCOUNTS.primary });
    expect(claimsOf(t.json.access_token).acrs).toBeUndefined();
    expect(entra.sim.control.events('mfaPrompt')).toEqual([]);
    // The refreshed token says the same: the grant did no MFA.
    const r = await refresh(entra.sim, entra.ca, String(t.json.refresh_token), PG);
    expect(claimsOf(r.json.access_token).amr).toEqual(['pwd']);
  });

  it('an acrs claims request (merged with CP1, as MSAL sends it) shows the approval page; approving gives amr mfa and acrs p1', async () => {
    const s = await startSignIn(entra.sim, entra.ca, { scope: PG, claims: withCp1(P1_CLAIMS) });
    const approval = await pickAccount(entra.ca, s.page, ACCOUNTS.secondary);
    expect(h1(approval)).toBe('Approve sign in request');
    expect(approval.body).toMatch(/<button type="submit" name="decision" value="approve" class="primary">Approve<\/button>/);
    expect(approval.body).toContain('>Deny</button>');
    const posted = postedFields(await decide(entra.ca, approval, 'approve'));
    expect(posted.state).toBe('st-1');
    const t = await redeem(entra.sim, entra.ca, posted.code ?? '', s.verifier, PG, withCp1(P1_CLAIMS));
    expect(claimsOf(t.json.access_token)).toMatchObject({ amr: ['pwd', 'mfa'], acrs: ['p1'] });
    expect(entra.sim.control.events().map((e) => e.kind)).toEqual(['mfaPrompt', 'mfaApproved']);
    // A refresh asking for the same context is met by the grant's MFA: no prompt, no refusal.
    const r = await refresh(entra.sim, entra.ca, String(t.json.refresh_token), PG, P1);
    expect(r.status).toBe(200);
    expect(claimsOf(r.json.access_token)).toMatchObject({ amr: ['pwd', 'mfa'], acrs: ['p1'] });
    // …and the rotated refresh token still remembers it.
    const again = await refresh(entra.sim, entra.ca, String(r.json.refresh_token), PG);
    expect(claimsOf(again.json.access_token)).toMatchObject({ amr: ['pwd', 'mfa'], acrs: ['p1'] });
    expect(entra.sim.control.events('mfaPrompt')).toHaveLength(1);
  });

  it('an amr "mfa" request and the acr urn:microsoft:policies:mfa ask for MFA too; a non-essential one does not', async () => {
    for (const claims of [{ access_token: { amr: { essential: true, values: ['mfa'] } } }, { id_token: { acr: { essential: true, values: ['urn:microsoft:policies:mfa'] } } }]) {
      const s = await startSignIn(entra.sim, entra.ca, { scope: PG, claims: JSON.stringify(claims) });
      expect(h1(await pickAccount(entra.ca, s.page, ACCOUNTS.primary))).toBe('Approve sign in request');
    }
    const s = await startSignIn(entra.sim, entra.ca, { scope: PG, claims: JSON.stringify({ access_token: { acrs: { values: ['p1'] } } }) });
    expect(isFormPost(await pickAccount(entra.ca, s.page, ACCOUNTS.primary))).toBe(true);
  });

  it('a malformed claims parameter is posted back as invalid_request', async () => {
    const s = await startSignIn(entra.sim, entra.ca, { scope: PG, claims: '{"access_token":' });
    expect(postedFields(s.page)).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/^AADSTS9002313: .* Trace ID: /) });
  });

  it('"Approve with MFA" on the chooser does MFA although nothing asks (no acrs)', async () => {
    const s = await startSignIn(entra.sim, entra.ca, { scope: PG });
    const approval = await pickAccount(entra.ca, s.page, ACCOUNTS.primary, { mfa: true });
    expect(h1(approval)).toBe('Approve sign in request');
    const t = await redeem(entra.sim, entra.ca, postedFields(await decide(entra.ca, approval, 'approve')).code ?? '', s.verifier, PG);
    expect(claimsOf(t.json.access_token).amr).toEqual(['pwd', 'mfa']);
    expect(claimsOf(t.json.access_token).acrs).toBeUndefined();
  });

  it('denying the push stays on the page with AADSTS500121 (nothing is posted back)', async () => {
    const s = await startSignIn(entra.sim, entra.ca, { scope: PG, claims: P1 });
    const denied = await decide(entra.ca, await pickAccount(entra.ca, s.page, ACCOUNTS.primary), 'decline');
    expect(isFormPost(denied)).toBe(false);
    expect(denied.body).toContain('AADSTS500121: Authentication failed during strong authentication request.');
    expect(entra.sim.control.events().map((e) => e.kind)).toEqual(['mfaPrompt', 'mfaDeclined']);
  });

  it('a refresh asking for MFA the grant did not do is refused with AADSTS50076 (basic_action), never granted; the grant still works without it', async () => {
    const t = await signInAndRedeem(entra.sim, entra.ca, ACCOUNTS.primary, PG);
    const rt = String(t.json.refresh_token);
    const r = await refresh(entra.sim, entra.ca, rt, PG, withCp1(P1_CLAIMS));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({
      error: 'invalid_grant',
      error_codes: [50076],
      suberror: 'basic_action',
      error_description: expect.stringMatching(
        /^AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '.+'\. Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
      ),
    });
    // Asked by the client's own claims, not a policy: no capolids to name.
    expect(r.json.claims).toBeUndefined();
    expect(entra.sim.control.events('refusal')).toEqual([{ kind: 'refusal', aadsts: 50076, upn: ACCOUNTS.primary, via: 'token', policyIds: [] }]);
    // The refused request did not use the refresh token up.
    expect((await refresh(entra.sim, entra.ca, rt, PG)).status).toBe(200);
  });

  it('the auto-approve person approves MFA whenever it is required', async () => {
    entra.sim.control.setAutoApprove(ACCOUNTS.secondary);
    const s = await startSignIn(entra.sim, entra.ca, { scope: PG, claims: P1 });
    const t = await redeem(entra.sim, entra.ca, postedFields(s.page).code ?? '', s.verifier, PG);
    expect(claimsOf(t.json.access_token)).toMatchObject({ upn: ACCOUNTS.secondary, amr: ['pwd', 'mfa'], acrs: ['p1'] });
    expect(entra.sim.control.events().map((e) => e.kind)).toEqual(['mfaPrompt', 'mfaApproved']);
    // Nothing required: no MFA, even for the auto-approve person.
    const plain = await startSignIn(entra.sim, entra.ca, { scope: PG });
    const t2 = await redeem(entra.sim, entra.ca, postedFields(plain.page).code ?? '', plain.verifier, PG);
    expect(claimsOf(t2.json.access_token).amr).toEqual(['pwd']);
  });

  it('the headless helper approves the MFA step of an MSAL sign-in with claims', async () => {
    const app = new PublicClientApplication({
      auth: { clientId: AZURE_CLI_CLIENT_ID, authority: `${entra.sim.authorityHost}/${entra.sim.tenantId}`, knownAuthorities: entra.sim.knownAuthorities, clientCapabilities: ['CP1'] },
      system: { networkClient: new CaTrustingNetworkClient(entra.ca) },
    });
    const result = await app.acquireTokenInteractive({
      scopes: [PG],
      claims: P1,
      openBrowser: async (authorizeUrl) => {
        // MSAL sends the step-up merged with its capability (and id_token requests of its own).
        const sent = JSON.parse(new URL(authorizeUrl).searchParams.get('claims') ?? '{}') as { access_token?: unknown };
        expect(sent.access_token).toEqual({ xms_cc: { values: ['CP1'] }, acrs: { essential: true, values: ['p1'] } });
        await completeSignInHeadless(authorizeUrl, { caCertPem: entra.ca, upn: ACCOUNTS.primary });
      },
    });
    expect(claimsOf(result.accessToken)).toMatchObject({ amr: ['pwd', 'mfa'], acrs: ['p1'] });
    expect(entra.sim.control.events('mfaApproved')).toHaveLength(1);
  });
});

describe('Chromium through the steps', () => {
  it('ticks "Approve with MFA", approves the MFA page and accepts the consent page', async () => {
    const { sim, tls } = await startTestSim({ mfaByDefault: false });
    sim.control.setClientSettings(AZURE_CLI_CLIENT_ID, { adminConsented: false });
    try {
      const app = new PublicClientApplication({
        auth: { clientId: AZURE_CLI_CLIENT_ID, authority: `${sim.authorityHost}/${sim.tenantId}`, knownAuthorities: sim.knownAuthorities },
        system: { networkClient: new CaTrustingNetworkClient(tls.caCertPem) },
      });
      const result = await app.acquireTokenInteractive({ scopes: [PG], openBrowser: (url) => signInWithChromium(url, ACCOUNTS.secondary, { approveWithMfa: true }) });
      expect(claimsOf(result.accessToken)).toMatchObject({ upn: ACCOUNTS.secondary, amr: ['pwd', 'mfa'] });
      expect(sim.control.events().map((e) => e.kind)).toEqual(['mfaPrompt', 'mfaApproved', 'consentPrompt', 'consentGranted']);
    } finally {
      await sim.close();
    }
  });
});

describe('MSAL step-up against a non-MFA grant', () => {
  const entra = useTestSim({ mfaByDefault: false, autoApprove: ACCOUNTS.secondary });
  let app: PublicClientApplication;
  let account: AccountInfo;

  beforeAll(async () => {
    app = new PublicClientApplication({
      auth: { clientId: AZURE_CLI_CLIENT_ID, authority: `${entra.sim.authorityHost}/${entra.sim.tenantId}`, knownAuthorities: entra.sim.knownAuthorities, clientCapabilities: ['CP1'] },
      system: { networkClient: new CaTrustingNetworkClient(entra.ca) },
    });
    const r = await app.acquireTokenInteractive({ scopes: [PG], openBrowser: async (url) => void (await completeSignInHeadless(url, { caCertPem: entra.ca })) });
    if (!r.account) throw new Error('no account');
    account = r.account;
  });

  it('acquireTokenSilent with claims throws InteractionRequiredAuthError (50076); one interactive step-up with the claims gets acrs p1; silent then works', async () => {
    entra.sim.control.resetCounters();
    const err: unknown = await app.acquireTokenSilent({ account, scopes: [PG], claims: P1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InteractionRequiredAuthError);
    expect(err).toMatchObject({ errorCode: 'invalid_grant', subError: 'basic_action' });
    expect((err as InteractionRequiredAuthError).errorMessage).toMatch(/^AADSTS50076: /);
    const stepped = await app.acquireTokenInteractive({ scopes: [PG], claims: P1, openBrowser: async (url) => void (await completeSignInHeadless(url, { caCertPem: entra.ca })) });
    expect(claimsOf(stepped.accessToken)).toMatchObject({ amr: ['pwd', 'mfa'], acrs: ['p1'] });
    const silent = await app.acquireTokenSilent({ account: stepped.account ?? account, scopes: [PG], claims: P1 });
    expect(claimsOf(silent.accessToken)).toMatchObject({ acrs: ['p1'] });
    expect(entra.sim.control.events('mfaPrompt')).toHaveLength(1);
    expect(entra.sim.control.requestCount('authorize')).toBe(1);
  });
});

describe('device code with MFA', () => {
  const entra = useTestSim({ mfaByDefault: false });
  const devicecode = async (claims?: string): Promise<{ user_code: string; device_code: string }> => {
    const r = await httpsText(`${entra.sim.authorityHost}/${entra.sim.tenantId}/oauth2/v2.0/devicecode`, entra.ca, {
      form: { client_id: AZURE_CLI_CLIENT_ID, scope: `${PG} offline_access`, ...(claims ? { claims } : {}) },
    });
    return JSON.parse(r.body) as { user_code: string; device_code: string };
  };
  const poll = (deviceCode: string): ReturnType<typeof tokenRequest> => tokenRequest(entra.sim, entra.ca, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode });

  it("the device code request's claims require MFA: approveDeviceCode does it (or refuses with mfa:false)", async () => {
    entra.sim.control.resetCounters();
    const d = await devicecode(P1);
    expect(() => entra.sim.control.approveDeviceCode(d.user_code, ACCOUNTS.primary, { mfa: false })).toThrow(/AADSTS500121/);
    expect((await poll(d.device_code)).json.error).toBe('authorization_pending');
    entra.sim.control.approveDeviceCode(d.user_code, ACCOUNTS.primary);
    const t = await poll(d.device_code);
    expect(claimsOf(t.json.access_token)).toMatchObject({ amr: ['pwd', 'mfa'], acrs: ['p1'] });
    expect(entra.sim.control.events().map((e) => e.kind)).toEqual(['mfaPrompt', 'mfaDeclined', 'mfaPrompt', 'mfaApproved']);
    // mfa:true does MFA although nothing asks; nothing asked and no option: no MFA.
    const forced = await devicecode();
    entra.sim.control.approveDeviceCode(forced.user_code, ACCOUNTS.primary, { mfa: true });
    expect(claimsOf((await poll(forced.device_code)).json.access_token).amr).toEqual(['pwd', 'mfa']);
    const plain = await devicecode();
    entra.sim.control.approveDeviceCode(plain.user_code, ACCOUNTS.primary);
    expect(claimsOf((await poll(plain.device_code)).json.access_token).amr).toEqual(['pwd']);
  });

  it('the device-login page shows the approval step after the account', async () => {
    const d = await devicecode(P1);
    const form = parseForms((await httpsText(`${entra.sim.authorityHost}/devicelogin`, entra.ca)).body)[0];
    const approval = await httpsText(form?.action ?? '', entra.ca, { form: { otc: d.user_code, upn: ACCOUNTS.secondary } });
    expect(h1(approval)).toBe('Approve sign in request');
    expect((await poll(d.device_code)).json.error).toBe('authorization_pending');
    const done = await decide(entra.ca, approval, 'approve');
    expect(done.body).toContain('You have signed in to the Microsoft Azure CLI application');
    expect(claimsOf((await poll(d.device_code)).json.access_token)).toMatchObject({ upn: ACCOUNTS.secondary, acrs: ['p1'] });
  });
});

describe('defaults (mfaByDefault on)', () => {
  it('every user token carries amr pwd+mfa and no approval page is shown; setMfaByDefault(false) applies to the next sign-in', async () => {
    const { sim, tls } = await startTestSim();
    try {
      const t = await signInAndRedeem(sim, tls.caCertPem, ACCOUNTS.primary, PG);
      expect(claimsOf(t.json.access_token).amr).toEqual(['pwd', 'mfa']);
      // A step-up request is met at once by the sign-in's MFA.
      const r = await refresh(sim, tls.caCertPem, String(t.json.refresh_token), PG, P1);
      expect(claimsOf(r.json.access_token)).toMatchObject({ amr: ['pwd', 'mfa'], acrs: ['p1'] });
      expect(sim.control.events('mfaPrompt')).toEqual([]);
      sim.control.setMfaByDefault(false);
      expect(claimsOf((await signInAndRedeem(sim, tls.caCertPem, ACCOUNTS.primary, PG)).json.access_token).amr).toEqual(['pwd']);
      // A grant keeps what its sign-in did.
      expect(claimsOf((await refresh(sim, tls.caCertPem, String(r.json.refresh_token), PG)).json.access_token).amr).toEqual(['pwd', 'mfa']);
    } finally {
      await sim.close();
    }
  });
});
