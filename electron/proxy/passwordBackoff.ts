// Back-off after wrong local passwords, per source: an OS user where the proxy can see it (Linux),
// otherwise a client address (all loopback addresses are one source; IPv6: its /48 here, since a
// site is usually given a whole /48). Every SCRAM proof is checked as soon as it arrives — one
// client never waits behind another, and a correct one is answered at once. Only a WRONG proof's
// answer is held back: after the n-th wrong password in a row from a source, for BASE·2^(n−1) ms
// (0.5 s, 1 s, 2 s, 4 s, then 8 s). The connection keeps its place in its source's pre-auth pool
// for that whole delay even if the client hangs up (admission.ts, Ticket.holdUntil), so learning
// "wrong" early (no immediate success) buys nothing: a source gets at most its pool's size in
// checks per delay, and the delay keeps growing. Nothing is ever refused unchecked, so no source
// can lock another out by guessing — it can only make wrong answers slower.
// A correct password resets a source that is one OS user; an address (a NAT, or every local user
// on macOS and Windows) is not reset by one party's success — it is forgotten after
// BACKOFF_FORGET_MS without a wrong password.
import { isSharedSource, isLocalSource } from './admission.js';

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 8_000;
/** Failures older than this are forgotten. */
export const BACKOFF_FORGET_MS = 5 * 60_000;
/** Remote addresses remembered at most; beyond that new ones are refused at accept (local sources are always kept). */
export const BACKOFF_MAX_REMOTE_SOURCES = 10_000;

interface SourceState {
  failures: number;
  lastFailure: number;
}

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  forgetMs?: number;
  maxRemoteSources?: number;
  now?: () => number;
}

/** The back-off's key for a source: an IPv6 /64 is counted with its /48. */
export function backoffKeyOf(source: string): string {
  const v6 = /^([0-9a-f]+):([0-9a-f]+):([0-9a-f]+):[0-9a-f]+::\/64$/.exec(source);
  return v6 ? `${v6[1] as string}:${v6[2] as string}:${v6[3] as string}::/48` : source;
}

export class PasswordBackoff {
  // Kept in order of the last wrong password (re-inserted on each), so forgetting stale entries
  // only looks at the oldest ones: cheap enough to do at accept under a flood.
  private readonly sources = new Map<string, SourceState>();
  private remote = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly forgetMs: number;
  private readonly maxRemote: number;
  private readonly now: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? BACKOFF_BASE_MS;
    this.maxMs = opts.maxMs ?? BACKOFF_MAX_MS;
    this.forgetMs = opts.forgetMs ?? BACKOFF_FORGET_MS;
    this.maxRemote = opts.maxRemoteSources ?? BACKOFF_MAX_REMOTE_SOURCES;
    this.now = opts.now ?? Date.now;
  }

  /** The hold on the answer to the `failures`-th wrong password in a row. */
  delayFor(failures: number): number {
    return failures <= 0 ? 0 : Math.min(this.maxMs, this.baseMs * 2 ** Math.min(failures - 1, 30));
  }

  consecutiveFailures(source: string): number {
    this.forget();
    return this.sources.get(backoffKeyOf(source))?.failures ?? 0;
  }

  /**
   * Whether a client from this source may try a password: always for a local source (an OS user,
   * loopback, the Unix socket) and a remote one already remembered; a new remote address only
   * while fewer than the maximum are remembered — never a shared entry, which would let many
   * addresses slow the owner down or a correct password reset their count.
   */
  hasRoomFor(source: string): boolean {
    const key = backoffKeyOf(source);
    if (isLocalSource(key) || this.sources.has(key)) return true;
    this.forget();
    return this.remote < this.maxRemote;
  }

  /** A wrong password from `source`: returns how long to hold its answer. */
  failed(source: string): number {
    const key = backoffKeyOf(source);
    const t = this.now();
    this.forget();
    let s = this.sources.get(key);
    if (s)
      this.sources.delete(key); // re-inserted below: the map stays in order of last failure
    else {
      s = { failures: 0, lastFailure: t };
      if (!isLocalSource(key)) this.remote++;
    }
    s.failures++;
    s.lastFailure = t;
    this.sources.set(key, s);
    return this.delayFor(s.failures);
  }

  /** A correct password: a source that is one OS user starts over (answers already held stay held). */
  succeeded(source: string): void {
    const key = backoffKeyOf(source);
    // An address may be shared (NAT; every local user on macOS/Windows): one party's success must
    // not reset the count another one is running up.
    if (isSharedSource(key) || !this.sources.has(key)) return;
    this.sources.delete(key);
    if (!isLocalSource(key)) this.remote--;
  }

  /** Sources with state (tests: the map stays bounded). */
  get size(): number {
    return this.sources.size;
  }

  private forget(): void {
    const t = this.now();
    for (const [k, s] of this.sources) {
      if (t - s.lastFailure <= this.forgetMs) break; // the rest are newer
      this.sources.delete(k);
      if (!isLocalSource(k)) this.remote--;
    }
  }
}
