// Error paths: injected AADSTS errors, unknown client, PKCE enforcement, outages.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { InteractionRequiredAuthError, PublicClientApplication, ServerError, type AccountInfo } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, AZURE_CLI_CLIENT_ID, POSTGRES_RESOURCE } from '../types.js';
import { completeSignInHeadless, type EntraSim } from './index.js';
import { msalClientFor, startTestSim } from './support.js';
import { parseForms } from './browser.js';

const scopes = [`${POSTGRES_RESOURCE}/.default`];

function https(url: string, ca: string, form?: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: form ? 'POST' : 'GET', ca, agent: false, headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(form ? new URLSearchParams(form).toString() : undefined);
  });
}

describe('errors', () => {
  let sim: EntraSim;
  let ca: string;
  let app: PublicClientApplication;
  let account: AccountInfo;
  const pca = (clientId: string): PublicClientApplication => msalClientFor(sim, ca, { clientId });
  const authorizeUrl = (params: Record<string, string>): string =>
    `${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: AZURE_CLI_CLIENT_ID,
      redirect_uri: 'http://localhost:5999',
      response_type: 'code',
      response_mode: 'form_post',
      scope: `${scopes[0]} openid profile offline_access`,
      state: 's1',
      ...params,
    }).toString()}`;

  beforeAll(async () => {
    const started = await startTestSim({ autoApprove: ACCOUNTS.primary });
    sim = started.sim;
    ca = started.tls.caCertPem;
    app = pca(AZURE_CLI_CLIENT_ID);
    const r = await app.acquireTokenInteractive({ scopes, openBrowser: async (url) => void (await completeSignInHeadless(url, { caCertPem: ca })) });
    if (!r.account) throw new Error('no account');
    account = r.account;
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('surfaces injected token errors with their AADSTS code (MFA → interaction required)', async () => {
    sim.control.failNext('token', { error: 'interaction_required', aadsts: 50076 });
    const mfa: unknown = await app.acquireTokenSilent({ account, scopes, forceRefresh: true }).catch((e: unknown) => e);
    expect(mfa).toBeInstanceOf(InteractionRequiredAuthError);
    expect(mfa).toMatchObject({ errorCode: 'interaction_required', subError: 'basic_action' });
    expect((mfa as InteractionRequiredAuthError).errorMessage).toMatch(/^AADSTS50076:/);

    sim.control.failNext('token', { error: 'invalid_request', aadsts: 90009, description: 'Application is requesting a token for itself.' });
    const other: unknown = await app.acquireTokenSilent({ account, scopes, forceRefresh: true }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(ServerError);
    // MSAL formats non-interaction server errors as "Error(s): 90009 - … - Description: AADSTS90009: …".
    expect((other as ServerError).errorMessage).toContain('AADSTS90009: Application is requesting');
    expect(String((other as ServerError).errorNo)).toBe('90009');
    // The injection is used up: the refresh token still works.
    await expect(app.acquireTokenSilent({ account, scopes, forceRefresh: true })).resolves.toBeTruthy();
  });

  it('rejects an unknown client id (AADSTS700016) at devicecode and authorize', async () => {
    const bad = '11111111-2222-3333-4444-555555555555';
    const err: unknown = await pca(bad)
      .acquireTokenByDeviceCode({ scopes, deviceCodeCallback: () => undefined })
      .catch((e: unknown) => e);
    // MSAL's device code client wraps server errors in post_request_failed and keeps only `error`.
    expect(err).toMatchObject({ errorCode: 'post_request_failed' });
    expect(String((err as Error).message)).toContain('unauthorized_client');
    const raw = await https(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/devicecode`, ca, { client_id: bad, scope: scopes[0] ?? '' });
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.body)).toMatchObject({ error: 'unauthorized_client', error_codes: [700016], error_description: expect.stringMatching(/^AADSTS700016: /) });
    const page = await https(authorizeUrl({ client_id: bad, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }), ca);
    expect(page.status).toBe(400);
    expect(page.body).toContain('AADSTS700016');
  });

  it('requires PKCE S256 and a loopback redirect', async () => {
    const missing = await https(authorizeUrl({}), ca);
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('AADSTS9002325');
    const plain = await https(authorizeUrl({ code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }), ca);
    expect(plain.status).toBe(400);
    expect(plain.body).toContain('AADSTS5011');
    const notLoopback = await https(authorizeUrl({ code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', redirect_uri: 'https://evil.example/cb' }), ca);
    expect(notLoopback.status).toBe(400);
    expect(notLoopback.body).toContain('AADSTS50011');
  });

  it('verifies the PKCE verifier and redeems a code once', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const page = await https(authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n-1' }), ca);
    const fields = parseForms(page.body)[0]?.fields ?? {};
    expect(fields.state).toBe('s1');
    const code = fields.code ?? '';
    const token = `${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`;
    const body = { client_id: AZURE_CLI_CLIENT_ID, grant_type: 'authorization_code', code, redirect_uri: 'http://localhost:5999', scope: `${scopes[0]} openid offline_access`, client_info: '1' };
    const wrong = await https(token, ca, { ...body, code_verifier: randomBytes(32).toString('base64url') });
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.body)).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });
    const ok = await https(token, ca, { ...body, code_verifier: verifier });
    expect(ok.status).toBe(200);
    const json = JSON.parse(ok.body) as Record<string, unknown>;
    expect(json).toMatchObject({ token_type: 'Bearer', ext_expires_in: json.expires_in });
    // No lifetime configured: Entra's default, 60–90 minutes.
    expect(json.expires_in).toBeGreaterThanOrEqual(3600);
    expect(json.expires_in).toBeLessThanOrEqual(5400);
    expect(Object.keys(json).sort()).toEqual(['access_token', 'client_info', 'expires_in', 'ext_expires_in', 'id_token', 'refresh_token', 'scope', 'token_type']);
    const idp = JSON.parse(Buffer.from(String(json.id_token).split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(idp).toMatchObject({ nonce: 'n-1', aud: AZURE_CLI_CLIENT_ID, iss: `${sim.authorityHost}/${sim.tenantId}/v2.0`, ver: '2.0' });
    const again = await https(token, ca, { ...body, code_verifier: verifier });
    expect(JSON.parse(again.body)).toMatchObject({ error: 'invalid_grant', error_codes: [54005] });
  });

  it("outage 'refused' gives a connection error, and the sim comes back on the same port", async () => {
    await sim.control.setOutage('refused');
    const err: unknown = await app.acquireTokenSilent({ account, scopes, forceRefresh: true }).catch((e: unknown) => e);
    // MSAL wraps the network client's failure; the socket error itself is ECONNREFUSED.
    expect(err).toMatchObject({ errorCode: 'network_error' });
    await expect(https(`${sim.authorityHost}/${sim.tenantId}/v2.0/.well-known/openid-configuration`, ca)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await sim.control.setOutage('none');
    await expect(app.acquireTokenSilent({ account, scopes, forceRefresh: true })).resolves.toBeTruthy();
  });

  it("outage '503' answers 503 with AADSTS90033 (MSAL then throttles that request for 60 s)", async () => {
    await sim.control.setOutage('503');
    const err: unknown = await app.acquireTokenSilent({ account, scopes, forceRefresh: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).errorMessage).toMatch(/AADSTS90033/);
    await sim.control.setOutage('none');
  });
});
