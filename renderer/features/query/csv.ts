// Copy/export formats for result cells. TSV for pasting into spreadsheets (tabs/newlines in
// values become spaces), RFC 4180 CSV for files. NULL is an empty field in both.
import type { Row } from '../../../shared/ipcSessions.js';

export function toTsv(header: readonly string[] | null, rows: readonly Row[]): string {
  const clean = (v: string | null): string => (v === null ? '' : v.replace(/[\t\r\n]+/g, ' '));
  const lines = rows.map((r) => r.map(clean).join('\t'));
  return (header ? [header.map((h) => clean(h)).join('\t'), ...lines] : lines).join('\n');
}

export function csvField(v: string | null): string {
  if (v === null) return '';
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(header: readonly string[] | null, rows: readonly Row[]): string {
  const lines = rows.map((r) => r.map(csvField).join(','));
  return (header ? [header.map(csvField).join(','), ...lines] : lines).join('\r\n') + '\r\n';
}
