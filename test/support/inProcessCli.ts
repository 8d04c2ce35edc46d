// `pgentra` in process for tests, with what it prints captured: through the dispatcher
// (runCliCaptured).
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
