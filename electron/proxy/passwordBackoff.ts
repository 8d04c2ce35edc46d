// Back-off after wrong local passwords, per source: an OS user where the proxy can see it (Linux),
// otherwise a client address (IPv6: its /64). Each SCRAM proof is checked as soon as it arrives —
// one client never waits behind another — and a correct one is answered at once. Only a WRONG
// proof's answer is held back: after the n-th wrong password in a row from a source, for
// BASE·2^(n−1) ms (0.5 s, 1 s, 2 s, 4 s, then 8 s). While MAX_PENDING such answers from a source
// are being held, that source gets no further check (its new connections are closed before any
// work). A held answer keeps its place for its whole delay even if the client hangs up, so
// learning "wrong" early (no immediate success) buys nothing: a source gets at most MAX_PENDING
// checks per back-off period, and its delay keeps growing. A correct password resets the source;
// so do BACKOFF_FORGET_MS without a wrong one.
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 8_000;
/** Failures older than this are forgotten. */
export const BACKOFF_FORGET_MS = 5 * 60_000;
/** Wrong answers a source may have held back at once. */
export const BACKOFF_MAX_PENDING = 2;
/** Sources remembered at most; beyond that, new ones share one entry (still bounded, never unlimited). */
const MAX_SOURCES = 10_000;
const OVERFLOW_KEY = '*';

interface SourceState {
  failures: number;
  lastFailure: number;
  /** When each held wrong answer goes out (its slot frees). */
  pendingUntil: number[];
}

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  forgetMs?: number;
  maxPending?: number;
  now?: () => number;
}

export class PasswordBackoff {
  private readonly sources = new Map<string, SourceState>();
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly forgetMs: number;
  readonly maxPending: number;
  private readonly now: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? BACKOFF_BASE_MS;
    this.maxMs = opts.maxMs ?? BACKOFF_MAX_MS;
    this.forgetMs = opts.forgetMs ?? BACKOFF_FORGET_MS;
    this.maxPending = opts.maxPending ?? BACKOFF_MAX_PENDING;
    this.now = opts.now ?? Date.now;
  }

  /** The hold on the answer to the `failures`-th wrong password in a row. */
  delayFor(failures: number): number {
    return failures <= 0 ? 0 : Math.min(this.maxMs, this.baseMs * 2 ** Math.min(failures - 1, 30));
  }

  consecutiveFailures(source: string): number {
    return this.state(source, false)?.failures ?? 0;
  }

  /** Wrong answers from this source still held back. */
  pending(source: string): number {
    return this.state(source, false)?.pendingUntil.length ?? 0;
  }

  /** Whether a password from this source may be checked now. */
  mayCheck(source: string): boolean {
    return this.pending(source) < this.maxPending;
  }

  /** Milliseconds until this source may be checked again (0: now). */
  retryAfterMs(source: string): number {
    const s = this.state(source, false);
    if (!s || s.pendingUntil.length < this.maxPending) return 0;
    return Math.max(0, Math.min(...s.pendingUntil) - this.now());
  }

  /** A wrong password from `source`: returns how long to hold its answer; the slot stays taken that long. */
  failed(source: string): number {
    const s = this.state(source, true) as SourceState;
    const t = this.now();
    s.failures++;
    s.lastFailure = t;
    const delay = this.delayFor(s.failures);
    s.pendingUntil.push(t + delay);
    return delay;
  }

  /** A correct password: the source starts over (answers already held stay held). */
  succeeded(source: string): void {
    const s = this.state(source, false);
    if (!s) return;
    s.failures = 0;
    if (s.pendingUntil.length === 0) this.sources.delete(this.keyOf(source));
  }

  /** Sources with state (tests: the map stays bounded). */
  get size(): number {
    return this.sources.size;
  }

  private keyOf(source: string): string {
    return this.sources.has(source) || this.sources.size < MAX_SOURCES ? source : OVERFLOW_KEY;
  }

  private state(source: string, create: boolean): SourceState | undefined {
    const t = this.now();
    if (create && !this.sources.has(source) && this.sources.size >= MAX_SOURCES) this.sweep(t);
    const key = this.keyOf(source);
    let s = this.sources.get(key);
    if (s) {
      s.pendingUntil = s.pendingUntil.filter((at) => at > t);
      if (s.failures > 0 && t - s.lastFailure > this.forgetMs) s.failures = 0;
      if (s.failures === 0 && s.pendingUntil.length === 0 && !create) {
        this.sources.delete(key);
        return undefined;
      }
    } else if (create) {
      s = { failures: 0, lastFailure: t, pendingUntil: [] };
      this.sources.set(key, s);
    }
    return s;
  }

  private sweep(t: number): void {
    for (const [k, s] of this.sources) {
      if (s.pendingUntil.every((at) => at <= t) && t - s.lastFailure > this.forgetMs) this.sources.delete(k);
    }
  }
}
