// A `pgentra` process with the whoami and query commands, wired like electron/cli/main.ts (real
// stdout, SIGINT → ctx.signal), for tests of what only a separate process shows: memory use,
// a closed pipe, a real Ctrl+C. Run with: node --import tsx test/integration/cli/cliEntry.ts …
import { runCli } from '../../../electron/cli/dispatcher.js';
import { QUERY_COMMANDS } from '../../unit/cli/registry.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signal: controller.signal, commands: QUERY_COMMANDS });
// Peak resident memory (KiB), for the streaming test.
if (process.env.PGENTRA_TEST_REPORT_RSS === '1') process.stderr.write(`maxRSS=${process.resourceUsage().maxRSS}\n`);
process.stdout.write('', () => process.exit(code));
