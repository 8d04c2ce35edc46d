// Copy/export formats for result cells. TSV for pasting into spreadsheets (tabs/newlines in
// values become spaces; NULL is an empty field), CSV for files and the clipboard: the fields
// follow shared/csv.ts, the one CSV rule the CLI's `pgentra query --csv` uses too (NULL is an
// empty field, an empty string is ""), with CRLF line ends (RFC 4180).
import { csvText } from '../../../shared/csv.js';
import type { Row } from '../../../shared/ipcSessions.js';

export function toTsv(header: readonly string[] | null, rows: readonly Row[]): string {
  const clean = (v: string | null): string => (v === null ? '' : v.replace(/[\t\r\n]+/g, ' '));
  const lines = rows.map((r) => r.map(clean).join('\t'));
  return (header ? [header.map((h) => clean(h)).join('\t'), ...lines] : lines).join('\n');
}

/** RFC 4180 CSV: a header line when `header` is given, then the rows; every line ends with CRLF. */
export function toCsv(header: readonly string[] | null, rows: readonly Row[]): string {
  return csvText(header, rows, '\r\n');
}
