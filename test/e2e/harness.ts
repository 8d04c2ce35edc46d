// The e2e harness: the built renderer (dist/renderer) served on 127.0.0.1 with the app's real
// security headers (CSP), in Debian's Chromium, talking to the REAL main-process services through
// the real router — the composition root (electron/services.ts) with the MSAL token broker, the
// OS keychain, the profile store, pg sessions — against the simulated Entra ID and flexible
// server. window.pgentra is built in an init script by the preload's own code
// (electron/ipc/preloadApi.ts), with ipcRenderer replaced by a Playwright binding; main → renderer
// events are delivered with page.evaluate. Nothing is mocked.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { startSimulatedAzure, type SimulatedAzure, type SimulatedAzureOptions } from '../sim/index.js';
import { createHandlers } from '../../electron/ipc/handlers/index.js';
import { createRouter, parseEvent, type EventSink, type Router } from '../../electron/ipc/router.js';
import { createSenderPolicy } from '../../electron/ipc/senderPolicy.js';
import { composeServices, type ComposedServices } from '../../electron/services.js';
import { createTokenCopyConfirmation, type MessageBoxOptions } from '../../electron/shell/tokenCopyConfirmation.js';
import { createSettingsConfirmation } from '../../electron/shell/settingsConfirmation.js';
import { createDecisionConfirmation } from '../../electron/shell/decisionConfirmation.js';
import { SECURITY_HEADERS } from '../../electron/shell/contentSecurity.js';
import { createLogger, silentLogger } from '../../electron/log/logger.js';
import { callChannel, eventChannel, type EventName } from '../../shared/ipcChannels.js';
import { ensureKeyring } from './keyring.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RENDERER_DIR = path.join(ROOT, 'dist/renderer');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
export const SCREENSHOTS = path.join(ARTIFACTS, 'screenshots');

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'];
const CALL_PREFIX = callChannel('app.info').slice(0, -'app.info'.length);

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Serves dist/renderer like the app:// protocol handler: same security headers, nothing else. */
async function serveRenderer(): Promise<{ server: Server; origin: string }> {
  if (!existsSync(path.join(RENDERER_DIR, 'index.html'))) throw new Error('dist/renderer is missing: run `node build/build.mjs` first');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = path.resolve(RENDERER_DIR, '.' + rel);
    if (!file.startsWith(RENDERER_DIR + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, SECURITY_HEADERS).end('not found');
      return;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('static server has no port');
  return { server, origin: `http://127.0.0.1:${addr.port}` };
}

/** The preload's API builder bundled for the page, with ipcRenderer backed by the binding. */
async function preloadInitScript(): Promise<string> {
  const entry = `
    import { buildPreloadApi } from ${JSON.stringify(path.join(ROOT, 'electron/ipc/preloadApi.ts'))};
    const listeners = new Map();
    const ipc = {
      invoke: (channel, payload) => window.__pgentraInvoke(channel, payload),
      on(channel, listener) {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel).add(listener);
      },
      removeListener(channel, listener) { listeners.get(channel)?.delete(listener); },
    };
    // Like contextBridge: a frozen, non-writable global.
    Object.defineProperty(window, 'pgentra', { value: buildPreloadApi(ipc), writable: false, configurable: false });
    // The harness's event delivery (webContents.send in the app).
    Object.defineProperty(window, '__pgentraDeliver', {
      value: (channel, payload) => { for (const l of [...(listeners.get(channel) ?? [])]) l({}, payload); },
      writable: false, configurable: false,
    });
    // Collect CSP violations caused by the app's own code (its bundle). Violations without a
    // source file come from the test tools' injected scripts (axe, Playwright), not the app.
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      if (!e.sourceFile || !e.sourceFile.startsWith(location.origin)) return;
      window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || ''));
    });
  `;
  const out = await build({ stdin: { contents: entry, resolveDir: ROOT, loader: 'js' }, bundle: true, format: 'iife', write: false, platform: 'browser', target: 'chrome120', logLevel: 'silent' });
  const file = out.outputFiles[0];
  if (!file) throw new Error('could not bundle the preload API');
  return file.text;
}

export interface HarnessOptions extends Pick<
  SimulatedAzureOptions,
  'tokenLifetimeSeconds' | 'autoApprove' | 'publicCloud' | 'mfaForArmWrites' | 'corporateProxy' | 'pimEligible' | 'pimActivationDelayMs'
> {
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
  /**
   * The OS proxy settings as Electron's `session.resolveProxy` answers them (the Electron binary
   * is absent here): what the main process gets for its own HTTPS. With `corporateProxy` the
   * browser (the "system browser" of sign-ins) goes through the same proxy.
   */
  systemProxy?: (url: string) => Promise<string>;
  /** How long a silent browser waits before the sign-in dialog's hint (the app's default: 3 min). */
  signInSlowAfterMs?: number;
}

export interface Harness {
  sim: SimulatedAzure;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  composed: ComposedServices;
  router: Router;
  dataDir: string;
  origin: string;
  /** Events delivered to the page, in order (name only: payloads may be large). */
  eventLog: string[];
  /** Events the services emitted that do not match the contract (a main-process bug). */
  invalidEvents: string[];
  /** Files the app saved through app.saveFile (the harness's save dialog writes into a temp dir). */
  savedFiles: Array<{ suggestedName: string; path: string }>;
  /** Waits for the app to save a file with this suggested name; returns its path. */
  nextSavedFile(suggestedName: string | RegExp, timeoutMs?: number): Promise<string>;
  /** The main process's copy-token confirmations shown (each answered "Copy token", as a person would). */
  tokenCopyDialogs: MessageBoxOptions[];
  /** The main process's settings confirmations shown, answered with `settingsAnswer` (default "Change settings"). */
  settingsDialogs: MessageBoxOptions[];
  settingsAnswer: 'Change settings' | 'Cancel';
  /**
   * The main process's dialogs before a token may go somewhere new (non-Azure host, weaker TLS,
   * custom cloud file, imported host, firewall rule), answered with `decisionAnswer` (default: the
   * confirm button, as a person who checked what it shows would).
   */
  decisionDialogs: MessageBoxOptions[];
  decisionAnswer: 'confirm' | 'cancel';
  /** What the main process wrote to the system clipboard (Electron's clipboard in the app), in order. */
  clipboardWrites: string[];
  /** Every reply the router gave the page, serialized (to check what crossed IPC). */
  ipcReplies: string[];
  /** Pages the broker opened for interactive sign-in. */
  nextSignInPage(timeoutMs?: number): Promise<Page>;
  cspViolations(): Promise<string[]>;
  pageErrors: string[];
  close(): Promise<void>;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // keep cleaning
      }
    }
  };
  try {
    cleanups.push(await ensureKeyring());
    const sim = await startSimulatedAzure({
      autoApprove: opts.autoApprove ?? null,
      ...(opts.tokenLifetimeSeconds ? { tokenLifetimeSeconds: opts.tokenLifetimeSeconds } : {}),
      ...(opts.publicCloud ? { publicCloud: true } : {}),
      ...(opts.mfaForArmWrites ? { mfaForArmWrites: true } : {}),
      ...(opts.corporateProxy ? { corporateProxy: opts.corporateProxy } : {}),
      ...(opts.pimEligible ? { pimEligible: opts.pimEligible } : {}),
      ...(opts.pimActivationDelayMs !== undefined ? { pimActivationDelayMs: opts.pimActivationDelayMs } : {}),
    });
    cleanups.push(() => sim.stop());
    const { server, origin } = await serveRenderer();
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pgentra-e2e-data-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // The simulator's cloud file is NOT trusted up front: the first profile saved on it asks in the
    // main process's dialog (decisionDialogs), as it would ask a person using the app.
    const saveDir = mkdtempSync(path.join(tmpdir(), 'pgentra-e2e-saved-'));
    cleanups.push(() => rmSync(saveDir, { recursive: true, force: true }));
    const savedFiles: Array<{ suggestedName: string; path: string }> = [];

    // Behind the corporate proxy the system browser uses it too (the renderer's own server and the app's loopback stay direct).
    const proxy = sim.proxy ? { server: sim.proxy.url, bypass: '127.0.0.1,localhost' } : undefined;
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, ...(proxy ? { proxy } : {}) });
    cleanups.push(() => browser.close());
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      acceptDownloads: true,
      viewport: opts.viewport ?? { width: 1360, height: 860 },
      colorScheme: opts.colorScheme ?? 'light',
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });

    const eventLog: string[] = [];
    const invalidEvents: string[] = [];
    let pageReady = false;
    // Events are queued and delivered in order; page.evaluate is the webContents.send of the harness.
    let delivery = Promise.resolve();
    const events: EventSink = (name, payload) => {
      let valid: unknown;
      try {
        valid = parseEvent(name, payload);
      } catch (e) {
        invalidEvents.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      eventLog.push(name);
      if (!pageReady) return;
      delivery = delivery
        .then(() =>
          page.evaluate(([ch, p]) => (window as unknown as { __pgentraDeliver(c: string, v: unknown): void }).__pgentraDeliver(ch as string, p), [eventChannel(name as EventName), valid] as const),
        )
        .catch(() => undefined);
    };

    const signInPages: Page[] = [];
    const tokenCopyDialogs: MessageBoxOptions[] = [];
    const settingsDialogs: MessageBoxOptions[] = [];
    const decisionDialogs: MessageBoxOptions[] = [];
    const clipboardWrites: string[] = [];
    const ipcReplies: string[] = [];
    const answers = { settings: 'Change settings' as 'Change settings' | 'Cancel', decision: 'confirm' as 'confirm' | 'cancel' };
    const signInWaiters: Array<(p: Page) => void> = [];
    const composed = composeServices({
      dataDir,
      // As `npm start` against the simulator (PGENTRA_CLOUD_FILE): sign-ins default to the sim's cloud.
      // (Without it accounts.list also opens a public-cloud MSAL app on the same keychain cache, and
      // the custom cloud's refresh then fails with no_tokens_found — a broker bug, see the report.)
      // In the public-cloud namespace the app runs as users run it: the built-in public cloud.
      ...(opts.publicCloud ? {} : { defaultCloud: sim.stateFile }),
      // PGENTRA_E2E_LOG=1 prints the main process's warnings and errors (debugging a failed run).
      ...(opts.systemProxy ? { systemProxy: opts.systemProxy } : {}),
      ...(opts.signInSlowAfterMs ? { signInSlowAfterMs: opts.signInSlowAfterMs } : {}),
      logger: process.env.PGENTRA_E2E_LOG === '1' ? createLogger({ level: 'warn', sinks: [(line) => process.stderr.write(`${line}\n`)] }) : silentLogger,
      // The system browser of the app = a new tab in the same browser here. The sign-in flow has
      // checked the URL against the cloud's sign-in hosts before it gets here (electron/auth/signIn.ts).
      openSignInPage: async (url) => {
        const p = await context.newPage();
        void p.goto(url).catch(() => undefined);
        const waiter = signInWaiters.shift();
        if (waiter) waiter(p);
        else signInPages.push(p);
        return true;
      },
      // The app's save dialog, answered as if the person accepted the suggested name.
      saveFile: async ({ suggestedName, text }) => {
        const file = path.join(saveDir, `${savedFiles.length + 1}-${suggestedName}`);
        writeFileSync(file, text, 'utf8');
        savedFiles.push({ suggestedName, path: file });
        return { saved: true, path: file };
      },
      // The main process's native copy-token confirmation, read and answered "Copy token" by the person.
      confirmTokenCopy: createTokenCopyConfirmation(async (options) => {
        tokenCopyDialogs.push(options);
        return { response: options.buttons.indexOf('Copy token') };
      }),
      // The main process's native settings confirmation, answered as the test says.
      confirmSettingsChange: createSettingsConfirmation(async (options) => {
        settingsDialogs.push(options);
        return { response: options.buttons.indexOf(answers.settings) };
      }),
      // The main process's native dialog before a token may go somewhere new, answered as the test says.
      confirmDecision: createDecisionConfirmation(async (options) => {
        decisionDialogs.push(options);
        return { response: answers.decision === 'confirm' ? 1 : options.cancelId };
      }),
      // Electron's clipboard: only the main process writes it.
      clipboard: {
        writeText: (text) => void clipboardWrites.push(text),
        readText: () => clipboardWrites.at(-1) ?? '',
      },
      appInfo: () => ({ name: 'pgEntra', version: '0.1.0-e2e', electron: null, chrome: browser.version(), node: process.versions.node, platform: process.platform, dataDir }),
      events,
    });
    cleanups.push(() => composed.dispose());
    const host = new URL(origin).host;
    const router = createRouter(createHandlers(composed.services), {
      senderPolicy: createSenderPolicy({ scheme: 'http', host }),
      validateOutput: true,
    });

    await page.exposeBinding('__pgentraInvoke', async (source, channel: unknown, payload: unknown) => {
      const name = typeof channel === 'string' && channel.startsWith(CALL_PREFIX) ? channel.slice(CALL_PREFIX.length) : String(channel);
      const reply = await router.dispatch(name, payload, { frameUrl: source.frame.url(), isMainFrame: source.frame.parentFrame() === null });
      ipcReplies.push(JSON.stringify(reply));
      return reply;
    });
    await page.addInitScript({ content: await preloadInitScript() });
    await page.goto(origin + '/');
    pageReady = true;

    return {
      sim,
      browser,
      context,
      page,
      composed,
      router,
      dataDir,
      origin,
      eventLog,
      invalidEvents,
      pageErrors,
      savedFiles,
      tokenCopyDialogs,
      settingsDialogs,
      get settingsAnswer() {
        return answers.settings;
      },
      set settingsAnswer(v) {
        answers.settings = v;
      },
      decisionDialogs,
      get decisionAnswer() {
        return answers.decision;
      },
      set decisionAnswer(v) {
        answers.decision = v;
      },
      clipboardWrites,
      ipcReplies,
      async nextSavedFile(suggestedName, timeoutMs = 15_000) {
        const seen = savedFiles.length;
        const deadline = Date.now() + timeoutMs;
        const matches = (n: string): boolean => (typeof suggestedName === 'string' ? n === suggestedName : suggestedName.test(n));
        for (;;) {
          const hit = savedFiles.slice(seen).find((f) => matches(f.suggestedName));
          if (hit) return hit.path;
          if (Date.now() > deadline) throw new Error(`the app did not save ${String(suggestedName)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      nextSignInPage(timeoutMs = 20_000) {
        const ready = signInPages.shift();
        if (ready) return Promise.resolve(ready);
        return new Promise<Page>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('the app did not open a sign-in page')), timeoutMs);
          signInWaiters.push((p) => {
            clearTimeout(t);
            resolve(p);
          });
        });
      },
      cspViolations: () => page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations.slice()),
      close: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Screenshots of the current screen in light and dark, saved under test-artifacts/screenshots/. */
export async function screenshotBoth(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(80);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

export interface AxeFinding {
  id: string;
  impact: string | null | undefined;
  help: string;
  targets: string[];
}

/** axe-core scan of the page (both colour schemes); returns serious and critical violations. */
export async function axeSerious(page: Page, label: string): Promise<AxeFinding[]> {
  const found: AxeFinding[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const r = await new AxeBuilder({ page }).analyze();
    for (const v of r.violations) {
      if (v.impact !== 'serious' && v.impact !== 'critical') continue;
      found.push({ id: `${label}/${scheme}: ${v.id}`, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

/** After a failed test: a screenshot and the page's visible text under test-artifacts/failures/. */
export async function captureFailure(page: Page, name: string): Promise<void> {
  const dir = path.join(ARTIFACTS, 'failures');
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, name.replace(/[^\w.-]+/g, '_').slice(0, 120));
  await page.screenshot({ path: `${base}.png` }).catch(() => undefined);
  const text = await page
    .locator('body')
    .innerText()
    .catch(() => '');
  writeFileSync(`${base}.txt`, text);
}
