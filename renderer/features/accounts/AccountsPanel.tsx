// Signed-in accounts: who, which tenant, and the remaining lifetime of the newest token pgEntra
// holds for each (Account.tokenExpiresOn); sign in another account (browser or device code) and
// sign out.
import type { ReactNode } from 'react';
import type { Account } from '../../../shared/contract.js';
import { describeExpiry, useNow } from '../../ui/time.js';
import { ErrorAlert } from '../../ui/Alert.js';

export interface AccountsPanelProps {
  accounts: readonly Account[];
  onSignIn: (mode: 'interactive' | 'device-code') => void;
  onSignOut: (account: Account) => void;
  error?: string | null;
}

/** "Token 52 min left · renews automatically" / "Token expired 3 min ago · renewed on next use". */
export function tokenLifetimeText(expiresOn: string | null, now: number): string {
  if (!expiresOn) return 'No token yet · one is fetched when you connect';
  const left = Date.parse(expiresOn) - now;
  return left > 0 ? `Token ${describeExpiry(expiresOn, now)} · renews automatically` : `Token ${describeExpiry(expiresOn, now)} · renewed on next use`;
}

export function AccountsPanel({ accounts, onSignIn, onSignOut, error }: AccountsPanelProps): ReactNode {
  const now = useNow();
  return (
    <section className="card" aria-labelledby="accounts-title" data-testid="accounts-panel">
      <h2 id="accounts-title">Accounts</h2>
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      {accounts.length === 0 ? (
        <p className="muted">No account is signed in. Sign in with your secondary (admin) ID — the one that is a member of the server’s Entra admin group.</p>
      ) : (
        <ul className="account-list">
          {accounts.map((a) => {
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
                  <span className="faint" data-testid="token-lifetime">
                    {tokenLifetimeText(a.tokenExpiresOn, now)}
                  </span>
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
