// Finds the SQL statement under the cursor for Ctrl/Cmd+Enter, with the pieces of the splitter the
// sessions run scripts with (shared/sqlStatements.ts), so the editor and the server agree on where
// a statement ends. Pure, so the editor and tests share it.
import { pieceStatement, sqlPieces } from '../../../shared/sqlStatements.js';

/** A piece of the editor's text to run. */
export interface RunnableSql {
  sql: string;
  /** Offset of `sql` in the document, to map server error positions back. */
  offset: number;
}

/** [start, end) ranges of each statement, semicolons excluded. */
export function statementRanges(text: string): Array<[number, number]> {
  return sqlPieces(text).map(({ start, end }) => [start, end]);
}

/**
 * The statement containing `pos` (a cursor just after `;` belongs to the statement before it),
 * trimmed. Pieces with nothing to run (only whitespace and comments) are skipped: a cursor in one
 * gets the statement before it, as a cursor after the last statement does (so on
 * `select 1; -- note` it runs `select 1`), or the first statement when none comes before.
 */
export function statementAt(text: string, pos: number): RunnableSql {
  const pieces = sqlPieces(text).filter((piece) => !piece.blank);
  const hit = pieces.find((piece) => pos >= piece.start && pos <= piece.end + 1) ?? pieces.filter((piece) => piece.start <= pos).at(-1) ?? pieces[0];
  if (!hit) return { sql: '', offset: 0 };
  const { text: sql, offset } = pieceStatement(text, hit);
  return { sql, offset };
}
