// The "system browser" for the CLI's interactive sign-in in the public-cloud tests, given to
// pgentra as $BROWSER (which the product honours like xdg-open does): the simulated Azure's own
// system browser (test/sim/simBrowser.ts: system proxy, OS trust store plus NODE_EXTRA_CA_CERTS),
// picking the account named by PGENTRA_TEST_SIGN_IN_AS on the chooser, with what happened written
// to PGENTRA_TEST_BROWSER_LOG for the tests to show on failure.
import { appendFileSync } from 'node:fs';
import { signInAsSystemBrowser } from '../sim/simBrowser.js';

const url = process.argv[2];
const log = process.env.PGENTRA_TEST_BROWSER_LOG;
try {
  if (!url) throw new Error('usage: browser.ts URL');
  const upn = process.env.PGENTRA_TEST_SIGN_IN_AS;
  await signInAsSystemBrowser(url, upn ? { upn } : {});
  if (log) appendFileSync(log, `signed in: ${new URL(url).host}${new URL(url).pathname}\n`);
} catch (e) {
  if (log) appendFileSync(log, `sign-in failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
