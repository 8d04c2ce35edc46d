#!/usr/bin/env node
// `npm run test:electron`: a Playwright `_electron` smoke test of the packaged main process —
// the window opens, its webPreferences are the hardened ones, window.pgentra exposes the
// contract's methods and the page has no Node. Where no Electron binary exists it prints
// "skipped: Electron binary not available (<reason>)" and exits 0; it never triggers a download.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateElectronBinary } from '../../build/start.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const mainBundle = path.join(root, 'dist/electron/main.cjs');

const electron = locateElectronBinary();
if (!electron.path) {
  console.log(`skipped: Electron binary not available (${electron.reason})`);
  process.exit(0);
}
if (!existsSync(mainBundle)) {
  console.log('skipped: Electron binary not available (dist/electron/main.cjs is not built: run npm run build)');
  process.exit(0);
}

const { _electron } = await import('playwright-core');
// The names as declared in shared/ipcChannels.ts (read as text: this script runs on plain Node).
const channelsSource = readFileSync(path.join(root, 'shared/ipcChannels.ts'), 'utf8');
const namesOf = (constName) => [...(new RegExp(`${constName} = \\[([^\\]]*)\\]`).exec(channelsSource)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]);
const CALL_NAMES = namesOf('CALL_NAMES');
const EVENT_NAMES = namesOf('EVENT_NAMES');
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

const app = await _electron.launch({
  executablePath: electron.path,
  args: [root],
  cwd: root,
  env: { ...process.env, PGENTRA_HOME: path.join(root, 'test-artifacts', 'electron-smoke-home') },
  timeout: 60_000,
});
try {
  const page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
  check(page.url().startsWith('app://pgentra/'), `window loads the app from app://pgentra (${page.url()})`);

  const prefs = await app.evaluate(({ BrowserWindow }) => {
    const win = BrowserWindow.getAllWindows()[0];
    const p = win?.webContents.getLastWebPreferences();
    return p ? { contextIsolation: p.contextIsolation, sandbox: p.sandbox, nodeIntegration: p.nodeIntegration, webSecurity: p.webSecurity, webviewTag: p.webviewTag } : null;
  });
  check(prefs?.contextIsolation === true, 'contextIsolation is on');
  check(prefs?.sandbox === true, 'sandbox is on');
  check(prefs?.nodeIntegration === false, 'nodeIntegration is off');
  check(prefs?.webSecurity !== false, 'webSecurity is on');
  check(!prefs?.webviewTag, 'webviewTag is off');

  const shape = await page.evaluate(() => {
    const api = window.pgentra;
    if (!api) return null;
    const calls = Object.entries(api).filter(([ns]) => ns !== 'events').flatMap(([ns, g]) => Object.keys(g).map((m) => `${ns}.${m}`));
    return { calls: calls.sort(), events: Object.keys(api.events ?? {}).length };
  });
  check(shape !== null, 'window.pgentra is present');
  check(CALL_NAMES.length === 27, 'contract call names read from shared/ipcChannels.ts');
  check(JSON.stringify(shape?.calls) === JSON.stringify([...CALL_NAMES].sort()), 'window.pgentra has exactly the contract calls');
  check(shape?.events === EVENT_NAMES.length, 'window.pgentra.events has one subscription per event');
  check(await page.evaluate(() => typeof require === 'undefined' && typeof process === 'undefined'), 'no require/process in the page');

  const info = await page.evaluate(() => window.pgentra.app.info({}));
  check(info?.ok === true, 'app.info answers over IPC');
  const popup = await page.evaluate(() => window.open('https://example.com') === null);
  check(popup, 'window.open is denied');
} finally {
  await app.close().catch(() => undefined);
}

if (failures.length) {
  console.error(`electron smoke: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('electron smoke: passed');
