// Finds the SQL statement under the cursor for Ctrl/Cmd+Enter: splits on top-level semicolons,
// skipping quotes, dollar quotes and comments. Pure, so the editor and tests share it.

/** A piece of the editor's text to run. */
export interface RunnableSql {
  sql: string;
  /** Offset of `sql` in the document, to map server error positions back. */
  offset: number;
}

/** [start, end) ranges of each statement, semicolons excluded. */
export function statementRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length) {
        if (text[j] === c) {
          if (text[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      i = j + 1;
    } else if (c === '$') {
      const tag = /^\$[A-Za-z_]?[A-Za-z0-9_]*\$/.exec(text.slice(i, i + 64));
      if (tag) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? text.length : end + tag[0].length;
      } else i++;
    } else if (c === ';') {
      ranges.push([start, i]);
      start = i + 1;
      i++;
    } else i++;
  }
  ranges.push([start, text.length]);
  return ranges;
}

/** The statement containing `pos` (a cursor just after `;` belongs to the statement before it), trimmed. */
export function statementAt(text: string, pos: number): RunnableSql {
  const ranges = statementRanges(text).filter(([s, e]) => text.slice(s, e).trim() !== '');
  if (ranges.length === 0) return { sql: '', offset: 0 };
  const hit = ranges.find(([s, e]) => pos >= s && pos <= e + 1) ?? ranges.filter(([s]) => s <= pos).at(-1) ?? ranges[0];
  const [s, e] = hit ?? [0, text.length];
  const raw = text.slice(s, e);
  const lead = raw.length - raw.trimStart().length;
  return { sql: raw.trim(), offset: s + lead };
}
