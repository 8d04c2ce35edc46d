// The simulator's own lifecycle: `npm run sim` stops within 5 s on SIGINT, SIGTERM and SIGHUP,
// and leaves no PostgreSQL behind when it is SIGKILLed, when its parent is killed, or when its
// parent never reaps it (as under a PID 1 that does not reap zombies, where `kill -0` on a dead
// process still succeeds).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SimStateSchema } from './types.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'pgentra-simlife-'));
const started: ChildProcess[] = [];
let n = 0;

afterEach(() => {
  // The whole process group: npm may be gone while the shell and simulator under it are not.
  for (const c of started.splice(0)) {
    try {
      if (c.pid) process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - t0;
}

/** Live (not zombie) processes whose command line mentions `needle`. */
function liveProcesses(needle: string): string[] {
  const r = spawnSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.includes(needle) && !/^\s*\d+\s+Z/.test(l));
}

interface Running {
  child: ChildProcess;
  stateFile: string;
  workDir: string;
  output: () => string;
}

/** Starts `argv` (in its own process group) and waits for the simulator's state file. */
async function startSim(argv: (stateFile: string) => string[]): Promise<Running> {
  const stateFile = path.join(dir, `state-${++n}.json`);
  const [cmd, ...args] = argv(stateFile);
  const child = spawn(cmd ?? '', args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(() => existsSync(stateFile) || child.exitCode !== null, 90_000, 'the state file');
  if (!existsSync(stateFile)) throw new Error(`the simulator did not start: ${output}`);
  const state = SimStateSchema.parse(JSON.parse(readFileSync(stateFile, 'utf8')));
  const workDir = path.dirname(state.caFile);
  expect(liveProcesses(workDir).some((l) => l.includes('postgres'))).toBe(true);
  return { child, stateFile, workDir, output: () => output };
}

const simArgs = (stateFile: string): string[] => ['--state', stateFile, '--token-lifetime', '600'];
const npmRunSim = (stateFile: string): string[] => ['npm', 'run', '--silent', 'sim', '--', ...simArgs(stateFile)];

/** The simulator's own process (node … test/sim/cli.ts --state FILE). */
function simPid(stateFile: string): number | undefined {
  const line = liveProcesses(`--state ${stateFile}`).find((l) => l.includes('test/sim/cli.ts') && !l.includes('npm'));
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}

describe('npm run sim lifecycle', () => {
  // SIGTERM and SIGHUP to npm alone (`kill PID`, a service manager, a parent that hangs up);
  // SIGINT and SIGHUP to the whole process group, as a terminal delivers Ctrl+C and a hangup.
  const cases = [
    { signal: 'SIGTERM', to: 'npm' },
    { signal: 'SIGHUP', to: 'npm' },
    { signal: 'SIGINT', to: 'the process group' },
    { signal: 'SIGHUP', to: 'the process group' },
  ] as const;
  for (const { signal, to } of cases) {
    it(`stops within 5 s on ${signal} sent to ${to}, leaving no process and no files`, async () => {
      const sim = await startSim(npmRunSim);
      const t0 = Date.now();
      if (to === 'npm') sim.child.kill(signal);
      else process.kill(-(sim.child.pid ?? 0), signal);
      await waitFor(() => simPid(sim.stateFile) === undefined, 5_000, 'the simulator to exit');
      await waitFor(() => liveProcesses(sim.workDir).length === 0, 5_000 - (Date.now() - t0) + 1_000, 'PostgreSQL to stop');
      expect(existsSync(sim.stateFile)).toBe(false);
      await waitFor(() => !existsSync(sim.workDir), 5_000, 'the work dir to be removed');
    });
  }

  it('stops when npm is killed with SIGKILL (its child is re-parented)', async () => {
    const sim = await startSim(npmRunSim);
    sim.child.kill('SIGKILL');
    await waitFor(() => simPid(sim.stateFile) === undefined, 10_000, 'the simulator to exit');
    await waitFor(() => liveProcesses(sim.workDir).length === 0, 10_000, 'PostgreSQL to stop');
  });

  it('leaves no PostgreSQL when the simulator is SIGKILLed under a parent that never reaps it', async () => {
    // `exec sleep` replaces the shell: the simulator's parent is a process that never calls wait(),
    // so the killed simulator stays a zombie and `kill -0` on it keeps succeeding.
    const sim = await startSim((stateFile) => ['sh', '-c', `"$0" --import tsx test/sim/cli.ts ${simArgs(stateFile).join(' ')} & exec sleep 600`, process.execPath]);
    const pid = simPid(sim.stateFile);
    expect(pid).toBeDefined();
    process.kill(pid ?? 0, 'SIGKILL');
    await waitFor(() => liveProcesses(sim.workDir).length === 0, 15_000, 'PostgreSQL to stop after its simulator was killed');
    await waitFor(() => !existsSync(sim.workDir), 10_000, 'the work dir to be removed');
    const zombie = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
    expect(zombie === '' || zombie.startsWith('Z')).toBe(true);
  });
});
