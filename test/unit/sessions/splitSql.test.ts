import { describe, expect, it } from 'vitest';
import { splitSql } from '../../../electron/sessions/splitSql.js';

const texts = (sql: string): string[] => splitSql(sql).map((s) => s.text);

describe('splitSql', () => {
  it('splits on semicolons and keeps offsets', () => {
    const sql = 'select 1;  select 2 ;\nselect 3';
    expect(texts(sql)).toEqual(['select 1', 'select 2', 'select 3']);
    expect(splitSql(sql).map((s) => s.offset)).toEqual([0, 11, 22]);
  });
  it('ignores semicolons in strings, identifiers, dollar quotes and comments', () => {
    expect(texts("select 'a;b', \"c;d\" from t; select 2")).toEqual(["select 'a;b', \"c;d\" from t", 'select 2']);
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
