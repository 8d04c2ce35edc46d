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

/**
 * Whether to give psql `sslrootcert=system`: libpq understands it from 16 on, but on Windows it
 * means OpenSSL's default store, which is usually empty there (the Windows certificate store is
 * not read), so the PEM bundle is used instead.
 */
export function supportsSystemRootCert(v: PsqlVersion | undefined, platform: NodeJS.Platform = process.platform): boolean {
  return v !== undefined && v.major >= 16 && platform !== 'win32';
}

// psql options that take the next argument as their value (so it is not read as a connection argument).
const VALUE_OPTIONS = new Set(['-c', '--command', '-f', '--file', '-v', '--set', '--variable', '-o', '--output', '-P', '--pset', '-F', '--field-separator', '-R', '--record-separator', '-T', '--table-attr', '-L', '--log-file', '-U', '--username']);

/** A libpq connection string or URI, which can name another host (`host=…`, `postgresql://…`). */
function isConnString(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s) || s.includes('=');
}

/**
 * psql arguments that would point the connection somewhere other than the profile's server, which
 * would then receive the profile's Entra token: -h/--host, -p/--port, and a connection string or
 * URI as -d/--dbname or positional argument. A plain database name or -U stays on the same server.
 */
export function connectionOverrides(args: readonly string[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      // psql itself does not use a second `--`; treat the rest as positionals.
      for (const rest of args.slice(i + 1)) if (isConnString(rest)) found.push(rest);
      break;
    }
    if (a === '-h' || a === '--host' || a === '-p' || a === '--port') {
      found.push(`${a} ${args[i + 1] ?? ''}`.trim());
      i++;
    } else if (/^(-h|-p).+/.test(a) || /^--(host|port)=/.test(a)) {
      found.push(a);
    } else if (a === '-d' || a === '--dbname') {
      const v = args[i + 1] ?? '';
      if (isConnString(v)) found.push(`${a} ${v}`);
      i++;
    } else if (/^-d.+/.test(a) || a.startsWith('--dbname=')) {
      if (isConnString(a.startsWith('--') ? a.slice('--dbname='.length) : a.slice(2))) found.push(a);
    } else if (VALUE_OPTIONS.has(a)) {
      i++;
    } else if (!a.startsWith('-') && isConnString(a)) {
      found.push(a);
    }
  }
  return found;
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
