// Where the installed `pgentra` CLI is, as an absolute argv prefix for commands other programs run
// (pgAdmin's PasswordExecCommand). Absolute because desktop pgAdmin does not inherit the shell's
// PATH. Pure: the caller passes the facts (process.execPath, app.isPackaged, resourcesPath, env).
import path from 'node:path';
import { PgEntraError } from '../../shared/errors.js';
import { CLI_SWITCH } from '../base/cliMode.js';
import type { TargetOs } from '../../shared/shellQuote.js';

export interface CliLocationFacts {
  /** The OS the command will run on (decides pgentra vs pgentra.cmd and path syntax). */
  os: TargetOs;
  /** process.execPath of the running program (the app executable, Electron or node). */
  execPath: string;
  /**
   * Electron's app.isPackaged: running inside an installed app. Not inferred from resourcesPath,
   * which a development Electron sets too.
   */
  packaged: boolean;
  /** The running program is Electron (process.versions.electron), not Node. */
  electron?: boolean;
  /** Electron's process.resourcesPath: where a packaged app's launchers are (resources/bin). */
  resourcesPath?: string;
  /** $APPIMAGE: the AppImage file a packaged Linux app was started from. */
  appImage?: string;
  /** Explicit launcher (--cli flag or PGENTRA_CLI_PATH), e.g. for another machine. */
  override?: string;
  /** The source checkout root (has electron/cli/bin.mjs), when running from source. */
  sourceRoot?: string;
  /**
   * Whether a file exists (fs.existsSync in production). Needed to accept an installed launcher;
   * without it an installed launcher is never assumed to be there.
   */
  exists?: (file: string) => boolean;
}

export type CliLocation =
  | { kind: 'override' | 'installed'; argv: string[] }
  /** node + the checkout's bin.mjs, or a development Electron + the checkout in CLI mode. */
  | { kind: 'source'; argv: string[] };

function pathFor(os: TargetOs): path.PlatformPath {
  return os === 'windows' ? path.win32 : path.posix;
}

export function launcherName(os: TargetOs): string {
  return os === 'windows' ? 'pgentra.cmd' : 'pgentra';
}

/**
 * The launcher inside an installed app: resources/bin, not next to the executable — there
 * `pgentra` would be the `pgEntra` binary on macOS's case-insensitive file system, and on Windows
 * PATHEXT finds pgEntra.exe before pgentra.cmd when that folder is on PATH.
 */
export function installedLauncherPath(os: TargetOs, resourcesPath: string): string {
  return pathFor(os).join(resourcesPath, 'bin', launcherName(os));
}

const LAUNCHER_MISSING = "pgEntra's command-line launcher is not installed next to the app; pass --cli PATH or set PGENTRA_CLI_PATH";

function launcherMissing(details: Record<string, string>): PgEntraError {
  return new PgEntraError('not_found', LAUNCHER_MISSING, {
    hint: 'Give the absolute path of a pgentra command-line launcher that runs on the machine where pgAdmin runs.',
    details,
  });
}

/** macOS and Windows file systems are case-insensitive by default. */
function samePath(os: TargetOs, a: string, b: string): boolean {
  const p = pathFor(os);
  const na = p.normalize(a);
  const nb = p.normalize(b);
  return os === 'linux' ? na === nb : na.toLowerCase() === nb.toLowerCase();
}

/**
 * The launcher of a packaged app, only if it is really there and is not the app itself. An
 * AppImage runs from a temporary mount that is gone once the app quits: its command is the
 * AppImage file in CLI mode instead (`--no-sandbox` as in electron-builder's AppImage desktop
 * entry: the SUID sandbox helper cannot work from the mount, and CLI mode loads no web content).
 */
function installedLauncher(f: CliLocationFacts): CliLocation {
  const p = pathFor(f.os);
  if (f.os === 'linux' && /^\/tmp\/\.mount_[^/]+/.test(p.dirname(f.execPath))) {
    if (f.appImage && p.isAbsolute(f.appImage) && f.exists?.(f.appImage)) return { kind: 'installed', argv: [p.normalize(f.appImage), '--no-sandbox', CLI_SWITCH] };
    throw launcherMissing({ launcher: f.appImage ?? '', reason: 'AppImage temporary mount' });
  }
  if (!f.resourcesPath || !p.isAbsolute(f.resourcesPath)) throw launcherMissing({ launcher: '', reason: 'no resources folder' });
  const launcher = installedLauncherPath(f.os, f.resourcesPath);
  if (samePath(f.os, launcher, f.execPath)) throw launcherMissing({ launcher, reason: 'is the app binary' });
  if (!f.exists?.(launcher)) throw launcherMissing({ launcher, reason: 'missing' });
  return { kind: 'installed', argv: [launcher] };
}

export function locateCli(f: CliLocationFacts): CliLocation {
  const p = pathFor(f.os);
  if (f.override !== undefined && f.override !== '') {
    if (!p.isAbsolute(f.override)) {
      throw new PgEntraError('invalid_input', `The pgentra CLI path "${f.override}" must be absolute: pgAdmin runs the command without your shell's PATH.`);
    }
    return { kind: 'override', argv: [p.normalize(f.override)] };
  }
  if (f.packaged) return installedLauncher(f);
  if (f.sourceRoot) {
    if (!p.isAbsolute(f.execPath) || !p.isAbsolute(f.sourceRoot)) {
      throw new PgEntraError('invalid_input', 'Cannot build an absolute pgentra command from a relative Node or checkout path.');
    }
    // A development Electron (the desktop app from a checkout) is not a Node binary: it runs the
    // checkout's app in CLI mode, as the installed launcher does with the packaged app.
    if (f.electron) return { kind: 'source', argv: [f.execPath, f.sourceRoot, CLI_SWITCH] };
    return { kind: 'source', argv: [f.execPath, p.join(f.sourceRoot, 'electron', 'cli', 'bin.mjs')] };
  }
  throw new PgEntraError('not_found', 'Cannot tell where the pgentra CLI is installed.', {
    hint: 'Pass --cli /absolute/path/to/pgentra (or set PGENTRA_CLI_PATH).',
  });
}
