// Shared pieces of the `pgentra psql` attack tests: the real CLI as a process (psqlSecrets'
// fixture), a scan of a folder for anything that holds a JWT, and a wait for a marker file.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/;

export interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
}

/** `pgentra psql PROFILE -- args…` as a real process; `child.pid` is the pgentra process itself. */
export function pgentraPsql(profileId: string, args: string[], env: NodeJS.ProcessEnv): CliRun {
  // Through sh only to switch core dumps off (SIGQUIT would otherwise dump core into the repo); exec keeps the pid.
  const node = [process.execPath, '--import', 'tsx', path.join(repoRoot, 'test/integration/interop/fixtures/cli.ts'), 'psql', profileId, '--', ...args];
  const child = spawn('/bin/sh', ['-c', 'ulimit -c 0; exec "$0" "$@"', ...node], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out, err })));
  return { child, done };
}

/** tsx's compile cache (`tsx-<uid>`), which the test's own CLI process writes to TMPDIR. */
export const isTsxCache = (name: string): boolean => /^tsx-\d+$/.test(name);

/** Regular files under `dir` (recursively, tsx's cache aside) whose content matches a JWT; unreadable entries are skipped. */
export function filesWithJwt(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      if (d === dir && isTsxCache(n)) continue;
      const p = path.join(d, n);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        try {
          if (JWT.test(readFileSync(p, 'latin1'))) found.push(p);
        } catch {
          // unreadable: not ours to judge
        }
      }
    }
  };
  walk(dir);
  return found;
}

export async function waitForFile(file: string, timeoutMs: number, alive: () => boolean): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (existsSync(file)) return true;
    if (!alive()) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return existsSync(file);
}

/** Kills a pid if it still runs (psql left behind by a launcher that died). */
export function killIfAlive(pid: number | undefined): void {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Starts pgentra psql on a long statement, waits until psql is logged in, sends `signal` to pgentra. */
export async function stopMidStatement(signal: NodeJS.Signals, home: string, profileId: string): Promise<{ tmp: string; leftovers: string[]; jwtFiles: string[]; exit: unknown }> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pgentra-psqlsig-tmp-'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'pgentra-psqlsig-work-'));
  const marker = path.join(work, 'psql.pid');
  const script = path.join(work, 'long.sql');
  writeFileSync(script, [`select 'LOGGED_IN_AS=' || current_user;`, `\\! echo $PPID > ${marker}.tmp && mv ${marker}.tmp ${marker}`, 'select pg_sleep(60);', ''].join('\n'));
  const env = { ...process.env, PGENTRA_HOME: home, PGENTRA_PSQL: '/usr/bin/psql', PGENTRA_CLOUD_FILE: '', TMPDIR: tmp };
  const run = pgentraPsql(profileId, ['-X', '-A', '-t', '-w', '-f', script], env);
  let psqlPid: number | undefined;
  try {
    const started = await waitForFile(marker, 90_000, () => run.child.exitCode === null && run.child.signalCode === null);
    if (!started) throw new Error(`psql did not start: ${JSON.stringify(await run.done)}`);
    psqlPid = Number(readFileSync(marker, 'utf8').trim());
    run.child.kill(signal);
    const exit = await Promise.race([run.done, new Promise((r) => setTimeout(() => r('still running after 20 s'), 20_000))]);
    // Whatever pgentra did, psql must not outlive the test.
    killIfAlive(psqlPid);
    await new Promise((r) => setTimeout(r, 200));
    return { tmp, leftovers: readdirSync(tmp).filter((n) => !isTsxCache(n)), jwtFiles: filesWithJwt(tmp), exit };
  } finally {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    killIfAlive(psqlPid);
    rmSync(work, { recursive: true, force: true });
  }
}
