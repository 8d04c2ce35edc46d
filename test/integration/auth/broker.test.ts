// Token broker against the Entra simulator with real MSAL and the real keychain
// (run inside test/support/with-keyring.sh).
import './simCloud.js'; // loads reflect-metadata first
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TokenBroker, type SignInRequiredEvent, type TokenRefreshedEvent } from '../../../electron/auth/tokenBroker.js';
import { describeToken } from '../../../electron/auth/describeToken.js';
import { createLogger } from '../../../electron/log/logger.js';
import { isPgEntraError } from '../../../shared/errors.js';
import { completeSignInHeadless, signInWithChromium } from '../../sim/entra/index.js';
import { ACCOUNTS } from '../../sim/types.js';
import { startSimCloud, type SimCloud } from './simCloud.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const lines: string[] = [];
const logger = createLogger({ level: 'debug', sinks: [(l) => lines.push(l)] });

let s: SimCloud;
beforeAll(async () => {
  // Exact 1-hour tokens: the 3_700 s margins below must exceed the lifetime (Entra's default is a random 60–90 min).
  s = await startSimCloud({ tokenLifetimeSeconds: 3600 });
});
afterAll(async () => {
  await s?.cleanup();
});

function headless(upn: string) {
  return async (url: string): Promise<void> => {
    void completeSignInHeadless(url, { caCertPem: s.tls.caCertPem, upn }).catch(() => undefined);
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isPgEntraError(e), `expected PgEntraError ${code}, got ${String(e)}`).toBe(true);
  expect((e as { code: string }).code).toBe(code);
}

describe.skipIf(!keyring)('token broker (keychain cache)', () => {
  it('signs in the secondary ID in Chromium, then adds the primary account; both listed and silent tokens work', async () => {
    const home = s.newHome('chromium');
    const broker = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: home, logger });
    let authorizeUrl = '';
    const secondary = await broker.signInInteractive(s.cloudFile, {
      openBrowser: async (url) => {
        authorizeUrl = url;
        void signInWithChromium(url, ACCOUNTS.secondary).catch(() => undefined);
      },
    });
    expect(new URL(authorizeUrl).searchParams.get('prompt')).toBe('select_account');
    expect(new URL(authorizeUrl).searchParams.get('code_challenge_method')).toBe('S256');
    expect(secondary.username).toBe(ACCOUNTS.secondary);
    const primary = await broker.signInInteractive(s.cloudFile, { loginHint: ACCOUNTS.primary, openBrowser: async (url) => void signInWithChromium(url, ACCOUNTS.primary).catch(() => undefined) });
    expect(primary.username).toBe(ACCOUNTS.primary);
    const list = await broker.listAccounts(s.cloudFile);
    expect(list.map((a) => a.username).sort()).toEqual([ACCOUNTS.primary, ACCOUNTS.secondary].sort());
    const t = await broker.getToken({ credential: { kind: 'interactive', account: ACCOUNTS.secondary }, cloud: s.cloudFile });
    expect(describeToken(t.token).expectedUsername).toBe(ACCOUNTS.secondary);
    // sign out one: the other stays
    expect(await broker.signOut(s.cloudFile, { account: ACCOUNTS.primary })).toEqual([ACCOUNTS.primary]);
    await expectCode(broker.getToken({ credential: { kind: 'interactive', account: ACCOUNTS.primary }, cloud: s.cloudFile }), 'sign_in_required');
    expect((await broker.listAccounts(s.cloudFile)).map((a) => a.username)).toEqual([ACCOUNTS.secondary]);
    await broker.signOut(s.cloudFile, { all: true });
    expect(await broker.listAccounts(s.cloudFile)).toEqual([]);
    broker.close();
  });

  it('sign-in is cancellable and leaves no loopback server behind', async () => {
    const broker = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: s.newHome('cancel'), logger });
    const ac = new AbortController();
    const p = broker.signInInteractive(s.cloudFile, { signal: ac.signal, openBrowser: async () => void setTimeout(() => ac.abort(), 50) });
    await expectCode(p, 'sign_in_cancelled');
    broker.close();
  });

  it('a new broker (new process stand-in) is served from the keychain without a token request', async () => {
    const home = s.newHome('fresh');
    const a = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: home, logger });
    await a.signInInteractive(s.cloudFile, { openBrowser: headless(ACCOUNTS.secondary) });
    s.sim.control.resetCounters();
    const b = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: home, logger });
    const t = await b.getTokenWithSource({ credential: { kind: 'interactive', account: ACCOUNTS.secondary }, cloud: s.cloudFile });
    expect(t.source).toBe('keychain');
    expect(s.sim.control.requestCount('token')).toBe(0);
    expect(b.stats().networkRequests).toBe(0);
    // in-process warm path
    const again = await b.getTokenWithSource({ credential: { kind: 'interactive', account: ACCOUNTS.secondary }, cloud: s.cloudFile });
    expect(again.source).toBe('memory');
    // margin larger than MSAL's 5 minutes forces a refresh
    const forced = await b.getTokenWithSource({ credential: { kind: 'interactive', account: ACCOUNTS.secondary }, cloud: s.cloudFile, minValiditySeconds: 3_700 });
    expect(forced.source).toBe('network');
    expect(s.sim.control.requestCount('token:refresh_token')).toBe(1);
    a.close();
    b.close();
  });

  it("two clouds on one keychain: using a second cloud does not break the first cloud's refreshes", async () => {
    const home = s.newHome('two-clouds');
    const b = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: home, logger });
    await b.signInInteractive(s.cloudFile, { openBrowser: headless(ACCOUNTS.secondary) });
    const cred = { kind: 'interactive' as const, account: ACCOUNTS.secondary };
    for (let i = 0; i < 3; i++) {
      // The desktop app lists accounts of every cloud in use: this opens the public cloud's MSAL app.
      expect(await b.listAccounts('public')).toEqual([]);
      const t = await b.getTokenWithSource({ credential: cred, cloud: s.cloudFile, minValiditySeconds: 3_700 });
      expect(t.source).toBe('network');
      expect((await b.listAccounts(s.cloudFile)).map((a) => a.username)).toEqual([ACCOUNTS.secondary]);
    }
    b.close();
  });

  it('short-lived tokens: valid tokens across 10 expiries, single-flight, revocation, outage and recovery', { timeout: 240_000 }, async () => {
    s.sim.control.setTokenLifetime(5);
    try {
      const broker = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: s.newHome('short'), logger, minValiditySeconds: 1 });
      const refreshed: TokenRefreshedEvent[] = [];
      const required: SignInRequiredEvent[] = [];
      broker.on('token-refreshed', (e) => refreshed.push(e));
      broker.on('sign-in-required', (e) => required.push(e));
      await broker.signInInteractive(s.cloudFile, { openBrowser: headless(ACCOUNTS.secondary) });
      const req = { credential: { kind: 'interactive' as const, account: ACCOUNTS.secondary }, cloud: s.cloudFile };

      const seen = new Set<string>();
      for (let i = 0; i < 10; i++) {
        const t = await broker.getToken(req);
        const exp = describeToken(t.token).exp ?? 0;
        expect(exp * 1000).toBeGreaterThan(Date.now());
        seen.add(t.token);
        await sleep(5_200);
      }
      expect(seen.size).toBe(10);
      expect(refreshed.length).toBeGreaterThanOrEqual(9); // the first token came from sign-in

      // 100 concurrent callers with an expired token → exactly one refresh request
      await sleep(5_200);
      s.sim.control.resetCounters();
      const all = await Promise.all(Array.from({ length: 100 }, () => broker.getToken(req)));
      expect(new Set(all.map((t) => t.token)).size).toBe(1);
      expect(s.sim.control.requestCount('token:refresh_token')).toBe(1);

      // outage: the cached token is served until it expires, then network_unavailable
      s.sim.control.setTokenLifetime(8);
      const beforeOutage = await broker.getToken({ ...req, minValiditySeconds: 7 });
      await s.sim.control.setOutage('refused');
      const during = await broker.getTokenWithSource({ ...req, minValiditySeconds: 60 });
      expect(during.token).toBe(beforeOutage.token);
      expect(during.source).toBe('stale-during-outage');
      await sleep(Math.max(0, beforeOutage.expiresOn.getTime() - Date.now()) + 200);
      await expectCode(broker.getToken(req), 'network_unavailable');
      await s.sim.control.setOutage('503');
      await expectCode(broker.getToken(req), 'network_unavailable');
      // recovery
      await s.sim.control.setOutage('none');
      const recovered = await broker.getToken(req);
      expect(recovered.expiresOn.getTime()).toBeGreaterThan(Date.now());

      // revoked refresh token → sign_in_required (and the UI event)
      s.sim.control.revokeRefreshTokens(ACCOUNTS.secondary);
      await sleep(Math.max(0, recovered.expiresOn.getTime() - Date.now()) + 200);
      await expectCode(broker.getToken(req), 'sign_in_required');
      expect(required.at(-1)?.account).toBe(ACCOUNTS.secondary);
      expect(required.at(-1)?.error.details?.aadsts).toMatch(/^AADSTS/);
      broker.close();
    } finally {
      s.sim.control.setTokenLifetime(3600);
      await s.sim.control.setOutage('none');
    }
  });

  it('MFA demanded by Entra → mfa_required with the AADSTS code', async () => {
    const broker = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: s.newHome('mfa'), logger });
    await broker.signInInteractive(s.cloudFile, { openBrowser: headless(ACCOUNTS.primary) });
    s.sim.control.failNext('token', {
      error: 'interaction_required',
      aadsts: 50076,
      description: 'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.',
    });
    const e = await broker.getToken({ credential: { kind: 'interactive', account: ACCOUNTS.primary }, cloud: s.cloudFile, minValiditySeconds: 3_700 }).catch((x: unknown) => x);
    expect(isPgEntraError(e) && e.code).toBe('mfa_required');
    expect(isPgEntraError(e) && e.details?.aadsts).toBe('AADSTS50076');
    broker.close();
  });

  it('device code: returns code + URL, waits for approval, then tokens are silent', async () => {
    const broker = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: s.newHome('device'), logger });
    let code = '';
    const account = await broker.signInWithDeviceCode(s.cloudFile, {
      onCode: (info) => {
        code = info.userCode;
        expect(info.verificationUri).toMatch(/^https:\/\//);
        setTimeout(() => s.sim.control.approveDeviceCode(info.userCode, ACCOUNTS.secondary), 300);
      },
    });
    expect(code).not.toBe('');
    expect(account.username).toBe(ACCOUNTS.secondary);
    const t = await broker.getToken({ credential: { kind: 'device-code', account: ACCOUNTS.secondary }, cloud: s.cloudFile });
    expect(describeToken(t.token).upn).toBe(ACCOUNTS.secondary);
    // cancellable
    const ac = new AbortController();
    const p = broker.signInWithDeviceCode(s.cloudFile, { signal: ac.signal, onCode: () => setTimeout(() => ac.abort(), 100) });
    await expectCode(p, 'sign_in_cancelled');
    broker.close();
  });

  it('a credential without account uses the keychain fast path when exactly one account is signed in; several → a clear error', async () => {
    const home = s.newHome('no-account');
    const a = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: home, logger });
    await a.signInInteractive(s.cloudFile, { openBrowser: headless(ACCOUNTS.secondary) });
    s.sim.control.resetCounters();
    const b = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: home, logger });
    const t = await b.getTokenWithSource({ credential: { kind: 'interactive' }, cloud: s.cloudFile });
    expect(t.source).toBe('keychain');
    expect(t.account).toBe(ACCOUNTS.secondary);
    expect(b.stats().networkRequests).toBe(0);
    expect(s.sim.control.requestCount('token')).toBe(0);
    await a.signInInteractive(s.cloudFile, { loginHint: ACCOUNTS.primary, openBrowser: headless(ACCOUNTS.primary) });
    const c = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: home, logger });
    const e = await c.getToken({ credential: { kind: 'interactive' }, cloud: s.cloudFile }).catch((x: unknown) => x);
    expect(isPgEntraError(e) && e.code).toBe('invalid_input');
    expect(isPgEntraError(e) && e.message).toMatch(/Several accounts/);
    expect(isPgEntraError(e) && e.hint).toMatch(/account in the profile/);
    a.close();
    b.close();
    c.close();
  });

  it('never logs a token', () => {
    const joined = lines.join('\n');
    expect(joined).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
  });
});

describe('single-flight, validity and sign-out (memory cache)', () => {
  const remaining = (t: { expiresOn: Date }): number => t.expiresOn.getTime() - Date.now();

  it('a caller that needs more validity than the shared request asked for gets its own, longer-lived token', async () => {
    s.sim.control.setTokenLifetime(600);
    try {
      const broker = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: s.newHome('validity'), memoryCache: true, logger, backgroundRefresh: false });
      const refreshed: TokenRefreshedEvent[] = [];
      broker.on('token-refreshed', (e) => refreshed.push(e));
      await broker.signInInteractive(s.cloudFile, { openBrowser: headless(ACCOUNTS.primary) });
      s.sim.control.setTokenLifetime(3600);
      const req = { credential: { kind: 'interactive' as const, account: ACCOUNTS.primary }, cloud: s.cloudFile };
      // Same tick: the second caller joins the first one's flight (which is happy with the 600 s token).
      const [short, long] = await Promise.all([broker.getTokenWithSource({ ...req, minValiditySeconds: 120 }), broker.getTokenWithSource({ ...req, minValiditySeconds: 900 })]);
      expect(remaining(short)).toBeGreaterThan(120_000);
      expect(remaining(short)).toBeLessThan(900_000);
      expect(remaining(long)).toBeGreaterThanOrEqual(900_000);
      expect(long.source).toBe('network');
      expect(refreshed.at(-1)?.cloud).toBe(s.cloudFile);
      broker.close();
    } finally {
      s.sim.control.setTokenLifetime(3600);
    }
  });

  it('a sign-out during a refresh wins: the refreshed token is neither served nor kept', async () => {
    const broker = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: s.newHome('signout-race'), memoryCache: true, logger, backgroundRefresh: false });
    const required: SignInRequiredEvent[] = [];
    broker.on('sign-in-required', (e) => required.push(e));
    await broker.signInInteractive(s.cloudFile, { openBrowser: headless(ACCOUNTS.primary) });
    const req = { credential: { kind: 'interactive' as const, account: ACCOUNTS.primary }, cloud: s.cloudFile };
    // Hold MSAL's refresh request at the network until the sign-out is done.
    const nc = broker.apps.networkClient(broker.cloud(s.cloudFile));
    const post = nc.sendPostRequestAsync.bind(nc);
    let reached = (): void => undefined;
    const atNetwork = new Promise<void>((r) => (reached = r));
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const spy = vi.spyOn(nc, 'sendPostRequestAsync').mockImplementation(async (url, options) => {
      reached();
      await gate;
      return post(url, options);
    });
    try {
      const inFlight = broker.getTokenWithSource({ ...req, minValiditySeconds: 3_700 }); // forces a refresh-token request
      await atNetwork;
      expect(await broker.signOut(s.cloudFile, { account: ACCOUNTS.primary })).toEqual([ACCOUNTS.primary]);
      release();
      await expectCode(inFlight, 'sign_in_required');
      await expectCode(broker.getToken(req), 'sign_in_required');
      // MSAL wrote the refreshed account back into its cache; the broker removed it again.
      expect(await broker.listAccounts(s.cloudFile)).toEqual([]);
      expect(required.at(-1)?.cloud).toBe(s.cloudFile);
    } finally {
      release();
      spy.mockRestore();
      broker.close();
    }
  });
});

describe('memory-only cache (no keychain needed)', () => {
  it('signs in and serves tokens with memoryCache', async () => {
    const broker = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: s.newHome('memory'), memoryCache: true, logger });
    await broker.signInInteractive(s.cloudFile, { openBrowser: headless(ACCOUNTS.primary) });
    const t = await broker.getTokenWithSource({ credential: { kind: 'interactive', account: ACCOUNTS.primary }, cloud: s.cloudFile });
    expect(t.source).toBe('msal-cache');
    broker.close();
  });
});
