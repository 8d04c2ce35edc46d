// Runs the user's psql for a profile with everything in the child's environment: connection
// variables and PGPASSWORD = the Entra token. Never on a command line (visible in ps and
// /proc/<pid>/cmdline), never printed. Argument array, no shell; stdio inherited.
import { execFile, spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { PgEntraError } from '../../shared/errors.js';

export interface PsqlVersion {
  major: number;
  text: string;
}

/** `psql (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` → 15; `psql (PostgreSQL) 9.6.24` → 9. */
export function parsePsqlVersion(output: string): PsqlVersion | undefined {
  const m = /\bpsql\b[^\d\n]*(\d+)(?:\.(\d+))?/i.exec(output);
  if (!m || !m[1]) return undefined;
  return { major: Number(m[1]), text: output.trim().split('\n')[0] ?? '' };
}

/** libpq understands `sslrootcert=system` from 16 on. */
export function supportsSystemRootCert(v: PsqlVersion | undefined): boolean {
  return v !== undefined && v.major >= 16;
}

function notInstalled(psql: string, cause?: unknown): PgEntraError {
  return new PgEntraError('not_found', `psql was not found (${psql}).`, {
    hint: 'Install the PostgreSQL client (e.g. apt install postgresql-client, brew install libpq), or set PGENTRA_PSQL to the psql program.',
    ...(cause !== undefined ? { cause } : {}),
  });
}

export function psqlVersion(psql: string, env: NodeJS.ProcessEnv): Promise<PsqlVersion | undefined> {
  return new Promise((resolve, reject) => {
    execFile(psql, ['--version'], { env, timeout: 10_000, windowsHide: true }, (err, stdout) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(notInstalled(psql, err));
      if (err) return resolve(undefined);
      resolve(parsePsqlVersion(String(stdout)));
    });
  });
}

export interface RunPsqlOptions {
  psql: string;
  args: readonly string[];
  /** The child's full environment (caller merges process env, libpq vars and PGPASSWORD). */
  env: NodeJS.ProcessEnv;
  /** Called with the child's pid once it runs (tests read /proc/<pid>/cmdline). */
  onSpawn?: (pid: number) => void;
}

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];

/**
 * Resolves psql's exit code; a signal death becomes 128+signal (as a shell reports it). While psql
 * runs, Ctrl+C belongs to psql (it cancels the query), so SIGINT is ignored here, like a shell does.
 */
export function runPsql(opts: RunPsqlOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.psql, [...opts.args], { env: opts.env, stdio: 'inherit', shell: false, windowsHide: false });
    const ignoreInt = (): void => undefined;
    const forward = (sig: NodeJS.Signals) => (): void => {
      child.kill(sig);
    };
    const forwarders = FORWARDED.map((s) => [s, forward(s)] as const);
    const cleanup = (): void => {
      process.off('SIGINT', ignoreInt);
      for (const [s, f] of forwarders) process.off(s, f);
    };
    child.once('spawn', () => {
      process.on('SIGINT', ignoreInt);
      for (const [s, f] of forwarders) process.on(s, f);
      if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      cleanup();
      reject(e.code === 'ENOENT' ? notInstalled(opts.psql, e) : new PgEntraError('internal', `Could not run ${opts.psql}: ${e.message}`, { cause: e }));
    });
    child.once('exit', (code, signal) => {
      cleanup();
      if (signal) resolve(128 + (osConstants.signals[signal] ?? 0));
      else resolve(code ?? 1);
    });
  });
}
