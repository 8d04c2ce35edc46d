// The demo's moving parts, started in order and stopped in reverse: simulated Azure, a sign-in
// through the real token broker, the demo profile in a temporary PGENTRA_HOME, a pgAdmin export,
// the local auth proxy and (where Electron exists) the desktop app. Everything lives under one
// temporary directory; the only thing outside it is the demo-only keychain entry, removed on stop.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TokenBroker } from '../../electron/auth/tokenBroker.js';
import { trustCloudFile } from '../../electron/connect/cloudTrust.js';
import { buildPgAdminExport, serializePgAdminExport } from '../../electron/interop/pgadminExport.js';
import { targetOsFor } from '../../shared/shellQuote.js';
import { deleteKeychainCache } from '../../electron/keychain/cachePersistence.js';
import { probeKeychain } from '../../electron/keychain/keychainProbe.js';
import { createLogger, fileSink, type Logger } from '../../electron/log/logger.js';
import { logsDir } from '../../electron/base/paths.js';
import { openProfileStore } from '../../electron/profiles/profileAccess.js';
import { DEFAULT_PROXY_ADDRESS, PortRegistry, startProxy, type ProxyListener, type RunningProxy } from '../../electron/proxy/index.js';
import type { Profile } from '../../shared/profile.js';
import { completeSignInHeadless } from '../sim/entra/index.js';
import { startSimulatedAzure, type SimulatedAzure } from '../sim/index.js';
import { CHECKOUT_ROOT, launchDesktopApp, locateElectron, type DesktopApp } from './desktopApp.js';
import type { DemoFacts } from './instructions.js';
import type { DemoOptions } from './options.js';
import { PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS } from '../../electron/interop/passwordExecTiming.js';

export const DEMO_UPN = 'adm-alice@contoso.example';
export const DEMO_PROFILE_NAME = 'demo';
const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;
const SIGN_IN_TIMEOUT_MS = 60_000;

export interface DemoSession {
  facts: DemoFacts;
  app?: DesktopApp;
  stop(): Promise<void>;
}

export interface DemoProgress {
  step(text: string): void;
}

class Cleanup {
  private readonly steps: Array<{ what: string; run: () => Promise<void> | void }> = [];
  add(what: string, run: () => Promise<void> | void): void {
    this.steps.push({ what, run });
  }
  /** Runs every step in reverse order; a failing step does not stop the others. */
  async run(onError: (what: string, e: unknown) => void): Promise<void> {
    for (const s of this.steps.splice(0).reverse()) {
      try {
        await s.run();
      } catch (e) {
        onError(s.what, e);
      }
    }
  }
}

/** The CLI bundle the printed `pgentra` commands and pgAdmin's password command run. */
function ensureCliBuilt(progress: DemoProgress): string {
  const bin = path.join(CHECKOUT_ROOT, 'electron', 'cli', 'bin.mjs');
  if (!existsSync(path.join(CHECKOUT_ROOT, 'dist', 'cli', 'pgentra.mjs'))) {
    progress.step('Building the pgentra CLI (first run)…');
    const r = spawnSync(process.execPath, [path.join(CHECKOUT_ROOT, 'build', 'build.mjs'), '--no-renderer'], { cwd: CHECKOUT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error('building the pgentra CLI failed (see above); run `npm run build` and try again');
  }
  return bin;
}

/** --port, else the port `pgentra proxy` would use: remembered per profile, 6432 and up, skipping busy ones. */
async function proxyPort(dataDir: string, profileId: string, requested: number | undefined): Promise<number> {
  if (requested !== undefined) return requested;
  return (await new PortRegistry(dataDir).assignFree([profileId], DEFAULT_PROXY_ADDRESS)).get(profileId) as number;
}

/** Starts the simulator with its scratch dir inside `parent`, so every file of the demo is under one root. */
async function startAzureUnder(parent: string, opts: DemoOptions, stateFile: string): Promise<SimulatedAzure> {
  return startSimulatedAzure({
    autoApprove: DEMO_UPN,
    stateFile,
    parentDir: parent,
    ...(opts.tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds: opts.tokenLifetimeSeconds } : {}),
  });
}

async function signIn(broker: TokenBroker, azure: SimulatedAzure, signal: AbortSignal): Promise<void> {
  const caCertPem = readFileSync(azure.caFile, 'utf8');
  const ctl = new AbortController();
  const onAbort = (): void => ctl.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => ctl.abort(), SIGN_IN_TIMEOUT_MS);
  let browserError: unknown;
  try {
    await broker.signInInteractive(azure.stateFile, {
      loginHint: DEMO_UPN,
      signal: ctl.signal,
      // The simulator auto-approves DEMO_UPN: the "browser" only has to post the answer back to
      // pgEntra's loopback redirect. Not awaited: MSAL answers the browser only after it has the code.
      openBrowser: async (url) => {
        completeSignInHeadless(url, { caCertPem, upn: DEMO_UPN }).catch((e: unknown) => {
          browserError = e;
          ctl.abort();
        });
      },
    });
  } catch (e) {
    if (browserError !== undefined) throw new Error(`the simulated sign-in page failed: ${browserError instanceof Error ? browserError.message : String(browserError)}`, { cause: e });
    throw e;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

export async function startDemo(opts: DemoOptions, progress: DemoProgress, signal: AbortSignal): Promise<DemoSession> {
  const cleanup = new Cleanup();
  const stop = async (): Promise<void> => cleanup.run((what, e) => process.stderr.write(`demo: could not ${what}: ${e instanceof Error ? e.message : String(e)}\n`));
  const checkAbort = (): void => {
    if (signal.aborted) throw new DemoCancelled();
  };
  try {
    const cliBin = ensureCliBuilt(progress);
    const root = mkdtempSync(path.join(os.tmpdir(), 'pgentra-demo-'));
    cleanup.add(`remove ${root}`, () => rmSync(root, { recursive: true, force: true }));
    // The simulated server's PostgreSQL may run as another OS user (root → postgres): it must traverse.
    chmodSync(root, 0o711);
    const dataDir = path.join(root, 'home');
    mkdirSync(dataDir, { mode: 0o700 });
    const logger: Logger = createLogger({ level: 'info', sinks: [fileSink(logsDir(dataDir), 'demo')], scope: 'demo' });

    progress.step('Starting the simulated Azure (Entra ID + flexible server)…');
    const azure = await startAzureUnder(root, opts, path.join(root, 'azure.json'));
    cleanup.add('stop the simulated Azure', () => azure.stop());
    checkAbort();

    // The printed `pgentra` commands and the app run in other processes: they can only share the
    // sign-in through the keychain. The entry's name derives from this temporary data dir, so it
    // is the demo's own and is deleted on stop; without a keychain the sign-in stays in memory.
    let keychain = false;
    let memoryOnlyReason: string | undefined = opts.memoryCache ? '--memory-cache' : undefined;
    if (!opts.memoryCache) {
      try {
        await probeKeychain();
        keychain = true;
      } catch {
        memoryOnlyReason = 'no OS keychain is available';
      }
    }
    // The demo's user trusts the simulator's cloud file, as `pgentra clouds trust FILE` records it.
    const trusted = await trustCloudFile(dataDir, azure.stateFile);
    const broker = new TokenBroker({ dataDir, logger, memoryCache: !keychain });
    cleanup.add('close the token broker', () => broker.close());
    // A custom cloud's sign-ins live in its own keychain entry (its cache partition).
    if (keychain) cleanup.add('delete the demo keychain entry', () => deleteKeychainCache(dataDir, trusted.cloud.cachePartition));

    progress.step(`Signing in ${DEMO_UPN} (auto-approved by the simulator)…`);
    await signIn(broker, azure, signal);
    checkAbort();

    const profile: Profile = await openProfileStore(dataDir).create({
      name: DEMO_PROFILE_NAME,
      folder: 'Simulated Azure',
      host: azure.state.server.host,
      port: azure.state.server.port,
      database: 'postgres',
      username: 'db-admins',
      credential: { kind: 'interactive', account: DEMO_UPN },
      cloud: { customFile: azure.stateFile },
      applicationName: 'pgEntra-demo',
      color: '#2e8b57',
      notes: 'Created by `npm run demo`: a simulated flexible server on this machine, removed when the demo stops.',
    });

    let pgadminFile: string | undefined;
    if (keychain) {
      // pgAdmin does not inherit PGENTRA_HOME: the password command sets it itself (/usr/bin/env).
      const os_ = targetOsFor(process.platform);
      const launcher = os_ === 'windows' ? [process.execPath, cliBin] : ['/usr/bin/env', `PGENTRA_HOME=${dataDir}`, process.execPath, cliBin];
      const file = buildPgAdminExport([profile], { os: os_, launcher, passwordExecExpiration: PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS, sslRootCertFor: () => azure.caFile });
      pgadminFile = path.join(root, 'pgadmin-servers.json');
      await writeFile(pgadminFile, serializePgAdminExport(file), { mode: 0o600 });
    }

    progress.step('Starting the local auth proxy…');
    const port = await proxyPort(dataDir, profile.id, opts.proxyPort);
    const proxy: RunningProxy = await startProxy({ routes: [{ profile, port }], tokenProvider: broker, logger, shutdownTimeoutMs: 3_000 });
    cleanup.add('stop the proxy', () => proxy.close(true));
    const listener = proxy.listeners[0] as ProxyListener;
    checkAbort();

    let app: DesktopApp | undefined;
    let appState: DemoFacts['app'];
    if (!opts.app) appState = { opened: false, reason: '--no-app' };
    else if (!keychain) appState = { opened: false, reason: 'the desktop app keeps its sign-in in the OS keychain, which the demo is not using' };
    else {
      const electron = await locateElectron();
      if ('reason' in electron) appState = { opened: false, reason: `${electron.reason}; to get Electron: npx install-electron` };
      else {
        progress.step('Opening the desktop app…');
        app = await launchDesktopApp({ electronPath: electron.path, dataDir, cloudFile: azure.stateFile, logFile: path.join(root, 'app.log') });
        const running = app;
        cleanup.add('close the desktop app', () => running.stop());
        appState = { opened: true };
      }
    }

    const facts: DemoFacts = {
      root,
      dataDir,
      cliBin,
      profileName: profile.name,
      upn: DEMO_UPN,
      authorityHost: azure.state.authorityHost,
      tenantDomain: azure.state.tenantDomain,
      server: { host: profile.host, port: profile.port, database: profile.database, username: profile.username },
      caFile: azure.caFile,
      listener,
      ...(pgadminFile ? { pgadminFile } : {}),
      tokenLifetimeSeconds: opts.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
      keychain,
      ...(memoryOnlyReason ? { memoryOnlyReason } : {}),
      app: appState,
      exitWithApp: opts.exitWithApp,
    };
    return { facts, ...(app ? { app } : {}), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export class DemoCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}
