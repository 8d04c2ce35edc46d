// Silent refresh: short-lived access tokens, rotating refresh tokens, revocation.
import { InteractionRequiredAuthError, PublicClientApplication, type AccountInfo } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, POSTGRES_RESOURCE } from '../types.js';
import { completeSignInHeadless, type EntraSim } from './index.js';
import { msalClientFor, decodeJwt, startTestSim } from './support.js';

const scopes = [`${POSTGRES_RESOURCE}/.default`];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('silent refresh', () => {
  let sim: EntraSim;
  let ca: string;
  let app: PublicClientApplication;
  let account: AccountInfo;
  let first: string;

  beforeAll(async () => {
    const started = await startTestSim({ tokenLifetimeSeconds: 5, autoApprove: ACCOUNTS.primary });
    sim = started.sim;
    ca = started.tls.caCertPem;
    app = msalClientFor(sim, ca, { tenant: 'organizations' });
    const r = await app.acquireTokenInteractive({ scopes, openBrowser: async (url) => void (await completeSignInHeadless(url, { caCertPem: ca })) });
    if (!r.account) throw new Error('no account');
    account = r.account;
    first = r.accessToken;
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('issues 5-second tokens and refreshes them after expiry with the refresh_token grant', async () => {
    const p = decodeJwt(first).payload;
    expect(Number(p.exp) - Number(p.iat)).toBe(5);
    await sleep(6000);
    expect(Number(p.exp) * 1000).toBeLessThan(Date.now());
    sim.control.resetCounters();
    const r = await app.acquireTokenSilent({ account, scopes });
    expect(r.accessToken).not.toBe(first);
    expect(Number(decodeJwt(r.accessToken).payload.exp) * 1000).toBeGreaterThan(Date.now());
    expect(sim.control.requestCount('token:refresh_token')).toBe(1);
    // The rotated refresh token is the one MSAL cached: a second refresh works too.
    sim.control.setTokenLifetime(3600);
    const again = await app.acquireTokenSilent({ account, scopes, forceRefresh: true });
    expect(Number(decodeJwt(again.accessToken).payload.exp) - Number(decodeJwt(again.accessToken).payload.iat)).toBe(3600);
    expect(sim.control.requestCount('token:refresh_token')).toBe(2);
    // Within its lifetime the cached token is served without a request.
    await app.acquireTokenSilent({ account, scopes });
    expect(sim.control.requestCount('token')).toBe(2);
  });

  it('rejects revoked refresh tokens with invalid_grant AADSTS50173 as interaction required', async () => {
    sim.control.revokeRefreshTokens(ACCOUNTS.primary);
    const err: unknown = await app.acquireTokenSilent({ account, scopes, forceRefresh: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InteractionRequiredAuthError);
    expect(err).toMatchObject({ errorCode: 'invalid_grant', subError: 'bad_token' });
    expect((err as InteractionRequiredAuthError).errorMessage).toMatch(/^AADSTS50173: The provided grant has expired due to it being revoked.* Trace ID: \S+ Correlation ID: \S+ Timestamp: /);
  });
});
