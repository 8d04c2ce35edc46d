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

export function locateCli(f: CliLocationFacts): CliLocation {
  const p = pathFor(f.os);
  if (f.override !== undefined && f.override !== '') {
    if (!p.isAbsolute(f.override)) {
      throw new PgEntraError('invalid_input', `The pgentra CLI path "${f.override}" must be absolute: pgAdmin runs the command without your shell's PATH.`);
    }
    return { kind: 'override', argv: [p.normalize(f.override)] };
  }
  if (f.resourcesPath) {
    // Packaged app: the launcher is installed next to the app executable.
    return { kind: 'installed', argv: [p.join(p.dirname(f.execPath), launcherName(f.os))] };
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
