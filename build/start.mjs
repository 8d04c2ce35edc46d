#!/usr/bin/env node
// `npm start`: builds if needed, then launches Electron on dist/electron/main.cjs (via package.json
// "main"). Electron's npm package downloads its binary lazily on first require('electron') and
// throws when that fails, so the binary is located here without requiring the package: a missing
// binary gets a clear message and a non-zero exit, never a download attempt or a stack trace.
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
  if (!relative) return { reason: 'the Electron binary was never downloaded (node_modules/electron/path.txt is missing)' };
  const exe = path.join(electronPkg, 'dist', relative);
  return existsSync(exe) ? { path: exe } : { reason: `the Electron binary ${exe} is missing` };
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

function main() {
  const electron = locateElectronBinary();
  if (!electron.path) {
    console.error(
      [
        `pgEntra cannot start the desktop app: ${electron.reason}.`,
        '',
        'The pgentra CLI, `npm run demo` and `npm run sim` do not need Electron and still work.',
        '',
        'To fix it, either:',
        '  • allow network access to download Electron once: rm -rf node_modules/electron && npm ci',
        '    (behind a mirror: set ELECTRON_MIRROR, e.g. ELECTRON_MIRROR=https://npmmirror.com/mirrors/electron/), or',
        '  • point to an unpacked Electron 45 you already have: ELECTRON_OVERRIDE_DIST_PATH=/path/to/electron npm start',
      ].join('\n'),
    );
    process.exit(1);
  }
  if (needsBuild()) {
    const r = spawnSync(process.execPath, [path.join(root, 'build/build.mjs')], { stdio: 'inherit', cwd: root });
    if (r.status !== 0) {
      console.error('pgEntra: the build failed (see above); not starting.');
      process.exit(r.status ?? 1);
    }
  }
  // ELECTRON_RUN_AS_NODE would turn the app into a plain Node process.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(electron.path, [root, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root, env });
  child.on('error', (e) => {
    console.error(`pgEntra: could not launch Electron (${electron.path}): ${e.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
