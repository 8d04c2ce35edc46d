// `pgentra query PROFILE -c SQL`: runs SQL through a database session and streams the results.
// Rows are fetched a page at a time (the session's fetchMore) and written as they arrive, with
// stdout backpressure honoured, so a million-row result never sits in memory. The output formats
// (table, CSV, JSON Lines) and the stderr messages are in ../output/.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PgEntraError, fromErrorPayload, toErrorPayload, type ErrorPayload } from '../../../shared/errors.js';
import type { HistoryEntry, Notice } from '../../../shared/ipcSessions.js';
import { splitSql, type SqlStatement } from '../../../shared/sqlStatements.js';
import { str, type CommandDefinition } from '../command.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { CsvWriter } from '../output/csv.js';
import { JsonWriter } from '../output/jsonLines.js';
import { formatNotices, formatServerError } from '../output/serverMessages.js';
import type { OutputFormat, StatementWriter } from '../output/statementWriter.js';
import { Output } from '../output/stdout.js';
import { TableWriter } from '../output/table.js';
import { openGroupSession } from '../pimRefusal.js';
import { profileOperand, type ProfileSession } from '../profileSession.js';

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
             (doubled inside quotes), CR or LF, or is exactly \\. (COPY's end-of-data mark).
             NULL is an empty field and an empty string is "" so they stay distinct (as
             PostgreSQL's COPY … CSV writes them; the app's CSV export uses the same rule).
             Lines end with LF.
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
    // A refused group login (tried once more with a fresh token by the session) says when PIM is why.
    const opened = await openGroupSession(ctx, name, { pageSize: PAGE_ROWS, ...(values.fresh === true ? { fresh: true } : {}), then: 'run the query again' });
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
