// Time helpers for token lifetimes and query timings: a ticking clock hook and short, human
// durations ("4 min", "38 s").
import { useEffect, useState } from 'react';

/** The current time, re-rendering every `intervalMs` (1 s default) while mounted. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** "expires in 4 min" / "expired 20 s ago" for an ISO expiry. */
export function describeExpiry(iso: string | null | undefined, now: number): string {
  if (!iso) return 'unknown';
  const left = Date.parse(iso) - now;
  return left >= 0 ? `${formatDuration(left)} left` : `expired ${formatDuration(-left)} ago`;
}
