// Running `npm run demo` / `npm start` as separate processes and reading what they print.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const READY = /^Ready\. Press Ctrl\+C/m;

export interface Proc {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

export function startProcess(args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Resolves once the process printed its ready line; rejects (with its output) if it exits first or times out. */
export async function waitForReady(p: Proc, timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void p.exited.then(() => (exited = true));
  while (!READY.test(p.stdout())) {
    if (exited || Date.now() > deadline) throw new Error(`not ready (${exited ? 'exited' : 'timeout'}):\n${p.stdout()}\n${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The command printed on the line after the one matching `heading`. */
export function commandAfter(output: string, heading: RegExp): string {
  const lines = output.split('\n');
  const i = lines.findIndex((l) => heading.test(l));
  const cmd = i >= 0 ? lines[i + 1]?.trim() : undefined;
  if (!cmd) throw new Error(`no command after ${heading}:\n${output}`);
  return cmd;
}

export function runShell(command: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Processes whose command line mentions `needle` (Linux /proc). */
export function processesMentioning(needle: string): string[] {
  const hits: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) hits.push(`${pid}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return hits;
}

export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Environment of a user with an empty home: nothing of the real data folder can leak in or out. */
export function isolatedEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), PGPASSFILE: '/nonexistent/pgentra-test-pgpass', LC_ALL: 'C', ...extra };
  for (const k of [
    'PGENTRA_HOME',
    'PGENTRA_CLOUD_FILE',
    'PGPASSWORD',
    'PGSERVICEFILE',
    'PGHOST',
    'PGPORT',
    'PGUSER',
    'PGDATABASE',
    'PGSSLMODE',
    'NODE_OPTIONS',
    'VITEST',
    'VITEST_WORKER_ID',
    'VITEST_POOL_ID',
  ]) {
    if (!(k in extra)) delete env[k];
  }
  // Debian's psql first (the printed commands say plain `psql`).
  env.PATH = `/usr/bin:${process.env.PATH ?? '/bin'}`;
  return env;
}
