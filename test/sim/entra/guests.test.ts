// Guests: bob@fabrikam.example is a guest in contoso. `organizations` signs him into his HOME
// tenant; an authority naming contoso gives a contoso token for his guest object, without the
// #EXT# upn unless the optional claim is on.
import type { AccountInfo, PublicClientApplication } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { ACCOUNTS, loadDirectory, POSTGRES_RESOURCE } from '../types.js';
import { completeSignInHeadless } from './index.js';
import { decodeJwt, httpsText, msalClientFor, useTestSim } from './support.js';

const dir = loadDirectory();
const fabrikam = dir.externalTenants[0];
const home = fabrikam?.users.find((u) => u.upn === ACCOUNTS.guestHome);
const guest = dir.users.find((u) => u.upn === ACCOUNTS.guest);
const scopes = [`${POSTGRES_RESOURCE}/.default`];

describe('guests and home tenants', () => {
  const entra = useTestSim();
  let account: AccountInfo;
  let app: PublicClientApplication;
  const signIn = async (pca: PublicClientApplication, upn: string, loginHint?: string) =>
    pca.acquireTokenInteractive({ scopes, ...(loginHint ? { loginHint } : {}), openBrowser: async (url) => void (await completeSignInHeadless(url, { caCertPem: entra.ca, upn })) });

  it('the directory links the guest object to a home account in fabrikam.example', () => {
    expect(fabrikam?.domain).toBe('fabrikam.example');
    expect(fabrikam?.id).not.toBe(dir.tenant.id);
    expect(guest?.homeUpn).toBe(ACCOUNTS.guestHome);
    expect(home?.objectId).not.toBe(guest?.objectId);
  });

  it('organizations signs the guest into the home tenant', async () => {
    app = msalClientFor(entra.sim, entra.ca, { tenant: 'organizations' });
    const r = await signIn(app, ACCOUNTS.guestHome);
    const p = decodeJwt(r.accessToken).payload;
    expect(p).toMatchObject({ tid: fabrikam?.id, oid: home?.objectId, upn: ACCOUNTS.guestHome, iss: `https://sts.windows.net/${fabrikam?.id}/` });
    expect(p.idp).toBeUndefined();
    expect(r.account).toMatchObject({ homeAccountId: `${home?.objectId}.${fabrikam?.id}`, tenantId: fabrikam?.id, localAccountId: home?.objectId, username: ACCOUNTS.guestHome });
    if (!r.account) throw new Error('no account');
    account = r.account;
  });

  it("the same refresh token gets a contoso token for the guest object (refresh tokens aren't tied to a tenant)", async () => {
    entra.sim.control.resetCounters();
    // forceRefresh: MSAL would otherwise serve the cached home-tenant token for this account.
    const r = await app.acquireTokenSilent({ account, scopes, authority: `${entra.sim.authorityHost}/${entra.sim.tenantId}`, forceRefresh: true });
    expect(entra.sim.control.requestCount('token:refresh_token')).toBe(1);
    expect(decodeJwt(r.accessToken).payload).toMatchObject({ tid: entra.sim.tenantId, oid: guest?.objectId });
    // One MSAL account (home), now with a contoso tenant profile.
    expect(r.account).toMatchObject({ homeAccountId: account.homeAccountId, tenantId: entra.sim.tenantId, localAccountId: guest?.objectId });
  });

  it('an authority naming contoso gives the guest object: no upn, home address and idp', async () => {
    for (const tenant of [entra.sim.tenantId, dir.tenant.domain]) {
      const r = await signIn(msalClientFor(entra.sim, entra.ca, { tenant }), ACCOUNTS.guestHome);
      const p = decodeJwt(r.accessToken).payload;
      expect(p).toMatchObject({ tid: entra.sim.tenantId, oid: guest?.objectId, unique_name: ACCOUNTS.guestHome, email: ACCOUNTS.guestHome, idp: `https://sts.windows.net/${fabrikam?.id}/` });
      expect(p.upn).toBeUndefined();
      expect(p.groups).toEqual(dir.groups.filter((g) => g.members.includes(guest?.objectId ?? '')).map((g) => g.objectId));
      expect(decodeJwt(r.idToken).payload).toMatchObject({ tid: entra.sim.tenantId, oid: guest?.objectId, preferred_username: ACCOUNTS.guestHome });
      expect(r.account?.homeAccountId).toBe(`${home?.objectId}.${fabrikam?.id}`);
    }
  });

  it('takes the #EXT# name as login hint and sign-in name', async () => {
    const r = await signIn(msalClientFor(entra.sim, entra.ca), ACCOUNTS.guest, ACCOUNTS.guest);
    expect(decodeJwt(r.accessToken).payload.oid).toBe(guest?.objectId);
    expect(r.account?.username).toBe(ACCOUNTS.guestHome);
  });

  it('refuses an external user who is not a guest in the named tenant (AADSTS50020)', async () => {
    const url = `${entra.sim.authorityHost}/${entra.sim.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
      redirect_uri: 'http://localhost:5999',
      response_type: 'code',
      response_mode: 'form_post',
      scope: `${scopes[0]} openid`,
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    }).toString()}`;
    await expect(completeSignInHeadless(url, { caCertPem: entra.ca, upn: ACCOUNTS.external })).rejects.toThrow(/AADSTS50020: User account 'dave@fabrikam.example'/);
    // At home (organizations) Dave is fine.
    const r = await signIn(msalClientFor(entra.sim, entra.ca, { tenant: 'organizations' }), ACCOUNTS.external);
    expect(decodeJwt(r.accessToken).payload).toMatchObject({ tid: fabrikam?.id, upn: ACCOUNTS.external });
    // The chooser lists home accounts, not guest objects.
    const chooser = await httpsText(url, entra.ca);
    expect(chooser.body).toContain(`Sign in as ${ACCOUNTS.guestHome}`);
    expect(chooser.body).not.toContain('#EXT#');
  });

  it('mints guest tokens like Entra, with the optional #EXT# upn on request', () => {
    const plain = decodeJwt(entra.sim.control.mintAccessToken({ upn: ACCOUNTS.guest })).payload;
    expect(plain).toMatchObject({ oid: guest?.objectId, tid: entra.sim.tenantId, unique_name: ACCOUNTS.guestHome });
    expect(plain.upn).toBeUndefined();
    expect(decodeJwt(entra.sim.control.mintAccessToken({ upn: ACCOUNTS.guestHome }, { includeExternalUpn: true })).payload.upn).toBe(ACCOUNTS.guest);
    expect(decodeJwt(entra.sim.control.mintAccessToken({ upn: ACCOUNTS.guestHome }, { homeTenant: true })).payload).toMatchObject({ tid: fabrikam?.id, oid: home?.objectId });
    expect(() => entra.sim.control.mintAccessToken({ upn: ACCOUNTS.external })).toThrow(/not in the resource tenant/);
  });
});
