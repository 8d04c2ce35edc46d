// The token broker: the one place that turns a Credential into a fresh Entra access token for
// PostgreSQL. Order of attempts: in-memory hot cache → the keychain cache read directly (no
// MSAL load) → MSAL silent (refresh token) / managed identity / Azure CLI. Concurrent callers
// for the same (credential, cloud, account) share one request (a caller needing more validity
// than the shared request asked for starts its own); tokens are refreshed in the background so
// callers get at least `minValiditySeconds`; during an outage a still-valid cached token is
// served; a sign-out wins over refreshes still running. Interactive sign-in is never started here.
// The sources themselves (keychain, MSAL, managed identity, az) are in tokenSources.ts.
// The same account also gets Azure Resource Manager tokens (`resource: 'management'`): same MSAL
// app and cache, its own cache key, the cloud's managementEndpoint as the token's resource.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { Credential } from '../../shared/credential.js';
import { graphPimScopesFor, isBuiltinCloudName, scopesFor, type Cloud } from '../../shared/clouds.js';
import { PgEntraError, isPgEntraError } from '../../shared/errors.js';
import { silentLogger } from '../log/logger.js';
import { listAccounts, signOut, type AccountSummary } from './accounts.js';
import { assertCloudTrusted } from '../connect/cloudTrust.js';
import { graphEndpointOf, managementEndpointOf, resolveCloud } from '../base/cloudLoader.js';
import { MsalApps, clientIdFor, type AuthSettings } from './msalApps.js';
import { claimsOf, mapMsalError } from './msalErrors.js';
import {
  acquireInteractive,
  acquireWithDeviceCode,
  signInInteractive,
  signInWithDeviceCode,
  toSignedInAccount,
  type DeviceCodeSignInOptions,
  type InteractiveSignInOptions,
  type SignedInAccount,
} from './signIn.js';
import { StepUpRequired, type ClaimsChallenge } from './stepUp.js';
import type { AccessToken, TokenProvider, TokenRequest, TokenResource } from './tokenProvider.js';
import { issuedAt, remainingMs, tokenFromSource, validDuringOutage, type AccessTokenWithSource, type SourceContext } from './tokenSources.js';

export type { AccessTokenWithSource, TokenSource } from './tokenSources.js';

export const DEFAULT_MIN_VALIDITY_SECONDS = 120;
/** Background refreshes stop for a key nobody asked for in this long. */
const IDLE_STOP_MS = 60 * 60_000;
/** Rounds a caller may go through (join, then its own flight; retries after a sign-out or someone else's cancel). */
const MAX_ROUNDS = 4;

export interface TokenRefreshedEvent {
  key: string;
  /** The request's cloud ref (`public` | `usgov` | `china` | custom cloud file path), usable with signIn/listAccounts. */
  cloud: string;
  kind: Credential['kind'];
  account?: string;
  expiresOn: Date;
  background: boolean;
}

export interface SignInRequiredEvent {
  /** Cache key of the credential (not a cloud ref). */
  key: string;
  /** The request's cloud ref (`public` | `usgov` | `china` | custom cloud file path), usable with signInInteractive/signInWithDeviceCode. */
  cloud: string;
  kind: Credential['kind'];
  account?: string;
  tenant?: string;
  /** The scope that needs the sign-in: signing in for another one would not help (and may loop). */
  resource: TokenResource;
  /** For user credentials: what a step-up must satisfy (broker.stepUp). */
  challenge?: ClaimsChallenge;
  error: PgEntraError;
}

/** How a step-up reaches the person: the system browser, or a device code. */
export type StepUpVia = (Pick<InteractiveSignInOptions, 'openBrowser' | 'onSlow' | 'slowAfterMs'> & { signal?: AbortSignal }) | { deviceCode: DeviceCodeSignInOptions['onCode']; signal?: AbortSignal };

export interface TokenBrokerEvents {
  'token-refreshed': [TokenRefreshedEvent];
  'sign-in-required': [SignInRequiredEvent];
}

export interface TokenBrokerOptions extends AuthSettings {
  /** Default minimum seconds a handed-out token has left (default 120). */
  minValiditySeconds?: number;
  /** Refresh tokens before they fall under the margin (long-lived processes). Default true. */
  backgroundRefresh?: boolean;
  /** Azure CLI executable (tests use a stand-in). */
  azureCliCommand?: string;
  /** Environment for child processes (az). */
  env?: NodeJS.ProcessEnv;
  /**
   * Custom cloud files the person running this process named themselves for this run (the CLI's
   * `--cloud FILE` / PGENTRA_CLOUD_FILE, the app's PGENTRA_CLOUD_FILE): usable without a recorded
   * consent. Every other custom cloud file — e.g. one named by an imported profile — gets no token
   * and no sign-in until its owner confirmed it (electron/connect/cloudTrust.ts).
   */
  explicitCloudFiles?: readonly string[];
}

export interface BrokerStats {
  hotHits: number;
  keychainHits: number;
  acquisitions: number;
  /** HTTP requests made by MSAL through pgEntra's network client in this process. */
  networkRequests: number;
}

interface HotEntry {
  token: AccessToken;
  lastUsed: number;
  timer?: NodeJS.Timeout;
  request: TokenRequest;
  /** Only quiet requests used it: its background refresh stays quiet too. */
  quiet: boolean;
  /** The token's `iat` (ms), decoded once: every hit compares it with the account's activation floor. */
  issuedAt: number | undefined;
  /**
   * For a token Entra issued to this process: the account's activation floor (ms) when the request
   * started. The token is newer than that activation whatever the clocks say, so it is served even
   * when its `iat` looks older (skew) — else every hit would go to Entra again.
   */
  floorMet: number | undefined;
}

interface Flight {
  promise: Promise<AccessTokenWithSource>;
  /** The key's sign-out generation when the flight started. */
  generation: number;
  minMs: number;
  signal: AbortSignal | undefined;
  /** Started by a `fresh` request: its token came from Entra, not a cache. */
  fresh: boolean;
  /** Shared with its acquire: true while only quiet requests wait for it (a non-quiet one joining clears it). */
  audience: { quiet: boolean };
}

/** The account a credential names (a person's; identities and the Azure CLI name none). */
function accountOf(cred: Credential): string | undefined {
  return 'account' in cred ? cred.account : undefined;
}

export class TokenBroker extends EventEmitter<TokenBrokerEvents> implements TokenProvider {
  readonly apps: MsalApps;
  readonly minValiditySeconds: number;
  private readonly hot = new Map<string, HotEntry>();
  private readonly inFlight = new Map<string, Flight>();
  /** Bumped per key by signOut: a flight started before must not store or hand out its token. */
  private readonly generations = new Map<string, number>();
  /** Per cloud id, UPNs (lower case) signed out here and not signed in again since. */
  private readonly signedOut = new Map<string, Set<string>>();
  private readonly counters = { hotHits: 0, keychainHits: 0, acquisitions: 0 };
  private closed = false;

  private readonly explicitFiles: ReadonlySet<string>;
  /** What the token sources (tokenSources.ts) use: the MSAL apps and these options. */
  private readonly sources: SourceContext;

  constructor(private readonly options: TokenBrokerOptions) {
    super();
    this.explicitFiles = new Set((options.explicitCloudFiles ?? []).filter((f) => !isBuiltinCloudName(f)).map((f) => path.resolve(f)));
    this.apps = new MsalApps(options);
    this.minValiditySeconds = options.minValiditySeconds ?? DEFAULT_MIN_VALIDITY_SECONDS;
    this.sources = { apps: this.apps, options };
  }

  get logger(): AuthSettings['logger'] {
    return this.options.logger ?? silentLogger;
  }

  cloud(name: string): Cloud {
    return resolveCloud(name);
  }

  /**
   * The cloud for a token or a sign-in. A custom cloud file must have been confirmed by its owner
   * on this machine (or named for this run by the person running it): the backstop behind the
   * connection pre-flight, so no caller — proxy, psql, a new command — hands a token to a cloud
   * file nobody confirmed. Throws confirmation_required (hint: pgentra clouds trust FILE).
   */
  usableCloud(name: string): Cloud {
    const cloud = resolveCloud(name);
    const file = cloud.source?.file;
    if (file === undefined || this.explicitFiles.has(file)) return cloud;
    return assertCloudTrusted(this.options.dataDir, file).cloud;
  }

  /** Cache keys and sign-out bookkeeping: a custom cloud's key includes its partition (file content). */
  private cloudKey(cloud: Cloud): string {
    return cloud.cachePartition ? `${cloud.id}#${cloud.cachePartition}` : cloud.id;
  }

  stats(): BrokerStats {
    return { ...this.counters, networkRequests: this.apps.requestCount() };
  }

  keyFor(credential: Credential, cloud: Cloud, resource: TokenResource = 'postgres'): string {
    return this.baseKeyFor(credential, cloud) + (resource === 'management' ? '|arm' : resource === 'graph' ? '|graph' : '');
  }

  /** Appending (not prefixing) the ARM marker keeps signOut's `user|<cloud>|` prefix matching every token of an account. */
  private baseKeyFor(credential: Credential, cloud: Cloud): string {
    const clientId = clientIdFor(cloud, this.options);
    switch (credential.kind) {
      case 'interactive':
      case 'device-code':
        // Both kinds share MSAL's cache: the same account gets the same token.
        return `user|${this.cloudKey(cloud)}|${clientId}|${(credential.account ?? '').toLowerCase()}|${(credential.tenant ?? '').toLowerCase()}`;
      case 'managed-identity':
        return `mi|${this.cloudKey(cloud)}|${credential.clientId ?? ''}|${credential.objectId ?? ''}|${credential.resourceId ?? ''}`;
      case 'azure-cli':
        return `az|${this.cloudKey(cloud)}|${credential.tenant ?? ''}`;
    }
  }

  /**
   * The cloud as the acquisition paths see it: for an ARM token its `resource` is the management
   * endpoint, so MSAL's scope, the keychain lookup, managed identity and the Azure CLI all ask for
   * `<managementEndpoint>` with the same MSAL app (keyed by cloud id, not resource) and cache.
   */
  private tokenCloud(cloud: Cloud, resource: TokenResource | undefined): Cloud {
    if (resource === 'management') return { ...cloud, resource: managementEndpointOf(cloud) };
    // Graph: PIM's delegated permissions by name (incremental consent), never `.default` — for the
    // Azure CLI's client id `.default` means its preauthorized scopes, which lack them.
    if (resource === 'graph') return { ...cloud, resource: graphEndpointOf(cloud), scopes: graphPimScopesFor({ graphEndpoint: graphEndpointOf(cloud) }) ?? [] };
    return cloud;
  }

  async getToken(req: TokenRequest): Promise<AccessToken> {
    const { source: _source, ...token } = await this.getTokenWithSource(req);
    return token;
  }

  /** Like getToken, and says where the token came from (diagnostics, tests, `pgentra token --json`). */
  async getTokenWithSource(req: TokenRequest): Promise<AccessTokenWithSource> {
    if (req.signal?.aborted) throw new PgEntraError('sign_in_cancelled', 'The token request was cancelled.');
    const cloud = this.tokenCloud(this.usableCloud(req.cloud), req.resource);
    const key = this.keyFor(req.credential, cloud, req.resource);
    const minMs = (req.minValiditySeconds ?? this.minValiditySeconds) * 1000;
    if (req.fresh || req.claims) return this.getFreshToken(key, req, cloud, minMs);
    let needOwn = false;
    for (let round = 1; ; round++) {
      const hot = this.hot.get(key);
      if (hot && remainingMs(hot.token) >= minMs && !this.predatesActivation(hot, req.credential)) {
        hot.lastUsed = Date.now();
        if (!req.quiet) hot.quiet = false;
        this.counters.hotHits++;
        return { ...hot.token, source: 'memory' };
      }
      let flight = this.inFlight.get(key);
      // Never join a flight from before a sign-out; after a too-short result, only one that asked for enough.
      if (!flight || flight.generation !== this.generation(key) || (needOwn && flight.minMs < minMs)) flight = this.startFlight(key, req, cloud, minMs, false);
      else if (!req.quiet) flight.audience.quiet = false;
      let result: AccessTokenWithSource;
      try {
        result = await flight.promise;
      } catch (e) {
        // The caller that started the shared flight gave up; that must not fail this caller.
        if (isPgEntraError(e) && e.code === 'sign_in_cancelled' && flight.signal?.aborted && !req.signal?.aborted && round < MAX_ROUNDS) continue;
        throw e;
      }
      if (flight.generation !== this.generation(key)) {
        // Signed out while the flight ran: its token must not be served; a new flight says why.
        if (round < MAX_ROUNDS) continue;
        throw new PgEntraError('sign_in_required', 'The account was signed out.', { hint: 'Sign in again to connect.' });
      }
      // A flight that started before an activation was recorded (a background refresh, say) may bring a
      // token from before it. (A token served during an outage is all there is.)
      const kept = this.hot.get(key);
      if (round < MAX_ROUNDS && result.source !== 'stale-during-outage' && kept?.token.token === result.token && this.predatesActivation(kept, req.credential)) continue;
      // The flight asked for at least our margin (nothing better to get), or its token happens to suffice.
      if (remainingMs(result) >= minMs || flight.minMs >= minMs || round >= MAX_ROUNDS) return result;
      needOwn = true;
    }
  }

  /** A token from Entra, never from a cache; joins only a fresh flight, which started no earlier than this call. */
  private async getFreshToken(key: string, req: TokenRequest, cloud: Cloud, minMs: number): Promise<AccessTokenWithSource> {
    const running = this.inFlight.get(key);
    // A claims request never joins: the running flight did not ask Entra for those claims.
    const flight = !req.claims && running?.fresh && running.generation === this.generation(key) ? running : this.startFlight(key, req, cloud, minMs, false);
    if (!req.quiet) flight.audience.quiet = false;
    const result = await flight.promise;
    if (flight.generation !== this.generation(key)) throw new PgEntraError('sign_in_required', 'The account was signed out.', { hint: 'Sign in again to connect.' });
    return result;
  }

  private generation(key: string): number {
    return this.generations.get(key) ?? 0;
  }

  /** The account's PIM activation floor (ms): cheap to ask on every hit, the log is re-read only when it changed. */
  private activationFloor(account: string | undefined): number | undefined {
    return account ? this.options.tokensNotBefore?.(account)?.getTime() : undefined;
  }

  /**
   * A remembered token issued before the account's latest PIM activation lacks that group: another
   * process (the CLI's `pim activate`) may have recorded it since, so a running app or proxy must not
   * keep handing the old token to new connections. The keychain and MSAL lookups check the same.
   */
  private predatesActivation(entry: HotEntry, cred: Credential): boolean {
    const floor = this.activationFloor(entry.token.account ?? accountOf(cred));
    if (floor === undefined) return false;
    if (entry.issuedAt !== undefined && entry.issuedAt >= floor) return false;
    return entry.floorMet === undefined || entry.floorMet < floor;
  }

  private startFlight(key: string, req: TokenRequest, cloud: Cloud, minMs: number, background: boolean): Flight {
    const generation = this.generation(key);
    const audience = { quiet: req.quiet === true };
    const promise = this.acquire(key, req, cloud, minMs, background, generation, audience).finally(() => {
      if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
    });
    const flight: Flight = { promise, generation, minMs, signal: req.signal, fresh: req.fresh === true || req.claims !== undefined, audience };
    this.inFlight.set(key, flight);
    return flight;
  }

  private async acquire(key: string, req: TokenRequest, cloud: Cloud, minMs: number, background: boolean, generation: number, audience: Flight['audience']): Promise<AccessTokenWithSource> {
    this.counters.acquisitions++;
    const cred = req.credential;
    // Read before asking: a token Entra issues from here on is newer than this activation.
    const floorBefore = this.activationFloor(accountOf(cred) ?? this.hot.get(key)?.token.account);
    let result: AccessTokenWithSource;
    try {
      result = await tokenFromSource(this.sources, cloud, cred, { minMs, fresh: req.fresh === true, signal: req.signal, claims: req.claims });
      if (result.source === 'keychain') this.counters.keychainHits++;
    } catch (e) {
      const err = isPgEntraError(e) ? e : mapMsalError(e, { authorityHost: cloud.authorityHost });
      // An unreachable or failing proxy is an outage like any other; a proxy asking for credentials
      // (407) or an untrusted certificate is not: the person must act, and hiding it would only delay that.
      if (err.code === 'network_unavailable' || err.code === 'proxy_failed') {
        const stale = await validDuringOutage(this.sources, cloud, cred, this.hot.get(key)?.token);
        if (stale) {
          this.logger.warn('serving a cached token during an outage', { key, expiresOn: stale.expiresOn.toISOString() });
          return stale;
        }
      }
      if (err.code === 'sign_in_required' || err.code === 'mfa_required') {
        const account = 'account' in cred ? cred.account : undefined;
        const tenant = 'tenant' in cred ? cred.tenant : undefined;
        const resource = req.resource ?? 'postgres';
        const userCred = cred.kind === 'interactive' || cred.kind === 'device-code';
        const claims = claimsOf(e) ?? req.claims;
        const challenge: ClaimsChallenge | undefined = userCred
          ? { cloud: req.cloud, resource, credential: cred, ...(account ? { account } : {}), ...(tenant ? { tenant } : {}), ...(claims ? { claims } : {}) }
          : undefined;
        // A quiet request (a check nobody asked for) only gets the error: no banner, no prompt.
        if (!audience.quiet) {
          this.emit('sign-in-required', {
            key,
            cloud: req.cloud,
            kind: cred.kind,
            ...(account ? { account } : {}),
            ...(tenant ? { tenant } : {}),
            resource,
            ...(challenge ? { challenge } : {}),
            error: err,
          });
        }
        this.forget(key);
        this.logger.warn('token request failed', { key, code: err.code, message: err.message });
        // The caller (app, CLI) can answer it with a step-up for exactly this scope.
        throw challenge ? new StepUpRequired(err, challenge) : err;
      }
      this.logger.warn('token request failed', { key, code: err.code, message: err.message });
      throw err;
    }
    if (this.generation(key) !== generation) {
      await this.undoAfterSignOut(cloud, cred, result);
      return result; // not remembered; getTokenWithSource sees the generation change
    }
    this.remember(key, { ...req, quiet: audience.quiet }, result, background, floorBefore);
    return result;
  }

  /** A refresh that finished after a sign-out has written the account back into MSAL's cache: remove it again. */
  private async undoAfterSignOut(cloud: Cloud, cred: Credential, result: AccessToken): Promise<void> {
    if (cred.kind !== 'interactive' && cred.kind !== 'device-code') return;
    const account = result.account ?? cred.account;
    if (!account || !this.signedOut.get(this.cloudKey(cloud))?.has(account.toLowerCase())) return;
    try {
      await signOut(this.apps, cloud, { account });
    } catch {
      // already gone
    }
  }

  /** `floorBefore`: the account's activation floor read before the token was asked for (see HotEntry.floorMet). */
  private remember(key: string, req: TokenRequest, t: AccessTokenWithSource, background: boolean, floorBefore: number | undefined): void {
    const prev = this.hot.get(key);
    if (prev?.timer) clearTimeout(prev.timer);
    const { source, ...token } = t;
    const entry: HotEntry = {
      token,
      lastUsed: background && prev ? prev.lastUsed : Date.now(),
      request: { credential: req.credential, cloud: req.cloud, ...(req.resource ? { resource: req.resource } : {}) },
      quiet: req.quiet === true && (prev?.quiet ?? true),
      issuedAt: issuedAt(token.token)?.getTime(),
      floorMet: source === 'network' ? floorBefore : undefined,
    };
    this.hot.set(key, entry);
    if (source === 'network' || (prev && prev.token.token !== token.token)) {
      const account = token.account ?? ('account' in req.credential ? req.credential.account : undefined);
      this.emit('token-refreshed', { key, cloud: req.cloud, kind: req.credential.kind, ...(account ? { account } : {}), expiresOn: token.expiresOn, background });
    }
    this.scheduleRefresh(key, entry);
  }

  private scheduleRefresh(key: string, entry: HotEntry): void {
    if (this.closed || this.options.backgroundRefresh === false) return;
    const minMs = this.minValiditySeconds * 1000;
    // Renew a little before the token falls under the margin, so callers never wait.
    const delay = remainingMs(entry.token) - minMs - 30_000;
    if (delay < 1_000) return; // short-lived tokens: refreshed on demand
    entry.timer = setTimeout(() => {
      if (this.closed || Date.now() - entry.lastUsed > IDLE_STOP_MS || this.hot.get(key) !== entry) return;
      if (this.inFlight.has(key)) return;
      let cloud: Cloud;
      try {
        cloud = this.tokenCloud(this.usableCloud(entry.request.cloud), entry.request.resource);
      } catch (e) {
        this.logger.warn('background refresh stopped', { key, error: e instanceof Error ? e.message : String(e) });
        return;
      }
      const flight = this.startFlight(key, { ...entry.request, ...(entry.quiet ? { quiet: true } : {}) }, cloud, minMs + 30_000, true);
      flight.promise.catch((e: unknown) => this.logger.warn('background refresh failed', { key, error: e instanceof Error ? e.message : String(e) }));
    }, delay);
    entry.timer.unref();
  }

  /** The scopes a sign-in for `resource` asks for in this cloud (the database's, Resource Manager's, Graph's PIM permissions). */
  scopesFor(cloudName: string, resource: TokenResource = 'postgres'): string[] {
    return scopesFor(this.tokenCloud(this.cloud(cloudName), resource));
  }

  /** Drops the in-memory token of a key (after sign-out or a failed refresh). */
  forget(key: string): void {
    const e = this.hot.get(key);
    if (e?.timer) clearTimeout(e.timer);
    this.hot.delete(key);
  }

  // ---- explicit account operations (UI / CLI), kept here so callers need one object ----

  async signInInteractive(cloudName: string, opts: InteractiveSignInOptions): Promise<SignedInAccount> {
    const cloud = this.usableCloud(cloudName);
    const account = await signInInteractive(this.apps, cloud, opts);
    this.signedOut.get(this.cloudKey(cloud))?.delete(account.username.toLowerCase());
    return account;
  }

  /**
   * The step-up a challenge asks for: an interactive sign-in (or device code) as the challenged
   * account, for the scope that failed, carrying the challenge's claims. Its token replaces the
   * refused one, so the operation retried next gets it.
   */
  async stepUp(challenge: ClaimsChallenge, via: StepUpVia): Promise<SignedInAccount> {
    const baseCloud = this.usableCloud(challenge.cloud);
    const cloud = this.tokenCloud(baseCloud, challenge.resource);
    const floorBefore = this.activationFloor(challenge.account);
    const common = {
      scopes: scopesFor(cloud),
      ...(challenge.claims ? { claims: challenge.claims } : {}),
      ...(challenge.tenant ? { tenant: challenge.tenant } : {}),
      ...(challenge.account ? { loginHint: challenge.account } : {}),
      ...(via.signal ? { signal: via.signal } : {}),
    };
    // MSAL's app (and cache) is the base cloud's; only the scope names Resource Manager.
    const r =
      'deviceCode' in via
        ? await acquireWithDeviceCode(this.apps, baseCloud, { ...common, onCode: via.deviceCode })
        : await acquireInteractive(this.apps, baseCloud, {
            ...common,
            openBrowser: via.openBrowser,
            ...(via.onSlow ? { onSlow: via.onSlow } : {}),
            ...(via.slowAfterMs ? { slowAfterMs: via.slowAfterMs } : {}),
          });
    const account = toSignedInAccount(r);
    this.signedOut.get(this.cloudKey(baseCloud))?.delete(account.username.toLowerCase());
    // The person may pick another account on the page (or enter a device code as someone else):
    // that sign-in stands, but its token never answers the challenged account's operation.
    if (challenge.account && challenge.account.toLowerCase() !== account.username.toLowerCase()) {
      throw new PgEntraError('sign_in_failed', `You signed in as ${account.username}, but ${challenge.account} was asked for; nothing was retried with the other account.`, {
        hint: `Sign in again as ${challenge.account}.`,
        details: { account: challenge.account, signedIn: account.username },
      });
    }
    if (r.expiresOn) {
      const req: TokenRequest = { credential: challenge.credential, cloud: challenge.cloud, resource: challenge.resource };
      const key = this.keyFor(challenge.credential, cloud, challenge.resource);
      this.remember(key, req, { token: r.accessToken, expiresOn: r.expiresOn, account: account.username, tenantId: r.tenantId || account.tenantId, source: 'network' }, false, floorBefore);
    }
    return account;
  }

  async signInWithDeviceCode(cloudName: string, opts: DeviceCodeSignInOptions): Promise<SignedInAccount> {
    const cloud = this.usableCloud(cloudName);
    const account = await signInWithDeviceCode(this.apps, cloud, opts);
    this.signedOut.get(this.cloudKey(cloud))?.delete(account.username.toLowerCase());
    return account;
  }

  listAccounts(cloudName: string): Promise<AccountSummary[]> {
    return listAccounts(this.apps, this.cloud(cloudName));
  }

  async signOut(cloudName: string, which: { account: string } | { all: true }): Promise<string[]> {
    const cloud = this.cloud(cloudName);
    const removed = await signOut(this.apps, cloud, which);
    const users = new Set(removed.map((u) => u.toLowerCase()));
    let gone = this.signedOut.get(this.cloudKey(cloud));
    if (!gone) this.signedOut.set(this.cloudKey(cloud), (gone = new Set()));
    for (const u of users) gone.add(u);
    const prefix = `user|${this.cloudKey(cloud)}|`;
    for (const key of new Set([...this.hot.keys(), ...this.inFlight.keys()])) {
      if (!key.startsWith(prefix)) continue;
      const keyAccount = key.slice(prefix.length).split('|')[1] ?? ''; // clientId|account|tenant
      const tokenAccount = this.hot.get(key)?.token.account?.toLowerCase();
      // A credential without account may be using one of the removed accounts.
      const affected = 'all' in which || users.has(keyAccount) || (keyAccount === '' && (tokenAccount === undefined || users.has(tokenAccount)));
      if (!affected) continue;
      this.generations.set(key, this.generation(key) + 1);
      this.forget(key);
    }
    return removed;
  }

  close(): void {
    this.closed = true;
    for (const key of [...this.hot.keys()]) this.forget(key);
    this.removeAllListeners();
  }
}
