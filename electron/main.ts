// Electron main process: single instance, app data under the OS app-data folder (or PGENTRA_HOME),
// the hardened window, and every contract call registered on ipcMain through the router, with the
// sending frame checked. Bundled to dist/electron/main.cjs (CommonJS, so __dirname is defined).
import path from 'node:path';
import { app, BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { CALL_NAMES, callChannel, eventChannel } from '../shared/ipcChannels.js';
import { createHandlers } from './ipc/handlers/index.js';
import { createRouter, parseEvent, type EventSink, type SenderInfo } from './ipc/router.js';
import { APP_HOST, APP_SCHEME, createSenderPolicy } from './ipc/senderPolicy.js';
import { createLogger, fileSink } from './log/logger.js';
import { dataDir as resolveDataDir, logsDir } from './paths.js';
import { composeServices, type ComposedServices } from './services.js';
import { safeOpenExternal } from './shell/openExternal.js';
import { applyContentsGuards, createMainWindow, hardenSession, registerAppScheme, serveAppProtocol } from './window.js';

const dataDir = resolveDataDir(process.env);
// Chromium's own files (cache, local storage) live next to pgEntra's, not in ~/.config/Electron.
app.setPath('userData', path.join(dataDir, 'electron'));
registerAppScheme();

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

const broadcast: EventSink = (name, payload) => {
  const valid = parseEvent(name, payload);
  for (const win of BrowserWindow.getAllWindows()) {
    if (!win.isDestroyed()) win.webContents.send(eventChannel(name), valid);
  }
};

function openWindow(): void {
  mainWindow = createMainWindow({ preloadPath: path.join(__dirname, 'preload.cjs') });
  mainWindow.on('closed', () => {
    mainWindow = undefined;
  });
}

async function start(): Promise<void> {
  const logger = createLogger({ sinks: [fileSink(logsDir(dataDir))], scope: 'main' });
  serveAppProtocol(path.join(__dirname, '..', 'renderer'));
  hardenSession();
  app.on('web-contents-created', (_event, contents) => applyContentsGuards(contents));

  composed = composeServices({
    dataDir,
    logger,
    openSignInPage: (url, authorityHost) => safeOpenExternal(url, [authorityHost]),
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
    // Close database sessions and stop token refreshes before exiting.
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
