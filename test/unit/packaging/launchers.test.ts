// The launchers shipped in an installed app's resources/bin (build/launchers). The POSIX one is
// really run with sh against a stand-in "app executable" that reports the argv it got.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const launchers = path.join(root, 'build/launchers');
const posixLauncher = path.join(launchers, 'pgentra');
const posixOnly = process.platform === 'win32' ? it.skip : it;

interface Report {
  exe: string;
  args: string[];
}

let tmp: string;
beforeAll(() => {
  // Real path: the launcher reports its folder with symlinks resolved (macOS's /var is one).
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'pgentra launchers ')));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A stand-in app executable: prints {exe, args} as JSON and exits with $STANDIN_EXIT. */
function standIn(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const reporter = path.join(tmp, 'report.cjs');
  writeFileSync(reporter, 'process.stdout.write(JSON.stringify({ exe: process.argv[2], args: process.argv.slice(3) })); process.exit(Number(process.env.STANDIN_EXIT ?? 0));\n');
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(file, `#!/bin/sh\nexec ${q(process.execPath)} ${q(reporter)} "$0" "$@"\n`);
  chmodSync(file, 0o755);
}

/** An installed layout: the launcher copied into resources/bin (mode kept, as electron-builder does). */
function install(resourcesBin: string): string {
  mkdirSync(resourcesBin, { recursive: true });
  const target = path.join(resourcesBin, 'pgentra');
  copyFileSync(posixLauncher, target);
  chmodSync(target, statSync(posixLauncher).mode);
  return target;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}, viaSh = false): { status: number | null; report?: Report; stderr: string } {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, ...env };
  const r = viaSh ? spawnSync('sh', [command, ...args], { env: base, cwd: os.tmpdir(), encoding: 'utf8' }) : spawnSync(command, args, { env: base, cwd: os.tmpdir(), encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, ...(r.stdout ? { report: JSON.parse(r.stdout) as Report } : {}) };
}

const tricky = ['token', 'Prod EU', "it's", 'a "quoted" word', '$HOME', '`id`', '*', '', '--flag=x y', 'line\nbreak'];

describe('POSIX launcher (build/launchers/pgentra)', () => {
  it('is a POSIX sh script, executable, with LF line endings', () => {
    const text = readFileSync(posixLauncher, 'utf8');
    expect(text.startsWith('#!/bin/sh\n')).toBe(true);
    expect(text).not.toContain('\r');
    expect(statSync(posixLauncher).mode & 0o111).toBe(0o111);
    const syntax = spawnSync('sh', ['-n', posixLauncher]);
    expect(syntax.status).toBe(0);
  });

  posixOnly('Linux layout (paths with spaces): runs <install>/pgentra-app --pgentra-cli with every argument preserved, and its exit code', () => {
    const app = path.join(tmp, 'opt dir', 'pgEntra');
    standIn(path.join(app, 'pgentra-app'));
    const launcher = install(path.join(app, 'resources', 'bin'));
    const r = run(launcher, tricky, { DISPLAY: ':0' });
    expect(r.status).toBe(0);
    expect(r.report).toEqual({ exe: path.join(app, 'pgentra-app'), args: ['--pgentra-cli', ...tricky] });
    // The same through `sh launcher`, and exit codes pass through (pgAdmin and scripts rely on them).
    expect(run(launcher, ['token', 'x'], { WAYLAND_DISPLAY: 'wayland-0' }, true).report?.args).toEqual(['--pgentra-cli', 'token', 'x']);
    for (const code of [1, 64, 77, 130]) expect(run(launcher, ['token'], { DISPLAY: ':0', STANDIN_EXIT: String(code) }).status).toBe(code);
  });

  posixOnly('Linux without a display: Chromium gets the headless Ozone platform before --pgentra-cli', () => {
    const app = path.join(tmp, 'headless', 'pgEntra');
    standIn(path.join(app, 'pgentra-app'));
    const launcher = install(path.join(app, 'resources', 'bin'));
    expect(run(launcher, ['token', 'x']).report?.args).toEqual(['--ozone-platform=headless', '--disable-gpu', '--pgentra-cli', 'token', 'x']);
  });

  posixOnly('symlinked onto PATH (absolute and relative links, chained): resolves the real launcher folder', () => {
    const app = path.join(tmp, 'linked app', 'pgEntra');
    standIn(path.join(app, 'pgentra-app'));
    const launcher = install(path.join(app, 'resources', 'bin'));
    const usrBin = path.join(tmp, 'usr local', 'bin');
    mkdirSync(usrBin, { recursive: true });
    symlinkSync(launcher, path.join(usrBin, 'pgentra'));
    const expected = { exe: path.join(app, 'pgentra-app'), args: ['--pgentra-cli', 'token', 'a b'] };
    expect(run(path.join(usrBin, 'pgentra'), ['token', 'a b'], { DISPLAY: ':0' }).report).toEqual(expected);
    // Found through PATH, as a shell or pgAdmin's PATH lookup would.
    expect(run('pgentra', ['token', 'a b'], { DISPLAY: ':0', PATH: `${usrBin}:${process.env.PATH ?? ''}` }).report).toEqual(expected);
    // A relative link to a relative link.
    const other = path.join(tmp, 'other bin');
    mkdirSync(other, { recursive: true });
    symlinkSync(path.relative(other, path.join(usrBin, 'pgentra')), path.join(other, 'pg'));
    symlinkSync('pg', path.join(other, 'pgentra'));
    expect(run(path.join(other, 'pgentra'), ['token', 'a b'], { DISPLAY: ':0' }).report).toEqual(expected);
  });

  posixOnly('macOS layout: pgEntra.app/Contents/Resources/bin/pgentra runs Contents/MacOS/pgEntra, also through a symlink', () => {
    const contents = path.join(tmp, 'Applications dir', 'pgEntra.app', 'Contents');
    standIn(path.join(contents, 'MacOS', 'pgEntra'));
    const launcher = install(path.join(contents, 'Resources', 'bin'));
    const expected = { exe: path.join(contents, 'MacOS', 'pgEntra'), args: ['--pgentra-cli', ...tricky] };
    // No display variables on macOS: no Linux-only switches either.
    expect(run(launcher, tricky).report).toEqual(expected);
    const local = path.join(tmp, 'mac usr local bin');
    mkdirSync(local, { recursive: true });
    symlinkSync(launcher, path.join(local, 'pgentra'));
    expect(run(path.join(local, 'pgentra'), tricky).report).toEqual(expected);
    expect(run(path.join(local, 'pgentra'), ['x'], { STANDIN_EXIT: '77' }).status).toBe(77);
  });

  posixOnly('no app executable where it should be: a message and exit 127', () => {
    const launcher = install(path.join(tmp, 'stray', 'resources', 'bin'));
    const r = run(launcher, ['token']);
    expect(r.status).toBe(127);
    expect(r.stderr).toMatch(/pgEntra app executable was not found/);
  });
});

describe('Windows launcher (build/launchers/pgentra.cmd)', () => {
  it('is exactly the expected CRLF batch file', () => {
    expect(readFileSync(path.join(launchers, 'pgentra.cmd'), 'latin1')).toBe(
      [
        '@echo off',
        'rem pgentra.cmd: the pgEntra command-line launcher shipped in an installed app (resources\\bin).',
        'rem It runs the app executable in CLI mode (no window), so no separate Node install is needed.',
        // %~dp0 is the launcher's folder with a trailing backslash; the quotes cover spaces in it.
        // %* passes the arguments exactly as written; exit /b keeps the CLI's exit code.
        '"%~dp0..\\..\\pgEntra.exe" --pgentra-cli %*',
        'exit /b %ERRORLEVEL%',
        '',
      ].join('\r\n'),
    );
  });

  it('git keeps both launchers byte for byte (LF for sh, CRLF for cmd)', () => {
    expect(readFileSync(path.join(launchers, '.gitattributes'), 'utf8')).toMatch(/^pgentra text eol=lf$[\s\S]*^pgentra\.cmd -text$/m);
  });
});
