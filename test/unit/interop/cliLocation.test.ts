// locateCli: the absolute pgentra command written into pgAdmin's PasswordExecCommand.
import { describe, expect, it } from 'vitest';
import { installedLauncherPath, locateCli } from '../../../electron/interop/cliLocation.js';
import { isPgEntraError } from '../../../shared/errors.js';

const MISSING = "pgEntra's command-line launcher is not installed next to the app; pass --cli PATH or set PGENTRA_CLI_PATH";
const only =
  (...files: string[]) =>
  (f: string): boolean =>
    files.includes(f);

function notFound(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(isPgEntraError(e) && e.code).toBe('not_found');
    return (e as Error).message;
  }
  throw new Error('expected not_found');
}

describe('cliLocation: source checkout and override', () => {
  it('plain Node: the running node binary and the checkout bin.mjs', () => {
    expect(locateCli({ os: 'linux', execPath: '/usr/bin/node', packaged: false, sourceRoot: '/src/pgentra' })).toEqual({
      kind: 'source',
      argv: ['/usr/bin/node', '/src/pgentra/electron/cli/bin.mjs'],
    });
    expect(locateCli({ os: 'windows', execPath: 'C:\\node\\node.exe', packaged: false, sourceRoot: 'D:\\src\\pgentra' }).argv).toEqual([
      'C:\\node\\node.exe',
      'D:\\src\\pgentra\\electron\\cli\\bin.mjs',
    ]);
    expect(locateCli({ os: 'macos', execPath: '/opt/homebrew/bin/node', packaged: false, electron: false, sourceRoot: '/Users/a/src/pg entra' }).argv).toEqual([
      '/opt/homebrew/bin/node',
      '/Users/a/src/pg entra/electron/cli/bin.mjs',
    ]);
  });

  it('development Electron (resourcesPath set, not packaged): the Electron binary runs the checkout in CLI mode', () => {
    const electron = '/src/pgentra/node_modules/electron/dist/electron';
    const facts = {
      os: 'linux' as const,
      execPath: electron,
      packaged: false,
      electron: true,
      resourcesPath: '/src/pgentra/node_modules/electron/dist/resources',
      sourceRoot: '/src/pgentra',
      exists: () => true,
    };
    expect(locateCli(facts)).toEqual({ kind: 'source', argv: [electron, '/src/pgentra', '--pgentra-cli'] });
    expect(locateCli({ os: 'windows', execPath: 'D:\\src\\pgentra\\node_modules\\electron\\dist\\electron.exe', packaged: false, electron: true, sourceRoot: 'D:\\src\\pgentra' }).argv).toEqual([
      'D:\\src\\pgentra\\node_modules\\electron\\dist\\electron.exe',
      'D:\\src\\pgentra',
      '--pgentra-cli',
    ]);
  });

  it('an explicit launcher wins everywhere, without an existence check (it may be for another machine), and must be absolute', () => {
    expect(locateCli({ os: 'linux', execPath: '/usr/bin/node', packaged: false, override: '/usr/local/bin/pgentra', sourceRoot: '/src' }).argv).toEqual(['/usr/local/bin/pgentra']);
    expect(locateCli({ os: 'linux', execPath: '/opt/pgEntra/pgentra-app', packaged: true, resourcesPath: '/opt/pgEntra/resources', override: '/usr/local/bin/pgentra' })).toEqual({
      kind: 'override',
      argv: ['/usr/local/bin/pgentra'],
    });
    expect(() => locateCli({ os: 'linux', execPath: '/usr/bin/node', packaged: false, override: 'pgentra' })).toThrow(/absolute/);
    expect(() => locateCli({ os: 'linux', execPath: 'node', packaged: false, sourceRoot: '/src' })).toThrow(/absolute/);
    expect(() => locateCli({ os: 'linux', execPath: '/usr/bin/node', packaged: false })).toThrow(/Cannot tell where/);
  });
});

describe('cliLocation: installed app (resources/bin launcher)', () => {
  it('launcher paths per OS', () => {
    expect(installedLauncherPath('linux', '/opt/pgEntra/resources')).toBe('/opt/pgEntra/resources/bin/pgentra');
    expect(installedLauncherPath('macos', '/Applications/pgEntra.app/Contents/Resources')).toBe('/Applications/pgEntra.app/Contents/Resources/bin/pgentra');
    expect(installedLauncherPath('windows', 'C:\\Program Files\\pgEntra\\resources')).toBe('C:\\Program Files\\pgEntra\\resources\\bin\\pgentra.cmd');
  });

  it('Linux (deb): /opt/pgEntra/resources/bin/pgentra, only when it exists', () => {
    const facts = { os: 'linux' as const, execPath: '/opt/pgEntra/pgentra-app', packaged: true, electron: true, resourcesPath: '/opt/pgEntra/resources' };
    expect(locateCli({ ...facts, exists: only('/opt/pgEntra/resources/bin/pgentra') })).toEqual({ kind: 'installed', argv: ['/opt/pgEntra/resources/bin/pgentra'] });
    expect(notFound(() => locateCli({ ...facts, exists: () => false }))).toBe(MISSING);
    // No exists() given: never assume the launcher is there.
    expect(notFound(() => locateCli(facts))).toBe(MISSING);
    // Not next to the executable any more: a `pgentra` there (an old layout's GUI binary) is not used.
    expect(notFound(() => locateCli({ ...facts, execPath: '/opt/pgEntra/pgentra', exists: only('/opt/pgEntra/pgentra') }))).toBe(MISSING);
    // Packaged but no resources folder known.
    expect(notFound(() => locateCli({ os: 'linux', execPath: '/opt/pgEntra/pgentra-app', packaged: true, exists: () => true }))).toBe(MISSING);
  });

  it('Linux AppImage: the AppImage file in CLI mode, never the temporary mount', () => {
    const facts = { os: 'linux' as const, execPath: '/tmp/.mount_pgEntrXyZ/pgentra-app', packaged: true, electron: true, resourcesPath: '/tmp/.mount_pgEntrXyZ/resources' };
    expect(locateCli({ ...facts, appImage: '/home/a/Apps/pgEntra-0.1.0.AppImage', exists: only('/home/a/Apps/pgEntra-0.1.0.AppImage') })).toEqual({
      kind: 'installed',
      argv: ['/home/a/Apps/pgEntra-0.1.0.AppImage', '--no-sandbox', '--pgentra-cli'],
    });
    // The launcher inside the mount exists but disappears with the app: refused.
    expect(notFound(() => locateCli({ ...facts, exists: () => true }))).toBe(MISSING);
    expect(notFound(() => locateCli({ ...facts, appImage: 'pgEntra.AppImage', exists: () => true }))).toBe(MISSING);
    expect(notFound(() => locateCli({ ...facts, appImage: '/gone/pgEntra.AppImage', exists: () => false }))).toBe(MISSING);
  });

  it('macOS: Contents/Resources/bin/pgentra (never `pgentra` next to the `pgEntra` binary: same file on a case-insensitive file system)', () => {
    const facts = { os: 'macos' as const, execPath: '/Applications/pgEntra.app/Contents/MacOS/pgEntra', packaged: true, electron: true, resourcesPath: '/Applications/pgEntra.app/Contents/Resources' };
    expect(locateCli({ ...facts, exists: only('/Applications/pgEntra.app/Contents/Resources/bin/pgentra') }).argv).toEqual(['/Applications/pgEntra.app/Contents/Resources/bin/pgentra']);
    expect(notFound(() => locateCli({ ...facts, exists: only('/Applications/pgEntra.app/Contents/MacOS/pgentra') }))).toBe(MISSING);
    // Case-insensitive: an app binary that is the launcher path itself is refused.
    expect(notFound(() => locateCli({ ...facts, execPath: '/Applications/pgEntra.app/Contents/Resources/BIN/PGENTRA', exists: () => true }))).toBe(MISSING);
  });

  it('Windows: resources\\bin\\pgentra.cmd (install folder on PATH would find pgEntra.exe first)', () => {
    const facts = {
      os: 'windows' as const,
      execPath: 'C:\\Users\\a\\AppData\\Local\\Programs\\pgEntra\\pgEntra.exe',
      packaged: true,
      electron: true,
      resourcesPath: 'C:\\Users\\a\\AppData\\Local\\Programs\\pgEntra\\resources',
    };
    expect(locateCli({ ...facts, exists: only('C:\\Users\\a\\AppData\\Local\\Programs\\pgEntra\\resources\\bin\\pgentra.cmd') }).argv).toEqual([
      'C:\\Users\\a\\AppData\\Local\\Programs\\pgEntra\\resources\\bin\\pgentra.cmd',
    ]);
    expect(notFound(() => locateCli({ ...facts, exists: only('C:\\Users\\a\\AppData\\Local\\Programs\\pgEntra\\pgentra.cmd') }))).toBe(MISSING);
    expect(notFound(() => locateCli({ os: 'windows', execPath: 'C:\\pgEntra\\RESOURCES\\BIN\\PGENTRA.CMD', packaged: true, resourcesPath: 'C:\\pgEntra\\resources', exists: () => true }))).toBe(
      MISSING,
    );
  });

  it('packaged is the truth, not resourcesPath: a checkout never gets the installed launcher and vice versa', () => {
    const dev = {
      os: 'macos' as const,
      execPath: '/src/node_modules/electron/dist/Electron.app/Contents/MacOS/Electron',
      electron: true,
      resourcesPath: '/src/node_modules/electron/dist/Electron.app/Contents/Resources',
      exists: () => true,
    };
    expect(locateCli({ ...dev, packaged: false, sourceRoot: '/src' }).kind).toBe('source');
    expect(locateCli({ ...dev, packaged: true, sourceRoot: '/src' }).kind).toBe('installed');
  });
});
