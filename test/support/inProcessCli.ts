// `pgentra` in process for tests, with what it prints captured: through the dispatcher
// (runCliCaptured) or one command at a time with a CliContext of the test's making
// (capturingCliContext: a throwaway home as cwd and data directory, the public cloud, tokens in
// memory only).
import type { CliContext, CliServices } from '../../electron/cli/context.js';
import { runCli, type CliIo } from '../../electron/cli/dispatcher.js';

export interface CapturedRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `argv` through the dispatcher; its exit code and everything it printed. */
export async function runCliCaptured(argv: string[], io: Omit<CliIo, 'stdout' | 'stderr'>): Promise<CapturedRun> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { ...io, stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

export interface CapturingCliContext {
  ctx: CliContext;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
}

export function capturingCliContext(home: string, services: CliServices, opts: { signal?: AbortSignal } = {}): CapturingCliContext {
  let out = '';
  let err = '';
  const ctx: CliContext = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: {},
    cwd: home,
    dataDir: home,
    global: { cloud: 'public', memoryCache: true, verbose: false },
    services,
    signal: opts.signal ?? new AbortController().signal,
  };
  return { ctx, stdout: () => out, stderr: () => err };
}
