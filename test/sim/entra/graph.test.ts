// Microsoft Graph's delegated permissions from the Entra simulator: PIM for Groups' permissions in
// `scp` (with what the app held before), consent per permission (admin-granted, a person's
// incremental consent, admin-only ones), Graph's unknown-permission refusal, the bare `User.Read`
// form, and the Azure CLI's client id — permissive by default, refused with AADSTS65002 as in
// real tenants when told to.
import { afterEach, describe, expect, it } from 'vitest';
import { ACCOUNTS, AZURE_CLI_CLIENT_ID, POSTGRES_RESOURCE } from '../types.js';
import { claimsOf, decide, h1, isFormPost, pickAccount, postedFields, refresh, signInAndRedeem, startSignIn, tokenRequest, REDIRECT, type Page } from './flows.js';
import { httpsText, useTestSim } from './support.js';

const G = 'https://graph.microsoft.com';
const PIM = `${G}/PrivilegedEligibilitySchedule.Read.AzureADGroup ${G}/PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup`;
const APP = '9dc2d27b-0177-4af7-a5fe-f8866c83e5ac'; // pgEntra's app registration in directory.json: admin-consented to PIM's permissions
const PREAUTH_TEXT =
  "AADSTS65002: Consent between first party application '04b07795-8ddb-461a-bbee-02f9e1bf7b46' and first party resource '00000003-0000-0000-c000-000000000000' must be configured via preauthorization - applications owned and operated by Microsoft must get approval from the API owner before requesting tokens for that API.";

const scpOf = (token: unknown): string[] => String(claimsOf(token).scp).split(' ');
const alert = (p: Page): string => /role="alert">([\s\S]*?)</.exec(p.body)?.[1] ?? '';

describe('Graph permissions from Entra', () => {
  const entra = useTestSim();

  afterEach(() => {
    entra.sim.control.setRefuseFirstPartyGraphScopes(false);
    entra.sim.control.resetCounters();
  });

  /** Signs in to the app registration (not the CLI) and redeems the code for `scope`. */
  async function appSignIn(scope: string): Promise<{ page: Page; redeem(): Promise<{ status: number; json: Record<string, unknown> }> }> {
    const s = await startSignIn(entra.sim, entra.ca, { scope, clientId: APP });
    const page = await pickAccount(entra.ca, s.page, ACCOUNTS.secondary);
    return {
      page,
      redeem: () =>
        tokenRequest(entra.sim, entra.ca, {
          client_id: APP,
          grant_type: 'authorization_code',
          code: postedFields(page).code ?? '',
          code_verifier: s.verifier,
          redirect_uri: REDIRECT,
          scope: `${scope} openid offline_access`,
        }),
    };
  }

  it("the Azure CLI's client id gets PIM's permissions by default: scp lists them with its preauthorized ones, the answer names them under Graph", async () => {
    const t = await signInAndRedeem(entra.sim, entra.ca, ACCOUNTS.secondary, PIM);
    expect(t.status).toBe(200);
    const claims = claimsOf(t.json.access_token);
    expect(claims).toMatchObject({ aud: G, appid: AZURE_CLI_CLIENT_ID, ver: '1.0' });
    expect(scpOf(t.json.access_token)).toEqual(
      expect.arrayContaining(['PrivilegedEligibilitySchedule.Read.AzureADGroup', 'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup', 'Directory.AccessAsUser.All', 'openid']),
    );
    expect(String(t.json.scope).split(' ')).toEqual(expect.arrayContaining([`${G}/PrivilegedEligibilitySchedule.Read.AzureADGroup`, `${G}/PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup`]));
    // A grant for the database refreshes for Graph's PIM permissions too (what the product does after login).
    const pg = await signInAndRedeem(entra.sim, entra.ca, ACCOUNTS.secondary, `${POSTGRES_RESOURCE}/.default`);
    expect(scpOf(pg.json.access_token)).toEqual(['user_impersonation']);
    const graph = await refresh(entra.sim, entra.ca, String(pg.json.refresh_token), PIM);
    expect(graph.status).toBe(200);
    expect(scpOf(graph.json.access_token)).toContain('PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup');
  });

  it('refused for the Azure CLI as in real tenants: AADSTS65002 posted back, on refresh and on /devicecode; its preauthorized Graph permissions still work', async () => {
    entra.sim.control.setRefuseFirstPartyGraphScopes(true);
    const s = await startSignIn(entra.sim, entra.ca, { scope: PIM });
    const posted = postedFields(s.page);
    expect(posted.error).toBe('invalid_request');
    expect(posted.error_description?.startsWith(PREAUTH_TEXT)).toBe(true);
    expect(posted.code).toBeUndefined();

    const pg = await signInAndRedeem(entra.sim, entra.ca, ACCOUNTS.secondary, `${POSTGRES_RESOURCE}/.default`);
    const rt = String(pg.json.refresh_token);
    const r = await refresh(entra.sim, entra.ca, rt, PIM);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'invalid_request', error_codes: [65002] });
    expect(String(r.json.error_description).startsWith(PREAUTH_TEXT)).toBe(true);
    const dc = await httpsText(`${entra.sim.authorityHost}/organizations/oauth2/v2.0/devicecode`, entra.ca, { form: { client_id: AZURE_CLI_CLIENT_ID, scope: `${PIM} offline_access` } });
    expect(dc.status).toBe(400);
    expect(JSON.parse(dc.body)).toMatchObject({ error: 'invalid_request', error_codes: [65002] });

    // Graph's .default: a token, but without PIM's permissions (what `az account get-access-token --resource-type ms-graph` gets).
    const dflt = await refresh(entra.sim, entra.ca, rt, `${G}/.default`);
    expect(dflt.status).toBe(200);
    const scp = scpOf(dflt.json.access_token);
    expect(scp).toContain('Directory.AccessAsUser.All');
    expect(scp).not.toContain('PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup');
    expect((await refresh(entra.sim, entra.ca, rt, `${G}/User.Read`)).status).toBe(200);
  });

  it("the organisation's app registration gets PIM's permissions (admin-consented) whatever the CLI setting, without a consent page", async () => {
    entra.sim.control.setRefuseFirstPartyGraphScopes(true);
    const s = await appSignIn(PIM);
    expect(isFormPost(s.page)).toBe(true);
    const t = await s.redeem();
    expect(t.status).toBe(200);
    expect(claimsOf(t.json.access_token)).toMatchObject({ aud: G, appid: APP });
    expect(scpOf(t.json.access_token)).toEqual(
      expect.arrayContaining(['PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup', 'PrivilegedEligibilitySchedule.Read.AzureADGroup', 'RoleManagementPolicy.Read.AzureADGroup', 'User.Read']),
    );
    expect(scpOf(t.json.access_token)).not.toContain('Directory.AccessAsUser.All');
    expect(entra.sim.control.events('consentPrompt')).toEqual([]);
  });

  it('incremental consent: a permission the app was not granted shows the consent page listing it; after Accept the token has it with the earlier ones; a refresh before that is AADSTS65001', async () => {
    const first = await appSignIn(PIM);
    const rt = String((await first.redeem()).json.refresh_token);
    const more = `${G}/User.ReadBasic.All`;
    const silent = await tokenRequest(entra.sim, entra.ca, { client_id: APP, grant_type: 'refresh_token', refresh_token: rt, scope: `${more} openid offline_access` });
    expect(silent.status).toBe(400);
    expect(silent.json).toMatchObject({ error: 'invalid_grant', error_codes: [65001], suberror: 'consent_required' });

    const s = await appSignIn(more);
    expect(h1(s.page)).toBe('Permissions requested');
    expect(s.page.body).toContain('Read all users&#39; basic profiles (User.ReadBasic.All)');
    const accepted = await decide(entra.ca, s.page, 'accept');
    const code = postedFields(accepted).code ?? '';
    expect(code).not.toBe('');
    expect(entra.sim.control.events('consentGranted')).toEqual([{ kind: 'consentGranted', upn: ACCOUNTS.secondary, clientId: APP, via: 'authorize' }]);
    const t = await tokenRequest(entra.sim, entra.ca, {
      client_id: APP,
      grant_type: 'refresh_token',
      refresh_token: rt,
      scope: `${more} openid offline_access`,
    });
    expect(t.status).toBe(200);
    expect(scpOf(t.json.access_token)).toEqual(expect.arrayContaining(['User.ReadBasic.All', 'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup']));
  });

  it('a permission only an administrator may grant: "Need admin approval" (AADSTS90094) on the page, AADSTS65001 on refresh', async () => {
    const s = await appSignIn(`${G}/Group.Read.All`);
    expect(h1(s.page)).toBe('Need admin approval');
    expect(alert(s.page)).toContain('Error Code: 90094');
    const pg = await appSignIn(PIM);
    const rt = String((await pg.redeem()).json.refresh_token);
    const r = await tokenRequest(entra.sim, entra.ca, { client_id: APP, grant_type: 'refresh_token', refresh_token: rt, scope: `${G}/Group.Read.All openid offline_access` });
    expect(r.json).toMatchObject({ error: 'invalid_grant', error_codes: [65001] });
  });

  it("a permission Graph does not have: AADSTS650053; a bare User.Read is Graph's, by app id", async () => {
    const s = await startSignIn(entra.sim, entra.ca, { scope: `${G}/PrivilegedGroups.Activate.All` });
    const posted = postedFields(s.page);
    expect(posted.error).toBe('invalid_client');
    expect(posted.error_description).toMatch(
      /^AADSTS650053: The application 'Microsoft Azure CLI' asked for scope 'PrivilegedGroups\.Activate\.All' that doesn't exist on the resource '00000003-0000-0000-c000-000000000000'\. Contact the app vendor\./,
    );
    const t = await signInAndRedeem(entra.sim, entra.ca, ACCOUNTS.secondary, 'User.Read');
    expect(claimsOf(t.json.access_token).aud).toBe('00000003-0000-0000-c000-000000000000');
    expect(String(t.json.scope).split(' ')).toContain('User.Read');
  });
});
