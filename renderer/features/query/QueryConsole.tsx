// The query console of one session: editor, Run/Cancel, and the Results / Messages / History
// tabs. Ctrl/Cmd+Enter runs the selection or the statement under the cursor; Esc cancels.
// Each run gets an id made here and passed to sessions.query, so Cancel can name the query while
// that call is still pending.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ErrorPayload } from '../../../shared/errors.js';
import type { HistoryEntry, Notice, QueryResult } from '../../../shared/ipcSessions.js';
import { call, errorPayloadOf } from '../../base/api.js';
import { formatElapsed } from '../../ui/time.js';
import { ResultBuffer } from './resultBuffer.js';
import { ResultGrid } from './ResultGrid.js';
import { saveTextFile } from '../../ui/saveFile.js';
import { SqlEditor, type SqlEditorHandle } from './SqlEditor.js';
import { toCsv } from './csv.js';

type ResultsTab = 'results' | 'messages' | 'history';

interface Message {
  kind: 'info' | 'notice' | 'error';
  text: string;
  at: string;
}

const PAGE_SIZE = 1000;

function noticeText(n: Notice): string {
  return `${n.severity}: ${n.message}${n.detail ? ` — ${n.detail}` : ''}${n.hint ? ` (hint: ${n.hint})` : ''}`;
}

export interface QueryConsoleProps {
  sessionId: string;
  profileName: string;
  initialSql: string;
  toolbarExtra?: ReactNode;
}

export function QueryConsole({ sessionId, profileName, initialSql, toolbarExtra }: QueryConsoleProps): ReactNode {
  const editor = useRef<SqlEditorHandle>(null);
  const [tab, setTab] = useState<ResultsTab>('results');
  const [running, setRunning] = useState(false);
  const [buffer, setBuffer] = useState<ResultBuffer | null>(null);
  const [summary, setSummary] = useState<string>('');
  const [messages, setMessages] = useState<Message[]>([]);
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [status, setStatus] = useState('');
  const [resultNo, setResultNo] = useState(0);
  const runningQueryId = useRef<string | null>(null);

  const addMessages = useCallback((list: Message[]) => setMessages((m) => [...m, ...list].slice(-500)), []);
  const refreshHistory = useCallback(async () => {
    const h = await call('sessions.history', { sessionId }).catch(() => null);
    if (h) setHistory([...h.entries].reverse());
    return h?.entries ?? [];
  }, [sessionId]);

  const cancel = useCallback(async () => {
    const queryId = runningQueryId.current;
    if (!queryId) return;
    setStatus('Cancelling…');
    await call('sessions.cancel', { sessionId, queryId }).catch((e: unknown) => setStatus(errorPayloadOf(e).message));
  }, [sessionId]);

  const showResult = useCallback(
    (r: QueryResult, offset: number) => {
      const at = new Date().toLocaleTimeString();
      const list: Message[] = r.notices.map((n) => ({ kind: 'notice', text: noticeText(n), at }));
      for (const s of r.statements) {
        const rows = s.rowCount ?? s.rows.length;
        if (s.status === 'ok')
          list.push({
            kind: 'info',
            text: `${s.command ?? 'OK'}${s.columns.length || s.rowCount !== null ? ` — ${rows}${s.hasMore ? '+' : ''} row${rows === 1 ? '' : 's'}` : ''} in ${formatElapsed(s.elapsedMs)}`,
            at,
          });
        else if (s.status === 'cancelled') list.push({ kind: 'error', text: `Cancelled after ${formatElapsed(s.elapsedMs)}`, at });
      }
      if (r.error) list.push({ kind: 'error', text: `${r.error.message}${r.error.hint ? ` (hint: ${r.error.hint})` : ''}`, at });
      addMessages(list);
      const position = r.error?.details?.position;
      editor.current?.markError(typeof position === 'number' ? offset + position - 1 : null);
      const shown = [...r.statements].reverse().find((s) => s.columns.length > 0);
      if (shown) {
        const queryId = r.queryId;
        const isLast = shown === r.statements.at(-1);
        setBuffer(
          new ResultBuffer(
            shown,
            isLast
              ? async (count) => {
                  const page = await call('sessions.fetchMore', { sessionId, queryId, count });
                  return { rows: page.rows, hasMore: page.hasMore, rowCount: page.rowCount };
                }
              : undefined,
            PAGE_SIZE,
          ),
        );
      } else setBuffer(null);
      setResultNo((n) => n + 1);
      setError(r.status === 'error' || r.status === 'cancelled' ? (r.error ?? { code: 'query_cancelled', message: 'The query was cancelled.' }) : null);
      const last = r.statements.at(-1);
      setSummary(
        r.status === 'ok'
          ? `${r.statements.length} statement${r.statements.length === 1 ? '' : 's'} · ${last?.command ?? ''} · ${formatElapsed(r.elapsedMs)}`
          : r.status === 'cancelled'
            ? `Cancelled after ${formatElapsed(r.elapsedMs)}`
            : `Failed after ${formatElapsed(r.elapsedMs)}`,
      );
      setTab(r.status === 'error' && !shown ? 'messages' : shown ? 'results' : 'messages');
    },
    [addMessages, sessionId],
  );

  const run = useCallback(async () => {
    if (running) return;
    const runnable = editor.current?.runnable();
    if (!runnable?.sql.trim()) {
      setStatus('Nothing to run: type a statement.');
      return;
    }
    setRunning(true);
    setStatus('Running…');
    const queryId = crypto.randomUUID();
    runningQueryId.current = queryId;
    editor.current?.markError(null);
    try {
      performance.mark('pgentra:query-start');
      const result = await call('sessions.query', { sessionId, sql: runnable.sql, pageSize: PAGE_SIZE, queryId });
      performance.mark('pgentra:results-arrived');
      showResult(result, runnable.offset);
      setStatus(result.status === 'ok' ? '' : result.status === 'cancelled' ? 'Query cancelled.' : 'Query failed.');
    } catch (e) {
      const p = errorPayloadOf(e);
      setError(p);
      setBuffer(null);
      addMessages([{ kind: 'error', text: p.message + (p.hint ? ` (hint: ${p.hint})` : ''), at: new Date().toLocaleTimeString() }]);
      setTab('messages');
      setStatus('Query failed.');
    } finally {
      runningQueryId.current = null;
      setRunning(false);
      void refreshHistory();
    }
  }, [running, sessionId, showResult, refreshHistory, addMessages]);

  useEffect(() => {
    void refreshHistory();
  }, [refreshHistory]);

  const exportCsv = async (): Promise<void> => {
    if (!buffer) return;
    setStatus('Fetching all rows for export…');
    try {
      await buffer.all((n) => setStatus(`Fetching all rows for export… ${n.toLocaleString()}`));
      const saved = await saveTextFile(
        `${profileName.replace(/[^\w.-]+/g, '_')}-result.csv`,
        toCsv(
          buffer.columns.map((c) => c.name),
          buffer.rows,
        ),
        'text/csv',
      );
      setStatus(saved.saved ? `Exported ${buffer.rows.length.toLocaleString()} rows to ${saved.path ?? 'CSV'}.` : 'Export cancelled.');
    } catch (e) {
      setStatus(`Export failed: ${errorPayloadOf(e).message}`);
    }
  };

  const tabButton = (id: ResultsTab, label: string): ReactNode => (
    <button type="button" role="tab" id={`${sessionId}-${id}-tab`} aria-selected={tab === id} aria-controls={`${sessionId}-${id}-panel`} onClick={() => setTab(id)}>
      {label}
    </button>
  );

  return (
    <>
      <div className="toolbar" role="toolbar" aria-label="Query">
        <button type="button" className="primary" onClick={() => void run()} disabled={running} title="Ctrl+Enter / ⌘+Enter">
          ▶ Run
        </button>
        <button type="button" onClick={() => void cancel()} disabled={!running} title="Esc">
          ■ Cancel
        </button>
        <span className="muted" role="status" data-testid="query-status">
          {running ? (
            <span className="row">
              <span className="spinner" aria-hidden="true" /> Running…
            </span>
          ) : (
            status
          )}
        </span>
        <span className="spacer" />
        <span className="faint">
          <kbd>Ctrl</kbd>+<kbd>Enter</kbd> runs the statement or selection · <kbd>Esc</kbd> cancels
        </span>
        {toolbarExtra}
      </div>
      <SqlEditor ref={editor} initialText={initialSql} label={`SQL editor for ${profileName}`} onRun={() => void run()} onCancel={() => void cancel()} />
      <section className="results" aria-label="Query results">
        <div className="results-tabs" role="tablist" aria-label="Result views">
          {tabButton('results', 'Results')}
          {tabButton('messages', `Messages${messages.length ? ` (${messages.length})` : ''}`)}
          {tabButton('history', 'History')}
          <span className="spacer" />
          <span className="faint" data-testid="query-summary">
            {summary}
          </span>
        </div>
        <div className="results-body" role="tabpanel" id={`${sessionId}-${tab}-panel`} aria-labelledby={`${sessionId}-${tab}-tab`}>
          {tab === 'results' ? (
            buffer ? (
              <ResultGrid key={resultNo} buffer={buffer} label={`Result of the last statement on ${profileName}`} onExportCsv={() => void exportCsv()} onStatus={setStatus} />
            ) : error ? (
              <div className="results-empty">
                <div className="alert error" role="alert" data-testid="query-error">
                  <strong>{error.message}</strong>
                  {error.hint ? <p>{error.hint}</p> : null}
                </div>
              </div>
            ) : (
              <p className="results-empty">Run a query to see its rows here.</p>
            )
          ) : tab === 'messages' ? (
            <div className="messages" data-testid="messages">
              {error ? (
                <div className="alert error" role="alert" data-testid="query-error">
                  <strong>{error.message}</strong>
                  {error.hint ? <p>{error.hint}</p> : null}
                </div>
              ) : null}
              {messages.length === 0 ? <p className="muted">No messages yet.</p> : null}
              {messages.map((m, i) => (
                <div key={i} className={`msg ${m.kind}`}>
                  <span className="faint">{m.at}</span> {m.text}
                </div>
              ))}
            </div>
          ) : (
            <div className="history">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Started</th>
                    <th scope="col">SQL</th>
                    <th scope="col">Status</th>
                    <th scope="col">Rows</th>
                    <th scope="col">Time</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {history.map((h) => (
                    <tr key={h.queryId}>
                      <td>{new Date(h.startedAt).toLocaleTimeString()}</td>
                      <td className="sql" title={h.sql}>
                        {h.sql}
                      </td>
                      <td>
                        <span className={`badge ${h.status === 'ok' ? 'ok' : h.status === 'error' ? 'bad' : h.status === 'cancelled' ? 'warn' : 'info'}`}>{h.status}</span>
                      </td>
                      <td>{h.rowCount ?? ''}</td>
                      <td>{formatElapsed(h.elapsedMs)}</td>
                      <td>
                        <button type="button" className="small" onClick={() => editor.current?.setText(h.sql)}>
                          Load
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </section>
    </>
  );
}
