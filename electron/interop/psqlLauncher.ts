// Runs the user's psql: connection variables in the child's environment and, when the endpoint
// needs one, a password in a temporary pgpass file that matches only that endpoint's
// host:port. `pgentra psql` points psql at a private local endpoint (psqlEndpoint.ts), so the
// Entra token itself never reaches psql. Never PGPASSWORD (`\! env` would show it), never on a
// command line (visible in ps and /proc/<pid>/cmdline), never printed. Argument array, no shell;
// stdio inherited.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { constants as osConstants } from 'node:os';
import path from 'node:path';
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

// psql's options as its getopt_long reads them ("aAbc:d:eEf:F:h:HlL:no:p:P:qR:sStT:U:v:VwWxXz?01"):
// short options can be combined (-Atc SQL, -Xh HOST), a value can be attached (-hHOST) or the next
// argument, long options take --name=value or --name value and may be abbreviated to any
// unambiguous prefix (--hos HOST), and arguments that are not options are positionals anywhere.
const SHORT_VALUE: Record<string, string> = {
  c: 'command',
  d: 'dbname',
  f: 'file',
  F: 'field-separator',
  h: 'host',
  L: 'log-file',
  o: 'output',
  p: 'port',
  P: 'pset',
  R: 'record-separator',
  T: 'table-attr',
  U: 'username',
  v: 'variable',
};
const LONG_VALUE = new Set(['command', 'dbname', 'file', 'field-separator', 'host', 'log-file', 'output', 'port', 'pset', 'record-separator', 'table-attr', 'username', 'set', 'variable']);
const LONG_FLAG = [
  'echo-all',
  'no-align',
  'echo-queries',
  'echo-errors',
  'echo-hidden',
  'field-separator-zero',
  'html',
  'list',
  'no-readline',
  'single-transaction',
  'quiet',
  'record-separator-zero',
  'single-step',
  'single-line',
  'tuples-only',
  'version',
  'no-password',
  'password',
  'expanded',
  'no-psqlrc',
  'csv',
  'help',
];
const LONG_ALL = [...LONG_VALUE, ...LONG_FLAG];

interface ParsedPsqlArgs {
  /** Options that take a value, by long name, with the text they came from. */
  options: Array<{ name: string; value: string; raw: string }>;
  positionals: string[];
}

/** getopt_long's lookup: an exact name, else the one option the prefix abbreviates (else unknown). */
function longName(given: string): string | undefined {
  if (LONG_ALL.includes(given)) return given;
  const hits = LONG_ALL.filter((n) => n.startsWith(given));
  return hits.length === 1 ? hits[0] : undefined;
}

export function parsePsqlArgs(args: readonly string[]): ParsedPsqlArgs {
  const out: ParsedPsqlArgs = { options: [], positionals: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      out.positionals.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = longName(eq >= 0 ? a.slice(2, eq) : a.slice(2));
      if (name === undefined || !LONG_VALUE.has(name)) continue;
      if (eq >= 0) out.options.push({ name, value: a.slice(eq + 1), raw: a });
      else {
        const value = args[++i] ?? '';
        out.options.push({ name, value, raw: `${a} ${value}` });
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const name = SHORT_VALUE[a[j] as string];
        if (name === undefined) continue;
        if (j + 1 < a.length) out.options.push({ name, value: a.slice(j + 1), raw: a });
        else {
          const value = args[++i] ?? '';
          out.options.push({ name, value, raw: `${a} ${value}` });
        }
        break;
      }
      continue;
    }
    out.positionals.push(a);
  }
  return out;
}

/** A libpq connection string or URI, which can name another host (`host=…`, `postgresql://…`). */
function isConnString(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s) || s.includes('=');
}

/**
 * psql arguments that would point the connection somewhere other than the profile's endpoint
 * (psql would then connect there on its own): -h/--host, -p/--port, and a connection string or
 * URI as -d/--dbname or positional argument — in every spelling getopt accepts (-Xh HOST, --hos
 * HOST). A plain database name or -U stays on the same server.
 */
export function connectionOverrides(args: readonly string[]): string[] {
  const p = parsePsqlArgs(args);
  const found: string[] = [];
  for (const o of p.options) {
    if (o.name === 'host' || o.name === 'port' || (o.name === 'dbname' && isConnString(o.value))) found.push(o.raw.trim());
  }
  for (const a of p.positionals) if (isConnString(a)) found.push(a);
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

// ---------------------------------------------------------------------------------------------
// The pgpass file

/** Where the password goes: the one server, database and role psql connects to (`*` = any). */
export interface PgpassTarget {
  host: string;
  port: string;
  database: string;
  user: string;
}

/** libpq's .pgpass escaping: `\` and `:` are backslash-escaped (a bare `*` stays a wildcard). */
export function pgpassEscape(field: string): string {
  return field.replace(/[\\:]/g, (c) => `\\${c}`);
}

/** One pgpass line; a line break in any field would start another entry, so it is refused. */
export function pgpassLine(t: PgpassTarget, password: string): string {
  const fields = [t.host, t.port, t.database, t.user, password];
  if (fields.some((f) => /[\r\n]/.test(f))) throw new PgEntraError('invalid_input', 'A host, port, database, user or token contains a line break.');
  return `${fields.map(pgpassEscape).join(':')}\n`;
}

/**
 * The server, database and role psql will log in to with these arguments: the profile's, or
 * another database (-d NAME) and role (-U NAME) on the same server. Host and port overrides and
 * connection strings only pass with --allow-override: a connection string can name anything, so
 * then every field is `*`.
 */
export function pgpassTargetFor(defaults: PgpassTarget, args: readonly string[]): PgpassTarget {
  const p = parsePsqlArgs(args);
  // The last occurrence of an option wins, as in psql.
  const last = (name: string): string | undefined => p.options.filter((o) => o.name === name).at(-1)?.value;
  let database = last('dbname');
  let user = last('username');
  // psql fills DBNAME, then USERNAME, with the arguments that are not options.
  for (const a of p.positionals) {
    if (database === undefined) database = a;
    else if (user === undefined) user = a;
  }
  if (database !== undefined && isConnString(database)) return { host: '*', port: '*', database: '*', user: '*' };
  return {
    host: last('host') ?? defaults.host,
    port: last('port') ?? defaults.port,
    database: database ?? defaults.database,
    user: user ?? defaults.user,
  };
}

export interface PgpassFile {
  /** The file for PGPASSFILE. */
  file: string;
  /** Removes the file and its private directory (idempotent, synchronous: safe in exit handlers). */
  remove(): void;
}

/**
 * A pgpass file created 0600 in a fresh owner-only (0700) directory under the OS temp folder
 * (mkdtemp: unpredictable name, no other user can enter or swap the file).
 */
export function createPgpassFile(target: PgpassTarget, password: string, tmpDir: string = os.tmpdir()): PgpassFile {
  const line = pgpassLine(target, password);
  const dir = mkdtempSync(path.join(tmpDir, 'pgentra-psql-'));
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    chmodSync(dir, 0o700);
    const file = path.join(dir, 'pgpass');
    writeFileSync(file, line, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return { file, remove };
  } catch (e) {
    remove();
    throw new PgEntraError('io_error', `Could not create a temporary password file for psql: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export interface RunPsqlOptions {
  psql: string;
  args: readonly string[];
  /** The child's environment (caller merges process env and libpq vars); PGPASSWORD is removed. */
  env: NodeJS.ProcessEnv;
  /** A password and the one endpoint it is for: written to a temporary pgpass file, never into the environment. */
  password?: { target: PgpassTarget; value: string };
  /** Folder for the private temporary directory (default: the OS temp folder). */
  tmpDir?: string;
  /** Called with the child's pid once it runs (tests read /proc/<pid>/cmdline). */
  onSpawn?: (pid: number) => void;
}

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];

/**
 * Resolves psql's exit code; a signal death becomes 128+signal (as a shell reports it). While psql
 * runs, Ctrl+C belongs to psql (it cancels the query), so SIGINT is ignored here, like a shell does;
 * SIGTERM and SIGHUP are passed on to psql. The pgpass file is removed when psql exits, when it
 * cannot start, and (as a last resort) when this process exits.
 */
export function runPsql(opts: RunPsqlOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...opts.env };
    delete env.PGPASSWORD;
    delete env.PGPASSFILE;
    let pgpass: PgpassFile | undefined;
    try {
      if (opts.password) pgpass = createPgpassFile(opts.password.target, opts.password.value, opts.tmpDir);
    } catch (e) {
      reject(e);
      return;
    }
    const removeAtExit = (): void => pgpass?.remove();
    process.once('exit', removeAtExit);
    const removePgpass = (): void => {
      process.off('exit', removeAtExit);
      pgpass?.remove();
    };
    if (pgpass) env.PGPASSFILE = pgpass.file;
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(opts.psql, [...opts.args], { env, stdio: 'inherit', shell: false, windowsHide: false });
    } catch (e) {
      removePgpass();
      reject(new PgEntraError('internal', `Could not run ${opts.psql}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
      return;
    }
    const ignoreInt = (): void => undefined;
    const forward = (sig: NodeJS.Signals) => (): void => {
      child.kill(sig);
    };
    const forwarders = FORWARDED.map((s) => [s, forward(s)] as const);
    const cleanup = (): void => {
      removePgpass();
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
