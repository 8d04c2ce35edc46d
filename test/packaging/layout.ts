// Packages the app as test/packaging checks it: `npm run package -- --linux dir` and `--win dir`
// (build/package.mjs, without the rebuild: dist/ must be built) against stand-in Electron
// directories, since Electron's binaries cannot be downloaded here. Each stand-in executable
// carries the fuse sentinel and a fuse wire set to the opposite of build/electron-builder.yml, so
// every fuse must be flipped. Shared by package.test.ts and nativeModules.test.ts.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FuseV1Options } from '@electron/fuses';
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const requireFromRepo = createRequire(path.join(repoRoot, 'package.json'));
// electron-builder's own YAML parser and PE resource editor (as it loads them).
export const requireFromBuilder = createRequire(requireFromRepo.resolve('app-builder-lib'));
export const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSE_WIRE_VERSION = 1;
const ENABLE = '1'.charCodeAt(0);
const DISABLE = '0'.charCodeAt(0);

export interface BuilderConfig {
  asarUnpack?: string[];
  electronFuses?: Record<string, boolean>;
  files?: unknown[];
  win?: { files?: unknown[]; extraResources?: { from: string; to: string }[] };
  mac?: { files?: unknown[] };
  linux?: { files?: unknown[]; executableName?: string };
}
export const config = (requireFromBuilder('js-yaml') as { load(s: string): unknown }).load(readFileSync(path.join(repoRoot, 'build/electron-builder.yml'), 'utf8')) as BuilderConfig;
export const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };

/** electronFuses (yml keys) as @electron/fuses indexes and the configured state. */
export function configuredFuses(): { name: string; index: number; enabled: boolean }[] {
  return Object.entries(config.electronFuses ?? {}).map(([key, enabled]) => {
    const name = key.charAt(0).toUpperCase() + key.slice(1);
    const index = (FuseV1Options as unknown as Record<string, number>)[name];
    if (index === undefined) throw new Error(`build/electron-builder.yml: electronFuses.${key} is not a fuse @electron/fuses knows`);
    return { name, index, enabled };
  });
}

/** The sentinel, then the wire as Electron has it: version, length, one '0'/'1' per fuse — each the opposite of the config. */
export function fuseWire(): Buffer {
  const count = Object.keys(FuseV1Options).filter((k) => Number.isNaN(Number(k))).length;
  const wire = Buffer.alloc(count, DISABLE);
  for (const f of configuredFuses()) wire[f.index] = f.enabled ? DISABLE : ENABLE;
  return Buffer.concat([Buffer.from(SENTINEL), Buffer.from([FUSE_WIRE_VERSION, count]), wire]);
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** `npm run package` (without the rebuild: dist/ is built) against a stand-in Electron directory. */
export async function packageApp(platform: 'linux' | 'win', electronDist: string, outDir: string): Promise<void> {
  const env = { ...process.env, PGENTRA_ELECTRON_DIST: electronDist };
  const r = await run(process.execPath, ['build/package.mjs', '--skip-build', `--${platform}`, 'dir', `-c.directories.output=${outDir}`], env);
  const log = `${r.out}\n${r.err}`;
  if (r.code !== 0) throw new Error(`npm run package -- --${platform} dir failed (${r.code}):\n${log}`);
}

/** A Linux Electron directory stand-in: the executable runs the extracted app with Node. */
export function linuxStandIn(dir: string): void {
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  const script = Buffer.concat([
    Buffer.from(
      '#!/bin/sh\n' +
        '# Stand-in Electron executable (test/packaging): runs the packaged main bundle, extracted from\n' +
        '# app.asar, with plain Node and the `electron` stand-in module. The fuse wire:\n# ',
    ),
    fuseWire(),
    Buffer.from('\nexec "$PGENTRA_STANDIN_NODE" --require "$PGENTRA_STANDIN_HOOK" "$PGENTRA_STANDIN_APP/dist/electron/main.cjs" "$@"\n'),
  ]);
  writeFileSync(path.join(dir, 'electron'), script, { mode: 0o755 });
  writeFileSync(path.join(dir, 'LICENSE'), 'MIT (stand-in)\n');
  writeFileSync(path.join(dir, 'version'), `${readElectronVersion()}\n`);
}

/** A Windows Electron directory stand-in: electron.exe is an empty PE with version info (electron-builder edits it) and the fuse wire. */
export function windowsStandIn(dir: string): void {
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  // resedit is what electron-builder edits Windows executables with.
  const ResEdit = requireFromBuilder('resedit') as typeof import('resedit');
  const exe = ResEdit.NtExecutable.createEmpty(false, false);
  const res = ResEdit.NtExecutableResource.from(exe);
  const vi = ResEdit.Resource.VersionInfo.createEmpty();
  vi.lang = 1033;
  vi.setStringValues({ lang: 1033, codepage: 1200 }, { ProductName: 'Electron', FileDescription: 'Electron' });
  vi.setFileVersion(45, 0, 0, 0, 1033);
  vi.outputToResourceEntries(res.entries);
  const wire = fuseWire();
  res.entries.push({ type: 10 /* RCDATA */, id: 1, lang: 1033, codepage: 1200, bin: wire.buffer.slice(wire.byteOffset, wire.byteOffset + wire.length) as ArrayBuffer });
  res.outputResource(exe);
  writeFileSync(path.join(dir, 'electron.exe'), Buffer.from(exe.generate()), { mode: 0o755 });
  writeFileSync(path.join(dir, 'LICENSE'), 'MIT (stand-in)\n');
  writeFileSync(path.join(dir, 'version'), `${readElectronVersion()}\n`);
}

export function readElectronVersion(): string {
  return (JSON.parse(readFileSync(requireFromRepo.resolve('electron/package.json'), 'utf8')) as { version: string }).version;
}

export function dirSize(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((sum, name) => sum + dirSize(path.join(p, name)), 0);
}

export const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);

export interface PackagedLayouts {
  /** electron-builder's linux-unpacked and win-unpacked directories. */
  linuxOut: string;
  winOut: string;
}

/** Packages the Linux and Windows `dir` layouts into WORK (stand-in Electron directories beside them). */
export async function packageLayouts(work: string): Promise<PackagedLayouts> {
  for (const bundle of ['dist/electron/main.cjs', 'dist/electron/preload.cjs', 'dist/renderer/index.html']) {
    if (!existsSync(path.join(repoRoot, bundle))) throw new Error(`${bundle} is missing: run \`node build/build.mjs\` first`);
  }
  linuxStandIn(path.join(work, 'electron-linux'));
  windowsStandIn(path.join(work, 'electron-win'));
  await packageApp('linux', path.join(work, 'electron-linux'), path.join(work, 'out-linux'));
  await packageApp('win', path.join(work, 'electron-win'), path.join(work, 'out-win'));
  return { linuxOut: path.join(work, 'out-linux/linux-unpacked'), winOut: path.join(work, 'out-win/win-unpacked') };
}
