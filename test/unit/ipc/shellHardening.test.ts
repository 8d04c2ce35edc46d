// Issue #11, the Electron shell: no developer tools in a packaged app (window, menu, shortcuts),
// the main process's own copy-token confirmation (default Cancel), and files saved from the app
// written 0600. `electron` is a stand-in module here (no Electron binary in CI).
import { mkdtempSync, rmSync, statSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  const windows: Array<{ options: { webPreferences: Record<string, unknown> }; handlers: Map<string, (...a: unknown[]) => void> }> = [];
  class BrowserWindow {
    webContents: { on: (ev: string, fn: (...a: unknown[]) => void) => void; setWindowOpenHandler: () => void };
    constructor(options: { webPreferences: Record<string, unknown> }) {
      const handlers = new Map<string, (...a: unknown[]) => void>();
      windows.push({ options, handlers });
      this.webContents = { on: (ev, fn) => void handlers.set(ev, fn), setWindowOpenHandler: () => undefined };
    }
    once(): void {}
    loadURL(): Promise<void> {
      return Promise.resolve();
    }
  }
  const menus: unknown[] = [];
  return {
    windows,
    menus,
    module: {
      app: { isPackaged: false },
      BrowserWindow,
      Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => void menus.push(m) },
      protocol: { registerSchemesAsPrivileged: () => undefined, handle: () => undefined },
      session: { defaultSession: {} },
    },
  };
});
vi.mock('electron', () => ({ ...electron.module, default: electron.module }));

const { appMenuTemplate, createMainWindow, installAppMenu, isDevToolsShortcut } = await import('../../../electron/window.js');
const { createTokenCopyConfirmation, tokenCopyDialogOptions } = await import('../../../electron/shell/tokenCopyConfirmation.js');
const { createSaveFile } = await import('../../../electron/shell/saveFile.js');

const roles = (menu: unknown): string[] =>
  JSON.stringify(menu)
    .match(/"role":"[^"]+"/g)
    ?.map((r) => r.slice(8, -1)) ?? [];

describe('developer tools', () => {
  beforeEach(() => {
    electron.windows.length = 0;
    electron.menus.length = 0;
  });

  it('packaged: webPreferences.devTools is false and the devtools shortcuts are swallowed', () => {
    electron.module.app.isPackaged = true;
    createMainWindow({ preloadPath: '/x/preload.cjs' });
    const [win] = electron.windows;
    expect(win?.options.webPreferences.devTools).toBe(false);
    const guard = win?.handlers.get('before-input-event');
    expect(guard).toBeDefined();
    for (const input of [{ key: 'F12' }, { key: 'I', control: true, shift: true }, { key: 'i', meta: true, alt: true }, { key: 'J', control: true, shift: true }]) {
      const event = { preventDefault: vi.fn() };
      guard?.(event, { type: 'keyDown', ...input });
      expect(event.preventDefault, JSON.stringify(input)).toHaveBeenCalled();
    }
    const plain = { preventDefault: vi.fn() };
    guard?.(plain, { type: 'keyDown', key: 'c', control: true });
    expect(plain.preventDefault).not.toHaveBeenCalled();
  });

  it('not packaged (npm start): devTools stay available', () => {
    electron.module.app.isPackaged = false;
    createMainWindow({ preloadPath: '/x/preload.cjs' });
    expect(electron.windows[0]?.options.webPreferences.devTools).toBe(true);
    expect(electron.windows[0]?.handlers.has('before-input-event')).toBe(false);
  });

  it('the packaged menu has no developer-tools or reload item; the edit menu stays', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const packaged = roles(appMenuTemplate(true, platform));
      expect(packaged).not.toContain('toggleDevTools');
      expect(packaged).not.toContain('reload');
      expect(packaged).not.toContain('forceReload');
      expect(packaged).not.toContain('viewMenu'); // Electron's default View menu has Toggle Developer Tools
      expect(packaged).toContain('editMenu');
      expect(roles(appMenuTemplate(false, platform))).toContain('toggleDevTools');
    }
    installAppMenu(true);
    expect(roles(electron.menus[0])).not.toContain('toggleDevTools');
  });

  it('shortcut detection', () => {
    expect(isDevToolsShortcut({ type: 'keyUp', key: 'F12' })).toBe(false);
    expect(isDevToolsShortcut({ key: 'i', shift: true })).toBe(false);
    expect(isDevToolsShortcut({ key: 'Enter', control: true })).toBe(false);
  });
});

describe('copy-token confirmation in the main process', () => {
  const req = { profileName: 'prod', account: 'adm-alice@contoso.com', audience: 'https://ossrdbms-aad.database.windows.net', expiresOn: '2030-01-01T00:00:00.000Z' };
  it('shows account, audience and expiry with Cancel as the default and cancel button', () => {
    const o = tokenCopyDialogOptions(req);
    expect(o.buttons[o.defaultId]).toBe('Cancel');
    expect(o.buttons[o.cancelId]).toBe('Cancel');
    expect(o.message + o.detail).toContain('adm-alice@contoso.com');
    expect(o.detail).toContain('https://ossrdbms-aad.database.windows.net');
    expect(o.detail).toContain(new Date(req.expiresOn).toLocaleString());
  });
  it('true only when the person picks "Copy token"; Esc/Enter (Cancel) and anything else is false', async () => {
    const answer = (response: number) => createTokenCopyConfirmation(async () => ({ response }))(req);
    expect(await answer(1)).toBe(true);
    expect(await answer(0)).toBe(false);
    expect(await answer(-1)).toBe(false);
  });
});

describe('app.saveFile', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-save-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('issue #11: writes the file 0600 (was 0644), also when replacing a 0644 file', async () => {
    const file = path.join(dir, 'servers.json');
    writeFileSync(file, 'old');
    chmodSync(file, 0o644);
    const save = createSaveFile({ showSaveDialog: async () => ({ canceled: false, filePath: file }), downloadsDir: () => dir });
    expect(await save({ suggestedName: 'servers.json', text: '{"Servers":{}}' })).toEqual({ saved: true, path: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('{"Servers":{}}');
    const fresh = path.join(dir, 'result.csv');
    await createSaveFile({ showSaveDialog: async () => ({ canceled: false, filePath: fresh }), downloadsDir: () => dir })({ suggestedName: 'result.csv', text: 'a\r\n' });
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
  });

  it('proposes the downloads folder and writes nothing when cancelled', async () => {
    const seen: string[] = [];
    const save = createSaveFile({ showSaveDialog: async (o) => (seen.push(o.defaultPath), { canceled: true }), downloadsDir: () => dir });
    expect(await save({ suggestedName: 'x.csv', text: 'x' })).toEqual({ saved: false, path: null });
    expect(seen).toEqual([path.join(dir, 'x.csv')]);
  });
});
