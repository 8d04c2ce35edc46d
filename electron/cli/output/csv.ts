// `pgentra query --csv`: per statement that returns rows, a header line then one line per row,
// LF line ends; result sets after the first start with an empty line. The fields follow
// shared/csv.ts, the rule the app's CSV export uses too (NULL empty, '' as "").
import { csvText } from '../../../shared/csv.js';
import type { Column, Row } from '../../../shared/ipcSessions.js';
import type { StatementWriter } from './statementWriter.js';

export class CsvWriter implements StatementWriter {
  private hasColumns = false;

  /** `separated`: another result set was printed before, so start with an empty line. */
  constructor(private readonly separated: () => boolean) {}

  begin(columns: Column[], firstRows: Row[]): string {
    this.hasColumns = columns.length > 0;
    if (!this.hasColumns) return '';
    return `${this.separated() ? '\n' : ''}${csvText(
      columns.map((c) => c.name),
      firstRows,
      '\n',
    )}`;
  }

  rows(rows: Row[]): string {
    if (!this.hasColumns) return '';
    return csvText(null, rows, '\n');
  }

  end(): string {
    return '';
  }

  fail(): string {
    return '';
  }
}
