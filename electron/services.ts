// Composition root of the desktop app's services (no `electron` import: main.ts passes in the
// few Electron capabilities — opening the browser, the save dialog, app info, the event sink). Wires the token
// broker, the profile store and the session manager to the interfaces the IPC handlers use.
import { PgEntraError } from '../shared/errors.js';
import type { AppInfo, CallInput, CallOutput, TokenDescription } from '../shared/contract.js';
import { cloudFromRef, cloudRef, postgresDomainsFor, validateProfileInput, type Profile } from '../shared/profile.js';
import { createAzureService } from './azure/index.js';
import { describeToken } from './auth/describeToken.js';
import { TokenBroker } from './auth/tokenBroker.js';
import type { TokenProvider } from './auth/tokenProvider.js';
import type { InteropService, MainClipboard, ProfileInputParsed, ProfilesService, Services, SettingsChange, TokensService, TokenCopyRequest, TokenTargetDecision } from './ipc/services.js';
import { TokenExpiryIndex, createAccountsService } from './appServices/accountsService.js';
import { createSettingsService } from './appServices/settingsService.js';
import { createPimAppService } from './appServices/pimAppService.js';
import { createTokenClipboard } from './appServices/tokenClipboard.js';
import { activationFloor } from './pim/activationLog.js';
import { combinedResolver } from './net/proxyConfig.js';
import type { EventSink } from './ipc/router.js';
import type { Logger } from './log/logger.js';
import { customCloudDomains, openProfileStore } from './profiles/profileAccess.js';
import { CLOUD_TRUST_WARNING, cloudConsentError, cloudTrustStatus, describeCloudFacts, trustShownCloudFile } from './connect/cloudTrust.js';
import type { ProfileStore } from './profiles/profileStore.js';
import { exportPgAdminJson, importPgAdminJson } from './interop/pgadminService.js';
import type { ImportEndpoint } from './interop/pgadminImport.js';
import { PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS } from './interop/passwordExecTiming.js';
import { targetOsFor } from '../shared/shellQuote.js';
import { SessionManager } from './sessions/manager.js';
import { preflight } from './connect/preflight.js';

export interface ShellCapabilities {
  dataDir: string;
  logger: Logger;
  /**
   * Opens the sign-in page in the system browser. The sign-in flow has checked the URL against the
   * cloud's sign-in hosts (`allowedHosts`) before; the shell checks again before opening it.
   */
  openSignInPage(url: string, allowedHosts: readonly string[]): Promise<boolean>;
  /** How long the browser may stay silent before the sign-in dialog says what may be wrong (default 3 min). */
  signInSlowAfterMs?: number;
  /**
   * The OS proxy settings for a URL as Chromium resolves them (PAC included): Electron's
   * `session.resolveProxy`. Used when HTTPS_PROXY/HTTP_PROXY are not set.
   */
  systemProxy?(url: string): Promise<string>;
  /** The environment (proxy variables); default process.env. */
  env?: NodeJS.ProcessEnv;
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
  /** The native confirmation before a client id or the OS-store trust changes; without it such changes are refused. */
  confirmSettingsChange?(change: SettingsChange): Promise<boolean>;
  /**
   * The native confirmation before pgEntra widens where a token may go (non-Azure host, weaker
   * TLS, a custom cloud file, an imported host, a firewall rule); without it all are refused.
   */
  confirmDecision?(decision: TokenTargetDecision): Promise<boolean>;
  /** The system clipboard (Electron's `clipboard`): tokens.copy writes the token here, never to the renderer. */
  clipboard?: MainClipboard;
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

type Confirm = (decision: TokenTargetDecision) => Promise<boolean>;

/**
 * A save by a person in the app: a custom cloud file must be confirmed on this machine. The
 * renderer's "Trust this custom cloud file" tick (confirmations.customCloud) is ignored: the file
 * is read once here, the main process's dialog shows what those bytes say, and a yes records their
 * hash — in trusted-clouds.json, never in the profile. A file that changed meanwhile is refused.
 */
async function consentForSave(dataDir: string, input: ProfileInputParsed, confirm: Confirm | undefined): Promise<void> {
  const file = customFileOf(input);
  if (file === undefined) return;
  const status = cloudTrustStatus(dataDir, file);
  if (status.state === 'trusted') return;
  const f = status.facts;
  const yes = confirm ? await confirm({ kind: 'custom-cloud', profileName: input.name, file: f.file, sha256: f.sha256, lines: describeCloudFacts(f) }) : false;
  if (!yes) throw cloudConsentError(status, `The profile "${input.name}"`);
  await trustShownCloudFile(dataDir, f);
}

function profilesService(store: ProfileStore, dataDir: string, confirm: Confirm | undefined): ProfilesService {
  return {
    list: () => store.list(),
    get: (id) => store.get(id),
    create: async (input) => {
      await consentForSave(dataDir, input, confirm);
      return store.create(input);
    },
    update: async (id, input) => {
      await consentForSave(dataDir, input, confirm);
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
    async importPgAdmin(json, conflict, requestedHosts) {
      const cloud = shell.defaultCloud ?? 'public';
      const account = await importAccountFor(broker, cloud);
      const run = (allowedEndpoints?: ImportEndpoint[]): ReturnType<typeof importPgAdminJson> =>
        importPgAdminJson(store, json, {
          cloud: cloudFromRef(cloud),
          // Hosts outside the cloud's domains: nothing is imported until each is confirmed, and a
          // yes covers the servers (host and port) the dialog showed, no other port on that host.
          ...(allowedEndpoints ? { allowedEndpoints } : { confirmHostsFirst: true }),
          allowWeakerTls: false,
          onConflict: conflict,
          ...(account ? { account } : {}),
        });
      let { plan, result } = await run();
      if (requestedHosts && plan.unconfirmedHosts.length > 0) {
        // The renderer only asks: each host it names that needs it is confirmed in the main
        // process's dialog, one at a time; a host it does not name, or the person declines, stays out.
        const asked = new Set(requestedHosts.map((h) => h.trim().toLowerCase()));
        const allowedEndpoints: ImportEndpoint[] = [];
        for (const host of plan.unconfirmedHosts) {
          if (!asked.has(host)) continue;
          const onHost = plan.unconfirmedServers.filter((e) => e.host === host);
          const servers = onHost.map(({ name, port }) => ({ name, port }));
          if (shell.confirmDecision && (await shell.confirmDecision({ kind: 'import-host', host, cloud, servers }))) allowedEndpoints.push(...onHost.map(({ port }) => ({ host, port })));
        }
        ({ plan, result } = await run(allowedEndpoints));
      }
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
        hostsToConfirm: requestedHosts ? [] : plan.unconfirmedHosts,
      };
    },
  };
}

export function composeServices(shell: ShellCapabilities): ComposedServices {
  // PGENTRA_CLOUD_FILE (defaultCloud) is the person's own choice for this run; every other custom
  // cloud file (profiles, imports) needs their recorded consent before it gets a token or a sign-in.
  const explicit = shell.defaultCloud && shell.defaultCloud !== 'public' ? [shell.defaultCloud] : [];
  // settings.json (shared with the CLI): the trust list is configured from it before any connection.
  const settings = createSettingsService(shell.dataDir, shell.confirmSettingsChange?.bind(shell));
  // Entra and Resource Manager through the proxy the environment or the OS names; never the database.
  const systemProxy = shell.systemProxy?.bind(shell);
  const resolveProxy = combinedResolver({ env: shell.env ?? process.env, ...(systemProxy ? { systemProxy } : {}) });
  const broker = new TokenBroker({
    dataDir: shell.dataDir,
    logger: shell.logger,
    explicitCloudFiles: explicit,
    clientIds: () => settings.current().clientIds,
    // A PIM activation recorded on this machine (here or by the CLI): older cached tokens lack the group.
    tokensNotBefore: activationFloor(shell.dataDir, shell.logger),
    resolveProxy,
  });
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
  // `resource`: the banner's "Sign in" must sign in for the scope that failed, or it would not help.
  broker.on('sign-in-required', (e) => shell.events('auth.signInRequired', { account: e.account ?? null, cloud: e.cloud, message: e.error.message, resource: e.resource }));
  const accounts = createAccountsService({
    broker,
    store,
    events: shell.events,
    expiries,
    defaultCloud: shell.defaultCloud ?? 'public',
    openSignInPage: (url, hosts) => shell.openSignInPage(url, hosts),
    ...(shell.signInSlowAfterMs ? { slowAfterMs: shell.signInSlowAfterMs } : {}),
  });
  const clipboard = shell.clipboard ? createTokenClipboard(shell.clipboard) : undefined;
  const services: Services = {
    profiles: profilesService(store, shell.dataDir, shell.confirmDecision?.bind(shell)),
    accounts,
    sessions,
    tokens: tokensService(tokens),
    interop: interopService(store, broker, shell),
    appInfo: shell.appInfo,
    saveFile: async (req) => {
      if (!shell.saveFile) throw new PgEntraError('internal', 'Saving files is not available in this build of pgEntra.', { details: { capability: 'saveFile' } });
      return shell.saveFile(req);
    },
    // ARM with the same token provider as sessions: one MSAL cache and account for both scopes.
    azure: createAzureService({ tokens, dataDir: shell.dataDir, logger: shell.logger, resolveProxy }),
    settings,
    pim: createPimAppService({ tokens, resolveProxy, dataDir: shell.dataDir, events: shell.events, store, accounts, checkLogin: (p) => sessions.checkLogin(p), logger: shell.logger.child('pim') }),
    defaultCloud: shell.defaultCloud ?? 'public',
    postgresDomainsOf: (cloud) => (typeof cloud === 'string' ? postgresDomainsFor(cloud) : (customCloudDomains(cloud.customFile) ?? [])),
    events: shell.events,
    confirmTokenCopy: async (req) => (shell.confirmTokenCopy ? shell.confirmTokenCopy(req) : false),
    ...(clipboard ? { clipboard } : {}),
    confirmDecision: async (d) => (shell.confirmDecision ? shell.confirmDecision(d) : false),
  };
  return {
    services,
    broker,
    store,
    sessions,
    async dispose() {
      // First: a token copied less than a minute ago must not outlive the app on the clipboard.
      await clipboard?.clearPending();
      unsubscribeSessions();
      unsubscribeProgress();
      unsubscribeStore();
      broker.off('token-refreshed', onRefreshed);
      await sessions.closeAll();
      broker.close();
    },
  };
}
