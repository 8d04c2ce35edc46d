// `pgentra query --json`: one JSON object per statement on one line (JSON Lines), written as its
// rows arrive; a failing statement's object ends with an "error".
import type { ErrorPayload } from '../../../shared/errors.js';
import type { Column, Row } from '../../../shared/ipcSessions.js';
import type { StatementWriter } from './statementWriter.js';

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
