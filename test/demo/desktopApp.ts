// Opening the desktop app on the demo's data: the Electron binary is located by build/start.mjs
// (without requiring the `electron` package, whose require() downloads the binary lazily), the
// app is built if needed, and Electron runs with PGENTRA_HOME pointing at the demo's data.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CHECKOUT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type ElectronLocation = { path: string } | { reason: string };

interface StartModule {
  locateElectronBinary(env?: NodeJS.ProcessEnv): ElectronLocation;
  buildIfNeeded(): boolean;
}

function isStartModule(m: unknown): m is StartModule {
  const o = m as Partial<Record<keyof StartModule, unknown>> | null;
  return typeof o?.locateElectronBinary === 'function' && typeof o.buildIfNeeded === 'function';
}

async function startModule(): Promise<StartModule> {
  // A computed specifier: build/start.mjs is plain JavaScript without type declarations.
  const m: unknown = await import(pathToFileURL(path.join(CHECKOUT_ROOT, 'build', 'start.mjs')).href);
  if (!isStartModule(m)) throw new Error('build/start.mjs does not export locateElectronBinary/buildIfNeeded');
  return m;
}

export async function locateElectron(env: NodeJS.ProcessEnv = process.env): Promise<ElectronLocation> {
  return (await startModule()).locateElectronBinary(env);
}

export interface DesktopApp {
  /** Resolves with Electron's exit code when the app quits (closed window, crash or stop()). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  electronPath: string;
  dataDir: string;
  cloudFile: string;
  /** Electron/Chromium chatter goes here instead of over the demo's instructions. */
  logFile: string;
}

export async function launchDesktopApp(opts: LaunchOptions): Promise<DesktopApp> {
  if (!(await startModule()).buildIfNeeded()) throw new Error('the app build failed (see above)');
  const env: NodeJS.ProcessEnv = { ...process.env, PGENTRA_HOME: opts.dataDir, PGENTRA_CLOUD_FILE: opts.cloudFile };
  // ELECTRON_RUN_AS_NODE would turn the app into a plain Node process.
  delete env.ELECTRON_RUN_AS_NODE;
  const log = openSync(opts.logFile, 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(opts.electronPath, [CHECKOUT_ROOT], { cwd: CHECKOUT_ROOT, env, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
  return {
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
