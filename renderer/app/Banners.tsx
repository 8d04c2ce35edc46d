// The banners above the tabs: "sign in again" (the main process asked for it) and one per session
// that lost its connection. Open sessions keep running while a banner shows.
import type { ReactNode } from 'react';
import type { SignInBanner } from './useAccounts.js';
import type { SessionTab } from './useSessions.js';

export interface BannersProps {
  banners: SignInBanner[];
  attentionTabs: SessionTab[];
  onSignIn: (banner: SignInBanner) => void;
  onDismiss: (key: string) => void;
  onSessionSignIn: (tab: SessionTab) => void;
}

export function Banners({ banners, attentionTabs, onSignIn, onDismiss, onSessionSignIn }: BannersProps): ReactNode {
  return (
    <div className="banner-stack">
      {banners.map((b) => (
        <div key={b.key} className="banner" role="status" data-testid="sign-in-banner">
          <span>
            <strong>Sign in again{b.account ? ` as ${b.account}` : ''}.</strong> {b.message} Open sessions keep running.
          </span>
          <span className="spacer" />
          <button type="button" className="small primary" onClick={() => onSignIn(b)}>
            Sign in
          </button>
          <button type="button" className="small" onClick={() => onDismiss(b.key)}>
            Dismiss
          </button>
        </div>
      ))}
      {attentionTabs.map((t) => (
        <div key={t.id} className={`banner${t.info?.state === 'disconnected' ? ' error' : ''}`} role="status" data-testid="session-banner">
          <span>
            <strong>{t.title}:</strong>{' '}
            {t.info?.state === 'reconnecting'
              ? `connection lost — reconnecting${t.attempt.error ? ` (${t.attempt.error.message})` : ''}…`
              : t.info?.state === 'sign-in-required'
                ? `needs you to sign in again to reconnect${t.attempt.error ? `: ${t.attempt.error.message}` : ''}.`
                : 'disconnected.'}
          </span>
          <span className="spacer" />
          {t.info?.state === 'sign-in-required' ? (
            <button type="button" className="small primary" onClick={() => onSessionSignIn(t)}>
              Sign in
            </button>
          ) : null}
        </div>
      ))}
    </div>
  );
}
