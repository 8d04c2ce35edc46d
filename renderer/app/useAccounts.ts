// The signed-in accounts (from the main process, plus the ones a sign-in here returned), the
// sign-in dialog's progress, and the "sign in again" banners the main process asks for. A new
// session token changes an account's remaining lifetime, so `session.state` refreshes the list.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Account } from '../../shared/contract.js';
import type { Profile } from '../../shared/profile.js';
import { call, errorPayloadOf, hasBridge, on } from '../base/api.js';
import type { SignInState } from '../features/accounts/SignInDialog.js';

export interface SignInBanner {
  key: string;
  account: string | null;
  message: string;
  cloud: Profile['cloud'] | null;
  /** The scope that needs the sign-in: Azure Resource Manager when a policy asks MFA for it alone. */
  resource: SignInResource;
}

export type SignInResource = 'postgres' | 'management' | 'graph';

/** A cloud ref of an event (`public`, `usgov`, `china` or a custom cloud file) as a profile's cloud. */
export function cloudOfRef(ref: string): Profile['cloud'] {
  return ref === 'public' || ref === 'usgov' || ref === 'china' ? ref : { customFile: ref };
}

export type SignInMode = SignInState['mode'];

export interface Accounts {
  accounts: Account[];
  accountsError: string | null;
  /** The sign-in dialog's state, or null when it is closed. */
  signIn: SignInState | null;
  banners: SignInBanner[];
  /**
   * Signs in (without a cloud the main process picks its default) for `resource` (default the
   * database); the account, or null when it failed or was cancelled.
   */
  doSignIn: (mode: SignInMode, cloud: Profile['cloud'] | undefined, tenant?: string, loginHint?: string, resource?: SignInResource) => Promise<Account | null>;
  /** The running sign-in again, with a device code (the browser did not come back). */
  switchToDeviceCode: () => void;
  signOut: (a: Account) => Promise<void>;
  cancelSignIn: () => void;
  closeSignIn: () => void;
  dismissBanner: (key: string) => void;
}

function accountKey(a: Account): string {
  return `${a.cloud}|${a.homeAccountId}`;
}

export function useAccounts(notify: (text: string) => void): Accounts {
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [accountsError, setAccountsError] = useState<string | null>(null);
  const [signIn, setSignIn] = useState<SignInState | null>(null);
  const [banners, setBanners] = useState<SignInBanner[]>([]);
  // Accounts a sign-in returned: kept even if accounts.list does not report their cloud.
  const signedInHere = useRef(new Map<string, Account>());

  const mergeAccounts = useCallback((listed: Account[]) => {
    const byKey = new Map(listed.map((a) => [accountKey(a), a]));
    for (const [k, a] of signedInHere.current) if (!byKey.has(k)) byKey.set(k, a);
    setAccounts([...byKey.values()].sort((a, b) => a.username.localeCompare(b.username)));
  }, []);

  const refreshAccounts = useCallback(async () => {
    try {
      mergeAccounts((await call('accounts.list', {})).accounts);
      setAccountsError(null);
    } catch (e) {
      setAccountsError(errorPayloadOf(e).message);
    }
  }, [mergeAccounts]);

  useEffect(() => {
    if (!hasBridge()) return;
    void refreshAccounts();
    const offs = [
      on('accounts.changed', (e) => mergeAccounts(e.accounts)),
      on('session.state', (e) => {
        // A new token changes the account's remaining lifetime in the accounts panel.
        if (e.state === 'connected' || e.state === 'token-refreshed') void refreshAccounts();
      }),
      on('signIn.progress', (e) => setSignIn((s) => (s ? { ...s, stage: e.stage, ...(e.stage === 'slow' ? { slowHint: e.message } : e.message ? { reason: e.message } : {}) } : s))),
      on('signIn.deviceCode', (e) => setSignIn((s) => (s ? { ...s, deviceCode: e, stage: 'waiting-for-device-code' } : s))),
      on('auth.signInRequired', (e) => {
        const resource = e.resource ?? 'postgres';
        const key = `${e.account ?? e.cloud}|${resource}`;
        setBanners((b) => [...b.filter((x) => x.key !== key), { key, account: e.account, message: e.message, cloud: cloudOfRef(e.cloud), resource }]);
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [refreshAccounts, mergeAccounts]);

  // A newer sign-in (the device-code switch) replaces the dialog of an older one, whose end must not close it.
  const attempt = useRef(0);
  const doSignIn = useCallback(
    async (mode: SignInMode, cloud: Profile['cloud'] | undefined, tenant?: string, loginHint?: string, resource?: SignInResource): Promise<Account | null> => {
      // Without a cloud the main process picks its default (the configured cloud file, else public).
      const input = { ...(cloud ? { cloud } : {}), ...(tenant ? { tenant } : {}), ...(loginHint ? { loginHint } : {}), ...(resource && resource !== 'postgres' ? { resource } : {}) };
      const mine = ++attempt.current;
      setSignIn({ mode, stage: 'starting', request: input });
      try {
        const { account } = await call(mode === 'device-code' ? 'accounts.signInDeviceCode' : 'accounts.signIn', input);
        signedInHere.current.set(accountKey(account), account);
        if (attempt.current === mine) setSignIn(null);
        setBanners((b) => b.filter((x) => x.account?.toLowerCase() !== account.username.toLowerCase() || x.resource !== (resource ?? 'postgres')));
        await refreshAccounts();
        notify(`Signed in as ${account.username}.`);
        return account;
      } catch (e) {
        const p = errorPayloadOf(e);
        if (attempt.current !== mine) return null;
        if (p.code === 'sign_in_cancelled') setSignIn(null);
        else setSignIn((s) => ({ ...(s ?? { mode }), stage: 'failed', error: `${p.message}${p.hint ? ` ${p.hint}` : ''}` }));
        return null;
      }
    },
    [refreshAccounts, notify],
  );

  const signOut = async (a: Account): Promise<void> => {
    try {
      await call('accounts.signOut', { cloud: a.cloud === 'public' || a.cloud === 'usgov' || a.cloud === 'china' ? a.cloud : { customFile: a.cloud }, account: a.username });
      signedInHere.current.delete(accountKey(a));
      await refreshAccounts();
      notify(`Signed out ${a.username}.`);
    } catch (e) {
      setAccountsError(errorPayloadOf(e).message);
    }
  };

  const cancelSignIn = useCallback(() => {
    void call('accounts.cancelSignIn', {}).catch(() => undefined);
  }, []);
  const closeSignIn = useCallback(() => setSignIn(null), []);
  const switchToDeviceCode = useCallback(() => {
    const request = signIn?.request;
    if (!request) return;
    // The main process runs one sign-in at a time: starting this one cancels the browser's.
    void doSignIn('device-code', request.cloud, request.tenant, request.loginHint, request.resource);
  }, [signIn, doSignIn]);
  const dismissBanner = useCallback((key: string) => setBanners((all) => all.filter((x) => x.key !== key)), []);

  return { accounts, accountsError, signIn, banners, doSignIn, switchToDeviceCode, signOut, cancelSignIn, closeSignIn, dismissBanner };
}
