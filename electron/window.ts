// The only BrowserWindow factory, the app:// protocol that serves the renderer with a strict
// CSP header, and the guards applied to every web contents: no navigation, no new windows, no
// webviews, no permissions, no requests leaving app://. A packaged app has no developer tools:
// disabled in the window, absent from the menu, and their shortcuts swallowed.
import { readFile } from 'node:fs/promises';
import { app, BrowserWindow, Menu, protocol, session, type MenuItemConstructorOptions, type Session, type WebContents } from 'electron';
import { APP_HOST, APP_ORIGIN, APP_SCHEME } from './ipc/senderPolicy.js';
import { contentTypeFor, resolveAppFile } from './shell/appProtocol.js';
import { SECURITY_HEADERS } from './shell/contentSecurity.js';

export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

// Shown when the renderer has not been built: static, no script (the CSP would block inline code).
const RENDERER_MISSING_HTML =
  '<!doctype html><html lang="en"><meta charset="utf-8"><title>pgEntra</title><body><h1>pgEntra</h1><p>The user interface has not been built. Run <code>npm run build</code>, then start pgEntra again.</p></body></html>';

/** Must run before the app is ready: app:// behaves like a secure, standard origin. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false } }]);
}

/** Serves files under `rendererDir` on app://pgentra/, every response with the security headers. */
export function serveAppProtocol(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(request.url, rendererDir, APP_HOST);
    const headers = { ...SECURITY_HEADERS };
    if (!file) return new Response('Not found', { status: 404, headers: { ...headers, 'content-type': 'text/plain' } });
    try {
      return new Response(await readFile(file), { status: 200, headers: { ...headers, 'content-type': contentTypeFor(file) } });
    } catch {
      if (file.endsWith('index.html')) return new Response(RENDERER_MISSING_HTML, { status: 200, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' } });
      return new Response('Not found', { status: 404, headers: { ...headers, 'content-type': 'text/plain' } });
    }
  });
}

/** Session-wide: deny every permission, and cancel any request that is not for the app's own content. */
export function hardenSession(ses: Session = session.defaultSession): void {
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onBeforeRequest((details, callback) => {
    const allowed = details.url.startsWith(`${APP_ORIGIN}/`) || details.url.startsWith('devtools://');
    callback({ cancel: !allowed });
  });
}

/** Navigation and popup guards, applied to every web contents the app creates. */
export function applyContentsGuards(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Chromium's and Electron's usual developer-tools shortcuts (F12, Ctrl/Cmd+Shift+I/J, Cmd+Alt+I/J). */
export function isDevToolsShortcut(input: { type?: string; key: string; control?: boolean; meta?: boolean; shift?: boolean; alt?: boolean }): boolean {
  if (input.type !== undefined && input.type !== 'keyDown') return false;
  const key = input.key.toLowerCase();
  if (key === 'f12') return true;
  if (key !== 'i' && key !== 'j') return false;
  return ((input.control === true || input.meta === true) && input.shift === true) || (input.meta === true && input.alt === true);
}

/**
 * The application menu: edit commands (the clipboard shortcuts need them on macOS) and window
 * commands; reload and the developer tools only when not packaged.
 */
export function appMenuTemplate(packaged: boolean, platform: NodeJS.Platform = process.platform): MenuItemConstructorOptions[] {
  const menu: MenuItemConstructorOptions[] = [];
  if (platform === 'darwin') menu.push({ role: 'appMenu' });
  else menu.push({ role: 'fileMenu' });
  menu.push({ role: 'editMenu' });
  if (!packaged) {
    menu.push({ label: 'View', submenu: [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'togglefullscreen' }] });
  } else {
    menu.push({ label: 'View', submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] });
  }
  menu.push({ role: 'windowMenu' });
  return menu;
}

export function installAppMenu(packaged: boolean = app.isPackaged): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(packaged)));
}

export function createMainWindow(opts: { preloadPath: string; packaged?: boolean }): BrowserWindow {
  const packaged = opts.packaged ?? app.isPackaged;
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    title: 'pgEntra',
    show: false,
    webPreferences: {
      preload: opts.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      spellcheck: false,
      // A middle click on a link would ask for a new window (denied below); no auxclick at all.
      disableBlinkFeatures: 'Auxclick',
      devTools: !packaged,
    },
  });
  applyContentsGuards(win.webContents);
  if (packaged) {
    win.webContents.on('before-input-event', (event, input) => {
      if (isDevToolsShortcut(input)) event.preventDefault();
    });
  }
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_ENTRY_URL);
  return win;
}
