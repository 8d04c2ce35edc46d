// SQL text split into statements at top-level semicolons: the one splitter of the app. The
// sessions run a script statement by statement (pg-cursor's extended protocol takes one statement
// per Parse), so does `pgentra query`, and the editor's Ctrl/Cmd+Enter finds the statement under
// the cursor with the same pieces. Pure, no I/O and no Node: the renderer uses it too.
//
// What hides a semicolon follows psql's lexer (src/fe_utils/psqlscan.l):
// - '…' strings double a quote ('') and take a backslash as a plain character
//   (standard_conforming_strings = on, the server default since PostgreSQL 9.1). E'…' strings
//   also take backslash escapes (\' does not close), and a '…' continuing an E'…' string across a
//   newline (SQL's string continuation) keeps them. B'…', X'…', N'…' and U&'…' are plain '…'.
// - "…" identifiers (U&"…" too) double a quote ("").
// - $tag$…$tag$ dollar quotes, the tag an identifier without $ (or empty), closed by the first
//   identical delimiter. A $ inside an identifier is part of it (`a$b$c` is one identifier, not a
//   quote), and `$1` is a parameter.
// - -- comments run to the end of the line (LF or CR); /* … */ comments nest.
// - An unterminated quote or comment runs to the end of the text.
// Not followed: psql also keeps a semicolon inside parentheses, or inside the body of
// CREATE FUNCTION/PROCEDURE … BEGIN ATOMIC … END, in the statement, and it has backslash commands.

/** The text between two top-level semicolons (or the start or end of the text). */
export interface SqlPiece {
  /** Offset of the piece's first character. */
  start: number;
  /** Offset just past its last character: the semicolon that ends it, or the end of the text. */
  end: number;
  /**
   * Only whitespace and complete comments: nothing for the server to run. (An unterminated block
   * comment is not blank: the server reports it.)
   */
  blank: boolean;
}

/** One statement to run. */
export interface SqlStatement {
  /** The statement text without the terminating semicolon, trimmed. */
  text: string;
  /** Offset of the statement's first character in the original text (for error positions). */
  offset: number;
}

/** A dollar-quote delimiter at lastIndex: `$tag$` or `$$`. */
const DOLLAR_DELIMITER = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)?\$/y;
/** After an E'…' string's closing quote: whitespace with a newline (comments allowed), then '. */
const STRING_CONTINUES = /(?:[ \t\f\v]|--[^\n\r]*)*[\n\r](?:[ \t\n\r\f\v]+|--[^\n\r]*[\n\r])*'/y;
const WHITESPACE = /\s/;

/** A letter, _ or any non-ASCII character: what starts an identifier (and a dollar-quote tag). */
function identStart(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code === 0x5f || code >= 0x80;
}

function digit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Just past the rest of an identifier from `i`: letters, _, non-ASCII, digits and $. */
function identEnd(text: string, i: number): number {
  let j = i;
  while (j < text.length) {
    const code = text.charCodeAt(j);
    if (!identStart(code) && !digit(code) && code !== 0x24) break;
    j++;
  }
  return j;
}

/** Just past a '…' or "…" quote opened at `open` (the end of the text if unterminated). */
function quoteEnd(text: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < text.length) {
    const c = text.charAt(i);
    if (backslashEscapes && c === '\\') i += 2;
    else if (c !== quote) i++;
    else if (text.charAt(i + 1) === quote) i += 2;
    else {
      i++;
      if (!backslashEscapes) return i;
      STRING_CONTINUES.lastIndex = i;
      if (!STRING_CONTINUES.test(text)) return i;
      i = STRING_CONTINUES.lastIndex;
    }
  }
  return text.length;
}

/** Just past the block comment opened at `open`, or -1 when it is unterminated. */
function blockCommentEnd(text: string, open: number): number {
  let depth = 1;
  let i = open + 2;
  while (i < text.length) {
    const c = text.charAt(i);
    const next = text.charAt(i + 1);
    if (c === '/' && next === '*') {
      depth++;
      i += 2;
    } else if (c === '*' && next === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return -1;
}

/** Just past the token that starts at `i` (not whitespace, a comment or a semicolon). */
function tokenEnd(text: string, i: number): number {
  const c = text.charAt(i);
  if (c === "'" || c === '"') return quoteEnd(text, i, c, false);
  if (c === '$') {
    DOLLAR_DELIMITER.lastIndex = i;
    const delimiter = DOLLAR_DELIMITER.exec(text)?.[0];
    if (delimiter === undefined) return i + 1; // $1, or a lone $
    const close = text.indexOf(delimiter, i + delimiter.length);
    return close < 0 ? text.length : close + delimiter.length;
  }
  const code = text.charCodeAt(i);
  if (identStart(code)) {
    if ((c === 'e' || c === 'E') && text.charAt(i + 1) === "'") return quoteEnd(text, i + 1, "'", true);
    return identEnd(text, i + 1);
  }
  if (digit(code)) {
    // Digits, and letters straight after them: `1e'…'` is the number junk `1e` and a '…' string
    // (PostgreSQL 16+), not an E'…' string. A $ after digits may still open a dollar quote.
    let j = i + 1;
    while (j < text.length && digit(text.charCodeAt(j))) j++;
    return j < text.length && identStart(text.charCodeAt(j)) ? identEnd(text, j + 1) : j;
  }
  return i + 1;
}

/**
 * The text split at every top-level semicolon: at least one piece, the last one running to the
 * end of the text. Pieces do not include their semicolons; blank ones are kept.
 */
export function sqlPieces(text: string): SqlPiece[] {
  const pieces: SqlPiece[] = [];
  let start = 0;
  let blank = true;
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    const next = text.charAt(i + 1);
    if (c === ';') {
      pieces.push({ start, end: i, blank });
      start = i + 1;
      blank = true;
      i++;
    } else if (c === '-' && next === '-') {
      i += 2;
      while (i < text.length && text.charAt(i) !== '\n' && text.charAt(i) !== '\r') i++;
    } else if (c === '/' && next === '*') {
      const end = blockCommentEnd(text, i);
      if (end < 0) {
        blank = false;
        i = text.length;
      } else i = end;
    } else if (WHITESPACE.test(c)) {
      i++;
    } else {
      blank = false;
      i = tokenEnd(text, i);
    }
  }
  pieces.push({ start, end: text.length, blank });
  return pieces;
}

/** A piece's text, trimmed, with the offset of its first character. */
export function pieceStatement(text: string, piece: SqlPiece): SqlStatement {
  const raw = text.slice(piece.start, piece.end);
  const lead = raw.length - raw.trimStart().length;
  return { text: raw.trim(), offset: piece.start + lead };
}

/** The statements to run, in order: the pieces that are not blank, trimmed. */
export function splitSql(text: string): SqlStatement[] {
  return sqlPieces(text)
    .filter((piece) => !piece.blank)
    .map((piece) => pieceStatement(text, piece));
}
