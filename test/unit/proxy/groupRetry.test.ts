// The local auth proxy's sign-in upstream (electron/proxy/upstreamSignIn.ts) when the server
// refuses a group login: one more try with a token fetched from Entra now (a cached token from
// before a PIM activation lacks the group) — not for a person's own name, not for a managed
// identity, never twice, not when the refused token was issued moments ago, at most once a minute
// per account, role and server — and the client's HINT names `pgentra pim activate <group>` as a
// possibility. The TLS connection and the login are stood in for; the decisions are the product's.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { TokenRequest } from '../../../electron/auth/tokenProvider.js';
import { createLogger } from '../../../electron/log/logger.js';
import type { ErrorFields } from '../../../electron/pgwire/index.js';
import { upstreamAuthError, type AuthContext } from '../../../electron/proxy/errorMapping.js';
import { emptyStats, type RouteRuntime } from '../../../electron/proxy/types.js';
import { FreshRetryLimit } from '../../../electron/sessions/freshRetryLimit.js';
import type { LoginResult, UpstreamConnection } from '../../../electron/proxy/upstream.js';
import type { Credential } from '../../../shared/credential.js';

const logins: LoginResult[] = [];
vi.mock('../../../electron/proxy/upstream.js', () => ({
  openUpstream: () => Promise.resolve({ socket: { on: () => undefined, destroy: () => undefined }, reader: {} } as unknown as UpstreamConnection),
  login: async (_conn: unknown, _params: unknown, _version: unknown, token: () => Promise<string>) => {
    await token();
    return logins.shift() ?? { ok: true, messages: [], backendKey: undefined };
  },
}));
const { signInUpstream } = await import('../../../electron/proxy/upstreamSignIn.js');

const ALICE = 'adm-alice@contoso.example';
const REFUSED: ErrorFields = { severity: 'FATAL', code: '28P01', message: 'password authentication failed for user "db-admins"' };
const NOT_MEMBER: LoginResult = { ok: false, error: REFUSED };
const ok: LoginResult = { ok: true, messages: [], backendKey: undefined };

function route(username: string, credential: Credential): RouteRuntime {
  return {
    profile: { id: 'p1', name: 'prod', username, database: 'postgres', applicationName: 'pgEntra', credential },
    upstream: { host: 'myserver.postgres.database.azure.com', port: 5432, ssl: {}, connectTimeoutMs: 1000 },
    tokenCloud: 'public',
    allowedUsers: [],
  } as unknown as RouteRuntime;
}

/** A JWT-shaped token issued `ageMs` ago (only its payload is read). */
function tokenIssued(ageMs: number, now = Date.now()): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ iat: Math.floor((now - ageMs) / 1000), upn: ALICE })}.sig`;
}

interface SignInOptions {
  /** The token each request gets (default: not a JWT, so its age is unknown). */
  token?: () => string;
  freshRetries?: FreshRetryLimit;
}

async function signIn(username: string, credential: Credential = { kind: 'interactive', account: ALICE }, opts: SignInOptions = {}) {
  const requests: TokenRequest[] = [];
  const stats = emptyStats();
  const r = route(username, credential);
  const ctx: AuthContext = {
    role: username,
    host: r.upstream.host,
    port: r.upstream.port,
    profile: 'prod',
    credentialKind: credential.kind,
    ...('account' in credential && credential.account ? { account: credential.account } : {}),
  };
  const result = await signInUpstream(
    {
      route: r,
      tokens: {
        getToken: (req) => {
          requests.push(req);
          return Promise.resolve({ token: opts.token?.() ?? 'not-a-real-token', expiresOn: new Date(Date.now() + 3_600_000), account: ALICE });
        },
      },
      ...(opts.freshRetries ? { freshRetries: opts.freshRetries } : {}),
      stats,
      logger: createLogger(),
      clientGone: () => false,
      track: () => undefined,
    },
    new Map([['user', username]]),
    196608,
    ctx,
  );
  return { result, requests, stats };
}

beforeEach(() => {
  logins.length = 0;
});

describe('the proxy and a refused group login', () => {
  it('tries once more with a token fetched from Entra now, and relays when the server takes it', async () => {
    logins.push(NOT_MEMBER, ok);
    const { result, requests, stats } = await signIn('db-admins');
    expect(result.ok).toBe(true);
    expect(requests.map((r) => r.fresh === true)).toEqual([false, true]);
    expect(stats.groupRetries).toBe(1);
  });

  it('refused again: the refusal goes to the client, after exactly one retry, with the PIM command as a possibility', async () => {
    logins.push(NOT_MEMBER, NOT_MEMBER, NOT_MEMBER);
    const { result, requests } = await signIn('db-admins');
    expect(requests).toHaveLength(2);
    expect(result).toMatchObject({ ok: false, outcome: 'refused' });
    const refusal = (result as { refusal: ErrorFields }).refusal;
    expect(refusal).toMatchObject({ severity: 'FATAL', code: '28P01', message: 'password authentication failed for user "db-admins"' });
    expect(refusal.hint).toContain('(a token fetched just now was refused too)');
    expect(refusal.hint).toContain(
      'If your membership in db-admins is eligible in Privileged Identity Management (PIM) rather than active, activate it — pgentra pim activate db-admins --reason "…" — then reconnect',
    );
  });

  it("not for the person's own name or a managed identity: no retry, no PIM advice", async () => {
    logins.push(NOT_MEMBER);
    const own = await signIn(ALICE);
    expect(own.requests).toHaveLength(1);
    expect((own.result as { refusal: ErrorFields }).refusal.hint).not.toContain('pgentra pim activate');
    logins.push(NOT_MEMBER);
    const mi = await signIn('db-admins', { kind: 'managed-identity' });
    expect(mi.requests).toHaveLength(1);
    expect((mi.result as { refusal: ErrorFields }).refusal.hint).not.toContain('pgentra pim activate');
  });

  it('an expired token and a refused group login each get their one retry', async () => {
    logins.push({ ok: false, error: { severity: 'FATAL', code: '28000', message: 'The access token has expired. Acquire a new token and try again.' } }, NOT_MEMBER, ok);
    const { result, requests, stats } = await signIn('db-admins');
    expect(result.ok).toBe(true);
    expect(requests.map((r) => (r.fresh ? 'fresh' : r.minValiditySeconds ? 'long-lived' : 'any'))).toEqual(['any', 'long-lived', 'fresh']);
    expect(stats).toMatchObject({ expiredRetries: 1, groupRetries: 1 });
  });

  it('not when the refused token was issued moments ago: refused at once, saying a token fetched just now was refused', async () => {
    logins.push(NOT_MEMBER, ok);
    const { result, requests, stats } = await signIn('db-admins', undefined, { token: () => tokenIssued(5_000), freshRetries: new FreshRetryLimit() });
    expect(requests).toHaveLength(1);
    expect(stats.groupRetries).toBe(0);
    expect(result).toMatchObject({ ok: false, outcome: 'refused' });
    const hint = (result as { refusal: ErrorFields }).refusal.hint;
    expect(hint).toContain('(a token fetched just now was refused too)');
    expect(hint).toContain('pgentra pim activate db-admins');
  });

  it('at most once a minute per account, role and server: a client reconnecting in a loop costs one forced refresh', async () => {
    let now = Date.now();
    const limit = new FreshRetryLimit(() => now);
    const old = { token: () => tokenIssued(10 * 60_000, now), freshRetries: limit };
    const attempts: number[] = [];
    for (let i = 0; i < 5; i++) {
      logins.length = 0;
      logins.push(NOT_MEMBER, NOT_MEMBER);
      const { result, requests } = await signIn('db-admins', undefined, old);
      expect(result).toMatchObject({ ok: false, outcome: 'refused' });
      attempts.push(requests.length);
      now += 5_000;
    }
    expect(attempts).toEqual([2, 1, 1, 1, 1]);
    // Another role on the same server has its own minute.
    logins.length = 0;
    logins.push(NOT_MEMBER, NOT_MEMBER);
    expect((await signIn('db-readers', undefined, old)).requests).toHaveLength(2);
    // A minute after the last fresh try: one more.
    now += 60_000;
    logins.length = 0;
    logins.push(NOT_MEMBER, ok);
    const later = await signIn('db-admins', undefined, old);
    expect(later.result.ok).toBe(true);
    expect(later.requests.map((r) => r.fresh === true)).toEqual([false, true]);
  });

  it('the hint without a retry (the first refusal) does not claim one', () => {
    const ctx: AuthContext = { role: 'db-admins', account: ALICE, host: 'srv.postgres.database.azure.com', port: 5432, credentialKind: 'interactive' };
    const f = upstreamAuthError(REFUSED, ctx, false);
    expect(f.hint).not.toContain('fetched just now');
    expect(f.hint).toContain('pgentra pim activate db-admins');
  });
});
