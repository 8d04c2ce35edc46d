// The rows of one statement result on the renderer side: the first page from the query, more
// pages pulled from the session on demand (one fetch at a time). Kept outside React state so a
// million rows are appended without copying; subscribers get a version number to re-render.
import type { Column, Row, StatementResult } from '../../../shared/ipcSessions.js';

export type FetchPage = (count: number) => Promise<{ rows: Row[]; hasMore: boolean; rowCount: number | null }>;

export class ResultBuffer {
  readonly columns: Column[];
  readonly rows: Row[];
  hasMore: boolean;
  rowCount: number | null;
  fetching = false;
  error: string | undefined;
  version = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    statement: Pick<StatementResult, 'columns' | 'rows' | 'hasMore' | 'rowCount'>,
    private readonly fetchPage: FetchPage | undefined,
    readonly pageSize = 1000,
  ) {
    this.columns = statement.columns;
    this.rows = statement.rows.slice();
    this.hasMore = statement.hasMore && fetchPage !== undefined;
    this.rowCount = statement.rowCount;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fetches the next page unless one is in flight or nothing is left. */
  async more(count = this.pageSize): Promise<void> {
    if (!this.hasMore || this.fetching || !this.fetchPage) return;
    this.fetching = true;
    this.changed();
    try {
      const page = await this.fetchPage(count);
      for (const r of page.rows) this.rows.push(r);
      this.hasMore = page.hasMore;
      if (page.rowCount !== null) this.rowCount = page.rowCount;
    } catch (e) {
      this.hasMore = false;
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.fetching = false;
      this.changed();
    }
  }

  /** Fetches everything that is left (export). `onProgress` gets the loaded row count. */
  async all(onProgress?: (loaded: number) => void): Promise<void> {
    while (this.hasMore) {
      if (this.fetching) await new Promise((r) => setTimeout(r, 20));
      else await this.more(5000);
      onProgress?.(this.rows.length);
    }
  }

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }
}
