// Explicit, user-driven sign-in: system browser + loopback redirect + PKCE (MSAL), or device
// code. `prompt=select_account` shows the account chooser so the secondary (admin) ID can be
// picked; several accounts can be signed in at once. Both flows are cancellable.
import type { AuthenticationResult, PublicClientApplication } from '@azure/msal-node';
import { scopeFor, type Cloud } from '../../shared/clouds.js';
import { PgEntraError } from '../../shared/errors.js';
import { authorityFor, type MsalApps } from './msalApps.js';
import { mapMsalError } from './msalErrors.js';

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
  /** Default select_account; `login` forces credentials, `none` for tests. */
  prompt?: 'select_account' | 'login' | 'consent' | 'none';
  signal?: AbortSignal;
}

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

export async function signInInteractive(apps: MsalApps, cloud: Cloud, opts: InteractiveSignInOptions): Promise<SignedInAccount> {
  if (opts.signal?.aborted) throw cancelled();
  const pca: PublicClientApplication = await apps.publicClient(cloud);
  let authorizeUrl: string | undefined;
  let aborted = false;
  const flow = pca.acquireTokenInteractive({
    scopes: [scopeFor(cloud)],
    authority: authorityFor(cloud, opts.tenant),
    prompt: opts.prompt ?? 'select_account',
    ...(opts.loginHint ? { loginHint: opts.loginHint } : {}),
    successTemplate: SUCCESS_PAGE,
    errorTemplate: ERROR_PAGE,
    openBrowser: async (url: string) => {
      authorizeUrl = url;
      if (aborted) {
        void cancelLoopback(url);
        return;
      }
      await opts.openBrowser(url);
    },
  });
  try {
    const result = await raceAbort(flow, opts.signal, () => {
      aborted = true;
      void cancelLoopback(authorizeUrl);
      flow.catch(() => undefined);
    });
    return toSignedInAccount(result);
  } catch (e) {
    throw mapMsalError(e, { ...(opts.loginHint ? { account: opts.loginHint } : {}), ...(opts.tenant ? { tenant: opts.tenant } : {}), authorityHost: cloud.authorityHost });
  }
}

export async function signInWithDeviceCode(apps: MsalApps, cloud: Cloud, opts: DeviceCodeSignInOptions): Promise<SignedInAccount> {
  if (opts.signal?.aborted) throw cancelled();
  const pca = await apps.publicClient(cloud);
  const request = {
    scopes: [scopeFor(cloud)],
    authority: authorityFor(cloud, opts.tenant),
    cancel: false,
    deviceCodeCallback: (r: DeviceCodeInfo) => opts.onCode({ userCode: r.userCode, verificationUri: r.verificationUri, message: r.message, expiresIn: r.expiresIn }),
  };
  const flow = pca.acquireTokenByDeviceCode(request);
  try {
    const result = await raceAbort(flow, opts.signal, () => {
      request.cancel = true; // MSAL checks this flag before each poll
      flow.catch(() => undefined);
    });
    if (!result) throw new PgEntraError('sign_in_failed', 'Device code sign-in returned no result.');
    return toSignedInAccount(result);
  } catch (e) {
    throw mapMsalError(e, { ...(opts.tenant ? { tenant: opts.tenant } : {}), authorityHost: cloud.authorityHost });
  }
}
