// The per-session status bar: account, current_user, server, TLS and the token's remaining time,
// with the automatic refresh visible ("token renews in 4 min", "token renewed").
import type { ReactNode } from 'react';
import type { SessionInfo } from '../../../shared/ipcSessions.js';
import { formatDuration, useNow } from '../../ui/time.js';

/** The broker renews ~2.5 min before expiry (120 s margin + 30 s); mirrors electron/auth/tokenBroker.ts. */
const RENEW_BEFORE_MS = 150_000;

export function tokenRenewalText(expiresOn: string | null, now: number): string {
  if (!expiresOn) return 'token: unknown';
  const left = Date.parse(expiresOn) - now;
  if (left > RENEW_BEFORE_MS) return `token renews in ${formatDuration(left - RENEW_BEFORE_MS)}`;
  if (left > 0) return `token valid ${formatDuration(left)} · renews on next use`;
  // Short: the status bar has little room. The session stays open; Azure checks tokens only at login.
  return 'token expired · renews on reconnect';
}

export function StatusBar({ info, renewedAt }: { info: SessionInfo; renewedAt: number | null }): ReactNode {
  const now = useNow();
  const justRenewed = renewedAt !== null && now - renewedAt < 8000;
  return (
    <section className="statusbar" aria-label="Session status" data-testid="status-bar">
      <span className="item">
        <span className={`dot ${info.state}`} aria-hidden="true" />
        <strong>{info.state}</strong>
      </span>
      <span className="item" title="Entra account whose token this session used">
        account <strong>{info.account ?? '—'}</strong>
      </span>
      <span className="item" title="current_user">
        user <strong data-testid="current-user">{info.currentUser ?? '—'}</strong>
      </span>
      <span className="item">
        {info.host}:{info.port}/{info.database}
      </span>
      <span className="item" title={info.tls?.cipher ?? ''}>
        TLS <strong>{info.tls?.protocol ?? 'none'}</strong> ({info.sslmode})
      </span>
      <span className="spacer" />
      {justRenewed ? <span className="badge ok">token renewed</span> : null}
      <span className="item" data-testid="token-status">
        {tokenRenewalText(info.tokenExpiresOn, now)}
      </span>
    </section>
  );
}
