// `pgentra query PROFILE -c SQL`: runs SQL through a database session and streams the results.
// Rows are fetched a page at a time (the session's fetchMore) and written as they arrive, with
// stdout backpressure honoured, so a million-row result never sits in memory.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PgEntraError, fromErrorPayload, toErrorPayload, type ErrorPayload } from '../../../shared/errors.js';
import type { Column, HistoryEntry, Notice, Row } from '../../../shared/ipcSessions.js';
import { splitSql, type SqlStatement } from '../../sessions/splitSql.js';
import { str, type CommandDefinition } from '../command.js';
import type { CliContext, OutputStream } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { openProfileSession, profileOperand, type ProfileSession } from '../profileSession.js';

/** Rows per page: the first page also sizes the table's columns. */
export const PAGE_ROWS = 1000;
/** After Ctrl+C, how long the server gets to honour the cancel request before the connection is dropped. */
const CANCEL_GRACE_MS = 5_000;

const HELP = `Usage: pgentra query PROFILE -c SQL [--csv | --json] [--fresh]
       pgentra query PROFILE -f FILE [--csv | --json] [--fresh]     (FILE - reads standard input)

Runs SQL on the profile's server as its user, with a fresh Microsoft Entra token, and prints the
results. Several statements separated by ";" run one after another on one connection, each on
its own (autocommit) unless you BEGIN … COMMIT — unlike psql -c, they are not one implicit
transaction. The first failing statement stops the rest. Rows are fetched ${PAGE_ROWS} at a time
and printed as they arrive: results of any size stream with bounded memory.

Options:
  -c, --command SQL   the SQL to run
  -f, --file FILE     read the SQL from FILE (- for standard input)
  --csv               CSV output (below); the best choice for large exports
  --json              JSON Lines output (below)
  --fresh             ask Entra for a new token instead of using a cached one: after activating
                      a group membership in Privileged Identity Management (PIM) or being added
                      to a group, a cached token predates the change and the server refuses it

Output on stdout:
  (default)  an aligned table like psql: header, rows, "(N rows)"; statements without rows
             print their command tag's verb and count (INSERT 0 3, UPDATE 2, CREATE).
             NULL shows as empty. Control characters in values show escaped (\\t, \\r,
             \\x1b); multi-line values continue on the next line with "+" at the column's
             end. A result longer than ${PAGE_ROWS} rows streams with the column widths of its
             first ${PAGE_ROWS} rows (a longer value widens only its own line).
  --csv      per statement that returns rows: a header line, then one line per row; the result
             sets of several statements are separated by an empty line; statements without
             rows print nothing. A field is quoted when it holds a comma, a double quote
             (doubled inside quotes), CR or LF. NULL is an empty field and an empty string is
             "" so they stay distinct (as psql --csv). Lines end with LF.
  --json     one JSON object per statement, one line each (JSON Lines), written as rows arrive:
               {"index":0,"columns":[{"name":"a","type":"integer","typeOid":23}],
                "rows":[["1"]],"rowCount":1,"command":"SELECT"}
             index counts statements from 0. Values are strings in PostgreSQL's text form
             (exact: numeric, bigint and timestamps are not converted) or null. Statements
             without rows have "columns":[] and "rows":[] (rowCount: rows affected, or null).
             A failing statement's object ends with "error": {"code","sqlstate","message",
             "hint","detail","position"} (rows already streamed stay in it), and the error is
             also printed on stderr as below.

Errors: a server error prints one line on stderr (plus DETAIL/HINT lines when the server gives
them) and the command exits 1:
  ERROR: division by zero (SQLSTATE 22012)
  ERROR: syntax error at or near "selec" (SQLSTATE 42601, line 1, column 1)
Notices (RAISE NOTICE, warnings) go to stderr as "NOTICE: …".
Ctrl+C cancels the running statement on the server and exits 130.

Examples:
  pgentra query prod -c "select current_user, now()"
  pgentra query prod -c "select * from orders" --csv > orders.csv
  pgentra query prod -f migrate.sql
  pgentra query prod -c "select id, name from customers" --json | jq -c '.rows[]'`;

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

// ------------------------------------------------------------------ table (psql-like)

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

// ------------------------------------------------------------------ CSV

/** RFC 4180 quoting as psql --csv does it: NULL is an empty field, '' is a quoted empty field. */
export function csvField(v: string | null): string {
  if (v === null) return '';
  if (v === '' || v === '\\.' || /[",\r\n]/.test(v)) return `"${v.replace(/"/g, '""')}"`;
  return v;
}

export class CsvWriter implements StatementWriter {
  private hasColumns = false;

  /** `separated`: another result set was printed before, so start with an empty line. */
  constructor(private readonly separated: () => boolean) {}

  begin(columns: Column[], firstRows: Row[]): string {
    this.hasColumns = columns.length > 0;
    if (!this.hasColumns) return '';
    return `${this.separated() ? '\n' : ''}${columns.map((c) => csvField(c.name)).join(',')}\n${this.rows(firstRows)}`;
  }

  rows(rows: Row[]): string {
    if (!this.hasColumns) return '';
    let out = '';
    for (const r of rows) out += `${r.map(csvField).join(',')}\n`;
    return out;
  }

  end(): string {
    return '';
  }

  fail(): string {
    return '';
  }
}

// ------------------------------------------------------------------ JSON Lines

export interface JsonError {
  code: string;
  sqlstate: string | null;
  message: string;
  hint?: string;
  detail?: string;
  /** 1-based character position in the whole SQL text. */
  position?: number;
}

export function jsonError(e: ErrorPayload, position: number | undefined): JsonError {
  const d = e.details ?? {};
  const detail = typeof d.detail === 'string' ? d.detail : undefined;
  return {
    code: e.code,
    sqlstate: typeof d.sqlstate === 'string' ? d.sqlstate : null,
    message: e.message,
    ...(e.hint ? { hint: e.hint } : {}),
    ...(detail ? { detail } : {}),
    ...(position !== undefined ? { position } : {}),
  };
}

export class JsonWriter implements StatementWriter {
  private begun = false;
  private anyRow = false;

  constructor(private readonly index: number) {}

  begin(columns: Column[], firstRows: Row[]): string {
    this.begun = true;
    const cols = columns.map((c) => ({ name: c.name, type: c.typeName, typeOid: c.typeOid }));
    return `{"index":${this.index},"columns":${JSON.stringify(cols)},"rows":[${this.rows(firstRows)}`;
  }

  rows(rows: Row[]): string {
    if (rows.length === 0) return '';
    const text = rows.map((r) => JSON.stringify(r)).join(',');
    const sep = this.anyRow ? ',' : '';
    this.anyRow = true;
    return sep + text;
  }

  end(command: string | null, rowCount: number | null): string {
    return `],"rowCount":${JSON.stringify(rowCount)},"command":${JSON.stringify(command)}}\n`;
  }

  fail(error: ErrorPayload, position: number | undefined): string {
    const head = this.begun ? '' : `{"index":${this.index},"columns":[],"rows":[`;
    return `${head}],"rowCount":null,"command":null,"error":${JSON.stringify(jsonError(error, position))}}\n`;
  }
}

// ------------------------------------------------------------------ errors and notices

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

function formatNotices(notices: Notice[]): string {
  return notices.map((n) => `${n.severity}: ${oneLine(n.message)}\n${n.detail ? `DETAIL: ${oneLine(n.detail)}\n` : ''}${n.hint ? `HINT: ${oneLine(n.hint)}\n` : ''}`).join('');
}

// ------------------------------------------------------------------ stdout with backpressure

interface Emitter {
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

function isEmitter(s: OutputStream): s is OutputStream & Emitter {
  const e = s as Partial<Emitter>;
  return typeof e.once === 'function' && typeof e.on === 'function' && typeof e.off === 'function';
}

/** Waits for 'drain' when the stream says its buffer is full; notices a closed pipe (… | head). */
class Output {
  /** Set when stdout failed; EPIPE (the reader went away) is a normal end, anything else a failure. */
  failure: { epipe: boolean; message: string } | undefined;
  private readonly onError = (e: unknown): void => {
    const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
    this.failure ??= { epipe: code === 'EPIPE', message: e instanceof Error ? e.message : String(e) };
    this.wake?.();
  };
  private wake: (() => void) | undefined;

  constructor(private readonly stream: OutputStream) {
    if (isEmitter(stream)) stream.on('error', this.onError);
  }

  async write(chunk: string): Promise<void> {
    if (chunk === '' || this.failure) return;
    const ok = this.stream.write(chunk);
    const s = this.stream;
    if (ok !== false || !isEmitter(s)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        s.off('drain', done);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      s.once('drain', done);
    });
  }

  dispose(): void {
    if (isEmitter(this.stream)) this.stream.off('error', this.onError);
  }
}

// ------------------------------------------------------------------ the command

function sqlFrom(ctx: CliContext, values: Record<string, unknown>): string {
  const v = values as Record<string, string | boolean | undefined>;
  const inline = str(v.command);
  const file = str(v.file);
  if (inline !== undefined && file !== undefined) throw new PgEntraError('invalid_input', 'Give the SQL either with -c or with -f, not both.');
  if (inline !== undefined) return inline;
  if (file === undefined) throw new PgEntraError('invalid_input', 'Give the SQL to run: pgentra query PROFILE -c SQL (or -f FILE).', { hint: 'See pgentra query --help.' });
  try {
    return readFileSync(file === '-' ? 0 : path.resolve(ctx.cwd, file), 'utf8');
  } catch (e) {
    throw new PgEntraError('io_error', `Cannot read ${file === '-' ? 'standard input' : file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`);
  }
}

function formatFrom(values: Record<string, unknown>): OutputFormat {
  const json = values.json === true;
  const csv = values.csv === true;
  if (json && csv) throw new PgEntraError('invalid_input', 'Choose one of --json and --csv.');
  return json ? 'json' : csv ? 'csv' : 'table';
}

/** The id of the query the session is running (before its first page arrives we do not know it yet). */
function runningQueryId(history: HistoryEntry[]): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) if (history[i]?.status === 'running') return history[i]?.queryId;
  return undefined;
}

/** Runs the statements one by one so every statement's rows stream (a session keeps only the last statement's portal open). */
class ScriptRun {
  private readonly out: Output;
  private queryId: string | undefined;
  private resultSets = 0;

  constructor(
    private readonly ctx: CliContext,
    private readonly s: ProfileSession,
    private readonly sql: string,
    private readonly format: OutputFormat,
  ) {
    this.out = new Output(ctx.stdout);
  }

  dispose(): void {
    this.out.dispose();
  }

  /** Ctrl+C: a cancel request for the running statement, or closing its open result between pages. */
  async cancel(): Promise<void> {
    try {
      const id = this.queryId ?? runningQueryId(this.s.sessions.history(this.s.sessionId));
      if (id) await this.s.sessions.cancel(this.s.sessionId, id);
    } catch (e) {
      this.ctx.services.logger.debug('cancel failed', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  async run(statements: SqlStatement[]): Promise<number> {
    for (const [index, stmt] of statements.entries()) {
      if (this.ctx.signal.aborted) return this.cancelled();
      const code = await this.statement(index, stmt);
      if (code !== EXIT.ok) return code;
      if (this.out.failure) return this.stdoutFailed();
    }
    return EXIT.ok;
  }

  private writer(index: number): StatementWriter {
    if (this.format === 'json') return new JsonWriter(index);
    if (this.format === 'csv') return new CsvWriter(() => this.resultSets > 0);
    return new TableWriter();
  }

  private async statement(index: number, stmt: SqlStatement): Promise<number> {
    const { sessions, sessionId } = this.s;
    const w = this.writer(index);
    this.queryId = undefined;
    const r = await sessions.query(sessionId, stmt.text, { pageSize: PAGE_ROWS });
    this.queryId = r.queryId;
    this.notices(r.notices);
    const st = r.statements[0];
    if (r.status !== 'ok' || !st || st.status !== 'ok') {
      return this.failed(w, st?.error ?? r.error ?? { code: 'internal', message: 'The statement did not run.' }, stmt);
    }
    await this.out.write(w.begin(st.columns, st.rows));
    if (st.columns.length > 0) this.resultSets++;
    let { hasMore, command, rowCount } = st;
    while (hasMore) {
      if (this.out.failure) {
        await sessions.cancel(sessionId, r.queryId).catch(() => undefined);
        return this.stdoutFailed();
      }
      if (this.ctx.signal.aborted) return this.failed(w, { code: 'query_cancelled', message: 'The query was cancelled.' }, stmt);
      let page;
      try {
        page = await sessions.fetchMore(sessionId, r.queryId, PAGE_ROWS);
      } catch (e) {
        return this.failed(w, toErrorPayload(e), stmt);
      }
      this.notices(page.notices);
      await this.out.write(w.rows(page.rows));
      hasMore = page.hasMore;
      command = page.command ?? command;
      rowCount = page.rowCount;
    }
    await this.out.write(w.end(command, rowCount));
    return EXIT.ok;
  }

  private async failed(w: StatementWriter, error: ErrorPayload, stmt: SqlStatement): Promise<number> {
    const relative = error.details?.position;
    const position = typeof relative === 'number' ? stmt.offset + relative : undefined;
    if (this.ctx.signal.aborted) {
      await this.out.write(w.fail({ code: 'query_cancelled', message: 'The query was cancelled.' }, undefined));
      return this.cancelled();
    }
    await this.out.write(w.fail(error, position));
    // query_cancelled without Ctrl+C: statement_timeout or pg_cancel_backend — a server error like any other.
    if (error.code === 'query_failed' || error.code === 'query_cancelled') {
      this.ctx.stderr.write(formatServerError(error, this.sql, position));
      return EXIT.failure;
    }
    throw fromErrorPayload(error);
  }

  private notices(notices: Notice[]): void {
    if (notices.length > 0) this.ctx.stderr.write(formatNotices(notices));
  }

  private cancelled(): number {
    this.ctx.stderr.write('pgentra query: cancelled.\n');
    return EXIT.cancelled;
  }

  private stdoutFailed(): number {
    const f = this.out.failure;
    // The reader went away (… | head): stop quietly, as other command-line tools do.
    if (!f || f.epipe) return EXIT.ok;
    this.ctx.stderr.write(`pgentra query: cannot write the output: ${f.message}\n`);
    return EXIT.failure;
  }
}

export const command: CommandDefinition = {
  name: 'query',
  summary: 'Run SQL as a profile and stream the results (table, CSV or JSON Lines)',
  help: HELP,
  allowPositionals: true,
  options: {
    command: { type: 'string', short: 'c' },
    file: { type: 'string', short: 'f' },
    csv: { type: 'boolean' },
    json: { type: 'boolean' },
    fresh: { type: 'boolean' },
  },
  async run(ctx, { values, positionals }) {
    const name = profileOperand(positionals, 'query', 'pgentra query PROFILE -c SQL');
    const format = formatFrom(values);
    const sql = sqlFrom(ctx, values);
    const statements = splitSql(sql);
    if (statements.length === 0) throw new PgEntraError('invalid_input', 'There is no SQL statement to run (only whitespace or comments).');
    const opened = await openProfileSession(ctx, name, { pageSize: PAGE_ROWS, ...(values.fresh === true ? { fresh: true } : {}) });
    if (!opened) {
      ctx.stderr.write('pgentra query: cancelled.\n');
      return EXIT.cancelled;
    }
    const script = new ScriptRun(ctx, opened, sql, format);
    let watchdog: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      void script.cancel();
      // The cancel request can race a statement's start, or the server may not get it:
      // dropping the connection ends the wait either way (the statement then fails).
      watchdog = setTimeout(() => void opened.close(), CANCEL_GRACE_MS);
      watchdog.unref();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await script.run(statements);
    } catch (e) {
      if (ctx.signal.aborted) {
        ctx.stderr.write('pgentra query: cancelled.\n');
        return EXIT.cancelled;
      }
      throw e;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      clearTimeout(watchdog);
      script.dispose();
      await opened.close();
    }
  },
};
