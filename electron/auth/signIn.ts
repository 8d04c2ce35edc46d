// Explicit, user-driven sign-in: system browser + loopback redirect + PKCE (MSAL), or device
// code. `prompt=select_account` shows the account chooser so the secondary (admin) ID can be
// picked; several accounts can be signed in at once. Both flows are cancellable. A step-up signs
// in again for the scope that failed (the database's, or Azure Resource Manager's) carrying the
// claims a challenge asked for, so Entra runs the MFA (or other check) that scope needs.
import type { AuthenticationResult, PublicClientApplication } from '@azure/msal-node';
import { scopeFor, type Cloud } from '../../shared/clouds.js';
import { PgEntraError } from '../../shared/errors.js';
import { isAllowedExternalUrl } from '../base/externalUrl.js';
import { authorityFor, clientIdFor, type MsalApps } from './msalApps.js';
import { mapMsalError, type MapContext } from './msalErrors.js';

export interface SignedInAccount {
  username: string;
  homeAccountId: string;
  tenantId: string;
  name?: string;
  /** Expiry of the access token obtained during sign-in. */
  expiresOn?: Date;
}

export interface InteractiveSignInOptions {
  /** Tenant id or domain; default the cloud's tenant or `organizations`. */
  tenant?: string;
  /** Pre-fills the account chooser (MSAL drops it from the URL when prompt=select_account). */
  loginHint?: string;
  /** Electron: shell.openExternal; CLI: the OS opener. */
  openBrowser: (url: string) => Promise<void>;
  /** Default select_account (none with a claims step-up: the account is known); `login` forces credentials. */
  prompt?: 'select_account' | 'login' | 'consent' | 'none';
  signal?: AbortSignal;
  /** The scopes to sign in for; default the cloud's PostgreSQL resource (`<resource>/.default`). */
  scopes?: string[];
  /** Claims (JSON) a challenge asked for: MFA, an authentication context. */
  claims?: string;
  /** Called once when the browser has not come back after `slowAfterMs` (default 3 min): say what may be wrong. */
  onSlow?: () => void;
  slowAfterMs?: number;
}

/** A sign-in page that says nothing for this long probably shows an error that never redirects back. */
export const DEFAULT_SLOW_SIGN_IN_MS = 3 * 60_000;

export interface DeviceCodeInfo {
  userCode: string;
  verificationUri: string;
  message: string;
  expiresIn: number;
}

export interface DeviceCodeSignInOptions {
  tenant?: string;
  onCode: (info: DeviceCodeInfo) => void;
  signal?: AbortSignal;
  scopes?: string[];
  claims?: string;
}

const SUCCESS_PAGE =
  '<!doctype html><meta charset="utf-8"><title>pgEntra</title><body style="font-family:sans-serif"><h1>Signed in to pgEntra</h1><p>You can close this tab and return to pgEntra.</p></body>';
const ERROR_PAGE = '<!doctype html><meta charset="utf-8"><title>pgEntra</title><body style="font-family:sans-serif"><h1>Sign-in did not complete</h1><p>Return to pgEntra for details.</p></body>';

export function toSignedInAccount(r: AuthenticationResult): SignedInAccount {
  if (!r.account) throw new PgEntraError('sign_in_failed', 'Entra returned no account for this sign-in.');
  return {
    username: r.account.username,
    homeAccountId: r.account.homeAccountId,
    tenantId: r.account.tenantId,
    ...(r.account.name ? { name: r.account.name } : {}),
    ...(r.expiresOn ? { expiresOn: r.expiresOn } : {}),
  };
}

function cancelled(): PgEntraError {
  return new PgEntraError('sign_in_cancelled', 'Sign-in was cancelled.');
}

/** Rejects when the signal aborts; `onAbort` cleans up the flow in the background. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    onAbort();
    return Promise.reject(cancelled());
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      onAbort();
      reject(cancelled());
    };
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * MSAL's loopback server has no cancel API; it does stop on an OAuth error response with the
 * right state, so cancelling posts `error=access_denied` to it the way Entra would.
 */
async function cancelLoopback(authorizeUrl: string | undefined): Promise<void> {
  if (!authorizeUrl) return;
  const u = new URL(authorizeUrl);
  const redirect = u.searchParams.get('redirect_uri');
  const state = u.searchParams.get('state');
  if (!redirect || !state || !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/?$/.test(redirect)) return;
  const body = new URLSearchParams({ error: 'access_denied', error_description: 'cancelled in pgEntra', state }).toString();
  try {
    await fetch(redirect.replace('//localhost', '//127.0.0.1'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  } catch {
    // server already gone
  }
}

/** What a sign-in's scopes are for, in words, and the `pgentra login --scope` for them (nothing for the database). */
function resourceWords(cloud: Cloud, scopes: string[] | undefined): { resourceName?: string; scopeFlag?: string } {
  const under = (origin: string | undefined): boolean => origin !== undefined && (scopes ?? []).some((s) => s.toLowerCase().startsWith(`${origin.replace(/\/+$/, '').toLowerCase()}/`));
  if (under(cloud.managementEndpoint)) return { resourceName: 'Azure Resource Manager', scopeFlag: '--scope management' };
  if (under(cloud.graphEndpoint)) return { resourceName: 'Microsoft Graph (PIM)', scopeFlag: '--scope graph' };
  return {};
}

function errContext(apps: MsalApps, cloud: Cloud, opts: { tenant?: string | undefined; loginHint?: string | undefined; scopes?: string[] | undefined }, cancelledHere: boolean): MapContext {
  return {
    ...(opts.loginHint ? { account: opts.loginHint } : {}),
    ...(opts.tenant ? { tenant: opts.tenant } : {}),
    authorityHost: cloud.authorityHost,
    clientId: clientIdFor(cloud, apps.settings),
    ...resourceWords(cloud, opts.scopes),
    cancelledHere,
    recentNetworkFailure: () => apps.networkClient(cloud).recentFailure(),
  };
}

/** The interactive flow itself; MSAL's result (token included) for a step-up, the account for a sign-in. */
export async function acquireInteractive(apps: MsalApps, cloud: Cloud, opts: InteractiveSignInOptions): Promise<AuthenticationResult> {
  if (opts.signal?.aborted) throw cancelled();
  const pca: PublicClientApplication = await apps.publicClient(cloud);
  let authorizeUrl: string | undefined;
  let aborted = false;
  let slowTimer: NodeJS.Timeout | undefined;
  const flow = pca.acquireTokenInteractive({
    scopes: opts.scopes ?? [scopeFor(cloud)],
    authority: authorityFor(cloud, opts.tenant),
    // A step-up is for an account already known: no chooser, straight to its check.
    prompt: opts.prompt ?? (opts.claims && opts.loginHint ? undefined : 'select_account'),
    ...(opts.loginHint ? { loginHint: opts.loginHint } : {}),
    ...(opts.claims ? { claims: opts.claims } : {}),
    successTemplate: SUCCESS_PAGE,
    errorTemplate: ERROR_PAGE,
    openBrowser: async (url: string) => {
      authorizeUrl = url;
      if (aborted) {
        void cancelLoopback(url);
        return;
      }
      // The app and the CLI open only the cloud's own sign-in hosts (MSAL may use an alias of the
      // authority host: China's login.partner.microsoftonline.cn) — never what a cloud file or a
      // redirect made up.
      if (!isAllowedExternalUrl(url, cloud.signInHosts)) {
        throw new PgEntraError('sign_in_failed', `The sign-in page is not on one of the cloud's sign-in hosts (${cloud.signInHosts.join(', ')}), so pgEntra did not open it.`, {
          details: { host: safeHost(url) },
        });
      }
      await opts.openBrowser(url);
      if (opts.onSlow) {
        const onSlow = opts.onSlow;
        slowTimer = setTimeout(onSlow, opts.slowAfterMs ?? DEFAULT_SLOW_SIGN_IN_MS);
        slowTimer.unref();
      }
    },
  });
  try {
    return await raceAbort(flow, opts.signal, () => {
      aborted = true;
      void cancelLoopback(authorizeUrl);
      flow.catch(() => undefined);
    });
  } catch (e) {
    throw mapMsalError(e, errContext(apps, cloud, opts, aborted));
  } finally {
    if (slowTimer) clearTimeout(slowTimer);
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}

export async function signInInteractive(apps: MsalApps, cloud: Cloud, opts: InteractiveSignInOptions): Promise<SignedInAccount> {
  return toSignedInAccount(await acquireInteractive(apps, cloud, opts));
}

/** The device code flow; MSAL's result (token included). */
export async function acquireWithDeviceCode(apps: MsalApps, cloud: Cloud, opts: DeviceCodeSignInOptions & { loginHint?: string }): Promise<AuthenticationResult> {
  if (opts.signal?.aborted) throw cancelled();
  const pca = await apps.publicClient(cloud);
  const request = {
    scopes: opts.scopes ?? [scopeFor(cloud)],
    authority: authorityFor(cloud, opts.tenant),
    ...(opts.claims ? { claims: opts.claims } : {}),
    cancel: false,
    deviceCodeCallback: (r: DeviceCodeInfo) => opts.onCode({ userCode: r.userCode, verificationUri: r.verificationUri, message: r.message, expiresIn: r.expiresIn }),
  };
  const flow = pca.acquireTokenByDeviceCode(request);
  let aborted = false;
  try {
    const result = await raceAbort(flow, opts.signal, () => {
      aborted = true;
      request.cancel = true; // MSAL checks this flag before each poll
      flow.catch(() => undefined);
    });
    if (!result) throw new PgEntraError('sign_in_failed', 'Device code sign-in returned no result.');
    return result;
  } catch (e) {
    throw mapMsalError(e, errContext(apps, cloud, opts, aborted));
  }
}

export async function signInWithDeviceCode(apps: MsalApps, cloud: Cloud, opts: DeviceCodeSignInOptions): Promise<SignedInAccount> {
  return toSignedInAccount(await acquireWithDeviceCode(apps, cloud, opts));
}
