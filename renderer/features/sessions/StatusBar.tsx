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

/** When an ending PIM activation gets a warning: new logins (reconnects, other clients) fail after it. */
const PIM_WARN_MS = 10 * 60_000;

/** The PIM activation's end, as the status bar shows it; `warn` when it is near or past. */
export function pimEndText(endsAt: string | null, now: number): { text: string; warn: boolean } | null {
  if (!endsAt) return null;
  const left = Date.parse(endsAt) - now;
  if (Number.isNaN(left)) return null;
  if (left <= 0) return { text: 'PIM membership ended · new logins are refused (this session goes on)', warn: true };
  return { text: `PIM membership ends in ${formatDuration(left)}`, warn: left < PIM_WARN_MS };
}

/**
 * What a screen reader is told about the PIM end: once when the warning starts and once when it
 * has ended. It names the end time, never the countdown, so it changes only at those moments (a
 * live region says its text again on every change: a ticking one would talk every second).
 */
export function pimAnnouncement(endsAt: string | null, now: number): string {
  const pim = pimEndText(endsAt, now);
  if (!endsAt || !pim?.warn) return '';
  return Date.parse(endsAt) <= now
    ? 'The PIM membership ended: new logins are refused. This session goes on.'
    : `The PIM membership ends at ${new Date(endsAt).toLocaleTimeString()}: new logins are refused after it.`;
}

export function StatusBar({ info, renewedAt, pimEndsAt = null }: { info: SessionInfo; renewedAt: number | null; pimEndsAt?: string | null }): ReactNode {
  const now = useNow();
  const justRenewed = renewedAt !== null && now - renewedAt < 8000;
  const pim = pimEndText(pimEndsAt, now);
  const announcement = pimAnnouncement(pimEndsAt, now);
  return (
    <section className="statusbar" aria-label="Session status" data-testid="status-bar">
      <span className="item">
        <span className={`dot ${info.state}`} aria-hidden="true" />
        <strong>{info.state}</strong>
      </span>
      <span className="item shrink" title={`Entra account whose token this session used: ${info.account ?? '—'}`}>
        account <strong>{info.account ?? '—'}</strong>
      </span>
      <span className="item" title="current_user">
        user <strong data-testid="current-user">{info.currentUser ?? '—'}</strong>
      </span>
      <span className="item shrink" title={`${info.host}:${info.port}/${info.database}`}>
        {info.host}:{info.port}/{info.database}
      </span>
      <span className="item" title={info.tls?.cipher ?? ''}>
        TLS <strong>{info.tls?.protocol ?? 'none'}</strong> ({info.sslmode})
      </span>
      <span className="spacer" />
      {pim ? (
        <span className={pim.warn ? 'badge warn' : 'item'} data-testid="pim-status" title={pimEndsAt ? `until ${new Date(pimEndsAt).toLocaleString()}` : undefined}>
          {pim.text}
        </span>
      ) : null}
      {/* Always there, so the change is announced; empty until the warning starts. */}
      <span className="visually-hidden" role="alert" data-testid="pim-announcement">
        {announcement}
      </span>
      {justRenewed ? <span className="badge ok">token renewed</span> : null}
      <span className="item" data-testid="token-status">
        {tokenRenewalText(info.tokenExpiresOn, now)}
      </span>
    </section>
  );
}
