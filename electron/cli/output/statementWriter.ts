// The shape of `pgentra query`'s output writers: one writer per statement, fed the statement's
// columns and its rows page by page as they arrive, returning the text to print for each step.
// The writers: table.ts (default, psql-like), csv.ts (--csv), jsonLines.ts (--json).
import type { ErrorPayload } from '../../../shared/errors.js';
import type { Column, Row } from '../../../shared/ipcSessions.js';

export type OutputFormat = 'table' | 'csv' | 'json';

/** Writes one statement's output; each method returns the text to print (possibly ''). */
export interface StatementWriter {
  /** The columns and the first page of rows (for the table: they size the columns). */
  begin(columns: Column[], firstRows: Row[]): string;
  rows(rows: Row[]): string;
  end(command: string | null, rowCount: number | null): string;
  /** The statement failed (before or after begin). */
  fail(error: ErrorPayload, position: number | undefined): string;
}
