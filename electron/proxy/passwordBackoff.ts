// Back-off after wrong local passwords, for the whole proxy (on loopback every client has the same
// address, so a per-address count would be a global one anyway). After the n-th failure in a row
// each further check waits BASE·2^(n−1) ms (capped), and checks are spaced one after another, so
// opening many connections at once does not multiply the guessing rate. A correct password
// resets it; so does a quiet period.
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 8_000;
/** Failures older than this are forgotten. */
export const BACKOFF_FORGET_MS = 5 * 60_000;

export class PasswordBackoff {
  private failures = 0;
  private lastFailure = 0;
  /** When the next check may run. */
  private nextAt = 0;

  constructor(
    private readonly baseMs = BACKOFF_BASE_MS,
    private readonly maxMs = BACKOFF_MAX_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The pause after `failures` failures in a row. */
  delayFor(failures: number): number {
    return failures <= 0 ? 0 : Math.min(this.maxMs, this.baseMs * 2 ** Math.min(failures - 1, 30));
  }

  get consecutiveFailures(): number {
    this.forgetOld();
    return this.failures;
  }

  /** How long the caller must wait before checking a password; reserves its slot. */
  reserve(): number {
    this.forgetOld();
    if (this.failures === 0) return 0;
    const t = this.now();
    const at = Math.max(t, this.nextAt);
    this.nextAt = at + this.delayFor(this.failures);
    return at - t;
  }

  failed(): void {
    this.forgetOld();
    this.failures++;
    this.lastFailure = this.now();
    this.nextAt = Math.max(this.nextAt, this.lastFailure + this.delayFor(this.failures));
  }

  succeeded(): void {
    this.failures = 0;
    this.nextAt = 0;
  }

  private forgetOld(): void {
    if (this.failures > 0 && this.now() - this.lastFailure > BACKOFF_FORGET_MS) this.succeeded();
  }
}
