// Long waits (an approver, the server seeing a membership) outlive one glitch: a 429, a 5xx, a
// network blip or a server restart is asked again after a backoff (as long as a Retry-After says,
// within a cap); only several failures in a row end the wait. Anything else ends it at once.
import { isPgEntraError } from '../../shared/errors.js';
import { GraphRequestError } from '../graph/graphClient.js';

export interface TransientRetryOptions {
  /** Failures in a row that end the wait (default 5). */
  attempts?: number;
  /** The first backoff, doubled each time (default 2 s). */
  baseMs?: number;
  /** The longest backoff, a Retry-After included (default 60 s). */
  maxMs?: number;
}

/** "Not now" rather than "no": Graph throttling or unavailable, the network, a restarting server. */
export function isTransient(e: unknown): boolean {
  if (e instanceof GraphRequestError) return e.status === 429 || e.status === 408 || (e.status >= 500 && e.status !== 501);
  return isPgEntraError(e) && (e.code === 'network_unavailable' || e.code === 'server_restarting' || e.code === 'server_unreachable');
}

export class TransientRetry {
  private failures = 0;
  private readonly attempts: number;
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(opts: TransientRetryOptions = {}) {
    this.attempts = opts.attempts ?? 5;
    this.baseMs = opts.baseMs ?? 2_000;
    this.maxMs = opts.maxMs ?? 60_000;
  }

  succeeded(): void {
    this.failures = 0;
  }

  /** How long to wait before asking again after `e`; rethrows `e` when it is not transient or one too many. */
  delayAfter(e: unknown): number {
    if (!isTransient(e) || ++this.failures >= this.attempts) throw e;
    const backoff = this.baseMs * 2 ** (this.failures - 1);
    const asked = e instanceof GraphRequestError ? (e.retryAfterMs ?? 0) : 0;
    return Math.min(this.maxMs, Math.max(backoff, asked));
  }
}
