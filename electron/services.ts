// Over 400 lines on purpose: the composition root wires every service to the IPC interfaces in one place.
// Composition root of the desktop app's services (no `electron` import: main.ts passes in the
// few Electron capabilities — opening the browser, the save dialog, app info, the event sink). Wires the token
// broker, the profile store and the session manager to the interfaces the IPC handlers use.
import { PgEntraError } from '../shared/errors.js';
import type { Account, AppInfo, CallInput, CallOutput, TokenDescription } from '../shared/contract.js';
import { cloudFromRef, cloudRef, postgresDomainsFor, validateProfileInput, type Profile } from '../shared/profile.js';
import { createAzureService } from './azure/index.js';
import { describeToken } from './auth/describeToken.js';
import { TokenBroker } from './auth/tokenBroker.js';
import { parseCache } from './auth/msalCacheReader.js';
import type { AccessToken, TokenProvider } from './auth/tokenProvider.js';
import type { InteropService, ProfileInputParsed, ProfilesService, Services, AccountsService, TokensService, TokenCopyRequest } from './ipc/services.js';
import type { EventSink } from './ipc/router.js';
import type { Logger } from './log/logger.js';
import { customCloudDomains, openProfileStore } from './profiles/profileAccess.js';
import { CLOUD_TRUST_WARNING, cloudConsentError, cloudTrustStatus, describeCloudFacts, trustCloudFile } from './connect/cloudTrust.js';
import type { ProfileStore } from './profiles/profileStore.js';
import { exportPgAdminJson, importPgAdminJson } from './interop/pgadminService.js';
import { PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS } from './interop/passwordExecTiming.js';
import { targetOsFor } from '../shared/shellQuote.js';
import { SessionManager } from './sessions/manager.js';
import { preflight } from './connect/preflight.js';

export interface ShellCapabilities {
  dataDir: string;
  logger: Logger;
  /** Opens the sign-in page in the system browser (guarded: authority host only). */
  openSignInPage(url: string, authorityHost: string): Promise<boolean>;
  appInfo(): AppInfo;
  events: EventSink;
  /** The cloud for sign-in when a request names none: PGENTRA_CLOUD_FILE, else `public`. */
  defaultCloud?: string;
  /**
   * Shows a save dialog proposing `suggestedName` and writes `text` to the file picked;
   * `saved: false` when the person cancels. Without it app.saveFile fails with a clear error.
   */
  saveFile?(req: CallInput<'app.saveFile'>): Promise<CallOutput<'app.saveFile'>>;
  /** The native confirmation before a token is copied; without it tokens.copy is always refused. */
  confirmTokenCopy?(req: TokenCopyRequest): Promise<boolean>;
}

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

export interface ComposedServices {
  services: Services;
  broker: TokenBroker;
  store: ProfileStore;
  sessions: SessionManager;
  dispose(): Promise<void>;
}

/** The custom cloud file a raw profile input names, if any. */
function customFileOf(raw: unknown): string | undefined {
  const cloud = typeof raw === 'object' && raw !== null && 'cloud' in raw ? (raw as { cloud: unknown }).cloud : undefined;
  return typeof cloud === 'object' && cloud !== null && 'customFile' in cloud ? String((cloud as { customFile: unknown }).customFile) : undefined;
}

/** What the editor shows next to "Trust this custom cloud file" (undefined: trusted, or unreadable — then the field error says why). */
function cloudTrustFor(dataDir: string, file: string): { trusted: boolean; message: string } | undefined {
  try {
    const status = cloudTrustStatus(dataDir, file);
    if (status.state === 'trusted') return { trusted: true, message: '' };
    const err = cloudConsentError(status);
    return {
      trusted: false,
      message: `${err.message} ${CLOUD_TRUST_WARNING} ${describeCloudFacts(status.facts)
        .map((l) => l.replace(/\s+/g, ' '))
        .join(' · ')}`,
    };
  } catch (e) {
    return { trusted: false, message: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * A save by a person in the app: a custom cloud file must be confirmed on this machine. Ticking
 * "Trust this custom cloud file" (confirmations.customCloud) records the consent for the file as
 * it is now — in trusted-clouds.json, never in the profile (the store drops the flag).
 */
async function consentForSave(dataDir: string, input: ProfileInputParsed): Promise<void> {
  const file = customFileOf(input);
  if (file === undefined) return;
  if (input.confirmations.customCloud === true) {
    await trustCloudFile(dataDir, file);
    return;
  }
  const status = cloudTrustStatus(dataDir, file);
  if (status.state !== 'trusted') throw cloudConsentError(status, `The profile "${input.name}"`);
}

function profilesService(store: ProfileStore, dataDir: string): ProfilesService {
  return {
    list: () => store.list(),
    get: (id) => store.get(id),
    create: async (input) => {
      await consentForSave(dataDir, input);
      return store.create(input);
    },
    update: async (id, input) => {
      await consentForSave(dataDir, input);
      return store.update(id, input);
    },
    remove: (id) => store.remove(id),
    restore: (profile) => store.restore(profile),
    duplicate: (id) => store.duplicate(id),
    move: (id, folder) => store.move(id, folder),
    validate: (raw) => {
      const file = customFileOf(raw);
      const domains = file ? customCloudDomains(file) : undefined;
      const trust = file ? cloudTrustFor(dataDir, file) : undefined;
      return validateProfileInput(raw, { ...(domains ? { customDomains: domains } : {}), ...(trust ? { customCloudTrust: trust } : {}) });
    },
  };
}

function accountsService(broker: TokenBroker, store: ProfileStore, shell: ShellCapabilities, expiries: TokenExpiryIndex): AccountsService {
  const defaultCloud = shell.defaultCloud ?? 'public';
  const cloudKey = (cloud: Profile['cloud'] | undefined): string => (cloud === undefined ? defaultCloud : cloudRef(cloud));
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
  const begin = (): AbortController => {
    pending?.abort();
    pending = new AbortController();
    return pending;
  };
  const announce = async (): Promise<void> => {
    shell.events('accounts.changed', { accounts: await list() });
  };
  // Accounts live per cloud (authority); list every cloud the user works with.
  const list = async (): Promise<Account[]> => {
    const clouds = new Set([defaultCloud, ...(await store.list()).map((p) => cloudRef(p.cloud))]);
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
  /** One sign-in at a time (a new one cancels the pending one), with progress events and the account list refreshed after. */
  const runSignIn = async (
    cloud: string,
    firstStage: 'opening-browser' | 'waiting-for-device-code',
    signIn: (signal: AbortSignal) => Promise<{ username: string; homeAccountId: string; tenantId: string; name?: string }>,
  ): Promise<Account> => {
    const ctl = begin();
    shell.events('signIn.progress', { stage: firstStage });
    try {
      const a = await signIn(ctl.signal);
      shell.events('signIn.progress', { stage: 'done' });
      await announce();
      return toAccount(cloud, a);
    } catch (e) {
      shell.events('signIn.progress', { stage: ctl.signal.aborted ? 'cancelled' : 'failed' });
      throw e;
    } finally {
      if (pending === ctl) pending = undefined;
    }
  };
  return {
    list,
    async signIn(req) {
      const cloud = cloudKey(req.cloud);
      const authority = broker.cloud(cloud).authorityHost;
      return runSignIn(cloud, 'opening-browser', (signal) =>
        broker.signInInteractive(cloud, {
          ...(req.tenant ? { tenant: req.tenant } : {}),
          ...(req.loginHint ? { loginHint: req.loginHint } : {}),
          signal,
          openBrowser: async (url) => {
            if (!(await shell.openSignInPage(url, authority))) {
              throw new PgEntraError('sign_in_failed', `The sign-in page is not on the cloud's authority ${authority}, so pgEntra did not open it.`);
            }
            shell.events('signIn.progress', { stage: 'waiting-for-browser' });
          },
        }),
      );
    },
    async signInDeviceCode(req) {
      const cloud = cloudKey(req.cloud);
      return runSignIn(cloud, 'waiting-for-device-code', (signal) =>
        broker.signInWithDeviceCode(cloud, {
          ...(req.tenant ? { tenant: req.tenant } : {}),
          signal,
          onCode: (info) =>
            shell.events('signIn.deviceCode', {
              userCode: info.userCode,
              verificationUri: info.verificationUri,
              message: info.message,
              expiresOn: new Date(Date.now() + info.expiresIn * 1000).toISOString(),
            }),
        }),
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
      await announce();
      return out;
    },
  };
}

function tokensService(tokens: TokenProvider): TokensService {
  const fetch = (p: Profile) => tokens.getToken({ credential: p.credential, cloud: cloudRef(p.cloud) });
  return {
    async copy(p) {
      const t = await fetch(p);
      return { token: t.token, expiresOn: t.expiresOn };
    },
    async describe(p): Promise<TokenDescription> {
      const t = await fetch(p);
      const f = describeToken(t.token);
      return {
        account: f.upn ?? t.account ?? null,
        tenantId: f.tid ?? t.tenantId ?? null,
        objectId: f.oid ?? null,
        audience: f.aud ?? null,
        expiresOn: t.expiresOn.toISOString(),
        kind: f.kind,
        expectedUsername: f.expectedUsername ?? null,
        groupsCount: f.groupsCount,
        groupsOverage: f.groupsOverage,
        ...(f.guest ? { guest: true, homeAccount: f.homeUpn ?? null } : {}),
        ...(f.notes?.length ? { notes: f.notes } : {}),
      };
    },
  };
}

/** The note on each imported profile when pgEntra cannot tell which account it should use. */
export const CHOOSE_ACCOUNT_NOTE = 'no account chosen: several or no accounts are signed in for this cloud — choose the account in the profile editor';

/**
 * The account for profiles imported from pgAdmin: the one signed-in account of the import's
 * cloud, or none when there are several or none (guessing could send one person's token as
 * another's role). An unreadable custom cloud counts as none.
 */
export async function importAccountFor(broker: Pick<TokenBroker, 'listAccounts'>, cloud: string): Promise<string | undefined> {
  const accounts = await broker.listAccounts(cloud).catch(() => []);
  const names = [...new Set(accounts.map((a) => a.username))];
  return names.length === 1 ? names[0] : undefined;
}

function interopService(store: ProfileStore, broker: Pick<TokenBroker, 'listAccounts'>, shell: ShellCapabilities): InteropService {
  return {
    async exportPgAdmin(profiles) {
      // The connection pre-flight first: no password command for a profile that may not connect
      // (an unconfirmed custom cloud file, an unconfirmed host or TLS mode).
      for (const p of profiles) preflight(p, { dataDir: shell.dataDir });
      // locateCli's not_found ("launcher is not installed next to the app …") reaches the renderer as is.
      const json = await exportPgAdminJson(profiles, { dataDir: shell.dataDir, os: targetOsFor(process.platform), env: process.env, passwordExecExpiration: PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS });
      return { json, count: profiles.length };
    },
    async importPgAdmin(json, conflict, allowedHosts) {
      const cloud = shell.defaultCloud ?? 'public';
      const account = await importAccountFor(broker, cloud);
      const { plan, result } = await importPgAdminJson(store, json, {
        cloud: cloudFromRef(cloud),
        // Hosts outside the cloud's domains: the person confirms each one first (allowedHosts).
        ...(allowedHosts ? { allowedHosts } : { confirmHostsFirst: true }),
        allowWeakerTls: false,
        onConflict: conflict,
        ...(account ? { account } : {}),
      });
      if (!account) for (const p of plan.profiles) p.notes.push(CHOOSE_ACCOUNT_NOTE);
      const serverOf = (i: number): string => plan.profiles[i]?.name ?? `server ${i + 1}`;
      return {
        imported: [...result.created, ...result.replaced],
        skipped: [
          ...result.skipped.map((s) => ({ name: s.name, reason: s.reason })),
          ...result.invalid.map((v) => ({ name: v.name ?? serverOf(v.index), reason: v.errors.map((e) => e.message).join('; ') })),
          ...plan.rejected.map((r) => ({ name: r.name, reason: r.reasons.join('; ') })),
        ],
        notes: plan.profiles.filter((p) => p.notes.length > 0).map((p) => ({ name: p.name, notes: p.notes })),
        hostsToConfirm: allowedHosts ? [] : plan.unconfirmedHosts,
      };
    },
  };
}

export function composeServices(shell: ShellCapabilities): ComposedServices {
  // PGENTRA_CLOUD_FILE (defaultCloud) is the person's own choice for this run; every other custom
  // cloud file (profiles, imports) needs their recorded consent before it gets a token or a sign-in.
  const explicit = shell.defaultCloud && shell.defaultCloud !== 'public' ? [shell.defaultCloud] : [];
  const broker = new TokenBroker({ dataDir: shell.dataDir, logger: shell.logger, explicitCloudFiles: explicit });
  const store = openProfileStore(shell.dataDir);
  const expiries = new TokenExpiryIndex();
  const tokens = expiries.recording(broker);
  // Sessions re-check the host against the custom cloud's domains before sending a token.
  const sessions = new SessionManager({ tokens, dataDir: shell.dataDir });
  const unsubscribeSessions = sessions.subscribe((e) => shell.events('session.state', e));
  const unsubscribeProgress = sessions.subscribeConnectProgress(({ target, stage }) => {
    if (target.id) shell.events('session.connectProgress', { profileId: target.id, stage });
  });
  // Background refreshes bypass `tokens`; their expiry still counts.
  const onRefreshed = (e: { cloud: string; account?: string; expiresOn: Date }): void => expiries.note(e.cloud, e.account, e.expiresOn);
  broker.on('token-refreshed', onRefreshed);
  const unsubscribeStore = store.subscribe((change) => shell.events('profiles.changed', { type: change.type, ids: 'profile' in change ? [change.profile.id] : 'ids' in change ? change.ids : [] }));
  // `cloud` is the request's cloud ref (what accounts.signIn takes), not the broker's cache key.
  broker.on('sign-in-required', (e) => shell.events('auth.signInRequired', { account: e.account ?? null, cloud: e.cloud, message: e.error.message }));
  const services: Services = {
    profiles: profilesService(store, shell.dataDir),
    accounts: accountsService(broker, store, shell, expiries),
    sessions,
    tokens: tokensService(tokens),
    interop: interopService(store, broker, shell),
    appInfo: shell.appInfo,
    saveFile: async (req) => {
      if (!shell.saveFile) throw new PgEntraError('internal', 'Saving files is not available in this build of pgEntra.', { details: { capability: 'saveFile' } });
      return shell.saveFile(req);
    },
    // ARM with the same token provider as sessions: one MSAL cache and account for both scopes.
    azure: createAzureService({ tokens, dataDir: shell.dataDir, logger: shell.logger }),
    defaultCloud: shell.defaultCloud ?? 'public',
    postgresDomainsOf: (cloud) => (typeof cloud === 'string' ? postgresDomainsFor(cloud) : (customCloudDomains(cloud.customFile) ?? [])),
    events: shell.events,
    confirmTokenCopy: async (req) => (shell.confirmTokenCopy ? shell.confirmTokenCopy(req) : false),
  };
  return {
    services,
    broker,
    store,
    sessions,
    async dispose() {
      unsubscribeSessions();
      unsubscribeProgress();
      unsubscribeStore();
      broker.off('token-refreshed', onRefreshed);
      await sessions.closeAll();
      broker.close();
    },
  };
}
