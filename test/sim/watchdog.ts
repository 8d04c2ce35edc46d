// A detached shell that cleans up after a simulator that died without stopping (SIGKILL, a
// crash): it blocks reading a pipe whose only writer is the simulator's process, so it wakes up
// exactly when that process is gone — however it died, and whether or not anyone reaps it
// (`kill -0` on an unreaped dead process still succeeds, so it is never used) — then stops the
// given processes (SIGQUIT, PostgreSQL's immediate shutdown; SIGKILL a second later) and removes
// the given paths.
import { spawn } from 'node:child_process';

export interface Watchdog {
  /** The simulator stopped normally: end the watchdog without it touching anything. */
  dismiss(): void;
}

const SCRIPT = [
  'trap "" INT TERM HUP', // a terminal's Ctrl+C or hangup must not stop the cleanup
  'cat >/dev/null',
  'pids=$1; shift',
  'if [ -n "$pids" ]; then kill -QUIT $pids 2>/dev/null; sleep 1; kill -KILL $pids 2>/dev/null; fi',
  'rm -rf "$@"',
].join('\n');

export function startWatchdog(opts: { pids?: number[]; paths: string[] }): Watchdog {
  const child = spawn('sh', ['-c', SCRIPT, 'pgentra-sim-watchdog', (opts.pids ?? []).join(' '), ...opts.paths], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // Keep the pipe open for this process's whole life without keeping its event loop alive.
  child.stdin?.on('error', () => undefined);
  (child.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();
  child.unref();
  return {
    dismiss() {
      if (!child.pid) return;
      try {
        // Before the processes it guards stop, so it can never signal a recycled pid; it leads its
        // own process group (detached), so this ends its `cat` too.
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    },
  };
}
