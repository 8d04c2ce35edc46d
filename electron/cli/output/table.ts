// `pgentra query`'s default output: an aligned table like psql's, streamed (the first page of
// rows sizes the columns), with terminal control characters escaped.
import type { Column, Row } from '../../../shared/ipcSessions.js';
import type { StatementWriter } from './statementWriter.js';

const RIGHT_ALIGNED_OIDS = new Set([20, 21, 23, 26, 700, 701, 790, 1700]);

/**
 * What a human's terminal gets: control characters escaped (a value must not be able to move
 * the cursor or change the terminal's colours); newlines kept for multi-line cells.
 */
export function displayText(v: string | null): string {
  if (v === null) return '';
  // eslint-disable-next-line no-control-regex
  return v.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, (c) => (c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

export function commandTag(command: string | null, rowCount: number | null): string {
  if (!command) return '';
  if (rowCount === null) return command;
  if (command === 'INSERT') return `INSERT 0 ${rowCount}`;
  return /^(SELECT|UPDATE|DELETE|MERGE|MOVE|FETCH|COPY)$/.test(command) ? `${command} ${rowCount}` : command;
}

export class TableWriter implements StatementWriter {
  private widths: number[] = [];
  private right: boolean[] = [];
  private columns = 0;
  private count = 0;

  begin(columns: Column[], firstRows: Row[]): string {
    this.columns = columns.length;
    if (this.columns === 0) return '';
    const names = columns.map((c) => displayText(c.name).replace(/\n/g, '\\n'));
    this.right = columns.map((c) => RIGHT_ALIGNED_OIDS.has(c.typeOid));
    this.widths = names.map((n) => n.length);
    const cells = firstRows.map((r) => r.map((v) => displayText(v).split('\n')));
    for (const row of cells) row.forEach((lines, i) => (this.widths[i] = Math.max(this.widths[i] ?? 0, ...lines.map((l) => l.length))));
    const header = names
      .map((n, i) => {
        const w = this.widths[i] ?? 0;
        const left = Math.floor((w - n.length) / 2);
        const last = i === names.length - 1;
        return `${i > 0 ? '|' : ''} ${' '.repeat(left)}${n}${last ? '' : ' '.repeat(w - n.length - left + 1)}`;
      })
      .join('');
    const divider = this.widths.map((w) => '-'.repeat(w + 2)).join('+');
    return `${header}\n${divider}\n${this.renderRows(cells)}`;
  }

  rows(rows: Row[]): string {
    if (this.columns === 0) return '';
    return this.renderRows(rows.map((r) => r.map((v) => displayText(v).split('\n'))));
  }

  end(command: string | null, rowCount: number | null): string {
    if (this.columns === 0) return `${commandTag(command, rowCount)}\n`;
    const n = rowCount ?? this.count;
    return `(${n} ${n === 1 ? 'row' : 'rows'})\n\n`;
  }

  fail(): string {
    return ''; // every printed row already ends its line; the error goes to stderr
  }

  private renderRows(rows: string[][][]): string {
    let out = '';
    for (const cells of rows) {
      this.count++;
      const height = Math.max(1, ...cells.map((l) => l.length));
      for (let y = 0; y < height; y++) {
        let line = '';
        for (let i = 0; i < this.columns; i++) {
          const lines = cells[i] ?? [''];
          const text = lines[y] ?? '';
          const more = y < lines.length - 1;
          const last = i === this.columns - 1;
          const w = this.widths[i] ?? 0;
          const padded = this.right[i] ? text.padStart(w) : last && !more ? text : text.padEnd(w);
          line += `${i > 0 ? '|' : ''} ${padded}${more ? '+' : last ? '' : ' '}`;
        }
        out += `${line.trimEnd()}\n`; // trailing blanks of empty cells are noise
      }
    }
    return out;
  }
}
