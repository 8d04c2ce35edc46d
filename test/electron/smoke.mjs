#!/usr/bin/env node
// `npm run test:electron`: a smoke test of the real Electron shell — the window opens from
// app://pgentra, window.pgentra exposes the contract's methods and the page has no Node, the
// page runs under the strict Content-Security-Policy of electron/shell/contentSecurity.ts, the
// renderer is sandboxed and context-isolated, and the same executable in CLI mode answers
// `--pgentra-cli --version` and `--pgentra-cli token PROFILE` against the simulated Azure.
//
// Which Electron:
//   PGENTRA_APP_PATH=<packaged executable>  the installed/unpacked app (release workflow). It
//       refuses every way in for a debugger — its fuses disable Node's --inspect, and it exits on
//       --remote-debugging-port/-pipe and --js-flags (electron/base/startupSwitches.ts) — so its
//       window cannot be driven: this checks those refusals and the CLI. The window checks run
//       on the development binary (the release workflow runs both).
//   otherwise the development binary (node_modules/electron) through Playwright's _electron.
// Where neither exists it prints "skipped: Electron binary not available (<reason>)" and exits 0;
// it never triggers a download. PGENTRA_TEST_NODE_CLI=1 runs only the CLI checks with the source
// checkout's Node CLI (to exercise this script without Electron).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { locateApp, root, run, startSignedInApp } from './appCli.mjs';

const app = locateApp();
if (!app.cli) {
  console.log(`skipped: ${app.reason}`);
  process.exit(0);
}

const { tsImport } = await import('tsx/esm/api');
const { CONTENT_SECURITY_POLICY } = await tsImport('../../electron/shell/contentSecurity.ts', import.meta.url);
// The names as declared in shared/ipcChannels.ts (read as text: this script runs on plain Node).
const channelsSource = readFileSync(path.join(root, 'shared/ipcChannels.ts'), 'utf8');
const namesOf = (constName) => [...(new RegExp(`${constName} = \\[([^\\]]*)\\]`).exec(channelsSource)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]);
const CALL_NAMES = namesOf('CALL_NAMES');
const EVENT_NAMES = namesOf('EVENT_NAMES');
const VERSION = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

console.log(`electron smoke: ${app.kind}${app.exe ? ` ${app.exe}` : ''}`);
const home = mkdtempSync(path.join(tmpdir(), 'pgentra-electron-smoke-'));
const appEnv = { ...process.env, PGENTRA_HOME: home };
delete appEnv.ELECTRON_RUN_AS_NODE;

try {
  if (app.kind === 'node') console.log('note: window checks skipped (PGENTRA_TEST_NODE_CLI=1: no Electron)');
  else if (app.kind === 'packaged') await refusalChecks();
  else await windowChecks();
  await cliChecks();
} catch (e) {
  check(false, `unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
} finally {
  rmSync(home, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`electron smoke: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('electron smoke: passed');

/** Opens the app's window and runs every window check, then closes the app. */
async function windowChecks() {
  const launched = await launchWithPlaywright();
  try {
    const { page } = launched;
    await page.waitForLoadState('domcontentloaded');
    check(page.url().startsWith('app://pgentra/'), `window loads the app from app://pgentra (${page.url()})`);

    if (launched.electronApp) {
      const prefs = await launched.electronApp.evaluate(({ BrowserWindow }) => {
        const win = BrowserWindow.getAllWindows()[0];
        const p = win?.webContents.getLastWebPreferences();
        return p ? { contextIsolation: p.contextIsolation, sandbox: p.sandbox, nodeIntegration: p.nodeIntegration, webSecurity: p.webSecurity, webviewTag: p.webviewTag } : null;
      });
      check(prefs?.contextIsolation === true, 'webPreferences: contextIsolation is on');
      check(prefs?.sandbox === true, 'webPreferences: sandbox is on');
      check(prefs?.nodeIntegration === false, 'webPreferences: nodeIntegration is off');
      check(prefs?.webSecurity !== false, 'webPreferences: webSecurity is on');
      check(!prefs?.webviewTag, 'webPreferences: webviewTag is off');
    }

    // The renderer's own view: the preload runs in an isolated world whose `process` says whether
    // this renderer process is sandboxed (Electron's process.sandboxed / process.contextIsolated).
    const preloadWorld = await preloadWorldFacts(page);
    check(preloadWorld?.sandboxed === true, `renderer reports process.sandboxed === true in the preload's world (${JSON.stringify(preloadWorld)})`);
    check(preloadWorld?.contextIsolated === true, 'renderer reports process.contextIsolated === true');

    const shape = await page.evaluate(() => {
      const api = window.pgentra;
      if (!api) return null;
      const calls = Object.entries(api)
        .filter(([ns]) => ns !== 'events')
        .flatMap(([ns, g]) => Object.keys(g).map((m) => `${ns}.${m}`));
      return { calls: calls.sort(), events: Object.keys(api.events ?? {}).length };
    });
    check(shape !== null, 'window.pgentra is present');
    check(CALL_NAMES.length === 27, 'contract call names read from shared/ipcChannels.ts');
    check(JSON.stringify(shape?.calls) === JSON.stringify([...CALL_NAMES].sort()), 'window.pgentra has exactly the contract calls');
    check(shape?.events === EVENT_NAMES.length, 'window.pgentra.events has one subscription per event');
    check(await page.evaluate(() => typeof require === 'undefined' && typeof process === 'undefined' && typeof module === 'undefined'), 'no require/process/module in the page');

    // CSP: an inline script must be refused, and the refusal names the header's policy (the
    // index.html meta policy reports its own violation too; the header is what counts).
    const csp = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const seen = [];
          document.addEventListener('securitypolicyviolation', (e) => seen.push({ policy: e.originalPolicy, directive: e.effectiveDirective, disposition: e.disposition }));
          const s = document.createElement('script');
          s.textContent = 'window.__pgentraInlineRan = true';
          document.head.appendChild(s);
          setTimeout(() => resolve({ seen, ran: window.__pgentraInlineRan === true }), 1_000);
        }),
    );
    check(csp.ran === false, 'an inline script does not run');
    const header = csp.seen.find((v) => v.policy === CONTENT_SECURITY_POLICY);
    check(
      header !== undefined && header.disposition === 'enforce' && header.directive === 'script-src-elem',
      `the enforced policy is exactly CONTENT_SECURITY_POLICY (saw: ${JSON.stringify(csp.seen.map((v) => v.policy))})`,
    );
    check(
      await page.evaluate(() =>
        fetch(window.location.href).then(
          () => false,
          () => true,
        ),
      ),
      "connect-src 'none': the page cannot fetch, not even its own origin",
    );

    const info = await page.evaluate(() => window.pgentra.app.info({}));
    check(info?.ok === true, 'app.info answers over IPC');
    const popup = await page.evaluate(() => window.open('https://example.com') === null);
    check(popup, 'window.open is denied');
  } finally {
    await launched.close();
  }
}

async function launchWithPlaywright() {
  const { _electron } = await import('playwright-core');
  const electronApp = await _electron.launch({ executablePath: app.exe, args: app.appArgs, cwd: root, env: appEnv, timeout: 60_000 });
  const page = await electronApp.firstWindow();
  return { page, electronApp, close: () => electronApp.close().catch(() => undefined) };
}

/**
 * The installed app refuses to start with a debugging switch: exit 64 and the reason on stderr,
 * no DevTools server or Node inspector listening — in the desktop app and in CLI mode.
 */
async function refusalChecks() {
  const cases = [
    [['--remote-debugging-port=0'], '--remote-debugging-port'],
    [['--remote-debugging-pipe'], '--remote-debugging-pipe'],
    [['--inspect=0'], '--inspect'],
    [['--inspect-brk=0'], '--inspect-brk'],
    [['--js-flags=--expose-gc'], '--js-flags'],
    [['--pgentra-cli', '--version', '--remote-debugging-port=0'], '--remote-debugging-port'],
  ];
  for (const [args, name] of cases) {
    const r = await run([app.exe, ...app.appArgs, ...args], { env: appEnv, timeoutMs: 60_000 });
    const listened = /DevTools listening|Debugger listening/.test(r.stderr);
    check(
      r.code === 64 && r.stderr.includes(`pgEntra will not start with ${name}`) && !listened,
      `the installed app refuses ${args.join(' ')} (exit ${r.code}${r.signal ? `, ${r.signal}` : ''}; stderr: ${JSON.stringify(r.stderr.trim().slice(0, 300))})`,
    );
  }
}

/** process.sandboxed / process.contextIsolated as seen from the preload's isolated world (CDP). */
async function preloadWorldFacts(page) {
  const cdp = await page.context().newCDPSession(page);
  const contexts = [];
  cdp.on('Runtime.executionContextCreated', (e) => contexts.push(e.context));
  await cdp.send('Runtime.enable');
  await new Promise((r) => setTimeout(r, 250));
  try {
    for (const c of contexts.filter((x) => x.auxData?.type === 'isolated')) {
      const r = await cdp.send('Runtime.evaluate', {
        contextId: c.id,
        returnByValue: true,
        expression: "typeof process === 'object' && process !== null ? { sandboxed: process.sandboxed, contextIsolated: process.contextIsolated, world: " + JSON.stringify(c.name) + ' } : null',
      });
      if (r.result?.value) return r.result.value;
    }
    return null;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/** `<app> --pgentra-cli --version` and `… token PROFILE` against the simulated Azure. */
async function cliChecks() {
  const version = await run([...app.cli, '--version'], { env: appEnv });
  check(
    version.code === 0 && version.stdout.trim() === `pgentra ${VERSION}`,
    `--pgentra-cli --version prints "pgentra ${VERSION}" (got ${version.code}: ${JSON.stringify(version.stdout.trim())} ${version.stderr.trim()})`,
  );
  const session = await startSignedInApp(app.cli);
  try {
    // The sign-in ran in another app process: a token without a new Entra token request proves
    // the cache persisted (a DPAPI-encrypted file on Windows, the keychain elsewhere).
    const before = session.sim.entra.control.requestCount('token');
    const token = await session.cli(['token', 'sim']);
    const requested = session.sim.entra.control.requestCount('token') - before;
    check(
      requested === 0,
      `a second app process reads the signed-in token cache back (${process.platform === 'win32' ? 'DPAPI file' : 'OS keychain'}) without asking Entra (${requested} token requests)`,
    );
    check(
      token.code === 0 && /^eyJ[\w-]+\.[\w-]+\.[\w-]*\n$/.test(token.stdout) && token.stderr === '',
      `--pgentra-cli token PROFILE prints only a token (exit ${token.code}${token.stderr ? `, stderr: ${token.stderr.trim()}` : ''})`,
    );
    const json = await session.cli(['token', 'sim', '--json']);
    const left = json.code === 0 ? JSON.parse(json.stdout).expires_on - Date.now() / 1000 : -1;
    check(left >= 300, `the token has at least 5 minutes left (${Math.round(left)} s)`);
  } finally {
    await session.stop();
  }
}
