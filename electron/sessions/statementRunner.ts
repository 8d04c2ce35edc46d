// Runs the editor's SQL on the session's primary connection: splits a script into statements,
// returns each statement's first page at once and keeps the last statement's portal open for
// fetchMore, and cancels (a PostgreSQL cancel request for a running statement, closing an idle
// open result, or remembering a cancel that overtook its query call). A statement that was
// running when the connection dropped fails visibly and is never retried (it may not be
// idempotent).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import Cursor from 'pg-cursor';
import { PgEntraError, type ErrorPayload } from '../../shared/errors.js';
import type { Column, FetchMoreResult, HistoryEntry, Notice, QueryResult, Row, StatementResult } from '../../shared/ipcSessions.js';
import { splitSql } from '../../shared/sqlStatements.js';
import { BUILTIN_TYPE_NAMES } from './builtinTypes.js';
import { sendCancelRequest } from './cancelRequest.js';
import { mapQueryError } from './errors.js';
import { backendKeyOf, isConnectionGone, wasNeverSent, watchConnectionLoss } from './pgInternals.js';
import { STATEMENT_TEXT_LIMIT, type QueryHistory } from './queryHistory.js';
import type { SessionTarget } from './types.js';

/** Early cancels remembered per session (ids of queries whose call has not arrived yet). */
const EARLY_CANCELS_KEPT = 16;

/** What the runner needs of the session's connections (connectionLifecycle.ts). */
export interface StatementConnection {
  /** The primary connection, waiting for a reconnect in progress (or starting one). */
  ensurePrimary(): Promise<pg.PoolClient>;
  /** The primary connection right now, if connected. */
  readonly primary: pg.PoolClient | undefined;
  /** A lookup on a helper pool connection, for when the primary holds an open result. */
  helperQuery<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface StatementRunnerOptions {
  sessionId: string;
  target: SessionTarget;
  /** TLS options for cancel requests (a new connection to the same server). */
  ssl: ConnectionOptions;
  tuning: { readonly pageSize: number };
  connection: StatementConnection;
  history: QueryHistory;
}

/** A statement whose portal is still open for fetchMore. */
interface OpenCursor {
  queryId: string;
  cursor: Cursor<Row>;
  /** The connection the portal lives on. */
  client: pg.ClientBase;
  history: HistoryEntry;
  rowsSoFar: number;
}

interface RunningQuery {
  queryId: string;
  cancelRequested: boolean;
}

type CursorPage = { rows: Row[]; done: boolean; command: string | null; rowCount: number | null; fields: Array<{ name: string; dataTypeID: number }> };

// Cells are kept as PostgreSQL's text: exact (no float/bigint/Date conversion) and cheap.
const textTypes = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

export class StatementRunner {
  private readonly typeNames = new Map<number, string>(BUILTIN_TYPE_NAMES);
  private running: RunningQuery | undefined;
  private openCursor: OpenCursor | undefined;
  private noticeSink: Notice[] | undefined;
  /** Cancels that named a query before it started (the cancel can overtake the query call). */
  private readonly earlyCancels = new Set<string>();

  constructor(private readonly opts: StatementRunnerOptions) {}

  /** A notice the server sent on the primary connection: kept with the query or fetch running now. */
  notice(n: Notice): void {
    this.noticeSink?.push(n);
  }

  /**
   * Forgets the open result without closing its portal (the connection is gone or being
   * destroyed): its history entry ends with `status`.
   */
  dropOpenResult(status: HistoryEntry['status'], errorCode?: string): void {
    const open = this.openCursor;
    this.openCursor = undefined;
    if (open) this.opts.history.finish(open.history, status, open.rowsSoFar, errorCode);
  }

  /**
   * Runs every statement of `sql` in order on the primary connection. Each statement's first
   * page comes back at once; the last statement's remaining rows stay on the server for
   * fetchMore (earlier statements' extra rows are discarded: only one portal can stay open).
   * A failing statement stops the script; its error is in the result, not thrown.
   */
  async query(sql: string, opts: { pageSize?: number; queryId?: string } = {}): Promise<QueryResult> {
    const statements = splitSql(sql);
    if (statements.length === 0) throw new PgEntraError('invalid_input', 'There is no SQL statement to run.', { details: { fields: 'sql' } });
    if (this.running) {
      throw new PgEntraError('conflict', 'A query is still running in this session.', { hint: 'Wait for it to finish or cancel it.', details: { queryId: this.running.queryId } });
    }
    // A caller-chosen id lets it cancel while this call is pending; it must name one query only.
    const queryId = opts.queryId ?? randomUUID();
    if (opts.queryId && this.opts.history.has(queryId)) {
      throw new PgEntraError('invalid_input', 'This query id was already used in this session.', { details: { fields: 'queryId', queryId } });
    }
    const running: RunningQuery = { queryId, cancelRequested: this.earlyCancels.delete(queryId) };
    this.running = running;
    const pageSize = opts.pageSize ?? this.opts.tuning.pageSize;
    const started = performance.now();
    const history = this.opts.history.add(queryId, sql);
    const notices: Notice[] = [];
    const results: StatementResult[] = [];
    let failure: ErrorPayload | undefined;
    let status: QueryResult['status'] = 'ok';
    try {
      await this.closeOpenCursor('cancelled');
      let client = await this.opts.connection.ensurePrimary();
      this.noticeSink = notices;
      for (const [index, stmt] of statements.entries()) {
        if (running.cancelRequested) {
          status = 'cancelled';
          failure = cancelledPayload();
          break;
        }
        const isLast = index === statements.length - 1;
        const stmtStarted = performance.now();
        const base = { index, sql: stmt.text.slice(0, STATEMENT_TEXT_LIMIT), offset: stmt.offset };
        try {
          const page = await this.firstPage(stmt.text, pageSize, client).then(async (p) => {
            if (!p.neverSent) return p;
            // pg refused to send (the connection had already failed): safe to run on a new one.
            client = await this.opts.connection.ensurePrimary();
            return this.firstPage(stmt.text, pageSize, client);
          });
          if (page.neverSent) throw page.neverSent;
          const cursor = page.cursor;
          const hasMore = !page.done;
          if (hasMore && !isLast) await closeCursor(cursor, client);
          await this.typeNamesFor(
            page.fields.map((f) => f.dataTypeID),
            hasMore && isLast ? undefined : client,
          );
          results.push({
            ...base,
            status: 'ok',
            command: page.command,
            rowCount: page.done ? completedRowCount(page, page.rows.length) : null,
            columns: page.fields.map((f): Column => ({ name: f.name, typeOid: f.dataTypeID, typeName: this.typeNames.get(f.dataTypeID) ?? `oid:${f.dataTypeID}` })),
            rows: page.rows,
            hasMore: hasMore && isLast,
            elapsedMs: performance.now() - stmtStarted,
          });
          if (hasMore && isLast) this.openCursor = { queryId, cursor, client, history, rowsSoFar: page.rows.length };
          history.rowCount = page.done ? completedRowCount(page, page.rows.length) : page.rows.length;
        } catch (e) {
          const err = withScriptPosition(mapQueryError(e, this.opts.target), stmt.offset);
          status = err.code === 'query_cancelled' ? 'cancelled' : 'error';
          failure = err.toPayload();
          results.push({ ...base, status, command: null, rowCount: null, columns: [], rows: [], hasMore: false, elapsedMs: performance.now() - stmtStarted, error: failure });
          break;
        }
      }
    } catch (e) {
      // Nothing ran (closed, cannot reconnect): the caller gets the error itself.
      this.opts.history.finish(history, 'error', null, e instanceof PgEntraError ? e.code : 'internal', started);
      throw e;
    } finally {
      this.noticeSink = undefined;
      this.running = undefined;
    }
    if (this.openCursor?.queryId !== queryId) this.opts.history.finish(history, status, history.rowCount, failure?.code, started);
    else history.elapsedMs = performance.now() - started;
    return {
      queryId,
      sessionId: this.opts.sessionId,
      status,
      statements: results,
      notices,
      elapsedMs: performance.now() - started,
      ...(failure ? { error: failure } : {}),
    };
  }

  /** Submits one statement and reads its first page; reports (not throws) a statement pg never sent. */
  private async firstPage(text: string, pageSize: number, client: pg.PoolClient): Promise<(CursorPage & { cursor: Cursor<Row>; neverSent?: undefined }) | { neverSent: Error; cursor?: undefined }> {
    // A connection already gone never gets the statement (pg may not have noticed yet).
    if (isConnectionGone(client)) return { neverSent: new Error('Client has encountered a connection error and is not queryable') };
    const cursor = client.query(new Cursor<Row>(text, undefined, { rowMode: 'array', types: textTypes }));
    try {
      return { ...(await unlessLost(client, readPage(cursor, pageSize))), cursor };
    } catch (e) {
      if (wasNeverSent(e)) return { neverSent: e as Error };
      throw e;
    }
  }

  /** The next `count` rows of the query's open statement. */
  async fetchMore(queryId: string, count?: number): Promise<FetchMoreResult> {
    const open = this.openCursor;
    if (!open || open.queryId !== queryId) {
      throw new PgEntraError('not_found', 'This result has no more rows to fetch (it completed, was cancelled, or a newer query replaced it).', { details: { queryId } });
    }
    if (this.running) throw new PgEntraError('conflict', 'Rows are already being fetched for this session.', { details: { queryId } });
    const running: RunningQuery = { queryId, cancelRequested: false };
    this.running = running;
    const notices: Notice[] = [];
    this.noticeSink = notices;
    const started = performance.now();
    try {
      const page = await unlessLost(open.client, readPage(open.cursor, count ?? this.opts.tuning.pageSize));
      open.rowsSoFar += page.rows.length;
      open.history.rowCount = open.rowsSoFar;
      if (page.done) {
        this.openCursor = undefined;
        this.opts.history.finish(open.history, 'ok', completedRowCount(page, open.rowsSoFar));
      }
      return {
        queryId,
        rows: page.rows,
        hasMore: !page.done,
        rowCount: page.done ? completedRowCount(page, open.rowsSoFar) : null,
        command: page.command,
        notices,
        elapsedMs: performance.now() - started,
      };
    } catch (e) {
      if (this.openCursor === open) this.openCursor = undefined;
      const err = mapQueryError(e, this.opts.target);
      this.opts.history.finish(open.history, err.code === 'query_cancelled' ? 'cancelled' : 'error', open.rowsSoFar, err.code);
      throw err;
    } finally {
      this.noticeSink = undefined;
      this.running = undefined;
    }
  }

  /**
   * Cancels the query: a running statement gets a PostgreSQL cancel request (it then fails with
   * query_cancelled), an idle open result is closed. Returns false when there was nothing to cancel.
   */
  async cancel(queryId: string): Promise<boolean> {
    const running = this.running;
    if (running && running.queryId === queryId) {
      running.cancelRequested = true;
      const client = this.opts.connection.primary;
      const key = client ? backendKeyOf(client) : undefined;
      if (client && key) {
        const { host, port } = this.opts.target;
        await sendCancelRequest({ host, port, ssl: this.opts.ssl, key, timeoutMs: 5_000 }).catch((e: unknown) => {
          throw new PgEntraError('server_unreachable', `Could not send the cancel request to ${host}:${port}: ${e instanceof Error ? e.message : String(e)}.`, {
            hint: 'The query is still running; try again, or close the session to end it.',
          });
        });
      }
      return true;
    }
    if (this.openCursor?.queryId === queryId) {
      await this.closeOpenCursor('cancelled');
      return true;
    }
    if (this.opts.history.has(queryId)) return false; // already finished
    // Not started yet (the cancel overtook its query call): cancel it as it starts.
    this.earlyCancels.add(queryId);
    while (this.earlyCancels.size > EARLY_CANCELS_KEPT) {
      const oldest = this.earlyCancels.values().next().value;
      if (oldest === undefined) break;
      this.earlyCancels.delete(oldest);
    }
    return true;
  }

  private async closeOpenCursor(status: HistoryEntry['status']): Promise<void> {
    const open = this.openCursor;
    if (!open) return;
    this.openCursor = undefined;
    this.opts.history.finish(open.history, status, open.rowsSoFar, status === 'cancelled' ? 'query_cancelled' : undefined);
    try {
      await closeCursor(open.cursor, open.client);
    } catch {
      // The connection may be gone; the reconnect logic handles that.
    }
  }

  /**
   * Names for types outside the built-in table (extensions, domains, enums), looked up once per
   * session: on the primary when it is free, else on a helper pool connection.
   */
  private async typeNamesFor(oids: number[], primaryFree: pg.ClientBase | undefined): Promise<void> {
    const missing = [...new Set(oids)].filter((o) => !this.typeNames.has(o));
    if (missing.length === 0) return;
    const sql = 'select oid::int as oid, format_type(oid, null) as name from pg_type where oid = any($1::oid[])';
    try {
      const r = primaryFree ? await primaryFree.query<{ oid: number; name: string }>(sql, [missing]) : await this.opts.connection.helperQuery<{ oid: number; name: string }>(sql, [missing]);
      for (const row of r.rows) this.typeNames.set(row.oid, row.name);
    } catch {
      // Names are cosmetic; the column falls back to its oid.
    }
  }
}

function cancelledPayload(): ErrorPayload {
  return { code: 'query_cancelled', message: 'The query was cancelled.' };
}

/** Server positions are 1-based within the statement; make them relative to the whole text. */
function withScriptPosition(err: PgEntraError, offset: number): PgEntraError {
  const pos = err.details?.position;
  if (typeof pos !== 'number') return err;
  return new PgEntraError(err.code, err.message, {
    ...(err.hint ? { hint: err.hint } : {}),
    details: { ...err.details, position: pos + offset, statementPosition: pos },
  });
}

/**
 * Rows a completed statement returned or affected. A portal read in several Execute calls
 * reports only the last call's count in its command tag, so rows are counted here.
 */
function completedRowCount(page: CursorPage, rowsSeen: number): number | null {
  return page.fields.length > 0 ? rowsSeen : page.rowCount;
}

/**
 * Settles with `op`, or rejects with the cause (a restart's FATAL 57P01, or the connection's end)
 * as soon as the connection is lost: pg-cursor alone may wait forever for a dead connection (see
 * watchConnectionLoss).
 */
function unlessLost<T>(client: pg.ClientBase, op: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stop = watchConnectionLoss(client, (cause) => reject(asError(cause)));
    op.then(
      (value) => {
        stop();
        resolve(value);
      },
      (e: unknown) => {
        stop();
        reject(asError(e));
      },
    );
  });
}

/** Closes the cursor's portal; rejects when the connection is (or gets) lost instead of waiting forever. */
function closeCursor(cursor: Cursor<Row>, client: pg.ClientBase): Promise<void> {
  return unlessLost(client, isConnectionGone(client) ? Promise.resolve() : cursor.close());
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function readPage(cursor: Cursor<Row>, count: number): Promise<CursorPage> {
  return new Promise((resolve, reject) => {
    cursor.read(count, (err, rows, result) => {
      if (err) {
        reject(err);
        return;
      }
      // pg-cursor marks itself done once CommandComplete/ReadyForQuery arrived.
      const done = (cursor as unknown as { state?: string }).state === 'done';
      resolve({
        rows,
        done,
        command: result.command || null,
        rowCount: typeof result.rowCount === 'number' ? result.rowCount : null,
        fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
      });
    });
  });
}
