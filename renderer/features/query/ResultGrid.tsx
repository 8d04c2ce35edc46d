// The result grid: virtualized rows (only what is on screen is in the DOM, so a million rows
// scroll smoothly), pages pulled from the session as you near the end, column types in the
// header, NULL shown distinctly, keyboard cell navigation, and copy as TSV/CSV.
import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore, type KeyboardEvent, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Column } from '../../../shared/ipcSessions.js';
import { copyText } from '../../ui/clipboard.js';
import { toCsv, toTsv } from './csv.js';
import type { ResultBuffer } from './resultBuffer.js';

const ROW_HEIGHT = 24;
const HEADER_HEIGHT = 40;
const ROWNUM_WIDTH = 64;
/** Start fetching the next page when the viewport is this many rows from the end. */
const PREFETCH_ROWS = 300;
const NUMERIC_TYPES = new Set(['int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'oid', 'money', 'smallint', 'integer', 'bigint', 'real', 'double precision']);

interface CellPos {
  row: number;
  col: number;
}

export interface ResultGridProps {
  buffer: ResultBuffer;
  label: string;
  onExportCsv: () => void;
  onStatus: (message: string) => void;
}

function columnWidths(columns: readonly Column[], sample: ReadonlyArray<ReadonlyArray<string | null>>): number[] {
  return columns.map((c, i) => {
    let chars = Math.max(c.name.length, c.typeName.length + 1);
    for (let r = 0; r < Math.min(sample.length, 100); r++) chars = Math.max(chars, (sample[r]?.[i] ?? 'NULL').length);
    return Math.min(360, Math.max(80, chars * 7.4 + 20));
  });
}

function useBufferVersion(buffer: ResultBuffer): number {
  const subscribe = useCallback((cb: () => void) => buffer.subscribe(cb), [buffer]);
  return useSyncExternalStore(subscribe, () => buffer.version);
}

export function ResultGrid({ buffer, label, onExportCsv, onStatus }: ResultGridProps): ReactNode {
  useBufferVersion(buffer);
  const idPrefix = useId();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState<CellPos>({ row: 0, col: 0 });
  const [anchor, setAnchor] = useState<CellPos>({ row: 0, col: 0 });
  const rows = buffer.rows;
  const columns = buffer.columns;
  // Sized once, from the first page: widths must not jump while scrolling.
  const widths = useMemo(() => columnWidths(columns, rows), [columns]);
  const totalWidth = ROWNUM_WIDTH + widths.reduce((a, b) => a + b, 0);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    paddingStart: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastVisible = items.at(-1)?.index ?? 0;

  useEffect(() => {
    if (buffer.hasMore && !buffer.fetching && lastVisible >= rows.length - PREFETCH_ROWS) void buffer.more();
  }, [buffer, lastVisible, rows.length, buffer.hasMore, buffer.fetching]);

  // Tells benchmarks when the first rows are on screen (after layout, before paint completes).
  useLayoutEffect(() => {
    requestAnimationFrame(() => performance.mark('pgentra:grid-painted'));
  }, [buffer]);

  const selection = useMemo(
    () => ({
      r0: Math.min(anchor.row, active.row),
      r1: Math.max(anchor.row, active.row),
      c0: Math.min(anchor.col, active.col),
      c1: Math.max(anchor.col, active.col),
    }),
    [anchor, active],
  );
  const isSelected = (r: number, c: number): boolean => r >= selection.r0 && r <= selection.r1 && c >= selection.c0 && c <= selection.c1;

  const selectedRows = useCallback(
    (wholeRows: boolean) => {
      const out = [];
      for (let r = selection.r0; r <= selection.r1 && r < rows.length; r++) {
        const row = rows[r] ?? [];
        out.push(wholeRows ? row : row.slice(selection.c0, selection.c1 + 1));
      }
      return out;
    },
    [rows, selection],
  );
  const headerFor = (wholeRows: boolean): string[] => (wholeRows ? columns : columns.slice(selection.c0, selection.c1 + 1)).map((c) => c.name);

  const copy = async (format: 'tsv' | 'csv', wholeRows: boolean, withHeader: boolean): Promise<void> => {
    const data = selectedRows(wholeRows);
    const header = withHeader ? headerFor(wholeRows) : null;
    await copyText(format === 'tsv' ? toTsv(header, data) : toCsv(header, data));
    onStatus(`Copied ${data.length} row${data.length === 1 ? '' : 's'} as ${format.toUpperCase()}.`);
  };

  const moveTo = (pos: CellPos, extend: boolean): void => {
    const row = Math.max(0, Math.min(rows.length - 1, pos.row));
    const col = Math.max(0, Math.min(columns.length - 1, pos.col));
    setActive({ row, col });
    if (!extend) setAnchor({ row, col });
    virtualizer.scrollToIndex(row, { align: 'auto' });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 240) / ROW_HEIGHT) - 2);
    const moves: Record<string, CellPos> = {
      ArrowDown: { row: active.row + 1, col: active.col },
      ArrowUp: { row: active.row - 1, col: active.col },
      ArrowLeft: { row: active.row, col: active.col - 1 },
      ArrowRight: { row: active.row, col: active.col + 1 },
      PageDown: { row: active.row + page, col: active.col },
      PageUp: { row: active.row - page, col: active.col },
      Home: e.ctrlKey || e.metaKey ? { row: 0, col: 0 } : { row: active.row, col: 0 },
      End: e.ctrlKey || e.metaKey ? { row: rows.length - 1, col: columns.length - 1 } : { row: active.row, col: columns.length - 1 },
    };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      moveTo(move, e.shiftKey);
    } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'c') {
      e.preventDefault();
      void copy('tsv', false, e.shiftKey);
    } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'a') {
      e.preventDefault();
      setAnchor({ row: 0, col: 0 });
      setActive({ row: rows.length - 1, col: columns.length - 1 });
    }
  };

  const cellId = (r: number, c: number): string => `${idPrefix}-r${r}-c${c}`;
  const activeRendered = items.some((v) => v.index === active.row);
  const status = buffer.hasMore
    ? `${rows.length.toLocaleString()} rows loaded${buffer.fetching ? ', loading more…' : ' — scroll for more'}`
    : `${rows.length.toLocaleString()} row${rows.length === 1 ? '' : 's'}`;

  return (
    <>
      <div
        className="grid"
        ref={scrollRef}
        role="grid"
        aria-label={label}
        aria-rowcount={buffer.hasMore ? -1 : rows.length + 1}
        aria-colcount={columns.length + 1}
        aria-multiselectable="true"
        aria-activedescendant={activeRendered && rows.length > 0 ? cellId(active.row, active.col) : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
        data-testid="result-grid"
      >
        <div className="grid-inner" style={{ width: totalWidth, height: virtualizer.getTotalSize() }}>
          <div role="rowgroup" className="grid-header" style={{ width: totalWidth, height: HEADER_HEIGHT }}>
            <div role="row" aria-rowindex={1} className="grid-header-row">
              <div role="columnheader" className="grid-rownum" style={{ width: ROWNUM_WIDTH }}>
                #
              </div>
              {columns.map((c, i) => (
                <div role="columnheader" key={i} className="grid-head-cell" style={{ width: widths[i] }} title={`${c.name} (${c.typeName})`}>
                  <span className="col-name">{c.name}</span>
                  <span className="col-type">{c.typeName}</span>
                </div>
              ))}
            </div>
          </div>
          {/* Rows are placed from the top of grid-inner (their offsets include the header's height). */}
          <div role="rowgroup" className="grid-body">
            {items.map((v) => {
              const row = rows[v.index] ?? [];
              return (
                <div role="row" key={v.key} aria-rowindex={v.index + 2} className="grid-row" style={{ transform: `translateY(${v.start}px)`, width: totalWidth }}>
                  <div role="rowheader" className="grid-rownum" style={{ width: ROWNUM_WIDTH }}>
                    {v.index + 1}
                  </div>
                  {columns.map((col, c) => {
                    const value = row[c] ?? null;
                    const selected = isSelected(v.index, c);
                    return (
                      <div
                        role="gridcell"
                        key={c}
                        id={cellId(v.index, c)}
                        aria-selected={selected}
                        className={`grid-cell${value === null ? ' null' : ''}${NUMERIC_TYPES.has(col.typeName) ? ' numeric' : ''}`}
                        style={{ width: widths[c] }}
                        onMouseDown={(e) => {
                          if (e.shiftKey) setActive({ row: v.index, col: c });
                          else {
                            setActive({ row: v.index, col: c });
                            setAnchor({ row: v.index, col: c });
                          }
                        }}
                      >
                        {value === null ? 'NULL' : value}
                      </div>
                    );
                  })}
                </div>
              );
            })}
          </div>
        </div>
      </div>
      <div className="grid-footer">
        <span role="status" data-testid="grid-status">
          {status}
        </span>
        {buffer.error ? <span className="badge bad">{buffer.error}</span> : null}
        <span className="spacer" />
        <button type="button" className="small" onClick={() => void copy('tsv', false, false)} title="Ctrl+C">
          Copy cells
        </button>
        <button type="button" className="small" onClick={() => void copy('tsv', true, true)}>
          Copy rows (TSV)
        </button>
        <button type="button" className="small" onClick={() => void copy('csv', true, true)}>
          Copy rows (CSV)
        </button>
        <button type="button" className="small" onClick={onExportCsv}>
          Export CSV…
        </button>
      </div>
    </>
  );
}
