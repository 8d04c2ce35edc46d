// Signed-in accounts: who, which tenant, and (for accounts a session uses) the token's remaining
// lifetime; sign in another account (browser or device code) and sign out.
import type { ReactNode } from 'react';
import type { Account } from '../../../shared/contract.js';
import { describeExpiry, useNow } from '../../ui/time.js';

export interface AccountsPanelProps {
  accounts: readonly Account[];
  /** Token expiry per account (lower-case UPN) from open sessions; the contract has no per-account expiry. */
  tokenExpiry: ReadonlyMap<string, string>;
  onSignIn: (mode: 'interactive' | 'device-code') => void;
  onSignOut: (account: Account) => void;
  error?: string | null;
}

export function AccountsPanel({ accounts, tokenExpiry, onSignIn, onSignOut, error }: AccountsPanelProps): ReactNode {
  const now = useNow();
  return (
    <section className="card" aria-labelledby="accounts-title" data-testid="accounts-panel">
      <h2 id="accounts-title">Accounts</h2>
      {error ? (
        <div className="alert error" role="alert">
          {error}
        </div>
      ) : null}
      {accounts.length === 0 ? (
        <p className="muted">No account is signed in. Sign in with your secondary (admin) ID — the one that is a member of the server’s Entra admin group.</p>
      ) : (
        <ul className="account-list">
          {accounts.map((a) => {
            const expiry = tokenExpiry.get(a.username.toLowerCase());
            return (
              <li key={`${a.cloud}|${a.homeAccountId}`} className="account" data-account={a.username}>
                <span className="avatar" aria-hidden="true">
                  {(a.name ?? a.username).charAt(0).toUpperCase()}
                </span>
                <span>
                  <span className="upn">{a.username}</span>
                  {a.name ? <span className="muted"> · {a.name}</span> : null}
                  <br />
                  <span className="tenant">tenant {a.tenantId}</span>
                  <br />
                  <span className="faint">{expiry ? `Token ${describeExpiry(expiry, now)} · renews automatically` : 'No token in use'}</span>
                </span>
                <button type="button" className="small" onClick={() => onSignOut(a)} aria-label={`Sign out ${a.username}`}>
                  Sign out
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <div className="row wrap" style={{ marginTop: 12 }}>
        <button type="button" className="primary" onClick={() => onSignIn('interactive')}>
          Sign in…
        </button>
        <button type="button" onClick={() => onSignIn('device-code')}>
          Sign in with a device code…
        </button>
      </div>
    </section>
  );
}
