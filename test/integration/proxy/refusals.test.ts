// The proxy classifies each upstream login refusal once, with the table sessions use
// (sessions/loginRefusal.ts): a permanent refusal (firewall, Entra auth off) is passed to the
// client with pgEntra's advice and never retried — a refused group login only once more, with a
// token fetched now (a PIM activation since the cached token); a transient one (57P03 while the
// server starts up) is tried again a bounded number of times. A TLS front end plays the server.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessToken, TokenProvider, TokenRequest } from '../../../electron/auth/tokenProvider.js';
import { TRANSIENT_RETRY_DELAYS_MS } from '../../../electron/proxy/clientSession.js';
import { startProxy, type ProxyProfile, type RunningProxy } from '../../../electron/proxy/index.js';
import { frontProfile, startRefusingFront, type FrontMode, type RefusingFront } from '../sessions/refusingFront.js';

/** Hands out an opaque stand-in token (the front never checks it) and counts requests. */
class CountingTokens implements TokenProvider {
  readonly requests: TokenRequest[] = [];
  async getToken(req: TokenRequest): Promise<AccessToken> {
    this.requests.push(req);
    return { token: 'not-a-real-token', expiresOn: new Date(Date.now() + 3600_000), account: 'adm-alice@contoso.example' };
  }
}

let front: RefusingFront;
const proxies: RunningProxy[] = [];

beforeAll(async () => {
  front = await startRefusingFront();
});

afterAll(async () => {
  await Promise.allSettled(proxies.map((p) => p.close(false)));
  await front?.close();
});

function profile(): ProxyProfile {
  return frontProfile(front, '22222222-2222-4222-8222-222222222222', 'pgEntra-proxy-test');
}

async function refusedThroughProxy(
  mode: FrontMode,
  running?: { tokens: CountingTokens; proxy: RunningProxy },
): Promise<{ err: Error & { code?: string; hint?: string }; tokens: CountingTokens; proxy: RunningProxy }> {
  for (const k of Object.keys(front.startups) as FrontMode[]) front.startups[k] = 0;
  front.passwords = 0;
  front.mode = mode;
  const tokens = running?.tokens ?? new CountingTokens();
  const proxy = running?.proxy ?? (await startProxy({ routes: [{ profile: profile() }], tokenProvider: tokens, shutdownTimeoutMs: 1000 }));
  if (!running) proxies.push(proxy);
  const l = proxy.listeners[0];
  if (!l) throw new Error('no listener');
  const c = new pg.Client({ host: l.address, port: l.port, user: 'db-admins', database: 'postgres', ssl: false, connectionTimeoutMillis: 15_000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
  } catch (e) {
    return { err: e as Error & { code?: string; hint?: string }, tokens, proxy };
  } finally {
    await c.end().catch(() => undefined);
  }
  throw new Error('expected the login to be refused');
}

describe('the proxy and permanent refusals', () => {
  it('a firewall refusal: one upstream attempt, no token request, the server error with the firewall advice', async () => {
    const { err, tokens, proxy } = await refusedThroughProxy('firewall');
    expect(err.code).toBe('28000');
    expect(err.message).toMatch(/^no pg_hba\.conf entry for host "127\.0\.0\.1"/);
    expect(err.hint).toContain('pgEntra proxy: The firewall of localhost:');
    expect(err.hint).toContain('Add a firewall rule for 127.0.0.1');
    expect(front.startups.firewall).toBe(1);
    expect(tokens.requests).toHaveLength(0);
    expect(proxy.stats()).toMatchObject({ expiredRetries: 0, transientRetries: 0, failed: 1 });
  });

  it('a refused group login is tried once more with a token fetched now (a PIM activation since the cached one), then names PIM', async () => {
    const { err, tokens, proxy } = await refusedThroughProxy('deny-after-password');
    expect(err.code).toBe('28P01');
    expect(err.hint).toContain('(a token fetched just now was refused too)');
    expect(err.hint).toContain('Privileged Identity Management');
    expect(err.hint).toContain('pgentra pim activate db-admins');
    expect(front.startups['deny-after-password']).toBe(2);
    expect(front.passwords).toBe(2);
    expect(tokens.requests.map((r) => r.fresh === true)).toEqual([false, true]);
    expect(proxy.stats()).toMatchObject({ expiredRetries: 0, groupRetries: 1, transientRetries: 0 });
  });

  it('a client reconnecting in a loop after a refused group login: one token fetched now per minute, not one per attempt', async () => {
    const first = await refusedThroughProxy('deny-after-password');
    expect(first.tokens.requests.map((r) => r.fresh === true)).toEqual([false, true]);
    for (let i = 0; i < 3; i++) {
      const again = await refusedThroughProxy('deny-after-password', first);
      expect(again.err.code).toBe('28P01');
      expect(again.err.hint).toContain('pgentra pim activate db-admins');
      expect(front.startups['deny-after-password']).toBe(1);
    }
    expect(first.tokens.requests.map((r) => r.fresh === true)).toEqual([false, true, false, false, false]);
    expect(first.proxy.stats()).toMatchObject({ groupRetries: 1 });
  });

  it('a SCRAM request: the token is never sent, the client hears Entra authentication looks disabled', async () => {
    const { err, tokens } = await refusedThroughProxy('sasl');
    expect(err.code).toBe('28000');
    expect(err.hint).toContain('Microsoft Entra authentication looks disabled');
    expect(front.passwords).toBe(0);
    expect(tokens.requests).toHaveLength(0); // asked for only when the server asks for a cleartext password
  });
});

describe('the proxy and transient refusals', () => {
  it('57P03 "starting up" is tried again a bounded number of times, then passed on', async () => {
    const { err, proxy } = await refusedThroughProxy('starting');
    expect(err.code).toBe('57P03');
    expect(err.hint).toContain('pgEntra proxy: The server localhost:');
    expect(front.startups.starting).toBe(1 + TRANSIENT_RETRY_DELAYS_MS.length);
    expect(proxy.stats().transientRetries).toBe(TRANSIENT_RETRY_DELAYS_MS.length);
  });
});
