// Electron main process. Started as `<app> --pgentra-cli <args…>` (the installed `pgentra`
// launcher) it is the CLI: no window, no single-instance lock, exit with the command's code.
// Otherwise the desktop app: single instance, app data under the OS app-data folder (or
// PGENTRA_HOME), the hardened window, and every contract call registered on ipcMain through the
// router, with the sending frame checked. Bundled to dist/electron/main.cjs (CommonJS, so
// __dirname is defined); the CLI and the app's services load lazily so neither pays for the other.
import { writeSync } from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, clipboard, dialog, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { CALL_NAMES, callChannel, eventChannel } from '../shared/ipcChannels.js';
import { detectCliMode, noteAppPackaged } from './base/cliMode.js';
import { EXIT } from './cli/exitCodes.js';
import { refusedStartupSwitches, startupRefusalMessage } from './base/startupSwitches.js';
import type { EventSink, SenderInfo } from './ipc/router.js';
import { APP_HOST, APP_SCHEME, createSenderPolicy } from './ipc/senderPolicy.js';
import { dataDir as resolveDataDir, logsDir } from './base/paths.js';
import type { ComposedServices } from './services.js';
import { safeOpenExternal } from './shell/openExternal.js';
import { createSaveFile } from './shell/saveFile.js';
import { createDecisionConfirmation } from './shell/decisionConfirmation.js';
import { createSettingsConfirmation } from './shell/settingsConfirmation.js';
import { createTokenCopyConfirmation } from './shell/tokenCopyConfirmation.js';
import { applyContentsGuards, createMainWindow, hardenSession, installAppMenu, registerAppScheme, serveAppProtocol } from './window.js';

noteAppPackaged(app.isPackaged);
// First, before any window, keychain or token: an installed app refuses debugging switches (which
// switch the fuses cover and which only this check: electron/base/startupSwitches.ts).
const refusedSwitches = refusedStartupSwitches(process.argv, { packaged: app.isPackaged, platform: process.platform });
const dataDir = resolveDataDir(process.env);
const mode = detectCliMode(process.argv, { defaultApp: process.defaultApp === true });

let mainWindow: BrowserWindow | undefined;
let composed: ComposedServices | undefined;

function senderInfo(event: IpcMainInvokeEvent): SenderInfo {
  const frame = event.senderFrame;
  const win = BrowserWindow.fromWebContents(event.sender);
  return {
    frameUrl: frame?.url ?? '',
    isMainFrame: frame !== null && frame !== undefined && frame.parent === null,
    ...(win ? { windowId: win.id } : {}),
  };
}

function openWindow(): void {
  mainWindow = createMainWindow({ preloadPath: path.join(__dirname, 'preload.cjs'), packaged: app.isPackaged });
  mainWindow.on('closed', () => {
    mainWindow = undefined;
  });
}

async function start(): Promise<void> {
  const [{ createHandlers }, { createRouter, parseEvent }, { createLogger, fileSink }, { composeServices }] = await Promise.all([
    import('./ipc/handlers/index.js'),
    import('./ipc/router.js'),
    import('./log/logger.js'),
    import('./services.js'),
  ]);
  const broadcast: EventSink = (name, payload) => {
    const valid = parseEvent(name, payload);
    for (const win of BrowserWindow.getAllWindows()) {
      if (!win.isDestroyed()) win.webContents.send(eventChannel(name), valid);
    }
  };
  const logger = createLogger({ sinks: [fileSink(logsDir(dataDir))], scope: 'main' });
  serveAppProtocol(path.join(__dirname, '..', 'renderer'));
  // Packaged: no menu item or shortcut for the developer tools.
  installAppMenu(app.isPackaged);
  hardenSession();
  app.on('web-contents-created', (_event, contents) => applyContentsGuards(contents));

  composed = composeServices({
    dataDir,
    logger,
    openSignInPage: (url, allowedHosts) => safeOpenExternal(url, allowedHosts),
    // The OS proxy settings (and PAC) as Chromium applies them, for Entra and Resource Manager.
    systemProxy: (url) => session.defaultSession.resolveProxy(url),
    appInfo: () => ({
      name: app.getName(),
      version: app.getVersion(),
      electron: process.versions.electron ?? null,
      chrome: process.versions.chrome ?? null,
      node: process.versions.node,
      platform: process.platform,
      dataDir,
    }),
    events: broadcast,
    ...(process.env.PGENTRA_CLOUD_FILE ? { defaultCloud: process.env.PGENTRA_CLOUD_FILE } : {}),
    // CSV results and servers.json: the person picks where; nothing is written without the dialog.
    // Written 0600: results and servers.json may hold connection data.
    saveFile: createSaveFile({
      showSaveDialog: (options) => (mainWindow ? dialog.showSaveDialog(mainWindow, options) : dialog.showSaveDialog(options)),
      downloadsDir: () => app.getPath('downloads'),
    }),
    // The main process writes the token to the clipboard only after this native dialog, which
    // the renderer cannot answer or skip; the token never reaches the renderer.
    confirmTokenCopy: createTokenCopyConfirmation((options) => (mainWindow ? dialog.showMessageBox(mainWindow, options) : dialog.showMessageBox(options))),
    // Likewise before the app signs in through another client id, or trusts the OS certificate store.
    confirmSettingsChange: createSettingsConfirmation((options) => (mainWindow ? dialog.showMessageBox(mainWindow, options) : dialog.showMessageBox(options))),
    // And before a token may go somewhere new: a non-Azure host, weaker TLS, a cloud file, an imported host, a firewall rule.
    confirmDecision: createDecisionConfirmation((options) => (mainWindow ? dialog.showMessageBox(mainWindow, options) : dialog.showMessageBox(options))),
    clipboard: { writeText: (text) => clipboard.writeText(text), readText: () => clipboard.readText() },
  });
  const router = createRouter(createHandlers(composed.services), {
    senderPolicy: createSenderPolicy({ scheme: APP_SCHEME, host: APP_HOST, windowIds: () => BrowserWindow.getAllWindows().map((w) => w.id) }),
    validateOutput: !app.isPackaged,
    onError: (channel, error) => logger.warn('ipc call failed', { channel, error }),
  });
  for (const name of CALL_NAMES) {
    ipcMain.handle(callChannel(name), (event, payload: unknown) => router.dispatch(name, payload, senderInfo(event)));
  }
  openWindow();
}

/** The `pgentra` CLI inside the app executable; ends the process with the command's exit code. */
async function runCliMode(args: string[]): Promise<void> {
  // A dock icon would bounce for every `pgentra token` that pgAdmin runs.
  app.dock?.hide();
  // Chromium's own files for CLI runs stay apart from the desktop app's (which may be running).
  app.setPath('userData', path.join(dataDir, 'electron-cli'));
  // Nothing is drawn: no GPU process for a command that prints a token.
  app.disableHardwareAcceleration();
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  let code = 1;
  try {
    const { runCli } = await import('./cli/dispatcher.js');
    code = await runCli(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signal: controller.signal });
  } catch (e) {
    process.stderr.write(`pgentra: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  // Exit once stdout is flushed (a token on a pipe), and explicitly: keytar/MSAL handles and
  // Electron itself would otherwise keep the process alive.
  process.stdout.write('', () => app.exit(code));
}

function runDesktopApp(): void {
  // Chromium's own files (cache, local storage) live next to pgEntra's, not in ~/.config/Electron.
  app.setPath('userData', path.join(dataDir, 'electron'));
  registerAppScheme();
  if (!app.requestSingleInstanceLock()) {
    // Another pgEntra is running: it gets focus (second-instance), this one leaves.
    app.quit();
  } else {
    app.on('second-instance', () => {
      if (!mainWindow) return;
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    });
    app.on('window-all-closed', () => {
      if (process.platform !== 'darwin') app.quit();
    });
    app.on('activate', () => {
      if (app.isReady() && BrowserWindow.getAllWindows().length === 0) openWindow();
    });
    let disposed = false;
    app.on('before-quit', (event) => {
      if (disposed || !composed) return;
      // Close database sessions, stop token refreshes and take a token copied less than a minute
      // ago off the clipboard (composeServices' dispose) before exiting.
      event.preventDefault();
      disposed = true;
      void composed.dispose().finally(() => app.quit());
    });
    app
      .whenReady()
      .then(start)
      .catch((e: unknown) => {
        console.error(`pgEntra failed to start: ${e instanceof Error ? e.message : String(e)}`);
        app.exit(1);
      });
  }
}

/**
 * Leaves at once, before `ready`: Chromium opens the remote-debugging server only after this
 * script's first run. The message goes to stderr, where whoever typed the switch reads it; no
 * dialog, which before `ready` would block a scripted start until someone clicks it.
 */
function refuseToStart(message: string): void {
  try {
    // Synchronous: process.stderr on a pipe may flush only after the exit below.
    writeSync(2, `${message}\n`);
  } catch {
    // No stderr to write to (closed or detached): leaving is what matters.
  }
  // EX_USAGE, as the CLI answers a bad argument.
  app.exit(EXIT.usage);
}

if (refusedSwitches.length > 0) refuseToStart(startupRefusalMessage(refusedSwitches));
else if (mode.cli) void runCliMode(mode.args);
else runDesktopApp();
