// CSV fields and lines: the one writer behind the app's CSV export/copy and `pgentra query --csv`,
// so both give the same fields for the same rows. Pure (no Node): the renderer loads it too.
//
// The rule, per field (a cell is PostgreSQL's text form of a value, or null):
//   - NULL is an empty field, unquoted:                     null      →  (nothing)
//   - an empty string is a quoted empty field:              ''        →  ""
//     so NULL and '' stay distinct, as PostgreSQL's COPY … (FORMAT csv) writes them (and reads
//     them back: an unquoted empty field is NULL, "" is the empty string).
//   - a field is quoted when it contains a double quote, a comma, CR or LF; inside the quotes a
//     double quote is doubled (RFC 4180 §2.5–2.7):       say "hi"  →  "say ""hi"""
//   - a field that is exactly \. is quoted: alone on a line it is COPY's end-of-data marker, and
//     `\copy … from` would stop reading there (psql --csv quotes it too).
//   - anything else is written as it is, including leading/trailing spaces and tabs: RFC 4180 §2.4
//     says spaces are part of a field, and COPY … CSV and psql --csv do not quote them either, so
//     quoting them would only make our output differ from PostgreSQL's for no reader's benefit.
//     Unicode passes through unchanged (no BOM, no normalisation).
// Column names (a header) follow the same rule; they are never null.
//
// Line ends are the caller's choice (`lineEnd`): the app's export uses CRLF (RFC 4180 §2.1), the
// CLI LF (as its --help says, like psql and COPY on Unix). Every line, the last one included,
// ends with it.

/** A cell: PostgreSQL's text form of a value, or null. */
export type CsvCell = string | null;
export type CsvLineEnd = '\r\n' | '\n';

const NEEDS_QUOTES = /[",\r\n]/;

/** One field, quoted when needed (the rule above). */
export function csvField(value: CsvCell): string {
  if (value === null) return '';
  if (value === '' || value === '\\.' || NEEDS_QUOTES.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

/** One record: its fields joined by commas, without a line end. */
export function csvRecord(cells: readonly CsvCell[]): string {
  return cells.map(csvField).join(',');
}

/** A header line (when `header` is not null) then one line per row, each ending with `lineEnd`; '' when there are no lines. */
export function csvText(header: readonly string[] | null, rows: readonly (readonly CsvCell[])[], lineEnd: CsvLineEnd): string {
  let out = header ? csvRecord(header) + lineEnd : '';
  for (const row of rows) out += csvRecord(row) + lineEnd;
  return out;
}
