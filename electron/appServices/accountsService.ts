// The desktop app's accounts: listing them per cloud with their tokens' expiry, one sign-in at a
// time (browser or device code, cancellable, with progress events), and the step-ups claims
// challenges ask for. A sign-in is for a scope — the database's, or Azure Resource Manager's when a
// Conditional Access policy asked MFA for that one only — and carries the claims the main process
// holds for that account and scope (they never go to the renderer).
import type { Account } from '../../shared/contract.js';
import { PgEntraError } from '../../shared/errors.js';
import { cloudRef, type Profile } from '../../shared/profile.js';
import type { TokenBroker } from '../auth/tokenBroker.js';
import { parseCache } from '../auth/msalCacheReader.js';
import type { ClaimsChallenge } from '../auth/stepUp.js';
import type { AccessToken, TokenProvider, TokenResource } from '../auth/tokenProvider.js';
import type { AccountsService } from '../ipc/services.js';
import type { EventSink } from '../ipc/router.js';
import type { ProfileStore } from '../profiles/profileStore.js';

/**
 * What the app knows about each account's newest token (expiry only, never the token): every
 * token the app's services obtain passes through `recording`, and MSAL's cache (the keychain's
 * copy) fills in accounts this process has not used yet.
 */
export class TokenExpiryIndex {
  private readonly seen = new Map<string, Date>();

  private static key(cloud: string, account: string): string {
    return `${cloud}|${account.toLowerCase()}`;
  }

  note(cloud: string, account: string | undefined, expiresOn: Date): void {
    if (!account) return;
    const k = TokenExpiryIndex.key(cloud, account);
    const prev = this.seen.get(k);
    if (!prev || prev < expiresOn) this.seen.set(k, expiresOn);
  }

  /** After sign-out: the account's old tokens are gone from the cache and must not be reported. */
  forget(cloud: string, account: string): void {
    this.seen.delete(TokenExpiryIndex.key(cloud, account));
  }

  /** A TokenProvider that notes the expiry of every token it hands out. */
  recording(inner: TokenProvider): TokenProvider {
    return {
      getToken: async (req): Promise<AccessToken> => {
        const t = await inner.getToken(req);
        this.note(req.cloud, t.account ?? ('account' in req.credential ? req.credential.account : undefined), t.expiresOn);
        return t;
      },
    };
  }

  /** The later of what this process saw and what the serialized MSAL cache holds for the account's PostgreSQL tokens. */
  expiryOf(cloud: string, account: { username: string; homeAccountId: string }, serializedCache: string | null, resource: string): Date | null {
    let best = this.seen.get(TokenExpiryIndex.key(cloud, account.username)) ?? null;
    const res = resource.replace(/\/+$/, '').toLowerCase();
    for (const t of parseCache(serializedCache).tokens) {
      if (t.home_account_id !== account.homeAccountId) continue;
      if (
        !t.target
          .toLowerCase()
          .split(/\s+/)
          .some((scope) => scope.startsWith(`${res}/`))
      )
        continue;
      const expiresOn = new Date(Number(t.expires_on) * 1000);
      if (!Number.isNaN(expiresOn.getTime()) && (!best || expiresOn > best)) best = expiresOn;
    }
    return best;
  }
}

export interface AccountsServiceDeps {
  broker: TokenBroker;
  store: ProfileStore;
  events: EventSink;
  expiries: TokenExpiryIndex;
  /** The cloud ref of a sign-in that names none. */
  defaultCloud: string;
  /** Opens the (already checked) sign-in page in the system browser; false when it could not. */
  openSignInPage(url: string, allowedHosts: readonly string[]): Promise<boolean>;
  /** How long the browser may stay silent before the dialog says what may be wrong (default 3 min). */
  slowAfterMs?: number;
}

/** What the dialog says when the browser has not come back. */
export const SLOW_SIGN_IN_HINT =
  'If the sign-in page in your browser shows an error, Microsoft Entra ID does not come back to pgEntra for some of them (an account that is not in the tenant, a Conditional Access block): read it there and cancel here. Without a browser that works, cancel and sign in with a device code.';

export function createAccountsService(deps: AccountsServiceDeps): AccountsService {
  const { broker, events, expiries } = deps;
  const cloudKey = (cloud: Profile['cloud'] | undefined): string => (cloud === undefined ? deps.defaultCloud : cloudRef(cloud));
  /**
   * Claims challenges Entra or a resource sent, per cloud, account and scope: the next sign-in for
   * that scope carries them. Kept for a while only (a later sign-in must not carry a stale one) and
   * dropped when the account signs out.
   */
  const challenges = new Map<string, { challenge: ClaimsChallenge; at: number }>();
  const challengeKey = (cloud: string, account: string | undefined, resource: TokenResource): string => `${cloud}|${(account ?? '').toLowerCase()}|${resource}`;
  const CHALLENGE_TTL_MS = 10 * 60_000;
  broker.on('sign-in-required', (e) => {
    if (e.challenge) challenges.set(challengeKey(e.cloud, e.account, e.resource), { challenge: e.challenge, at: Date.now() });
  });
  let pending: AbortController | undefined;

  const toAccount = (cloud: string, a: { username: string; homeAccountId: string; tenantId: string; name?: string }, tokenExpiresOn: Date | null = null): Account => ({
    homeAccountId: a.homeAccountId,
    username: a.username,
    tenantId: a.tenantId,
    cloud,
    ...(a.name ? { name: a.name } : {}),
    tokenExpiresOn: tokenExpiresOn?.toISOString() ?? null,
  });
  /** MSAL's in-process cache, which listAccounts has just synced with the keychain. */
  const serializedCache = async (cloud: string): Promise<string | null> => {
    try {
      return (await broker.apps.publicClient(broker.cloud(cloud))).getTokenCache().serialize();
    } catch {
      return null;
    }
  };
  /** Sign-ins a newer one replaced (one at a time): their end is not reported as the dialog's. */
  const superseded = new WeakSet<AbortController>();
  const begin = (): AbortController => {
    if (pending) {
      superseded.add(pending);
      pending.abort();
    }
    pending = new AbortController();
    return pending;
  };
  // Accounts live per cloud (authority); list every cloud the user works with.
  const list = async (): Promise<Account[]> => {
    const clouds = new Set([deps.defaultCloud, ...(await deps.store.list()).map((p) => cloudRef(p.cloud))]);
    const perCloud = await Promise.all(
      [...clouds].map(async (cloud) => {
        try {
          const accounts = await broker.listAccounts(cloud);
          const cache = accounts.length > 0 ? await serializedCache(cloud) : null;
          const resource = broker.cloud(cloud).resource;
          return accounts.map((a) => toAccount(cloud, a, expiries.expiryOf(cloud, a, cache, resource)));
        } catch {
          return []; // an unreadable custom cloud file must not hide the other clouds' accounts
        }
      }),
    );
    return perCloud.flat();
  };
  const announce = async (): Promise<void> => {
    events('accounts.changed', { accounts: await list() });
  };
  /** One sign-in at a time (a new one cancels the pending one), with progress events and the account list refreshed after. */
  const runSignIn = async (
    cloud: string,
    firstStage: 'opening-browser' | 'waiting-for-device-code',
    signIn: (signal: AbortSignal) => Promise<{ username: string; homeAccountId: string; tenantId: string; name?: string }>,
    reason?: string,
    outer?: AbortSignal,
  ): Promise<Account> => {
    // Already stopped (the operation that asked for it): no browser, and a pending sign-in stays.
    if (outer?.aborted) throw new PgEntraError('sign_in_cancelled', 'Sign-in was cancelled.');
    const ctl = begin();
    // The caller's signal cancels like the dialog's Cancel.
    const stop = (): void => {
      if (pending === ctl) pending = undefined;
      ctl.abort();
    };
    outer?.addEventListener('abort', stop, { once: true });
    events('signIn.progress', { stage: firstStage, ...(reason ? { message: reason } : {}) });
    try {
      const a = await signIn(ctl.signal);
      events('signIn.progress', { stage: 'done' });
      await announce();
      return toAccount(cloud, a);
    } catch (e) {
      // Replaced by a newer sign-in (the switch to a device code): its progress is the newer one's.
      if (!superseded.has(ctl)) events('signIn.progress', { stage: ctl.signal.aborted ? 'cancelled' : 'failed' });
      throw e;
    } finally {
      outer?.removeEventListener('abort', stop);
      if (pending === ctl) pending = undefined;
    }
  };
  /** The system browser for a sign-in: the URL was checked against the cloud's sign-in hosts before it got here. */
  const browser = (cloud: string, reason?: string) => ({
    openBrowser: async (url: string) => {
      const hosts = broker.cloud(cloud).signInHosts;
      if (!(await deps.openSignInPage(url, hosts))) {
        throw new PgEntraError('sign_in_failed', 'pgEntra could not open your browser for the sign-in.', { hint: 'Sign in with a device code instead.' });
      }
      events('signIn.progress', { stage: 'waiting-for-browser', ...(reason ? { message: reason } : {}) });
    },
    onSlow: () => events('signIn.progress', { stage: 'slow', message: SLOW_SIGN_IN_HINT }),
    ...(deps.slowAfterMs ? { slowAfterMs: deps.slowAfterMs } : {}),
  });
  const scopesOf = (cloud: string, resource: TokenResource): string[] => broker.scopesFor(cloud, resource);
  /**
   * A pending challenge for this sign-in's account and scope, taken (one step-up answers it). A
   * challenge of a profile without account is filed without one: it answers a sign-in for that
   * scope when it is the only one of the cloud.
   */
  const takeChallenge = (cloud: string, account: string | undefined, resource: TokenResource): ClaimsChallenge | undefined => {
    const now = Date.now();
    for (const [k, v] of challenges) if (now - v.at > CHALLENGE_TTL_MS) challenges.delete(k);
    let k = challengeKey(cloud, account, resource);
    if (!challenges.has(k)) {
      const unnamed = challengeKey(cloud, undefined, resource);
      const sameScope = [...challenges.keys()].filter((key) => key.startsWith(`${cloud}|`) && key.endsWith(`|${resource}`));
      if (challenges.has(unnamed) && sameScope.length === 1) k = unnamed;
    }
    const c = challenges.get(k);
    challenges.delete(k);
    return c?.challenge;
  };

  return {
    list,
    async signIn(req) {
      const cloud = cloudKey(req.cloud);
      const resource = req.resource ?? 'postgres';
      const challenge = takeChallenge(cloud, req.loginHint, resource);
      if (challenge) return runSignIn(cloud, 'opening-browser', (signal) => broker.stepUp(challenge, { ...browser(cloud), signal }));
      return runSignIn(cloud, 'opening-browser', (signal) =>
        broker.signInInteractive(cloud, {
          ...(req.tenant ? { tenant: req.tenant } : {}),
          ...(req.loginHint ? { loginHint: req.loginHint } : {}),
          scopes: scopesOf(cloud, resource),
          signal,
          ...browser(cloud),
        }),
      );
    },
    async signInDeviceCode(req) {
      const cloud = cloudKey(req.cloud);
      const resource = req.resource ?? 'postgres';
      const onCode = (info: { userCode: string; verificationUri: string; message: string; expiresIn: number }): void =>
        events('signIn.deviceCode', {
          userCode: info.userCode,
          verificationUri: info.verificationUri,
          message: info.message,
          expiresOn: new Date(Date.now() + info.expiresIn * 1000).toISOString(),
        });
      const challenge = takeChallenge(cloud, req.loginHint, resource);
      if (challenge) return runSignIn(cloud, 'waiting-for-device-code', (signal) => broker.stepUp(challenge, { deviceCode: onCode, signal }));
      return runSignIn(cloud, 'waiting-for-device-code', (signal) =>
        broker.signInWithDeviceCode(cloud, { ...(req.tenant ? { tenant: req.tenant } : {}), scopes: scopesOf(cloud, resource), signal, onCode }),
      );
    },
    async cancelSignIn() {
      if (!pending) return false;
      pending.abort();
      pending = undefined;
      return true;
    },
    async signOut(req) {
      const out = await broker.signOut(cloudKey(req.cloud), { account: req.account });
      for (const u of out) expiries.forget(cloudKey(req.cloud), u);
      for (const u of out) for (const k of [...challenges.keys()]) if (k.startsWith(`${cloudKey(req.cloud)}|${u.toLowerCase()}|`)) challenges.delete(k);
      await announce();
      return out;
    },
    async stepUp(challenge, reason, signal) {
      // Kept until it is answered: if the browser does not come back, a device-code sign-in for
      // this account and scope (accounts.signInDeviceCode) answers it instead.
      const key = challengeKey(challenge.cloud, challenge.account, challenge.resource);
      challenges.set(key, { challenge, at: Date.now() });
      await runSignIn(challenge.cloud, 'opening-browser', (inner) => broker.stepUp(challenge, { ...browser(challenge.cloud, reason), signal: inner }), reason, signal);
      challenges.delete(key);
    },
  };
}
