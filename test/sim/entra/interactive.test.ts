// Auth code + PKCE through MSAL's loopback, with Debian's Chromium and with the headless helper.
import { PublicClientApplication } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { ACCOUNTS, AZURE_CLI_CLIENT_ID, loadDirectory, POSTGRES_RESOURCE } from '../types.js';
import { completeSignInHeadless, signInWithChromium } from './index.js';
import { msalClientFor, decodeJwt, useTestSim } from './support.js';

const dir = loadDirectory();
const group = (name: string): string => dir.groups.find((g) => g.displayName === name)?.objectId ?? '';
const scopes = [`${POSTGRES_RESOURCE}/.default`];

describe('interactive sign-in', () => {
  const entra = useTestSim();
  const pca = (): PublicClientApplication => msalClientFor(entra.sim, entra.ca);

  it('signs in the secondary admin id with Chromium (select_account, PKCE, form_post)', async () => {
    const app = pca();
    let authorizeUrl = '';
    const result = await app.acquireTokenInteractive({
      scopes,
      prompt: 'select_account',
      openBrowser: async (url) => {
        authorizeUrl = url;
        await signInWithChromium(url, ACCOUNTS.secondary);
      },
    });
    const q = new URL(authorizeUrl).searchParams;
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('response_mode')).toBe('form_post');
    const { header, payload } = decodeJwt(result.accessToken);
    expect(header.alg).toBe('RS256');
    expect(payload.upn).toBe(ACCOUNTS.secondary);
    expect(payload.aud).toBe(POSTGRES_RESOURCE);
    expect(payload.iss).toBe(entra.sim.issuerV1);
    expect(payload.ver).toBe('1.0');
    expect(payload.appid).toBe(AZURE_CLI_CLIENT_ID);
    expect(payload.groups).toContain(group(ACCOUNTS.adminGroup));
    expect(result.account?.username).toBe(ACCOUNTS.secondary);
    expect(result.account?.tenantId).toBe(entra.sim.tenantId);
    const accounts = await app.getTokenCache().getAllAccounts();
    expect(accounts.map((a) => a.username)).toEqual([ACCOUNTS.secondary]);
    expect(entra.sim.control.requestCount('token:authorization_code')).toBe(1);
  });

  it('completes headless with autoApprove (fast path) and honours login_hint on the chooser', async () => {
    entra.sim.control.setAutoApprove(ACCOUNTS.primary);
    try {
      const app = pca();
      const result = await app.acquireTokenInteractive({
        scopes,
        openBrowser: async (url) => {
          await completeSignInHeadless(url, { caCertPem: entra.ca });
        },
      });
      const { payload } = decodeJwt(result.accessToken);
      expect(payload.upn).toBe(ACCOUNTS.primary);
      expect(payload.groups).toEqual([group(ACCOUNTS.readerGroup)]);
      expect(decodeJwt(result.idToken).payload.aud).toBe(AZURE_CLI_CLIENT_ID);
    } finally {
      entra.sim.control.setAutoApprove(null);
    }
    // Without autoApprove the headless helper picks the account on the chooser.
    const app = pca();
    const result = await app.acquireTokenInteractive({
      scopes,
      loginHint: ACCOUNTS.nonMember,
      openBrowser: async (url) => {
        const page = await fetchText(url, entra.ca);
        // login_hint narrows the chooser to that account.
        expect(page).toContain(`Sign in as ${ACCOUNTS.nonMember}`);
        expect(page).not.toContain(`Sign in as ${ACCOUNTS.primary}<`);
        expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
        await completeSignInHeadless(url, { caCertPem: entra.ca, upn: ACCOUNTS.nonMember });
      },
    });
    expect(decodeJwt(result.accessToken).payload.upn).toBe(ACCOUNTS.nonMember);
    expect(decodeJwt(result.accessToken).payload.groups).toBeUndefined();
  });

  it('posts access_denied back when the user cancels', async () => {
    const app = pca();
    await expect(
      app.acquireTokenInteractive({
        scopes,
        openBrowser: async (url) => {
          const page = await fetchText(url, entra.ca);
          const ctx = /name="ctx" value="([^"]+)"/.exec(page)?.[1] ?? '';
          const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1] ?? '';
          const formPost = await fetchText(action.replace(/&amp;/g, '&'), entra.ca, { ctx, cancel: '1' });
          const redirect = /action="([^"]+)"/.exec(formPost)?.[1] ?? '';
          const fields = Object.fromEntries([...formPost.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], (m[2] ?? '').replace(/&amp;/g, '&')]));
          await fetch(redirect, { method: 'POST', body: new URLSearchParams(fields) });
        },
      }),
    ).rejects.toMatchObject({ errorCode: 'access_denied', errorMessage: expect.stringContaining('AADSTS65004') });
  });
});

async function fetchText(url: string, ca: string, form?: Record<string, string>): Promise<string> {
  const { request } = await import('node:https');
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: form ? 'POST' : 'GET', ca, agent: false, headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}
