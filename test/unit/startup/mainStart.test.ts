// Issue #23: electron/main.ts itself, loaded as Electron loads it (its top level is the start
// path), refuses debugging switches in a packaged app before it starts the CLI or the desktop app:
// no app:// scheme, no single-instance lock, no user data path — it writes why and exits 64.
// `electron` is a stand-in module here (no Electron binary in CI); the check's spellings are
// covered in test/unit/base/startupSwitches.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  const state = { isPackaged: true };
  const app = {
    get isPackaged(): boolean {
      return state.isPackaged;
    },
    exit: vi.fn(),
    quit: vi.fn(),
    on: vi.fn(),
    setPath: vi.fn(),
    // The desktop path ends here in these tests: "another pgEntra is running", so it quits.
    requestSingleInstanceLock: vi.fn(() => false),
    whenReady: vi.fn(() => new Promise(() => undefined)),
    disableHardwareAcceleration: vi.fn(),
    dock: { hide: vi.fn() },
  };
  const protocol = { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() };
  return { state, module: { app, protocol, BrowserWindow: {}, Menu: {}, dialog: {}, ipcMain: {}, session: {} } };
});
vi.mock('electron', () => ({ ...electron.module, default: electron.module }));

// The refusal is written synchronously to fd 2; captured here instead of cluttering the test output.
const stderr = vi.hoisted(() => ({ writes: [] as string[] }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((fd: number, data: string, ...rest: unknown[]) => {
    if (fd === 2) {
      stderr.writes.push(String(data));
      return String(data).length;
    }
    return (fs.writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
  }) as typeof fs.writeSync;
  return { ...fs, writeSync, default: { ...fs, writeSync } };
});

const originalArgv = process.argv;

/** Loads electron/main.ts afresh with this command line, as Electron would run it. */
async function startMain(args: string[], packaged: boolean): Promise<void> {
  electron.state.isPackaged = packaged;
  process.argv = ['/opt/pgEntra/pgentra-app', ...args];
  vi.resetModules();
  await import('../../../electron/main.js');
}

afterEach(() => {
  process.argv = originalArgv;
  vi.clearAllMocks();
  stderr.writes.length = 0;
});

describe('electron/main.ts start path', () => {
  const { app, protocol } = electron.module;

  it.each([[['--remote-debugging-port=9222']], [['--remote-debugging-pipe']], [['--js-flags=--expose-gc']], [['--inspect-brk=0']]])(
    'packaged, desktop app with %j: exits 64 with the reason on stderr, before any scheme, lock or path',
    async (args) => {
      await startMain(args, true);
      expect(app.exit).toHaveBeenCalledWith(64);
      expect(stderr.writes.join('')).toMatch(/^pgEntra will not start with --[a-z-]+: .*\n$/s);
      expect(protocol.registerSchemesAsPrivileged).not.toHaveBeenCalled();
      expect(app.requestSingleInstanceLock).not.toHaveBeenCalled();
      expect(app.setPath).not.toHaveBeenCalled();
      expect(app.whenReady).not.toHaveBeenCalled();
    },
  );

  it('packaged, CLI mode with a debugging switch among its arguments: exits 64 before the CLI starts', async () => {
    await startMain(['--pgentra-cli', 'token', 'prod', '--remote-debugging-port', '9222'], true);
    expect(app.exit).toHaveBeenCalledWith(64);
    expect(stderr.writes.join('')).toContain('--remote-debugging-port');
    expect(app.dock.hide).not.toHaveBeenCalled();
    expect(app.setPath).not.toHaveBeenCalled();
  });

  it('packaged, ordinary arguments: the desktop app starts (scheme registered, lock asked for), nothing refused', async () => {
    await startMain(['--no-sandbox'], true);
    expect(app.exit).not.toHaveBeenCalled();
    expect(stderr.writes).toEqual([]);
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledTimes(1);
    expect(app.requestSingleInstanceLock).toHaveBeenCalledTimes(1);
  });

  it('not packaged (npm start): debugging switches are allowed', async () => {
    await startMain(['--remote-debugging-port=9222', '--inspect'], false);
    expect(app.exit).not.toHaveBeenCalled();
    expect(app.requestSingleInstanceLock).toHaveBeenCalledTimes(1);
  });
});
