// The "system browser" for the CLI's interactive sign-in in the public-cloud tests, given to
// pgentra as $BROWSER (which the product honours like xdg-open does): it loads the authorize
// page at login.microsoftonline.com, picks the account named by PGENTRA_TEST_SIGN_IN_AS on the
// chooser and posts the code back to pgentra's loopback listener.
import { appendFileSync, readFileSync } from 'node:fs';
import { completeSignInHeadless } from '../sim/entra/browser.js';

const url = process.argv[2];
const caFile = process.env.NODE_EXTRA_CA_CERTS;
const log = process.env.PGENTRA_TEST_BROWSER_LOG;
try {
  if (!url || !caFile) throw new Error('usage: browser.ts URL (with NODE_EXTRA_CA_CERTS set)');
  const upn = process.env.PGENTRA_TEST_SIGN_IN_AS;
  await completeSignInHeadless(url, { caCertPem: readFileSync(caFile, 'utf8'), ...(upn ? { upn } : {}) });
  if (log) appendFileSync(log, `signed in: ${new URL(url).host}${new URL(url).pathname}\n`);
} catch (e) {
  if (log) appendFileSync(log, `sign-in failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
