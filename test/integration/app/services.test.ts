// The desktop app's real services composed as main.ts composes them, driven through the real
// IPC router exactly as the preload would: sign in (accounts land under the cloud they belong
// to), save the seed's profile, open a session as db-admins, export to pgAdmin and import back.
// Only the Electron binary is absent; its one capability here (opening the browser) completes
// the simulator's auto-approved sign-in headlessly.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgEntraError } from '../../../shared/errors.js';
import { silentLogger } from '../../../electron/log/logger.js';
import { createHandlers } from '../../../electron/ipc/handlers/index.js';
import { createRouter, type Router } from '../../../electron/ipc/router.js';
import { APP_ORIGIN } from '../../../electron/ipc/senderPolicy.js';
import { noteAppPackaged } from '../../../electron/base/cliMode.js';
import { composeServices, type ComposedServices } from '../../../electron/services.js';
import type { TokenTargetDecision } from '../../../electron/ipc/services.js';
import { completeSignInHeadless } from '../../sim/entra/index.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { ACCOUNTS } from '../../sim/types.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const sender = { frameUrl: `${APP_ORIGIN}/index.html`, isMainFrame: true };
let sim: SimulatedAzure;
let home: string;
let composed: ComposedServices;
let router: Router;
const sent: Array<{ name: string; payload: unknown }> = [];
/** The main process's decision dialogs (stand-in answering yes, as the person who wrote the file would). */
const decisions: TokenTargetDecision[] = [];

async function call<T>(channel: string, payload: unknown = {}): Promise<T> {
  const r = await router.dispatch(channel, payload, sender);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

beforeAll(async () => {
  if (!keyring) return;
  sim = await startSimulatedAzure({ autoApprove: ACCOUNTS.secondary });
  home = mkdtempSync(path.join(tmpdir(), 'pgentra-app-'));
  // The simulator's cloud file is not trusted up front: the first save asks in the main process's dialog.
  const events: string[] = [];
  composed = composeServices({
    dataDir: home,
    logger: silentLogger,
    defaultCloud: sim.stateFile,
    openSignInPage: async (url, allowedHosts) => {
      expect(allowedHosts).toContain(new URL(url).host);
      void completeSignInHeadless(url, { caCertPem: readFileSync(sim.caFile, 'utf8') });
      return true;
    },
    appInfo: () => ({ name: 'pgEntra', version: 'test', electron: null, chrome: null, node: process.versions.node, platform: process.platform, dataDir: home }),
    confirmDecision: async (d) => {
      decisions.push(d);
      return true;
    },
    events: (name, payload) => {
      events.push(name);
      sent.push({ name, payload });
    },
  });
  router = createRouter(createHandlers(composed.services), { validateOutput: true });
});

afterAll(async () => {
  await composed?.broker.signOut(sim.stateFile, { all: true }).catch(() => undefined);
  await composed?.dispose();
  await sim?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe.skipIf(!keyring)('desktop services through the router', () => {
  it('sign in → the account is listed under its own cloud → profile → session as db-admins → pgAdmin export and import', async () => {
    const cloud = { customFile: sim.stateFile };
    const signedIn = await call<{ account: { username: string; cloud: string } }>('accounts.signIn', { cloud });
    expect(signedIn.account.username).toBe(ACCOUNTS.secondary);

    // Before any profile exists, the default cloud (PGENTRA_CLOUD_FILE) is searched.
    const listed = await call<{ accounts: { username: string; cloud: string }[] }>('accounts.list');
    expect(listed.accounts).toContainEqual(expect.objectContaining({ username: ACCOUNTS.secondary, cloud: sim.stateFile }));

    const { profile } = await call<{ profile: { id: string } }>('profiles.save', {
      profile: {
        name: 'Seed: db-admins',
        host: sim.state.server.host,
        port: sim.state.server.port,
        database: 'postgres',
        username: 'db-admins',
        credential: { kind: 'interactive', account: ACCOUNTS.secondary },
        cloud,
      },
    });
    // The cloud file was trusted through the main process's dialog, showing that file.
    expect(decisions).toEqual([expect.objectContaining({ kind: 'custom-cloud', file: sim.stateFile })]);
    const info = await call<{ sessionId: string; currentUser: string | null }>('sessions.open', { profileId: profile.id });
    expect(info.currentUser).toBe('db-admins');
    const q = await call<{ status: string; statements: { rows: unknown[][] }[] }>('sessions.query', { sessionId: info.sessionId, sql: 'select current_user' });
    expect(q.status).toBe('ok');
    expect(q.statements[0]?.rows[0]?.[0]).toBe('db-admins');
    await call('sessions.close', { sessionId: info.sessionId });
    // The accounts list says how long the account's token has left (expiry only, never the token).
    const after = await call<{ accounts: { username: string; tokenExpiresOn: string | null }[] }>('accounts.list');
    const expiry = after.accounts.find((a) => a.username === ACCOUNTS.secondary)?.tokenExpiresOn;
    expect(expiry && Date.parse(expiry)).toBeGreaterThan(Date.now());
    expect(JSON.stringify(after)).not.toMatch(/eyJ[\w-]{10,}\./);
    expect(sent.filter((e) => e.name === 'session.connectProgress').map((e) => (e.payload as { stage: string }).stage)).toEqual(['tls', 'token', 'authenticating', 'connected']);

    const exported = await call<{ json: string; count: number }>('interop.exportPgAdmin', { profileIds: [profile.id] });
    expect(exported.count).toBe(1);
    expect(exported.json).not.toMatch(/eyJ[\w-]{10,}\./);
    const servers = (JSON.parse(exported.json) as { Servers: Record<string, { Username: string; Port: number; PasswordExecCommand: string }> }).Servers;
    expect(servers['1']).toMatchObject({ Username: 'db-admins', Port: sim.state.server.port });
    expect(servers['1']?.PasswordExecCommand).toContain(`token ${profile.id}`);

    // The same server again is a duplicate: skipped with a reason, never silently doubled.
    const again = await call<{ imported: unknown[]; skipped: { name: string; reason: string }[] }>('interop.importPgAdmin', { json: exported.json });
    expect(again.imported).toHaveLength(0);
    expect(again.skipped).toHaveLength(1);
    const renamed = await call<{ imported: { name: string; credential: { kind: string; account?: string } }[] }>('interop.importPgAdmin', { json: exported.json, conflict: 'rename' });
    expect(renamed.imported).toHaveLength(1);
    expect(renamed.imported[0]?.name).not.toBe('Seed: db-admins');
    // Exactly one account is signed in for the import's cloud: the imported profile uses it.
    expect(renamed.imported[0]?.credential).toEqual({ kind: 'interactive', account: ACCOUNTS.secondary });
    expect((await call<{ profiles: unknown[] }>('profiles.list')).profiles).toHaveLength(2);
  });

  it('pgAdmin export from a packaged app without a command-line launcher fails with an actionable not_found', async () => {
    const proc = process as NodeJS.Process & { resourcesPath?: string };
    const saved = proc.resourcesPath;
    const savedCli = process.env.PGENTRA_CLI_PATH;
    // As in a packaged app: its resources hold no pgentra launcher.
    proc.resourcesPath = path.join(home, 'resources');
    noteAppPackaged(true);
    delete process.env.PGENTRA_CLI_PATH;
    try {
      const r = await router.dispatch('interop.exportPgAdmin', { profileIds: [] }, sender);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('not_found');
        expect(r.error.message).toBe("pgEntra's command-line launcher is not installed next to the app; pass --cli PATH or set PGENTRA_CLI_PATH");
      }
    } finally {
      noteAppPackaged(false);
      if (saved === undefined) Reflect.deleteProperty(proc, 'resourcesPath');
      else proc.resourcesPath = saved;
      if (savedCli !== undefined) process.env.PGENTRA_CLI_PATH = savedCli;
    }
  });

  it('auth.signInRequired names the cloud ref (what accounts.signIn takes), not the broker cache key', () => {
    const error = new PgEntraError('sign_in_required', 'Sign in again.');
    composed.broker.emit('sign-in-required', { key: `interactive|${sim.stateFile}|x`, cloud: sim.stateFile, kind: 'interactive', account: ACCOUNTS.secondary, resource: 'postgres', error });
    expect(sent.filter((e) => e.name === 'auth.signInRequired').at(-1)?.payload).toEqual({ account: ACCOUNTS.secondary, cloud: sim.stateFile, message: 'Sign in again.', resource: 'postgres' });
  });

  it('a sign-in page that never comes back (Entra shows some refusals only there): after a while the dialog says what may be wrong and offers the way out; Cancel ends it', async () => {
    const progress: Array<{ stage: string; message?: string }> = [];
    const slowApp = composeServices({
      dataDir: home,
      logger: silentLogger,
      defaultCloud: sim.stateFile,
      signInSlowAfterMs: 1_000,
      // The browser shows Entra's page; this one keeps an error on it (AADSTS50020) and never posts back.
      openSignInPage: async (url) => {
        void completeSignInHeadless(url, { caCertPem: readFileSync(sim.caFile, 'utf8') }).catch(() => undefined);
        return true;
      },
      appInfo: () => ({ name: 'pgEntra', version: 'test', electron: null, chrome: null, node: process.versions.node, platform: process.platform, dataDir: home }),
      events: (name, payload) => {
        if (name === 'signIn.progress') progress.push(payload as { stage: string; message?: string });
      },
    });
    const slowRouter = createRouter(createHandlers(slowApp.services), { validateOutput: true });
    try {
      sim.entra.control.failNext('authorize', { error: 'invalid_request', aadsts: 50020, pageOnly: true });
      const pending = slowRouter.dispatch('accounts.signIn', { cloud: { customFile: sim.stateFile } }, sender);
      await expect.poll(() => progress.map((p) => p.stage), { timeout: 15_000 }).toContain('slow');
      expect(progress.map((p) => p.stage)).toEqual(['opening-browser', 'waiting-for-browser', 'slow']);
      expect(progress.at(-1)?.message).toMatch(/does not come back to pgEntra for some of them.*device code/);
      expect((await slowRouter.dispatch('accounts.cancelSignIn', {}, sender)).ok).toBe(true);
      const r = await pending;
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('sign_in_cancelled');
      expect(progress.at(-1)?.stage).toBe('cancelled');
    } finally {
      await slowApp.dispose();
    }
  });
});
