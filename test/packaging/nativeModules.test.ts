// Every native module or self-relative file the shipped code can load, for every platform and
// architecture we ship, must exist in the packaged layout and be that platform's kind of binary
// (magic bytes and machine type). Layouts: the installed app (app.asar + app.asar.unpacked, from
// `npm run package -- --win dir` / `--linux dir`; macOS has no `files` of its own, so its app.asar
// holds what Linux's does) and the plain-Node CLI (dist/cli + node_modules, a source install).
// Loads are found by scanning the bundles (and the externals they load) for require()s of `.node`
// files and computed `../bin/${process.arch}/…` paths, plus what each external loads by a path it
// builds at run time. Then the Windows token-cache persistence (DPAPI) is loaded as the bundles
// load it, in a child process with process.platform = 'win32', up to the DLL call.
// dist/ must be built first (`npm test` does; alone: `node build/build.mjs`).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as asar from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config, dirSize, mb, packageLayouts, repoRoot } from './layout.js';

type Platform = 'win32' | 'darwin' | 'linux';
type Arch = 'x64' | 'arm64' | 'ia32';
interface Target {
  platform: Platform;
  arch: Arch;
}
const TARGETS: Target[] = [
  { platform: 'win32', arch: 'x64' },
  { platform: 'win32', arch: 'arm64' },
  { platform: 'win32', arch: 'ia32' },
  { platform: 'darwin', arch: 'x64' },
  { platform: 'darwin', arch: 'arm64' },
  { platform: 'linux', arch: 'x64' },
];
const name = (t: Target): string => `${t.platform}-${t.arch}`;

/** A layout the shipped code runs from: its bundles and the root its node_modules hang off. */
interface Layout {
  label: string;
  root: string;
  bundles: string[]; // absolute paths
  /** Native files must be unpacked from app.asar (checked separately); for the CLI, none. */
  archive?: string;
}

// ---- binaries by magic bytes ----

const PE_MACHINE: Record<number, Arch> = { 0x8664: 'x64', 0xaa64: 'arm64', 0x14c: 'ia32' };
const ELF_MACHINE: Record<number, Arch> = { 0x3e: 'x64', 0xb7: 'arm64', 0x03: 'ia32' };
const MACHO_CPU: Record<number, Arch> = { 0x01000007: 'x64', 0x0100000c: 'arm64', 0x07: 'ia32' };

/** What a native file is: its platform and the architectures it holds (a fat Mach-O may hold several). */
export function binaryKind(file: string): { platform: Platform; archs: Arch[] } | { platform: 'unknown'; magic: string } {
  const b = readFileSync(file);
  const magic = b.subarray(0, 4).toString('hex');
  if (b.subarray(0, 2).toString('latin1') === 'MZ') {
    const pe = b.readUInt32LE(0x3c);
    const arch = b.subarray(pe, pe + 4).toString('latin1') === 'PE\0\0' ? PE_MACHINE[b.readUInt16LE(pe + 4)] : undefined;
    return { platform: 'win32', archs: arch ? [arch] : [] };
  }
  if (magic === '7f454c46') {
    const arch = ELF_MACHINE[b.readUInt16LE(18)];
    return { platform: 'linux', archs: arch ? [arch] : [] };
  }
  if (magic === 'cffaedfe' || magic === 'cefaedfe') {
    const arch = MACHO_CPU[b.readUInt32LE(4)];
    return { platform: 'darwin', archs: arch ? [arch] : [] };
  }
  if (magic === 'feedfacf' || magic === 'feedface') {
    const arch = MACHO_CPU[b.readUInt32BE(4)];
    return { platform: 'darwin', archs: arch ? [arch] : [] };
  }
  if (magic === 'cafebabe') {
    const archs: Arch[] = [];
    for (let i = 0, n = b.readUInt32BE(4); i < n; i++) {
      const arch = MACHO_CPU[b.readUInt32BE(8 + i * 20)];
      if (arch) archs.push(arch);
    }
    return { platform: 'darwin', archs };
  }
  return { platform: 'unknown', magic };
}

function kindProblem(file: string, t: Target): string | undefined {
  const k = binaryKind(file);
  if (k.platform !== t.platform) return `${file} is ${k.platform === 'unknown' ? `not a binary (magic ${k.magic})` : `a ${k.platform} binary`}, not ${t.platform}`;
  if (!k.archs.includes(t.arch)) return `${file} is ${t.platform} for ${k.archs.join('+') || 'an unknown machine'}, not ${t.arch}`;
  return undefined;
}

// ---- what the code loads ----

interface Load {
  /** The file whose code loads it. */
  from: string;
  /** The request as written, `${process.arch}` / `${process.platform}` kept. */
  request: string;
}

/** Relative require()s of `.node` files and computed `./…${process.arch}…` paths in CODE. */
export function selfRelativeLoads(from: string, code: string): Load[] {
  const loads: Load[] = [];
  for (const m of code.matchAll(/`(\.{1,2}\/[^`]*\$\{process\.(?:arch|platform)\}[^`]*)`/g)) loads.push({ from, request: m[1] as string });
  for (const m of code.matchAll(/require\(\s*["'](\.{1,2}\/[^"']+\.node)["']\s*\)/g)) loads.push({ from, request: m[1] as string });
  return loads;
}

/** Loads guarded by a platform check in their module (a PE DPAPI binary is never required elsewhere). */
const ONLY_ON: { pattern: RegExp; platform: Platform; why: string }[] = [
  { pattern: /\/dpapi(\.node)?$/, platform: 'win32', why: 'msal-node-extensions Dpapi: `if (process.platform !== "win32")` never requires it' },
];

function resolveLoad(load: Load, t: Target): string {
  const request = load.request.replaceAll('${process.arch}', t.arch).replaceAll('${process.platform}', t.platform);
  const base = path.resolve(path.dirname(load.from), request);
  return path.extname(base) === '.node' ? base : `${base}.node`;
}

/** The CLI bundle and the chunks it imports, transitively (stale chunks of older builds are not shipped code). */
function cliBundles(cliDir: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(/(?:from|import\()\s*["'](\.{1,2}\/[^"']+\.mjs)["']/g)) visit(path.resolve(path.dirname(file), m[1] as string));
  };
  visit(path.join(cliDir, 'pgentra.mjs'));
  return [...seen];
}

/** The externals of build/build.mjs, as written there. */
function externals(): string[] {
  const src = readFileSync(path.join(repoRoot, 'build/build.mjs'), 'utf8');
  const list = /const external = \[([^\]]*)\]/.exec(src)?.[1];
  if (!list) throw new Error('build/build.mjs: `const external = [...]` not found');
  return [...list.matchAll(/'([^']+)'/g)].map((m) => m[1] as string);
}

function jsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...jsFiles(p));
    } else if (/\.(c|m)?js$/.test(entry.name)) out.push(p);
  }
  return out;
}

function nativeFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...nativeFiles(p));
    else if (/\.(node|dll|dylib|so)$/.test(entry.name)) out.push(p);
  }
  return out;
}

/** Where an external package of LAYOUT lives, if it ships there. */
function externalDir(layout: Layout, pkgName: string): string | undefined {
  const dir = path.join(layout.root, 'node_modules', pkgName);
  return existsSync(path.join(dir, 'package.json')) ? dir : undefined;
}

/**
 * What an external loads by a path it builds at run time (not a literal the scan finds):
 * msal-node-runtime joins __dirname, the OS folder and the arch; it is optional (on a load
 * failure it exports a stub), and pgEntra does not use the broker it drives.
 */
function builtPathLoads(layout: Layout, t: Target): { file: string; optional: boolean; why: string }[] {
  const runtime = externalDir(layout, '@azure/msal-node-runtime');
  if (!runtime) return [];
  const os = { win32: 'windows', darwin: 'macos', linux: 'linux/ubuntu' }[t.platform];
  const arch = t.arch === 'ia32' ? 'x86' : t.arch;
  return [{ file: path.join(runtime, 'dist', os, arch, 'msal-node-runtime.node'), optional: true, why: '@azure/msal-node-runtime (broker, unused: a stub loads without it)' }];
}

/** keytar ships only the binary npm built on this machine: for another OS the installer build on that OS makes it. */
const BUILT_AT_INSTALL = ['node_modules/keytar/build/Release/keytar.node'];

interface Finding {
  target: string;
  layout: string;
  load: string;
  file: string;
  problem?: string;
  note?: string;
}

function checkLayout(layout: Layout): Finding[] {
  const findings: Finding[] = [];
  const loads: Load[] = [];
  for (const bundle of layout.bundles) loads.push(...selfRelativeLoads(bundle, readFileSync(bundle, 'utf8')));
  for (const ext of externals()) {
    const dir = externalDir(layout, ext);
    if (!dir) continue;
    for (const file of jsFiles(dir)) loads.push(...selfRelativeLoads(file, readFileSync(file, 'utf8')));
  }
  for (const t of TARGETS) {
    for (const load of loads) {
      const only = ONLY_ON.find((o) => o.pattern.test(load.request));
      if (only && only.platform !== t.platform) continue;
      const file = resolveLoad(load, t);
      const rel = path.relative(layout.root, file);
      const what = `${path.relative(layout.root, load.from)}: require(\`${load.request}\`)`;
      const base: Finding = { target: name(t), layout: layout.label, load: what, file: rel };
      if (rel.startsWith('..')) findings.push({ ...base, problem: `resolves outside the layout: ${file}` });
      else if (!existsSync(file)) findings.push({ ...base, problem: `missing: ${rel}` });
      else if (BUILT_AT_INSTALL.includes(rel) && (t.platform !== process.platform || t.arch !== process.arch)) {
        const here = binaryKind(file);
        findings.push({ ...base, note: `${rel} is this machine's build (${here.platform}); the installer build on ${name(t)} must produce it as a ${t.platform} ${t.arch} binary` });
      } else {
        const problem = kindProblem(file, t);
        findings.push(problem ? { ...base, problem } : base);
      }
    }
    for (const built of builtPathLoads(layout, t)) {
      const rel = path.relative(layout.root, built.file);
      const base: Finding = { target: name(t), layout: layout.label, load: built.why, file: rel };
      if (!existsSync(built.file)) findings.push(built.optional ? { ...base, note: `${rel} not shipped (optional)` } : { ...base, problem: `missing: ${rel}` });
      else {
        const problem = kindProblem(built.file, t);
        findings.push(problem ? { ...base, problem } : base);
      }
    }
  }
  return findings;
}

// ---- the layouts ----

let work = '';
let linuxOut = '';
let winOut = '';
const layouts: Record<'win' | 'linux' | 'cli', Layout> = {} as Record<'win' | 'linux' | 'cli', Layout>;

function appLayout(label: string, out: string, into: string): Layout {
  const archive = path.join(out, 'resources/app.asar');
  asar.extractAll(archive, into); // app.asar.unpacked included
  return { label, root: into, archive, bundles: ['dist/electron/main.cjs', 'dist/electron/preload.cjs'].map((b) => path.join(into, b)) };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'pgentra-native-'));
  ({ linuxOut, winOut } = await packageLayouts(work));
  layouts.win = appLayout('app (win dir)', winOut, path.join(work, 'app-win'));
  layouts.linux = appLayout('app (linux dir; macOS has the same files)', linuxOut, path.join(work, 'app-linux'));
  layouts.cli = { label: 'plain-Node CLI (dist/cli + node_modules)', root: repoRoot, bundles: cliBundles(path.join(repoRoot, 'dist/cli')) };
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function layoutFor(key: 'win' | 'linux' | 'cli'): Layout {
  return layouts[key];
}

describe('native modules and self-relative files, every platform and architecture we ship', () => {
  it('reports the package sizes', () => {
    for (const [label, out] of [
      ['linux', linuxOut],
      ['win', winOut],
    ] as const) {
      const resources = path.join(out, 'resources');
      console.log(
        `packaging (${label}): app.asar ${mb(statSync(path.join(resources, 'app.asar')).size)} MB, unpacked ${mb(dirSize(path.join(resources, 'app.asar.unpacked')))} MB, total ${mb(dirSize(resources))} MB`,
      );
    }
  });

  it('macOS packages the same files as Linux (no per-OS `files`), so the Linux app.asar stands in for it', () => {
    expect(config.mac?.files).toBeUndefined();
    expect(config.linux?.files).toBeUndefined();
  });

  for (const key of ['win', 'linux', 'cli'] as const) {
    it(`${key}: every load resolves to a file of the right kind`, () => {
      const layout = layoutFor(key);
      // The app layouts run on their own OS only; the plain-Node CLI runs anywhere.
      const relevant = (f: Finding): boolean => key === 'cli' || (key === 'win' ? f.target.startsWith('win32') : !f.target.startsWith('win32'));
      const findings = checkLayout(layout).filter(relevant);
      for (const f of findings.filter((f) => f.note)) console.log(`native (${layout.label}, ${f.target}): ${f.note}`);
      const problems = findings.filter((f) => f.problem).map((f) => `${f.target} ${f.layout}: ${f.load} → ${f.problem}`);
      expect(problems).toEqual([]);
      // Windows must load DPAPI for every Windows arch, from where the code that loads it lives.
      if (key !== 'linux') {
        for (const arch of ['x64', 'arm64', 'ia32']) {
          expect(
            findings.some((f) => f.target === `win32-${arch}` && /dpapi\.node$/.test(f.file) && !f.problem),
            `${layout.label}: a DPAPI load for win32-${arch}`,
          ).toBe(true);
        }
      }
    });
  }

  it('native files in app.asar are unpacked (Windows and Linux layouts)', () => {
    for (const key of ['win', 'linux'] as const) {
      const archive = layoutFor(key).archive ?? '';
      for (const f of asar.listPackage(archive, { isPack: false }).filter((f) => /\.(node|dll|dylib|so)$/.test(f))) {
        expect((asar.statFile(archive, f.slice(1)) as { unpacked?: boolean }).unpacked, `${key}: ${f} must be unpacked`).toBe(true);
      }
    }
  });

  it('the app ships no unused native runtime (msal-node-runtime broker binaries)', () => {
    for (const key of ['win', 'linux'] as const) {
      const shipped = nativeFiles(path.join(layoutFor(key).root, 'node_modules/@azure/msal-node-runtime'));
      expect(
        shipped.map((f) => path.relative(layoutFor(key).root, f)),
        key,
      ).toEqual([]);
    }
  });
});

// ---- the Windows persistence, as the bundles load it, with process.platform = 'win32' ----

const CHILD = `'use strict';
// process.platform/arch switched before anything loads; dpapi.node (a PE file Linux cannot
// dlopen) is stubbed only at the exact path the test expects, and only if that file exists.
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');
const { pathToFileURL } = require('node:url');
const input = JSON.parse(process.env.PGENTRA_DPAPI_CHECK);
Object.defineProperty(process, 'platform', { value: 'win32' });
Object.defineProperty(process, 'arch', { value: input.arch });
const tried = [];
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (/(^|\\/)dpapi(\\.node)?$/.test(request)) {
    const from = parent && parent.filename ? path.dirname(parent.filename) : process.cwd();
    const file = path.resolve(from, request.endsWith('.node') ? request : request + '.node');
    tried.push(file);
    if (file === input.expected && fs.existsSync(file)) {
      return { protectData: (data) => Buffer.from(data).reverse(), unprotectData: (data) => Buffer.from(data).reverse() };
    }
    const e = new Error("Cannot find module '" + request + "'");
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  }
  return load.apply(this, arguments);
};
(async () => {
  let ext;
  if (input.external) ext = input.esm ? await import(pathToFileURL(input.external).href) : require(input.external);
  if (!ext) {
    // Bundled: run the bundle's own load (its computed path, relative to the bundle file).
    const req = Module.createRequire(input.bundle);
    try { req(input.request.replace('\${process.arch}', process.arch)); }
    catch { throw new Error('Dpapi bindings unavailable (bundled msal-node-extensions)'); }
    return;
  }
  const persistence = await ext.PersistenceCreator.createPersistence({
    cachePath: input.cachePath,
    dataProtectionScope: ext.DataProtectionScope.CurrentUser,
    serviceName: 'pgentra-test',
    accountName: 'dpapi-check',
    usePlaintextFileOnLinux: false,
  });
  await persistence.save('{"probe":1}');
  const back = await persistence.load();
  if (back !== '{"probe":1}') throw new Error('read back ' + back);
})().then(
  () => process.stdout.write(JSON.stringify({ ok: true, tried })),
  (e) => process.stdout.write(JSON.stringify({ ok: false, error: String(e && e.message || e), tried })),
);
`;

/** The msal-node-extensions entry the bundle loads: its ESM build for import(), CommonJS for require(). */
function externalEntry(layout: Layout, esm: boolean): string | undefined {
  const dir = externalDir(layout, '@azure/msal-node-extensions');
  if (!dir) return undefined;
  if (!esm) return createRequire(layout.bundles[0] as string).resolve('@azure/msal-node-extensions');
  const exportsField = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
  return path.join(dir, exportsField['.']?.import.default ?? '');
}

describe('Windows token cache (msal-node-extensions DPAPI persistence) with process.platform = win32', () => {
  for (const key of ['win', 'cli'] as const) {
    for (const arch of ['x64', 'arm64', 'ia32'] as const) {
      it(`${key} ${arch}: DPAPI bindings load from the layout and the persistence verifies`, () => {
        const layout = layoutFor(key);
        // esbuild keeps `import()` of an external as a dynamic import (ESM entry), `require()` as CommonJS.
        const esm = layout.bundles.some((b) => readFileSync(b, 'utf8').includes('import("@azure/msal-node-extensions")'));
        // Bundled: the bundle's own computed DPAPI path; else the external module the bundle loads.
        const bundled = layout.bundles.map((b) => ({ b, loads: selfRelativeLoads(b, readFileSync(b, 'utf8')).filter((l) => /dpapi/.test(l.request)) })).find((x) => x.loads.length > 0);
        const external = bundled ? undefined : externalEntry(layout, esm);
        expect(external ?? bundled, `${layout.label}: neither an external msal-node-extensions nor a bundled DPAPI load`).toBeDefined();
        const expected = external
          ? path.join(externalDir(layout, '@azure/msal-node-extensions') ?? '', 'bin', arch, 'dpapi.node')
          : resolveLoad(bundled?.loads[0] as Load, { platform: 'win32', arch });
        const childFile = path.join(work, 'dpapi-check.cjs');
        writeFileSync(childFile, CHILD);
        const input = { arch, expected, external, esm, bundle: bundled?.b, request: bundled?.loads[0]?.request, cachePath: path.join(work, `dpapi-${key}-${arch}`, 'cache.bin') };
        const r = spawnSync(process.execPath, [childFile], { env: { ...process.env, PGENTRA_DPAPI_CHECK: JSON.stringify(input) }, encoding: 'utf8', timeout: 60_000 });
        const result = JSON.parse(r.stdout || '{}') as { ok?: boolean; error?: string; tried?: string[] };
        const tried = (result.tried ?? []).map((f) => path.relative(layout.root, f));
        expect(result, `${layout.label} win32-${arch}: ${result.error ?? r.stderr} (tried ${tried.join(', ') || 'nothing'}; expected ${path.relative(layout.root, expected)})`).toMatchObject({
          ok: true,
        });
        expect(result.tried, 'it loaded DPAPI from the expected file').toContain(expected);
        expect(existsSync(expected), expected).toBe(true);
        expect(kindProblem(expected, { platform: 'win32', arch })).toBeUndefined();
      });
    }
  }
});
