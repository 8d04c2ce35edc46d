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
}

export type SignInMode = SignInState['mode'];

export interface Accounts {
  accounts: Account[];
  accountsError: string | null;
  /** The sign-in dialog's state, or null when it is closed. */
  signIn: SignInState | null;
  banners: SignInBanner[];
  /** Signs in (without a cloud the main process picks its default); the account, or null when it failed or was cancelled. */
  doSignIn: (mode: SignInMode, cloud: Profile['cloud'] | undefined, tenant?: string, loginHint?: string) => Promise<Account | null>;
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
      on('signIn.progress', (e) => setSignIn((s) => (s ? { ...s, stage: e.stage } : s))),
      on('signIn.deviceCode', (e) => setSignIn((s) => (s ? { ...s, deviceCode: e, stage: 'waiting-for-device-code' } : s))),
      on('auth.signInRequired', (e) => setBanners((b) => [...b.filter((x) => x.key !== (e.account ?? e.cloud)), { key: e.account ?? e.cloud, account: e.account, message: e.message, cloud: null }])),
    ];
    return () => offs.forEach((off) => off());
  }, [refreshAccounts, mergeAccounts]);

  const doSignIn = useCallback(
    async (mode: SignInMode, cloud: Profile['cloud'] | undefined, tenant?: string, loginHint?: string): Promise<Account | null> => {
      setSignIn({ mode, stage: 'starting' });
      try {
        // Without a cloud the main process picks its default (the configured cloud file, else public).
        const input = { ...(cloud ? { cloud } : {}), ...(tenant ? { tenant } : {}), ...(loginHint ? { loginHint } : {}) };
        const { account } = await call(mode === 'device-code' ? 'accounts.signInDeviceCode' : 'accounts.signIn', input);
        signedInHere.current.set(accountKey(account), account);
        setSignIn(null);
        setBanners((b) => b.filter((x) => x.account?.toLowerCase() !== account.username.toLowerCase()));
        await refreshAccounts();
        notify(`Signed in as ${account.username}.`);
        return account;
      } catch (e) {
        const p = errorPayloadOf(e);
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
  const dismissBanner = useCallback((key: string) => setBanners((all) => all.filter((x) => x.key !== key)), []);

  return { accounts, accountsError, signIn, banners, doSignIn, signOut, cancelSignIn, closeSignIn, dismissBanner };
}
