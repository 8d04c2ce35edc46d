// What `pgentra query` prints on stderr for the server: an error as one line with its SQLSTATE
// and line/column in the SQL (plus DETAIL / HINT lines), and notices as "NOTICE: …".
import type { ErrorPayload } from '../../../shared/errors.js';
import type { Notice } from '../../../shared/ipcSessions.js';

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** Line and column (1-based) of a 1-based character position in `sql`. */
export function lineAndColumn(sql: string, position: number): { line: number; column: number } {
  const before = sql.slice(0, Math.max(0, position - 1));
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: before.length - lastBreak };
}

/** `ERROR: message (SQLSTATE x, line l, column c)` plus DETAIL / HINT lines. */
export function formatServerError(e: ErrorPayload, sql: string, position: number | undefined): string {
  const d = e.details ?? {};
  const facts: string[] = [];
  if (typeof d.sqlstate === 'string') facts.push(`SQLSTATE ${d.sqlstate}`);
  if (position !== undefined) {
    const { line, column } = lineAndColumn(sql, position);
    facts.push(`line ${line}, column ${column}`);
  }
  let out = `ERROR: ${oneLine(e.message)}${facts.length ? ` (${facts.join(', ')})` : ''}\n`;
  if (typeof d.detail === 'string') out += `DETAIL: ${oneLine(d.detail)}\n`;
  if (e.hint) out += `HINT: ${oneLine(e.hint)}\n`;
  return out;
}

export function formatNotices(notices: Notice[]): string {
  return notices.map((n) => `${n.severity}: ${oneLine(n.message)}\n${n.detail ? `DETAIL: ${oneLine(n.detail)}\n` : ''}${n.hint ? `HINT: ${oneLine(n.hint)}\n` : ''}`).join('');
}
