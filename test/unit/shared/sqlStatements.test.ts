// shared/sqlStatements.ts, the one SQL splitter: the sessions and `pgentra query` run what
// splitSql gives, and the editor's Ctrl/Cmd+Enter (renderer statementAt) picks from the same
// pieces. Semicolons hide where psql's lexer hides them (standard_conforming_strings on).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitSql, sqlPieces } from '../../../shared/sqlStatements.js';
import { statementAt } from '../../../renderer/features/query/statementAt.js';

const texts = (sql: string): string[] => splitSql(sql).map((s) => s.text);

describe('splitSql', () => {
  it('splits on semicolons and keeps offsets', () => {
    const sql = 'select 1;  select 2 ;\nselect 3';
    expect(texts(sql)).toEqual(['select 1', 'select 2', 'select 3']);
    expect(splitSql(sql).map((s) => s.offset)).toEqual([0, 11, 22]);
  });
  it('ignores semicolons in strings, identifiers, dollar quotes and comments', () => {
    expect(texts('select \'a;b\', "c;d" from t; select 2')).toEqual(['select \'a;b\', "c;d" from t', 'select 2']);
    expect(texts("select 'it''s; fine'; select 2")).toEqual(["select 'it''s; fine'", 'select 2']);
    expect(texts("select E'a\\';b'; select 2")).toEqual(["select E'a\\';b'", 'select 2']);
    expect(texts('do $$ begin perform 1; end $$; select 2')).toEqual(['do $$ begin perform 1; end $$', 'select 2']);
    expect(texts('create function f() returns int as $fn$ select 1; $fn$ language sql; select 2')).toHaveLength(2);
    expect(texts('select 1 -- ; not here\n; select 2')).toEqual(['select 1 -- ; not here', 'select 2']);
    expect(texts('select /* ; /* nested ; */ still ; */ 1; select 2')).toEqual(['select /* ; /* nested ; */ still ; */ 1', 'select 2']);
    expect(texts('select $1::int; select a$b from t')).toEqual(['select $1::int', 'select a$b from t']);
  });
  it('drops empty and comment-only statements', () => {
    expect(texts(';;  ; -- only a comment\n /* x */ ;')).toEqual([]);
    expect(texts('')).toEqual([]);
  });
  it('keeps an unterminated string or dollar quote as one statement', () => {
    expect(texts("select 'abc; select 2")).toEqual(["select 'abc; select 2"]);
    expect(texts('select $$abc; select 2')).toEqual(['select $$abc; select 2']);
  });
});

describe('psql rules for what hides a semicolon', () => {
  it("a backslash is a plain character in '…' (standard_conforming_strings) and an escape in E'…'", () => {
    expect(texts("select 'a\\'; select 2")).toEqual(["select 'a\\'", 'select 2']);
    expect(texts("select e'a\\';b'; select 2")).toEqual(["select e'a\\';b'", 'select 2']);
    expect(texts("select E'a\\\\'; select 2")).toEqual(["select E'a\\\\'", 'select 2']); // \\ is one backslash
    expect(texts("select E'a''b;c'; select 2")).toEqual(["select E'a''b;c'", 'select 2']);
  });
  it("only an E standing alone starts an E'…' string: not the end of a longer name or number", () => {
    expect(texts("select some'a\\'; select 2")).toEqual(["select some'a\\'", 'select 2']);
    expect(texts("select 1e'a\\'; select 2")).toEqual(["select 1e'a\\'", 'select 2']);
  });
  it("a '…' continuing an E'…' string across a newline keeps the backslash escapes; without a newline it is a new string", () => {
    expect(texts("select E'a'\n  '\\';'; select 2")).toEqual(["select E'a'\n  '\\';'", 'select 2']);
    expect(texts("select E'a' -- note\n'\\';'; select 2")).toEqual(["select E'a' -- note\n'\\';'", 'select 2']);
    expect(texts("select E'a' '\\'; select 2")).toEqual(["select E'a' '\\'", 'select 2']);
  });
  it("B'…', X'…', N'…' and U&'…' strings and U&\"…\" identifiers take no backslash escapes", () => {
    expect(texts("select x'1\\'; select 2")).toEqual(["select x'1\\'", 'select 2']);
    expect(texts('select U&\'a\\\'; select U&"b\\"; select 3')).toEqual(["select U&'a\\'", 'select U&"b\\"', 'select 3']);
    expect(texts("select n'a;b'; select 2")).toEqual(["select n'a;b'", 'select 2']);
  });
  it('a $ inside an identifier (letters, digits, _, $, non-ASCII) is part of it, not a dollar quote', () => {
    expect(texts('select a$b$c; select 2')).toEqual(['select a$b$c', 'select 2']);
    expect(texts('select a$$b$$c; select 2')).toEqual(['select a$$b$$c', 'select 2']);
    expect(texts('select _$$x; select 2')).toEqual(['select _$$x', 'select 2']);
    expect(texts('select é$$x; select 2')).toEqual(['select é$$x', 'select 2']);
  });
  it('a dollar-quote tag follows identifier rules without $; the quote ends at the first identical delimiter', () => {
    expect(texts('select $é$ ; $é$; select 2')).toEqual(['select $é$ ; $é$', 'select 2']);
    expect(texts('select $A$ ; $a$ ; $A$; select 2')).toEqual(['select $A$ ; $a$ ; $A$', 'select 2']); // tags are case-sensitive
    expect(texts('select $fn$ ; $x$fn$; select 2')).toEqual(['select $fn$ ; $x$fn$', 'select 2']);
    const tag = `$${'t'.repeat(100)}$`;
    expect(texts(`select ${tag} ; ${tag}; select 2`)).toEqual([`select ${tag} ; ${tag}`, 'select 2']);
    expect(texts('select $1$ ; select 2')).toEqual(['select $1$', 'select 2']); // $1 is a parameter
    expect(texts('select 1$$ ; $$; select 2')).toEqual(['select 1$$ ; $$', 'select 2']); // after a number
  });
  it('block comments nest; a comment holding only comments is blank, an unterminated one is left for the server to report', () => {
    expect(texts('select 1; /* /* */ ; */')).toEqual(['select 1']);
    expect(texts('select 1; /* a -- b */ select 2')).toEqual(['select 1', '/* a -- b */ select 2']);
    expect(texts('select 1; /* unterminated; select 2')).toEqual(['select 1', '/* unterminated; select 2']);
    expect(texts('select 1; /* /* */ unterminated')).toEqual(['select 1', '/* /* */ unterminated']);
  });
  it('a -- comment ends at a line feed or a carriage return', () => {
    expect(texts('select 1 -- a\r; select 2')).toEqual(['select 1 -- a', 'select 2']);
    expect(texts('-- a\rselect 1')).toEqual(['-- a\rselect 1']);
  });
});

describe('sqlPieces', () => {
  it('gives every piece between top-level semicolons, blank ones included, semicolons excluded', () => {
    expect(sqlPieces('select 1; -- c\n;;x')).toEqual([
      { start: 0, end: 8, blank: false },
      { start: 9, end: 15, blank: true },
      { start: 16, end: 16, blank: true },
      { start: 17, end: 18, blank: false },
    ]);
    expect(sqlPieces('')).toEqual([{ start: 0, end: 0, blank: true }]);
  });
});

/** SQL-ish text: the characters and fragments that open and close quotes and comments. */
const sqlish = fc
  .array(fc.constantFrom("'", '"', ';', '$', '$$', '$a$', 'a', 'e', 'E', '1', ' ', '\n', '\r', '--', '/*', '*/', '*', '/', '-', '\\', 'é', 'select'), { maxLength: 24 })
  .map((parts) => parts.join(''));

describe('one splitter for the server and the editor', () => {
  it('the pieces cover the text exactly, joined by semicolons', () => {
    fc.assert(
      fc.property(sqlish, (text) => {
        const pieces = sqlPieces(text);
        expect(pieces.map((p) => text.slice(p.start, p.end)).join(';')).toBe(text);
        for (const [i, p] of pieces.entries()) if (i > 0) expect(p.start).toBe((pieces[i - 1]?.end ?? -1) + 1);
      }),
      { numRuns: 2000 },
    );
  });

  it('the editor runs exactly what the server would run: statementAt at any cursor gives one of the statements of splitSql, or nothing only when there is none', () => {
    fc.assert(
      fc.property(sqlish, fc.nat(30), (text, pos) => {
        const statements = splitSql(text);
        const picked = statementAt(text, pos);
        if (statements.length === 0) expect(picked).toEqual({ sql: '', offset: 0 });
        else expect(statements).toContainEqual({ text: picked.sql, offset: picked.offset });
        // A cursor at the end of a statement's text gets that statement (at its start it may be just after the previous ';').
        for (const s of statements) expect(statementAt(text, s.offset + s.text.length)).toEqual({ sql: s.text, offset: s.offset });
      }),
      { numRuns: 2000 },
    );
  });
});
