// The per-session query history: one entry per query() call, newest last, at most
// `historyLimit` entries (the oldest go first). An entry is updated in place while its query runs
// and while its result stays open for fetchMore; readers get copies.
import { performance } from 'node:perf_hooks';
import type { HistoryEntry } from '../../shared/ipcSessions.js';

/** Characters of SQL kept per history entry and per statement of a result. */
export const STATEMENT_TEXT_LIMIT = 10_000;

export class QueryHistory {
  private readonly entries: HistoryEntry[] = [];

  constructor(private readonly tuning: { readonly historyLimit: number }) {}

  /** A new 'running' entry for the query (the SQL truncated to STATEMENT_TEXT_LIMIT). */
  add(queryId: string, sql: string): HistoryEntry {
    const entry: HistoryEntry = { queryId, sql: sql.slice(0, STATEMENT_TEXT_LIMIT), startedAt: new Date().toISOString(), elapsedMs: 0, status: 'running', rowCount: null };
    this.entries.push(entry);
    while (this.entries.length > this.tuning.historyLimit) this.entries.shift();
    return entry;
  }

  /**
   * Records how the query ended. `startedPerf` (performance.now() at its start) gives the exact
   * elapsed time; without it (ended later: fetchMore, cancel, close, a drop) the wall clock since
   * startedAt is used, never less than what was recorded already.
   */
  finish(entry: HistoryEntry, status: HistoryEntry['status'], rowCount: number | null, errorCode?: string, startedPerf?: number): void {
    entry.status = status;
    entry.rowCount = rowCount;
    if (startedPerf !== undefined) entry.elapsedMs = performance.now() - startedPerf;
    else entry.elapsedMs = Math.max(entry.elapsedMs, Date.now() - Date.parse(entry.startedAt));
    if (errorCode) entry.errorCode = errorCode;
  }

  /** Whether a query with this id was run in this session (and is still in the history). */
  has(queryId: string): boolean {
    return this.entries.some((h) => h.queryId === queryId);
  }

  /** Copies of the entries, oldest first. */
  list(): HistoryEntry[] {
    return this.entries.map((h) => ({ ...h }));
  }
}
