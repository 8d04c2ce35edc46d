// The installed app as electron-builder lays it out, checked without Electron's binary (which
// cannot be downloaded here): `npm run package -- --linux dir` (and `--win dir`) against a
// stand-in Electron directory this test makes. Its executable carries the fuse sentinel and a
// fuse wire set to the opposite of build/electron-builder.yml, so every fuse must be flipped. The
// Linux stand-in executable is a shell script that runs the packaged main bundle (extracted from
// app.asar) with plain Node and an `electron` stand-in module, so the shipped launcher
// resources/bin/pgentra runs the packaged CLI as in an installed app: `--version`, and `token`
// against the simulated Azure with the real keychain (no module missing at run time).
// dist/ must be built first (`npm test` does; alone: `node build/build.mjs`).
import 'reflect-metadata'; // the simulator CA (@peculiar/x509) needs it first
import { builtinModules, createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as asar from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSignedInProfile, type SignedInProfile } from '../integration/cli/signedInProfile.js';
import { ACCOUNTS } from '../sim/types.js';
import { config, configuredFuses, dirSize, mb, packageLayouts, pkg, requireFromBuilder, requireFromRepo, run } from './layout.js';

const PROFILE = 'packaged-admins';
const keyring = process.env.PGENTRA_KEYRING_READY === '1';

let work = '';
let linuxOut = '';
let winOut = '';
let appDir = ''; // app.asar extracted (unpacked files included)
let fixture: SignedInProfile | undefined;

/** The `electron` module for CLI mode under Node: what main.ts touches before the CLI runs; anything else throws. */
function writeElectronStandIn(dir: string): string {
  const standIn = path.join(dir, 'electron-stand-in.cjs');
  writeFileSync(
    standIn,
    `'use strict';
const paths = new Map();
const unavailable = (name) => new Proxy(function () {}, {
  get(_t, prop) { if (prop === Symbol.toPrimitive || prop === 'then') return undefined; throw new Error('electron stand-in: ' + name + '.' + String(prop) + ' is not available in CLI mode'); },
  apply() { throw new Error('electron stand-in: ' + name + '() is not available in CLI mode'); },
  construct() { throw new Error('electron stand-in: new ' + name + '() is not available in CLI mode'); },
});
const appMembers = {
  isPackaged: true,
  dock: undefined,
  getName: () => 'pgEntra',
  getVersion: () => require(require('node:path').join(process.env.PGENTRA_STANDIN_APP, 'package.json')).version,
  setPath: (name, value) => void paths.set(name, value),
  getPath: (name) => { if (!paths.has(name)) throw new Error('electron stand-in: app.getPath(' + name + ') was not set'); return paths.get(name); },
  disableHardwareAcceleration: () => undefined,
  exit: (code) => process.exit(code),
};
const app = new Proxy(appMembers, {
  get(t, prop) { if (prop in t) return t[prop]; throw new Error('electron stand-in: app.' + String(prop) + ' is not available in CLI mode'); },
});
module.exports = { app };
for (const name of ['BrowserWindow', 'Menu', 'dialog', 'ipcMain', 'protocol', 'session', 'shell', 'contextBridge', 'ipcRenderer']) module.exports[name] = unavailable(name);
`,
  );
  const hook = path.join(dir, 'electron-hook.cjs');
  writeFileSync(
    hook,
    `'use strict';
// --require hook: \`electron\` is the stand-in; argv and resourcesPath as in a packaged app
// ([executable, ...switches], no script path).
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'electron' ? ${JSON.stringify(standIn)} : resolve.call(this, request, ...rest);
};
process.argv.splice(1, 1);
process.resourcesPath = process.env.PGENTRA_STANDIN_RESOURCES;
`,
  );
  return hook;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'pgentra-packaging-'));
  ({ linuxOut, winOut } = await packageLayouts(work));
  appDir = path.join(work, 'app');
  asar.extractAll(path.join(linuxOut, 'resources/app.asar'), appDir);
  if (keyring) fixture = await startSignedInProfile(PROFILE, 'pgentra-packaging-home-');
}, 180_000);

afterAll(async () => {
  await fixture?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packaged app (electron-builder --linux dir, stand-in Electron)', () => {
  const archive = (): string => path.join(linuxOut, 'resources/app.asar');
  const files = (): string[] => asar.listPackage(archive(), { isPack: false });

  it('reports its size', () => {
    const asarSize = statSync(archive()).size;
    const unpacked = dirSize(path.join(linuxOut, 'resources/app.asar.unpacked'));
    const total = dirSize(path.join(linuxOut, 'resources'));
    console.log(`packaging: app.asar ${mb(asarSize)} MB, unpacked ${mb(unpacked)} MB, total ${mb(total)} MB (resources, without Electron)`);
  });

  it('app.asar holds the main, preload and renderer bundles and package.json pointing at main', () => {
    const list = new Set(files());
    for (const f of ['/package.json', '/dist/electron/main.cjs', '/dist/electron/preload.cjs', '/dist/renderer/index.html']) expect(list, f).toContain(f);
    const html = asar.extractFile(archive(), 'dist/renderer/index.html').toString();
    const assets = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => `/dist/renderer/${m[1]}`);
    expect(assets.length).toBeGreaterThan(0);
    for (const a of assets) expect(list, `index.html loads ${a}`).toContain(a);
    const shipped = JSON.parse(asar.extractFile(archive(), 'package.json').toString()) as { main: string; version: string };
    expect(shipped.main).toBe('dist/electron/main.cjs');
    expect(shipped.version).toBe(pkg.version);
  });

  it('every package the bundles require at run time resolves inside the package', () => {
    const main = path.join(appDir, 'dist/electron/main.cjs');
    const inPackage = createRequire(main);
    const builtins = new Set(builtinModules);
    for (const bundle of ['dist/electron/main.cjs', 'dist/electron/preload.cjs']) {
      const code = readFileSync(path.join(appDir, bundle), 'utf8');
      const specs = new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1] as string));
      for (const spec of specs) {
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec) || spec === 'electron') continue;
        let installed = true;
        try {
          requireFromRepo.resolve(spec);
        } catch {
          installed = false; // optional and not installed in the checkout either (pg-native)
        }
        if (!installed) continue;
        let resolved = '';
        try {
          resolved = inPackage.resolve(spec);
        } catch {
          // reported below
        }
        expect(resolved, `${bundle} requires "${spec}": not in the package`).not.toBe('');
        expect(path.relative(appDir, resolved).startsWith('..'), `${spec} resolved outside the package: ${resolved}`).toBe(false);
      }
    }
  });

  it('ships no tests, simulator, sources, source maps, CLI-only bundle or dev dependencies', () => {
    const list = files();
    const top = new Set(list.map((f) => f.split('/')[1]));
    expect([...top].sort()).toEqual(['dist', 'node_modules', 'package.json']);
    const distDirs = new Set(list.filter((f) => f.startsWith('/dist/')).map((f) => f.split('/')[2]));
    expect([...distDirs].sort()).toEqual(['electron', 'renderer']);
    const offenders = list.filter((f) => /\.map$|\.(ts|mts|cts|tsx)$|\/(test|tests|__tests__|sim)\//.test(f));
    expect(offenders).toEqual([]);
    for (const dev of Object.keys(pkg.devDependencies)) {
      expect(
        list.filter((f) => f === `/node_modules/${dev}` || f.startsWith(`/node_modules/${dev}/`)),
        `dev dependency ${dev}`,
      ).toEqual([]);
    }
    // Nothing from test/ was bundled into the main process (esbuild marks each module's path).
    const main = readFileSync(path.join(appDir, 'dist/electron/main.cjs'), 'utf8');
    expect(main).not.toMatch(/^\/\/ test\//m);
  });

  it("keytar's native module is unpacked next to the asar (and every native module is)", () => {
    const keytarNode = path.join(linuxOut, 'resources/app.asar.unpacked/node_modules/keytar/build/Release/keytar.node');
    expect(existsSync(keytarNode), keytarNode).toBe(true);
    expect(readFileSync(keytarNode).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46])); // ELF
    for (const f of files().filter((f) => f.endsWith('.node'))) {
      const entry = asar.statFile(archive(), f.slice(1)) as { unpacked?: boolean };
      expect(entry.unpacked, `${f} must be unpacked`).toBe(true);
    }
  });

  it('resources/bin/pgentra is there and executable', () => {
    const launcher = path.join(linuxOut, 'resources/bin/pgentra');
    expect(statSync(launcher).mode & 0o111).toBe(0o111);
    expect(existsSync(path.join(linuxOut, config.linux?.executableName ?? 'pgentra-app'))).toBe(true);
  });

  it('every fuse reads back as build/electron-builder.yml configures it', async () => {
    const fuses = configuredFuses();
    expect(fuses.length, 'every fuse @electron/fuses knows is configured').toBe(Object.keys(FuseV1Options).filter((k) => Number.isNaN(Number(k))).length);
    const wire = (await getCurrentFuseWire(path.join(linuxOut, config.linux?.executableName ?? 'pgentra-app'))) as unknown as Record<number, number>;
    for (const f of fuses) expect(String.fromCharCode(wire[f.index] ?? 0), f.name).toBe(f.enabled ? '1' : '0');
  });
});

describe('the packaged CLI (launcher → app executable → main.cjs --pgentra-cli, under Node)', () => {
  function pgentra(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    const hook = writeElectronStandIn(work);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PGENTRA_STANDIN_NODE: process.execPath,
      PGENTRA_STANDIN_HOOK: hook,
      PGENTRA_STANDIN_APP: appDir,
      PGENTRA_STANDIN_RESOURCES: path.join(linuxOut, 'resources'),
      PGENTRA_HOME: fixture?.home ?? path.join(work, 'home'),
    };
    delete env.PGENTRA_CLOUD_FILE;
    delete env.NODE_OPTIONS;
    return run(path.join(linuxOut, 'resources/bin/pgentra'), args, env, work);
  }

  it('answers --version', async () => {
    const r = await pgentra(['--version']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(`pgentra ${pkg.version}`);
  });

  it.skipIf(!keyring)('answers `token PROFILE` from the keychain against the simulated Azure', async () => {
    const r = await pgentra(['token', PROFILE, '--json']);
    expect(r.code, r.err).toBe(0);
    const printed = JSON.parse(r.out) as { accessToken: string };
    expect(printed.accessToken).toBe(fixture?.token);
  });

  it.skipIf(!keyring)('answers `token --account … --cloud <sim state file>`, and `--fresh` through MSAL and Entra', async () => {
    const cloud = ['--cloud', fixture?.sim.stateFile ?? ''];
    const r = await pgentra(['token', '--account', ACCOUNTS.secondary, ...cloud]);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim()).toBe(fixture?.token);
    // The refresh loads MSAL with its keychain persistence (msal-node-extensions, keytar, msal-node-runtime).
    const refreshes = (): number => fixture?.sim.entra.control.requestCount('token:refresh_token') ?? 0;
    const before = refreshes();
    const fresh = await pgentra(['token', '--account', ACCOUNTS.secondary, '--fresh', ...cloud]);
    expect(fresh.code, fresh.err).toBe(0);
    expect(fresh.out.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(fresh.out.trim()).not.toBe(fixture?.token);
    expect(refreshes()).toBe(before + 1);
  });
});

describe('the Windows layout (electron-builder --win dir, stand-in electron.exe)', () => {
  it('has resources/bin/pgentra.cmd and DPAPI where the external msal-node-extensions loads it', () => {
    expect(readFileSync(path.join(winOut, 'resources/bin/pgentra.cmd'), 'utf8')).toContain('pgEntra.exe" --pgentra-cli %*');
    expect(config.win?.extraResources).toContainEqual({ from: 'build/launchers/pgentra.cmd', to: 'bin/pgentra.cmd' });
    // require(`../bin/${process.arch}/dpapi`) from node_modules/@azure/msal-node-extensions/lib (nativeModules.test.ts checks every load)
    for (const arch of ['x64', 'arm64', 'ia32']) {
      const dpapi = path.join(winOut, `resources/app.asar.unpacked/node_modules/@azure/msal-node-extensions/bin/${arch}/dpapi.node`);
      expect(readFileSync(dpapi).subarray(0, 2).toString(), dpapi).toBe('MZ');
    }
  });

  it('pgEntra.exe has every fuse as configured and the integrity of app.asar', async () => {
    const exePath = path.join(winOut, 'pgEntra.exe');
    const wire = (await getCurrentFuseWire(exePath)) as unknown as Record<number, number>;
    for (const f of configuredFuses()) expect(String.fromCharCode(wire[f.index] ?? 0), f.name).toBe(f.enabled ? '1' : '0');
    const ResEdit = requireFromBuilder('resedit') as typeof import('resedit');
    const res = ResEdit.NtExecutableResource.from(ResEdit.NtExecutable.from(readFileSync(exePath)));
    const entry = res.entries.find((e) => e.type === 'INTEGRITY' && e.id === 'ELECTRONASAR');
    expect(entry, 'INTEGRITY/ELECTRONASAR resource').toBeDefined();
    const integrity = JSON.parse(Buffer.from(entry?.bin ?? new ArrayBuffer(0)).toString()) as { file: string; alg: string; value: string }[];
    const header = asar.getRawHeader(path.join(winOut, 'resources/app.asar')).headerString;
    expect(integrity).toEqual([{ file: 'resources\\app.asar', alg: 'SHA256', value: createHash('sha256').update(header).digest('hex') }]);
  });
});
