// The renderer's rows of one statement result: the first page from the query, later pages pulled
// one fetch at a time (more), everything left for an export (all), and a version bump plus a
// listener call around every fetch so the grid re-renders.
import { describe, expect, it, vi } from 'vitest';
import type { Column, Row } from '../../../shared/ipcSessions.js';
import { ResultBuffer, type FetchPage } from '../../../renderer/features/query/resultBuffer.js';

const COLUMNS: Column[] = [{ name: 'g', typeOid: 23, typeName: 'int4' }];
const rows = (from: number, to: number): Row[] => Array.from({ length: to - from + 1 }, (_, i) => [String(from + i)]);
const first = (over: { rows?: Row[]; hasMore?: boolean; rowCount?: number | null } = {}) => ({
  columns: COLUMNS,
  rows: over.rows ?? rows(1, 3),
  hasMore: over.hasMore ?? true,
  rowCount: over.rowCount === undefined ? null : over.rowCount,
});

/** A server-side cursor over `total` rows whose first `served` were already sent with the query. */
function cursor(total: number, served: number, rowCountAtEnd = true): { fetch: FetchPage; counts: number[] } {
  let next = served + 1;
  const counts: number[] = [];
  const fetch: FetchPage = async (count) => {
    counts.push(count);
    const last = Math.min(total, next + count - 1);
    const page = last >= next ? rows(next, last) : [];
    next = last + 1;
    const hasMore = next <= total;
    return { rows: page, hasMore, rowCount: !hasMore && rowCountAtEnd ? total : null };
  };
  return { fetch, counts };
}

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ResultBuffer: the first page', () => {
  it('keeps the columns, a copy of the rows, hasMore and the row count', () => {
    const statement = first({ rowCount: null });
    const b = new ResultBuffer(statement, cursor(10, 3).fetch);
    expect(b.columns).toBe(COLUMNS);
    expect(b.rows).toEqual(rows(1, 3));
    expect(b.hasMore).toBe(true);
    expect(b.rowCount).toBeNull();
    expect(b.fetching).toBe(false);
    expect(b.error).toBeUndefined();
    expect(b.version).toBe(0);
    expect(b.pageSize).toBe(1000);
    // Appending later must not write into the statement object React holds.
    expect(b.rows).not.toBe(statement.rows);
  });

  it('without a way to fetch, there is never more, whatever the statement said', async () => {
    const b = new ResultBuffer(first({ hasMore: true }), undefined);
    expect(b.hasMore).toBe(false);
    await b.more();
    await b.all();
    expect(b.rows).toHaveLength(3);
    expect(b.version).toBe(0);
  });

  it('a complete result (hasMore false) never calls fetchPage', async () => {
    const fetch = vi.fn<FetchPage>();
    const b = new ResultBuffer(first({ hasMore: false, rowCount: 3 }), fetch);
    await b.more();
    await b.all();
    expect(fetch).not.toHaveBeenCalled();
    expect(b.version).toBe(0);
    expect(b.rowCount).toBe(3);
  });
});

describe('ResultBuffer.more', () => {
  it('fetches one page of pageSize rows (or the count given) and appends it', async () => {
    const { fetch, counts } = cursor(10, 3);
    const b = new ResultBuffer(first(), fetch, 4);
    await b.more();
    expect(counts).toEqual([4]);
    expect(b.rows).toEqual(rows(1, 7));
    expect(b.hasMore).toBe(true);
    await b.more(2);
    expect(counts).toEqual([4, 2]);
    expect(b.rows).toEqual(rows(1, 9));
  });

  it('the last page ends it: hasMore false, the row count set, and further calls do nothing', async () => {
    const { fetch, counts } = cursor(5, 3);
    const b = new ResultBuffer(first(), fetch, 100);
    await b.more();
    expect(b.rows).toEqual(rows(1, 5));
    expect(b.hasMore).toBe(false);
    expect(b.rowCount).toBe(5);
    await b.more();
    expect(counts).toEqual([100]);
  });

  it('a page without a row count keeps the one already known', async () => {
    const fetch: FetchPage = async () => ({ rows: [['4']], hasMore: true, rowCount: null });
    const b = new ResultBuffer(first({ rowCount: 42 }), fetch);
    await b.more();
    expect(b.rowCount).toBe(42);
  });

  it('one fetch at a time: a call while a page is in flight neither fetches nor waits', async () => {
    const page = deferred<Awaited<ReturnType<FetchPage>>>();
    const fetch = vi.fn<FetchPage>(() => page.promise);
    const b = new ResultBuffer(first(), fetch);
    const running = b.more();
    expect(b.fetching).toBe(true);
    await b.more(); // returns at once although the first is still pending
    expect(fetch).toHaveBeenCalledTimes(1);
    page.resolve({ rows: rows(4, 5), hasMore: true, rowCount: null });
    await running;
    expect(b.fetching).toBe(false);
    expect(b.rows).toEqual(rows(1, 5));
    await b.more();
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('bumps the version and tells every listener when a fetch starts and when it ends', async () => {
    const page = deferred<Awaited<ReturnType<FetchPage>>>();
    const b = new ResultBuffer(first(), () => page.promise);
    const seen: Array<{ version: number; fetching: boolean; rows: number }> = [];
    const other = vi.fn();
    b.subscribe(() => seen.push({ version: b.version, fetching: b.fetching, rows: b.rows.length }));
    b.subscribe(other);
    const running = b.more();
    expect(seen).toEqual([{ version: 1, fetching: true, rows: 3 }]);
    page.resolve({ rows: rows(4, 4), hasMore: false, rowCount: 4 });
    await running;
    expect(seen).toEqual([
      { version: 1, fetching: true, rows: 3 },
      { version: 2, fetching: false, rows: 4 },
    ]);
    expect(other).toHaveBeenCalledTimes(2);
  });

  it('an unsubscribed listener is not called again', async () => {
    const b = new ResultBuffer(first(), cursor(100, 3).fetch, 10);
    const listener = vi.fn();
    const unsubscribe = b.subscribe(listener);
    await b.more();
    expect(listener).toHaveBeenCalledTimes(2);
    unsubscribe();
    await b.more();
    expect(listener).toHaveBeenCalledTimes(2);
    expect(b.version).toBe(4);
  });

  it('a failed fetch keeps the rows so far, records the message and stops asking for more', async () => {
    const fetch = vi.fn<FetchPage>(async () => {
      throw new Error('connection lost');
    });
    const b = new ResultBuffer(first(), fetch);
    const listener = vi.fn();
    b.subscribe(listener);
    await expect(b.more()).resolves.toBeUndefined();
    expect(b.error).toBe('connection lost');
    expect(b.hasMore).toBe(false);
    expect(b.fetching).toBe(false);
    expect(b.rows).toEqual(rows(1, 3));
    expect(listener).toHaveBeenCalledTimes(2);
    await b.more();
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('a rejection that is not an Error is recorded as text', async () => {
    const b = new ResultBuffer(first(), () => Promise.reject('session closed'));
    await b.more();
    expect(b.error).toBe('session closed');
  });
});

describe('ResultBuffer.all', () => {
  it('fetches everything left in pages of 5,000 and reports the loaded count after each', async () => {
    const { fetch, counts } = cursor(12_345, 1_000);
    const b = new ResultBuffer(first({ rows: rows(1, 1_000) }), fetch);
    const progress: number[] = [];
    await b.all((n) => progress.push(n));
    expect(counts).toEqual([5000, 5000, 5000]);
    expect(progress).toEqual([6_000, 11_000, 12_345]);
    expect(b.rows).toHaveLength(12_345);
    expect(b.rows.at(-1)).toEqual(['12345']);
    expect(b.hasMore).toBe(false);
    expect(b.rowCount).toBe(12_345);
  });

  it('does not report progress when nothing is left', async () => {
    const progress = vi.fn();
    await new ResultBuffer(first({ hasMore: false }), cursor(3, 3).fetch).all(progress);
    expect(progress).not.toHaveBeenCalled();
  });

  it('ends (does not loop) when a fetch fails half-way', async () => {
    let calls = 0;
    const fetch: FetchPage = async () => {
      calls++;
      if (calls === 2) throw new Error('canceling statement due to user request');
      return { rows: rows(1, 10), hasMore: true, rowCount: null };
    };
    const b = new ResultBuffer(first(), fetch);
    await b.all();
    expect(calls).toBe(2);
    expect(b.rows).toHaveLength(13);
    expect(b.error).toBe('canceling statement due to user request');
  });

  it('waits for a page already in flight instead of fetching alongside it, then fetches the rest', async () => {
    const page = deferred<Awaited<ReturnType<FetchPage>>>();
    const counts: number[] = [];
    let call = 0;
    const fetch: FetchPage = (count) => {
      counts.push(count);
      call++;
      if (call === 1) return page.promise;
      return Promise.resolve({ rows: rows(6, 8), hasMore: false, rowCount: 8 });
    };
    const b = new ResultBuffer(first(), fetch);
    const scrolling = b.more(); // the grid asked for the next page
    const exporting = b.all();
    await new Promise((r) => setTimeout(r, 60)); // all() is polling, not fetching
    expect(counts).toEqual([1000]);
    page.resolve({ rows: rows(4, 5), hasMore: true, rowCount: null });
    await Promise.all([scrolling, exporting]);
    expect(counts).toEqual([1000, 5000]);
    expect(b.rows).toEqual(rows(1, 8));
    expect(b.rowCount).toBe(8);
  });
});
