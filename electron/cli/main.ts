// Entry of the bundled `pgentra` CLI (dist/cli/pgentra.mjs). Keeps nothing but process wiring:
// the dispatcher and commands are in-process testable.
import { runCli } from './dispatcher.js';

const controller = new AbortController();
// Ctrl+C and a service manager's SIGTERM both end a command through ctx.signal.
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signal: controller.signal });
// Exit explicitly: keytar/MSAL handles must not keep a token command alive after it answered.
process.stdout.write('', () => process.exit(code));
