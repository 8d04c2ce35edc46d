// Where the installed `pgentra` CLI is, as an absolute argv prefix for commands other programs run
// (pgAdmin's PasswordExecCommand). Absolute because desktop pgAdmin does not inherit the shell's
// PATH. Pure: the caller passes the facts (process.execPath, Electron's resourcesPath, env).
import path from 'node:path';
import { PgEntraError } from '../../shared/errors.js';
import type { TargetOs } from './shellQuote.js';

export interface CliLocationFacts {
  /** The OS the command will run on (decides pgentra vs pgentra.cmd and path syntax). */
  os: TargetOs;
  /** process.execPath of the running program (Electron app binary or node). */
  execPath: string;
  /** Electron's process.resourcesPath: set when running from a packaged app. */
  resourcesPath?: string;
  /** Explicit launcher (--cli flag or PGENTRA_CLI_PATH), e.g. set by the packaged launcher. */
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
  /** node + the checkout's bin.mjs (which runs dist/cli/pgentra.mjs). */
  | { kind: 'source'; argv: string[] };

function pathFor(os: TargetOs): path.PlatformPath {
  return os === 'windows' ? path.win32 : path.posix;
}

export function launcherName(os: TargetOs): string {
  return os === 'windows' ? 'pgentra.cmd' : 'pgentra';
}

const LAUNCHER_MISSING = "pgEntra's command-line launcher is not installed next to the app; pass --cli PATH or set PGENTRA_CLI_PATH";

function launcherMissing(details: Record<string, string>): PgEntraError {
  return new PgEntraError('not_found', LAUNCHER_MISSING, {
    hint: 'Give the absolute path of a pgentra command-line launcher that runs on the machine where pgAdmin runs.',
    details,
  });
}

/** macOS and Windows file systems are case-insensitive by default: `pgentra` there is the `pgEntra` app binary. */
function samePath(os: TargetOs, a: string, b: string): boolean {
  const p = pathFor(os);
  const na = p.normalize(a);
  const nb = p.normalize(b);
  return os === 'linux' ? na === nb : na.toLowerCase() === nb.toLowerCase();
}

/**
 * The launcher next to a packaged app, only if it is really there and is not the app itself: on
 * Linux the Electron binary is named `pgentra`, on macOS `pgentra` resolves to the `pgEntra` GUI
 * binary, and an AppImage runs from a temporary mount that is gone once the app quits.
 */
function installedLauncher(f: CliLocationFacts): CliLocation {
  const p = pathFor(f.os);
  const dir = p.dirname(f.execPath);
  const launcher = p.join(dir, launcherName(f.os));
  if (f.os === 'linux' && /^\/tmp\/\.mount_[^/]+/.test(dir)) throw launcherMissing({ launcher, reason: 'AppImage temporary mount' });
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
  if (f.resourcesPath) {
    // Packaged app: the launcher would be installed next to the app executable.
    return installedLauncher(f);
  }
  if (f.sourceRoot) {
    if (!p.isAbsolute(f.execPath) || !p.isAbsolute(f.sourceRoot)) {
      throw new PgEntraError('invalid_input', 'Cannot build an absolute pgentra command from a relative Node or checkout path.');
    }
    return { kind: 'source', argv: [f.execPath, p.join(f.sourceRoot, 'electron', 'cli', 'bin.mjs')] };
  }
  throw new PgEntraError('not_found', 'Cannot tell where the pgentra CLI is installed.', {
    hint: 'Pass --cli /absolute/path/to/pgentra (or set PGENTRA_CLI_PATH).',
  });
}
