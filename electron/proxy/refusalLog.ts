// Refusals in the proxy log without letting a flood write it: the first refusal of each kind from
// each source is logged in full; repeats are only counted and reported in one summary line per
// interval. A source that has been quiet for a whole interval is logged in full again next time.
// Without this, another user reopening idle connections wrote ~2,000 lines a second and rotated
// the owner's log history away.
import type { LogFields, Logger } from '../log/logger.js';

export const REFUSAL_SUMMARY_INTERVAL_MS = 60_000;
/** Sources logged in full per interval; more are only counted (a spread-out flood stays bounded too). */
const MAX_FULL_LINES = 50;
/** Sources remembered at once (those still refused carry over to the next interval). */
const MAX_SEEN = 200;
/** Sources named in one summary line; the rest are added up. */
const MAX_NAMED = 20;

export interface RefusalLogOptions {
  intervalMs?: number;
  /** Starts the interval timer (default setInterval, unref'd); returns how to stop it. */
  every?: (ms: number, fn: () => void) => () => void;
}

export class RefusalLog {
  /** reason+source → refusals not yet reported in a summary. */
  private counts = new Map<string, number>();
  /** Keys logged in full or counted in the current or the last interval. */
  private seen = new Set<string>();
  private fullThisInterval = 0;
  private unnamed = 0;
  private readonly intervalMs: number;
  private readonly stop: () => void;

  constructor(
    private readonly logger: Logger,
    opts: RefusalLogOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? REFUSAL_SUMMARY_INTERVAL_MS;
    const every =
      opts.every ??
      ((ms: number, fn: () => void) => {
        const t = setInterval(fn, ms);
        t.unref();
        return () => clearInterval(t);
      });
    this.stop = every(this.intervalMs, () => this.summarize());
  }

  /** One refusal: `message` says what (the log line's text; never a secret), `source` who (`uid:N` or an address). */
  note(message: string, source: string, fields: LogFields = {}): void {
    const key = `${source}: ${message}`;
    if (!this.seen.has(key)) {
      if (this.fullThisInterval < MAX_FULL_LINES && this.seen.size < MAX_SEEN) {
        this.fullThisInterval++;
        this.seen.add(key);
        this.logger.warn(message, {
          source,
          ...fields,
          note: `further refusals like this from ${source} are counted in one summary line every ${Math.round(this.intervalMs / 1000)} s`,
        });
        return;
      }
      this.unnamed++;
      return;
    }
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Writes the summary line for the refusals counted since the last one (none: no line). */
  summarize(): void {
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0) + this.unnamed;
    // Keys quiet for a whole interval are forgotten: their next refusal is logged in full again.
    this.seen = new Set(this.counts.keys());
    this.fullThisInterval = 0;
    if (total === 0) {
      this.counts.clear();
      return;
    }
    const top = [...this.counts.entries()].sort((a, b) => b[1] - a[1]);
    const named = Object.fromEntries(top.slice(0, MAX_NAMED));
    const rest = top.slice(MAX_NAMED).reduce((a, [, n]) => a + n, 0) + this.unnamed;
    this.logger.warn('proxy refusals since the last summary', { total, bySourceAndReason: named, ...(rest > 0 ? { others: rest } : {}), intervalS: Math.round(this.intervalMs / 1000) });
    this.counts = new Map();
    this.unnamed = 0;
  }

  /** At shutdown: the last summary, and no more timer. */
  close(): void {
    this.stop();
    this.summarize();
  }
}
