// Ctrl/Cmd+Enter runs the statement under the cursor: statementRanges splits the editor text on
// top-level semicolons (not inside quotes, dollar quotes or comments) with the server's splitter
// (shared/sqlStatements.ts), statementAt picks the one the cursor is in and says where its trimmed
// text starts (to map server error positions back).
import { describe, expect, it } from 'vitest';
import { statementAt, statementRanges } from '../../../renderer/features/query/statementAt.js';

/** The text of each [start, end) range. */
const pieces = (text: string): string[] => statementRanges(text).map(([s, e]) => text.slice(s, e));

describe('statementRanges', () => {
  it('splits on top-level semicolons, excluding them, and always ends with the text after the last one', () => {
    expect(statementRanges('select 1; select 2')).toEqual([
      [0, 8],
      [9, 18],
    ]);
    expect(pieces('select 1;')).toEqual(['select 1', '']);
    expect(pieces('a;;b')).toEqual(['a', '', 'b']);
    expect(statementRanges('')).toEqual([[0, 0]]);
  });

  it('does not split inside single-quoted strings, doubled quotes included', () => {
    expect(pieces("select 'a;b'; select 2")).toEqual(["select 'a;b'", ' select 2']);
    expect(pieces("select 'it''s; fine'; select 2")).toEqual(["select 'it''s; fine'", ' select 2']);
  });

  it('does not split inside quoted identifiers, doubled quotes included', () => {
    expect(pieces('select "a;""b" from t; select 2')).toEqual(['select "a;""b" from t', ' select 2']);
  });

  it('does not split inside dollar quotes, tagged or not; the tag must match to close', () => {
    expect(pieces('do $$ begin perform 1; end $$; select 2')).toEqual(['do $$ begin perform 1; end $$', ' select 2']);
    expect(pieces('select $fn$ a; $x$ b; $fn$; select 2')).toEqual(['select $fn$ a; $x$ b; $fn$', ' select 2']);
  });

  it('treats $1 parameters as plain text, not as a dollar quote', () => {
    expect(pieces('select $1::int; select $2')).toEqual(['select $1::int', ' select $2']);
  });

  it('does not split inside -- line comments or /* block */ comments', () => {
    expect(pieces('select 1 -- not ; here\n; select 2')).toEqual(['select 1 -- not ; here\n', ' select 2']);
    expect(pieces('select /* ; */ 1; select 2')).toEqual(['select /* ; */ 1', ' select 2']);
  });

  it("does not split inside an E'…' string at an escaped quote (\\' does not close it; in '…' a backslash is plain)", () => {
    expect(pieces("select E'a\\';b'; select 2")).toEqual(["select E'a\\';b'", ' select 2']);
    expect(pieces("select 'a\\'; select 2")).toEqual(["select 'a\\'", ' select 2']);
  });

  it('block comments nest: the comment ends at the */ matching its /*', () => {
    expect(pieces('select /* /* */ ; */ 1; select 2')).toEqual(['select /* /* */ ; */ 1', ' select 2']);
  });

  it('a $ inside an identifier is part of it, not the start of a dollar quote', () => {
    expect(pieces('select a$b$c; select 2')).toEqual(['select a$b$c', ' select 2']);
  });

  it('keeps an unterminated string, identifier, dollar quote or comment to the end of the text', () => {
    expect(pieces("select 'abc; select 2")).toEqual(["select 'abc; select 2"]);
    expect(pieces('select "abc; select 2')).toEqual(['select "abc; select 2']);
    expect(pieces('select $$abc; select 2')).toEqual(['select $$abc; select 2']);
    expect(pieces('select 1 /* ; select 2')).toEqual(['select 1 /* ; select 2']);
    expect(pieces('select 1 -- ; select 2')).toEqual(['select 1 -- ; select 2']);
  });
});

describe('statementAt', () => {
  const two = 'select 1; select 2';

  it('returns the statement the cursor is in, trimmed, with the offset of its first character', () => {
    expect(statementAt(two, 0)).toEqual({ sql: 'select 1', offset: 0 });
    expect(statementAt(two, 3)).toEqual({ sql: 'select 1', offset: 0 });
    expect(statementAt(two, 14)).toEqual({ sql: 'select 2', offset: 10 });
  });

  it('at the boundaries: before and just after the semicolon belong to the statement before it', () => {
    expect(statementAt(two, 8)).toEqual({ sql: 'select 1', offset: 0 }); // before ';'
    expect(statementAt(two, 9)).toEqual({ sql: 'select 1', offset: 0 }); // just after ';'
    expect(statementAt(two, 10)).toEqual({ sql: 'select 2', offset: 10 }); // one further: the next one
    expect(statementAt(two, two.length)).toEqual({ sql: 'select 2', offset: 10 }); // end of the text
  });

  it('a cursor on a blank line between statements picks the next statement, with its offset past the blank lines', () => {
    const text = 'select 1;\n\nselect 2';
    expect(statementAt(text, 10)).toEqual({ sql: 'select 2', offset: 11 });
    expect(text.slice(11)).toBe('select 2');
  });

  it('skips empty pieces: after trailing semicolons the cursor still finds the last real statement', () => {
    expect(statementAt('select 1;;  ;', 13)).toEqual({ sql: 'select 1', offset: 0 });
    expect(statementAt('select 1;\n  select 2;  \n', 25)).toEqual({ sql: 'select 2', offset: 12 });
  });

  it('a cursor before the first statement (in leading blanks or empty pieces) gets the first statement', () => {
    expect(statementAt('  ;select 1', 0)).toEqual({ sql: 'select 1', offset: 3 });
    expect(statementAt('\n\n  select 1  ;\n', 0)).toEqual({ sql: 'select 1', offset: 4 });
  });

  it('a cursor past the end of the text gets the last statement', () => {
    expect(statementAt(two, 1000)).toEqual({ sql: 'select 2', offset: 10 });
  });

  it('returns nothing to run for empty or blank text', () => {
    expect(statementAt('', 0)).toEqual({ sql: '', offset: 0 });
    expect(statementAt('  \n\t ', 2)).toEqual({ sql: '', offset: 0 });
    expect(statementAt(' ; ;; ', 3)).toEqual({ sql: '', offset: 0 });
  });

  it('pieces holding only comments are skipped like blank ones: a cursor in a trailing comment gets the statement before it', () => {
    const text = 'select 1; -- c';
    for (let pos = text.indexOf('--'); pos <= text.length; pos++) expect(statementAt(text, pos)).toEqual({ sql: 'select 1', offset: 0 });
    expect(statementAt('select 1;\n/* a */ ;\n-- b\n', 20)).toEqual({ sql: 'select 1', offset: 0 });
    expect(statementAt('/* a */ ; select 2', 2)).toEqual({ sql: 'select 2', offset: 10 }); // none before: the first
    expect(statementAt('-- only a comment\n/* and another */', 5)).toEqual({ sql: '', offset: 0 });
  });

  it('the four cases the editor used to get wrong agree with the server splitter now', () => {
    const eString = "select E'a\\';b'; select 2";
    expect(statementAt(eString, eString.indexOf('b'))).toEqual({ sql: "select E'a\\';b'", offset: 0 });
    const nested = 'select /* /* */ ; */ 1; select 2';
    expect(statementAt(nested, nested.indexOf(' ; ') + 2)).toEqual({ sql: 'select /* /* */ ; */ 1', offset: 0 });
    const identifier = 'select a$b$c; select 2';
    expect(statementAt(identifier, identifier.length)).toEqual({ sql: 'select 2', offset: 14 });
    expect(statementAt('select 1; -- c', 13)).toEqual({ sql: 'select 1', offset: 0 });
  });

  it('a semicolon inside a string, dollar quote or comment does not end the statement under the cursor', () => {
    const text = "select 'a;b' as x; do $$ begin perform 1; end $$; select /* ; */ 3";
    const inString = text.indexOf('b');
    const inBody = text.indexOf('perform');
    const inComment = text.indexOf('/*') + 3;
    expect(statementAt(text, inString)).toEqual({ sql: "select 'a;b' as x", offset: 0 });
    expect(statementAt(text, inBody)).toEqual({ sql: 'do $$ begin perform 1; end $$', offset: text.indexOf('do') });
    expect(statementAt(text, inComment)).toEqual({ sql: 'select /* ; */ 3', offset: text.indexOf('select /*') });
  });

  it('the offset maps back into the document: text.slice(offset) starts with the returned sql', () => {
    const text = '-- header\nselect 1;\n\n   update t set a = 1\n  where b;\n';
    for (let pos = 0; pos <= text.length; pos++) {
      const r = statementAt(text, pos);
      expect(text.slice(r.offset, r.offset + r.sql.length)).toBe(r.sql);
    }
    expect(statementAt(text, text.indexOf('update'))).toEqual({ sql: 'update t set a = 1\n  where b', offset: text.indexOf('update') });
  });
});
