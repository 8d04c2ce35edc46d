// shared/csv.ts, the one CSV rule: NULL is an unquoted empty field, '' is "", a field is quoted
// for ", comma, CR, LF or an exact \. (not for leading/trailing whitespace). And the app's CSV
// (renderer toCsv, CRLF) and `pgentra query --csv` (CsvWriter, LF) give the same fields for the
// same rows: both read back, by a COPY … CSV-style reader, to exactly those rows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvField, csvRecord, csvText, type CsvCell } from '../../../shared/csv.js';
import type { Column, Row } from '../../../shared/ipcSessions.js';
import { toCsv } from '../../../renderer/features/query/csv.js';
import { CsvWriter } from '../../../electron/cli/output/csv.js';

/**
 * An RFC 4180 reader with COPY … CSV's NULL rule (an unquoted empty field is NULL, "" is the empty
 * string), strict: a quote inside an unquoted field or a stray character after a closing quote throws.
 */
function parseCsv(text: string, lineEnd: '\r\n' | '\n'): CsvCell[][] {
  const records: CsvCell[][] = [];
  let i = 0;
  while (i < text.length) {
    const record: CsvCell[] = [];
    for (;;) {
      let field: CsvCell;
      if (text[i] === '"') {
        let value = '';
        i++;
        for (;;) {
          if (i >= text.length) throw new Error('unterminated quoted field');
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          value += text[i++];
        }
        field = value;
      } else {
        let end = i;
        while (end < text.length && text[end] !== ',' && !text.startsWith(lineEnd, end)) {
          if (text[end] === '"') throw new Error(`quote inside an unquoted field at ${end}`);
          end++;
        }
        field = end === i ? null : text.slice(i, end);
        i = end;
      }
      record.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text.startsWith(lineEnd, i)) {
        i += lineEnd.length;
        break;
      }
      throw new Error(`expected a comma or the line end at ${i}`);
    }
    records.push(record);
  }
  return records;
}

const column = (name: string): Column => ({ name, typeOid: 25, typeName: 'text' });

/** What `pgentra query --csv` prints for one statement whose rows arrive in `pages`. */
function cliCsv(header: string[], pages: Row[][]): string {
  const w = new CsvWriter(() => false);
  const [first = [], ...rest] = pages;
  let out = w.begin(header.map(column), first);
  for (const p of rest) out += w.rows(p);
  return out + w.end();
}

describe('csvField: the one field rule', () => {
  it('NULL is an unquoted empty field, an empty string is ""', () => {
    expect(csvField(null)).toBe('');
    expect(csvField('')).toBe('""');
    expect(csvRecord([null, '', null])).toBe(',"",');
  });

  it('quotes a field holding a double quote (doubled), a comma, CR or LF', () => {
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('"')).toBe('""""');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('l1\nl2')).toBe('"l1\nl2"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField('crlf\r\n')).toBe('"crlf\r\n"');
  });

  it("quotes an exact \\. (COPY's end-of-data marker) but not text that merely contains it", () => {
    expect(csvField('\\.')).toBe('"\\."');
    expect(csvField('a\\.')).toBe('a\\.');
    expect(csvField('\\')).toBe('\\');
  });

  it('does not quote for leading/trailing whitespace (RFC 4180: spaces are part of the field), nor for tabs or semicolons', () => {
    expect(csvField(' padded ')).toBe(' padded ');
    expect(csvField('\tx')).toBe('\tx');
    expect(csvField(' ')).toBe(' ');
    expect(csvField('a;b')).toBe('a;b');
    expect(csvField('plain text')).toBe('plain text');
  });

  it('passes unicode through unchanged (no normalisation, no BOM)', () => {
    expect(csvField('Zürich – 東京 🐘')).toBe('Zürich – 東京 🐘');
    expect(csvField('e\u0301')).toBe('e\u0301');
    expect(csvField('“curly”, quotes')).toBe('"“curly”, quotes"');
    expect(csvText(['ä'], [['ö']], '\n').charCodeAt(0)).toBe('ä'.charCodeAt(0));
  });
});

describe('csvText: header and lines', () => {
  it("a header line (same quoting) then one line per row, every line ending with the caller's line end", () => {
    expect(
      csvText(
        ['id', 'name, full', 'say "x"'],
        [
          ['1', 'Ann', null],
          ['2', '', 'q"'],
        ],
        '\r\n',
      ),
    ).toBe('id,"name, full","say ""x"""\r\n1,Ann,\r\n2,"","q"""\r\n');
    expect(csvText(['a'], [['1']], '\n')).toBe('a\n1\n');
    expect(csvText(null, [['1', null]], '\n')).toBe('1,\n');
    expect(csvText(['a'], [], '\r\n')).toBe('a\r\n');
    expect(csvText(null, [], '\n')).toBe('');
  });

  it("a value's own line breaks stay inside its quotes, whatever the line end", () => {
    expect(csvText(['v'], [['x\r\ny']], '\n')).toBe('v\n"x\r\ny"\n');
    expect(parseCsv(csvText(['v'], [['x\r\ny'], ['z\n']], '\r\n'), '\r\n')).toEqual([['v'], ['x\r\ny'], ['z\n']]);
  });
});

describe("the app's CSV and pgentra query --csv agree", () => {
  const header = ['id', 'x,y', 'note'];
  const rows: Row[] = [
    ['1', null, ''],
    ['2', 'say "hi"', ' padded '],
    ['3', 'l1\nl2', '\\.'],
    ['4', 'Zürich 🐘', 'cr\r'],
  ];

  it('the same fields for the same rows; only the line end differs (CRLF for the app, LF for the CLI)', () => {
    const app = toCsv(header, rows);
    const cli = cliCsv(header, [rows.slice(0, 1), rows.slice(1, 3), [], rows.slice(3)]);
    const records = [csvRecord(header), ...rows.map(csvRecord)];
    expect(app).toBe(records.map((r) => `${r}\r\n`).join(''));
    expect(cli).toBe(records.map((r) => `${r}\n`).join(''));
    expect(parseCsv(app, '\r\n')).toEqual([header, ...rows]);
    expect(parseCsv(cli, '\n')).toEqual([header, ...rows]);
  });

  it("both read back to exactly the rows they were given, NULL and '' kept apart (property, fixed seed)", () => {
    // Cells drawn from the characters that matter (quote, comma, CR, LF, spaces, backslash, dot,
    // non-ASCII) plus arbitrary unicode; a row of one NULL cell is left out: as in COPY … CSV it
    // is an empty line, which a reader cannot tell from the end of the data.
    const char = fc.constantFrom('"', ',', '\r', '\n', ' ', '\t', '\\', '.', 'a', 'é', '🐘');
    const text = fc.oneof(fc.string({ unit: char, maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 6 }));
    const cell = fc.option(text, { nil: null, freq: 4 });
    const table = fc.integer({ min: 1, max: 4 }).chain((width) =>
      fc.record({
        header: fc.array(fc.string({ unit: char, minLength: 1, maxLength: 5 }), { minLength: width, maxLength: width }),
        rows: fc.array(fc.array(cell, { minLength: width, maxLength: width }), { maxLength: 6 }).filter((rs) => rs.every((r) => r.length > 1 || r[0] !== null)),
      }),
    );
    fc.assert(
      fc.property(table, ({ header, rows }) => {
        const app = toCsv(header, rows);
        const cli = cliCsv(header, [rows.slice(0, 2), rows.slice(2)]);
        expect(parseCsv(app, '\r\n')).toEqual([header, ...rows]);
        expect(parseCsv(cli, '\n')).toEqual([header, ...rows]);
        const records = [csvRecord(header), ...rows.map(csvRecord)];
        expect(app).toBe(records.map((r) => `${r}\r\n`).join(''));
        expect(cli).toBe(records.map((r) => `${r}\n`).join(''));
      }),
      { seed: 20_261_129, numRuns: 2_000 },
    );
  });
});
