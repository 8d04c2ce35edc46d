#!/usr/bin/env node
// `npm start [-- --real]`: with nothing real set up (no server profiles in the data folder, no
// PGENTRA_CLOUD_FILE, no --real) it runs the demo — simulated Azure, a demo profile in temporary
// data, the local proxy — and opens the desktop app on it; otherwise it opens the app on the
// user's own data. Electron's npm package downloads its binary lazily on first require('electron')
// and throws when that fails, so the binary is located here without requiring the package: a
// missing binary gets a clear message, never a download attempt or a stack trace. With the
// simulated default the command stays useful without Electron (proxy + printed commands).
// Tests force "no Electron" with ELECTRON_OVERRIDE_DIST_PATH=<an empty dir>.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronPkg = path.join(root, 'node_modules', 'electron');

/** { path } of the Electron executable, or { reason } why there is none. */
export function locateElectronBinary(env = process.env) {
  if (!existsSync(path.join(electronPkg, 'package.json'))) return { reason: 'the electron package is not installed (run npm ci)' };
  const pathFile = path.join(electronPkg, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const exe = path.join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || (process.platform === 'win32' ? 'electron.exe' : 'electron'));
    return existsSync(exe) ? { path: exe } : { reason: `ELECTRON_OVERRIDE_DIST_PATH is set but ${exe} does not exist` };
  }
  if (!relative) return { reason: 'the Electron binary has not been downloaded yet (node_modules/electron/path.txt is missing)' };
  const exe = path.join(electronPkg, 'dist', relative);
  return existsSync(exe) ? { path: exe } : { reason: `the Electron binary ${exe} is missing` };
}

/** Why the desktop app cannot start and how to fix it (Electron 45 fetches its binary on first use, not at npm ci). */
export function missingElectronMessage(reason) {
  return [
    `pgEntra cannot start the desktop app: ${reason}.`,
    '',
    'Electron 45 downloads its binary from GitHub the first time it is needed, not during `npm ci`.',
    'To get it, either:',
    '  • with network access: npx install-electron',
    '  • behind a mirror:     ELECTRON_MIRROR=https://npmmirror.com/mirrors/electron/ npx install-electron',
    '  • with an unpacked Electron 45 you already have: ELECTRON_OVERRIDE_DIST_PATH=/path/to/electron-dir npm start',
    'The pgentra CLI, `npm run demo` and `npm run sim` do not need Electron.',
  ].join('\n');
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (/\.(ts|tsx|mjs|json)$/.test(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function needsBuild() {
  const main = path.join(root, 'dist/electron/main.cjs');
  const preload = path.join(root, 'dist/electron/preload.cjs');
  if (!existsSync(main) || !existsSync(preload)) return true;
  const built = Math.min(statSync(main).mtimeMs, statSync(preload).mtimeMs);
  return ['electron', 'shared', 'renderer'].some((d) => existsSync(path.join(root, d)) && newestMtime(path.join(root, d)) > built);
}

/** Builds the app when its sources are newer than dist/. False when the build failed (it printed why). */
export function buildIfNeeded() {
  if (!needsBuild()) return true;
  const r = spawnSync(process.execPath, [path.join(root, 'build/build.mjs')], { stdio: 'inherit', cwd: root });
  return r.status === 0;
}

/** 'simulated' or 'real' (with why), decided by test/demo/startMode.ts; 'real' when that cannot be loaded. */
async function chooseMode(argv) {
  if (argv.includes('--real')) return { kind: 'real', reason: '--real' };
  try {
    const { tsImport } = await import('tsx/esm/api');
    const mod = await tsImport('../test/demo/startMode.ts', import.meta.url);
    return mod.chooseStartMode(process.env);
  } catch (e) {
    return { kind: 'real', reason: `the simulated Azure is not available in this installation (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  }
}

/** Runs the demo as a child and ends with its exit code; signals go to it, and it cleans up. */
function runDemo(demoArgs) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/demo.ts'), ...demoArgs], { stdio: 'inherit', cwd: root });
  // A terminal's Ctrl+C reaches both processes; a SIGTERM/SIGINT sent to this one only is passed on.
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => child.kill(s));
  child.on('error', (e) => {
    console.error(`pgEntra: could not run the demo: ${e.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function runApp(electronPath, args) {
  // ELECTRON_RUN_AS_NODE would turn the app into a plain Node process.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(electronPath, [root, ...args], { stdio: 'inherit', cwd: root, env });
  child.on('error', (e) => {
    console.error(`pgEntra: could not launch Electron (${electronPath}): ${e.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function main() {
  const argv = process.argv.slice(2);
  const mode = await chooseMode(argv);
  const electron = locateElectronBinary();

  if (mode.kind === 'simulated') {
    console.log('pgEntra: no server is set up yet, so this runs against the simulated Azure (`npm start -- --real` opens your own, empty, data instead).');
    if (!electron.path) {
      console.error(`${missingElectronMessage(electron.reason)}\n`);
      console.log('Continuing without the desktop app: the simulated Azure, the local proxy and the commands below work without it.');
    } else if (!buildIfNeeded()) {
      console.error('pgEntra: the build failed (see above); not starting.');
      process.exit(1);
    }
    // The demo locates Electron itself (same env) and says in its summary why the app is not open.
    return runDemo(['--exit-with-app']);
  }

  if (!electron.path) {
    console.error(missingElectronMessage(electron.reason));
    process.exit(1);
  }
  if (!buildIfNeeded()) {
    console.error('pgEntra: the build failed (see above); not starting.');
    process.exit(1);
  }
  runApp(
    electron.path,
    argv.filter((a) => a !== '--real'),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
