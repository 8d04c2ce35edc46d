// Composition root of the desktop app's services (no `electron` import: main.ts passes in the
// few Electron capabilities — opening the browser, app info, the event sink). Wires the token
// broker, the profile store and the session manager to the interfaces the IPC handlers use.
import { PgEntraError } from '../shared/errors.js';
import type { Account, AppInfo, TokenDescription } from '../shared/contract.js';
import { validateProfileInput, type Profile } from '../shared/profile.js';
import { resolveCloud } from './auth/cloudLoader.js';
import { describeToken } from './auth/describeToken.js';
import { TokenBroker } from './auth/tokenBroker.js';
import type { InteropService, ProfilesService, Services, AccountsService, TokensService } from './ipc/services.js';
import type { EventSink } from './ipc/router.js';
import type { Logger } from './log/logger.js';
import { ProfileStore } from './profiles/profileStore.js';
import { SessionManager } from './sessions/manager.js';
import { tokenCloudOf } from './sessions/types.js';

export interface ShellCapabilities {
  dataDir: string;
  logger: Logger;
  /** Opens the sign-in page in the system browser (guarded: authority host only). */
  openSignInPage(url: string, authorityHost: string): Promise<boolean>;
  appInfo(): AppInfo;
  events: EventSink;
  /** pgAdmin import/export, when the interop module is available. */
  interop?: InteropService;
}

export interface ComposedServices {
  services: Services;
  broker: TokenBroker;
  store: ProfileStore;
  sessions: SessionManager;
  dispose(): Promise<void>;
}

function cloudKey(cloud: Profile['cloud'] | undefined): string {
  return cloud === undefined ? 'public' : tokenCloudOf(cloud);
}

function profilesService(store: ProfileStore): ProfilesService {
  const customDomains = (file: string): readonly string[] | undefined => {
    try {
      return resolveCloud(file).postgresDomains;
    } catch {
      return undefined;
    }
  };
  return {
    list: () => store.list(),
    get: (id) => store.get(id),
    create: (input) => store.create(input),
    update: (id, input) => store.update(id, input),
    remove: (id) => store.remove(id),
    restore: (profile) => store.restore(profile),
    duplicate: (id) => store.duplicate(id),
    move: (id, folder) => store.move(id, folder),
    validate: (raw) => {
      const cloud = typeof raw === 'object' && raw !== null && 'cloud' in raw ? (raw as { cloud: unknown }).cloud : undefined;
      const file = typeof cloud === 'object' && cloud !== null && 'customFile' in cloud ? String((cloud as { customFile: unknown }).customFile) : undefined;
      const domains = file ? customDomains(file) : undefined;
      return validateProfileInput(raw, domains ? { customDomains: domains } : {});
    },
  };
}

function accountsService(broker: TokenBroker, shell: ShellCapabilities): AccountsService {
  let pending: AbortController | undefined;
  const toAccount = (cloud: string, a: { username: string; homeAccountId: string; tenantId: string; name?: string }): Account => ({
    homeAccountId: a.homeAccountId,
    username: a.username,
    tenantId: a.tenantId,
    cloud,
    ...(a.name ? { name: a.name } : {}),
  });
  const begin = (): AbortController => {
    pending?.abort();
    pending = new AbortController();
    return pending;
  };
  const announce = async (): Promise<void> => {
    shell.events('accounts.changed', { accounts: await list() });
  };
  const list = async (): Promise<Account[]> => (await broker.listAccounts('public')).map((a) => toAccount('public', a));
  return {
    list,
    async signIn(req) {
      const cloud = cloudKey(req.cloud);
      const authority = broker.cloud(cloud).authorityHost;
      const ctl = begin();
      shell.events('signIn.progress', { stage: 'opening-browser' });
      try {
        const a = await broker.signInInteractive(cloud, {
          ...(req.tenant ? { tenant: req.tenant } : {}),
          ...(req.loginHint ? { loginHint: req.loginHint } : {}),
          signal: ctl.signal,
          openBrowser: async (url) => {
            if (!(await shell.openSignInPage(url, authority))) {
              throw new PgEntraError('sign_in_failed', `The sign-in page is not on the cloud's authority ${authority}, so pgEntra did not open it.`);
            }
            shell.events('signIn.progress', { stage: 'waiting-for-browser' });
          },
        });
        shell.events('signIn.progress', { stage: 'done' });
        await announce();
        return toAccount(cloud, a);
      } catch (e) {
        shell.events('signIn.progress', { stage: ctl.signal.aborted ? 'cancelled' : 'failed' });
        throw e;
      } finally {
        if (pending === ctl) pending = undefined;
      }
    },
    async signInDeviceCode(req) {
      const cloud = cloudKey(req.cloud);
      const ctl = begin();
      shell.events('signIn.progress', { stage: 'waiting-for-device-code' });
      try {
        const a = await broker.signInWithDeviceCode(cloud, {
          ...(req.tenant ? { tenant: req.tenant } : {}),
          signal: ctl.signal,
          onCode: (info) =>
            shell.events('signIn.deviceCode', {
              userCode: info.userCode,
              verificationUri: info.verificationUri,
              message: info.message,
              expiresOn: new Date(Date.now() + info.expiresIn * 1000).toISOString(),
            }),
        });
        shell.events('signIn.progress', { stage: 'done' });
        await announce();
        return toAccount(cloud, a);
      } catch (e) {
        shell.events('signIn.progress', { stage: ctl.signal.aborted ? 'cancelled' : 'failed' });
        throw e;
      } finally {
        if (pending === ctl) pending = undefined;
      }
    },
    async cancelSignIn() {
      if (!pending) return false;
      pending.abort();
      pending = undefined;
      return true;
    },
    async signOut(req) {
      const out = await broker.signOut(cloudKey(req.cloud), { account: req.account });
      await announce();
      return out;
    },
  };
}

function tokensService(broker: TokenBroker): TokensService {
  const fetch = (p: Profile) => broker.getToken({ credential: p.credential, cloud: tokenCloudOf(p.cloud) });
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
      };
    },
  };
}

/** pgAdmin import/export until the interop module provides an implementation: a clear refusal. */
const interopNotAvailable: InteropService = {
  async exportPgAdmin() {
    throw new PgEntraError('internal', 'pgAdmin export is not available in this build of the desktop app.', { hint: 'Use the pgentra CLI to export profiles for pgAdmin.' });
  },
  async importPgAdmin() {
    throw new PgEntraError('internal', 'pgAdmin import is not available in this build of the desktop app.', { hint: 'Use the pgentra CLI to import a pgAdmin servers.json.' });
  },
};

export function composeServices(shell: ShellCapabilities): ComposedServices {
  const broker = new TokenBroker({ dataDir: shell.dataDir, logger: shell.logger });
  const store = new ProfileStore({
    dataDir: shell.dataDir,
    customCloudDomains: (file) => {
      try {
        return resolveCloud(file).postgresDomains;
      } catch {
        return undefined;
      }
    },
  });
  const sessions = new SessionManager({ tokens: broker, customCloudCaFile: (file) => resolveCloud(file).caFile });
  const unsubscribeSessions = sessions.subscribe((e) => shell.events('session.state', e));
  const unsubscribeStore = store.subscribe((change) =>
    shell.events('profiles.changed', { type: change.type, ids: 'profile' in change ? [change.profile.id] : 'ids' in change ? change.ids : [] }),
  );
  broker.on('sign-in-required', (e) =>
    shell.events('auth.signInRequired', { account: e.account ?? null, cloud: e.key, message: e.error.message }),
  );
  const services: Services = {
    profiles: profilesService(store),
    accounts: accountsService(broker, shell),
    sessions,
    tokens: tokensService(broker),
    interop: shell.interop ?? interopNotAvailable,
    appInfo: shell.appInfo,
    events: shell.events,
  };
  return {
    services,
    broker,
    store,
    sessions,
    async dispose() {
      unsubscribeSessions();
      unsubscribeStore();
      await sessions.closeAll();
      broker.close();
    },
  };
}
