// The "system browser" of the simulated Azure's shell (`npm run sim -- … -- COMMAND` sets $BROWSER
// to it, through a launcher script: browserLauncher.ts): given the authorize URL the way pgentra
// hands it to a browser, it signs in as a person at a managed workstation would. Like a real
// browser it
//   - goes through the system proxy for HTTPS (HTTPS_PROXY / https_proxy, minus NO_PROXY, as curl
//     reads them: no implicit loopback bypass, so the localhost simulator's proxy is used too),
//   - trusts the OS trust store (/etc/ssl/certs/ca-certificates.crt, or SSL_CERT_FILE) plus
//     NODE_EXTRA_CA_CERTS and PGENTRA_SIM_BROWSER_CA (the localhost simulator's CA, which only a
//     developer's browser told to trust it would),
//   - picks PGENTRA_SIM_SIGN_IN_AS on the account chooser (else the login_hint the app sent),
//     ticks "Approve with MFA" when PGENTRA_SIM_MFA=1, approves the MFA prompt Entra shows, and
//     posts the code back to the app's loopback listener.
// What it did goes to stdout (the launcher sends it to a log file: pgentra ignores a browser's output).
//
//   node --import tsx test/sim/simBrowser.ts URL
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { completeSignInHeadless } from './entra/browser.js';
import { OS_TRUST_STORE } from './publicCloud.js';

const SELF = fileURLToPath(import.meta.url);

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certificatesIn(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').match(PEM) ?? [];
  } catch {
    return [];
  }
}

/** The certificates a browser on this machine trusts: the OS store, plus what the environment adds. */
export function systemTrust(env: NodeJS.ProcessEnv = process.env): string[] {
  const files = [env.SSL_CERT_FILE || OS_TRUST_STORE, env.NODE_EXTRA_CA_CERTS, env.PGENTRA_SIM_BROWSER_CA].filter((f): f is string => Boolean(f));
  return files.flatMap(certificatesIn);
}

/** `NO_PROXY` as curl reads it: `*`, or names/domains (a leading dot optional) matching the host or its parents. */
function bypassesProxy(host: string, noProxy: string | undefined): boolean {
  const entries = (noProxy ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  const h = host.toLowerCase();
  return entries.some((e) => e === '*' || h === e.replace(/^\./, '') || h.endsWith(e.startsWith('.') ? e : `.${e}`));
}

/** The proxy a browser uses for `url` (https only), or undefined for a direct connection. */
export function systemProxyFor(url: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const u = new URL(url);
  if (u.protocol !== 'https:') return undefined;
  const proxy = env.https_proxy || env.HTTPS_PROXY;
  if (!proxy || bypassesProxy(u.hostname, env.no_proxy || env.NO_PROXY)) return undefined;
  return /^[a-z]+:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

/** Signs in at `authorizeUrl` as a person with this environment's browser (see the file comment). */
export async function signInAsSystemBrowser(authorizeUrl: string, opts: { env?: NodeJS.ProcessEnv; upn?: string; approveWithMfa?: boolean } = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const trust = systemTrust(env);
  if (trust.length === 0) throw new Error(`no trusted certificates: ${env.SSL_CERT_FILE || OS_TRUST_STORE} is empty or missing and NODE_EXTRA_CA_CERTS is not set`);
  const proxy = systemProxyFor(authorizeUrl, env);
  return completeSignInHeadless(authorizeUrl, {
    caCertPem: trust,
    ...(opts.upn ? { upn: opts.upn } : {}),
    ...(proxy ? { proxy } : {}),
    ...(opts.approveWithMfa ? { approveWithMfa: true } : {}),
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const url = process.argv[2];
  const stamp = (): string => new Date().toISOString();
  try {
    if (!url) throw new Error('usage: simBrowser.ts AUTHORIZE_URL');
    const u = new URL(url);
    const proxy = systemProxyFor(url);
    process.stdout.write(`${stamp()} open ${u.origin}${u.pathname}${proxy ? ` through the proxy ${new URL(proxy).host}` : ' (direct)'}\n`);
    // A person picks the account the app suggested unless told otherwise.
    const upn = process.env.PGENTRA_SIM_SIGN_IN_AS || u.searchParams.get('login_hint') || undefined;
    await signInAsSystemBrowser(url, { ...(upn ? { upn } : {}), approveWithMfa: process.env.PGENTRA_SIM_MFA === '1' });
    process.stdout.write(`${stamp()} signed in: the code went to ${u.searchParams.get('redirect_uri') ?? 'the app'}\n`);
  } catch (e) {
    process.stdout.write(`${stamp()} sign-in failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
