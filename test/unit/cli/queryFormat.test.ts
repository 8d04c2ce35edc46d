// Output formats of `pgentra query` and `pgentra whoami` (pure), and argument errors through the
// dispatcher (they are refused before any profile, token or connection).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Column } from '../../../shared/ipcSessions.js';
import { runCli } from '../../../electron/cli/dispatcher.js';
import { EXIT } from '../../../electron/cli/exitCodes.js';
import { csvField } from '../../../shared/csv.js';
import { CsvWriter } from '../../../electron/cli/output/csv.js';
import { JsonWriter } from '../../../electron/cli/output/jsonLines.js';
import { formatServerError, lineAndColumn } from '../../../electron/cli/output/serverMessages.js';
import type { StatementWriter } from '../../../electron/cli/output/statementWriter.js';
import { TableWriter, commandTag, displayText } from '../../../electron/cli/output/table.js';
import { formatWhoAmI, type WhoAmI } from '../../../electron/cli/commands/whoami.js';
import { QUERY_COMMANDS } from './registry.js';

const int = (name: string): Column => ({ name, typeOid: 23, typeName: 'integer' });
const text = (name: string): Column => ({ name, typeOid: 25, typeName: 'text' });

function render(w: StatementWriter, columns: Column[], pages: (string | null)[][][], command = 'SELECT'): string {
  const [first = [], ...rest] = pages;
  let out = w.begin(columns, first);
  for (const p of rest) out += w.rows(p);
  return out + w.end(command, pages.flat().length);
}

describe('table output', () => {
  it('is psql-like: centered header, numbers right-aligned, row count', () => {
    expect(render(new TableWriter(), [int('a'), text('b')], [[['1', 'x']]])).toBe(' a | b\n---+---\n 1 | x\n(1 row)\n\n');
    expect(render(new TableWriter(), [int('generate_series')], [[['1'], ['2'], ['3']]])).toBe(
      ' generate_series\n-----------------\n               1\n               2\n               3\n(3 rows)\n\n',
    );
  });

  it('multi-line cells continue with "+", NULL is empty, control characters are escaped', () => {
    const out = render(
      new TableWriter(),
      [text('name'), int('n')],
      [
        [
          ['a\nbb', null],
          ['\u001b[31mred\t', '10'],
        ],
      ],
    );
    expect(out).toBe('     name      | n\n---------------+----\n a            +|\n bb            |\n \\x1b[31mred\\t | 10\n(2 rows)\n\n');
  });

  it("later pages keep the first page's widths (streamed)", () => {
    const out = render(new TableWriter(), [text('t'), text('u')], [[['a', 'b']], [['longer', 'c']]]);
    expect(out).toBe(' t | u\n---+---\n a | b\n longer | c\n(2 rows)\n\n');
  });

  it('statements without rows print their command tag', () => {
    const w = new TableWriter();
    expect(w.begin([], []) + w.end('INSERT', 3)).toBe('INSERT 0 3\n');
    expect(commandTag('CREATE', null)).toBe('CREATE');
    expect(commandTag('UPDATE', 2)).toBe('UPDATE 2');
    expect(commandTag('SET', null)).toBe('SET');
  });

  it('displayText keeps newlines and escapes other controls', () => {
    expect(displayText(null)).toBe('');
    expect(displayText('a\nb\r\u0007')).toBe('a\nb\\r\\x07');
  });
});

describe('CSV output', () => {
  it('quotes commas, quotes, CR and LF; NULL is empty, empty string is ""', () => {
    expect(csvField(null)).toBe('');
    expect(csvField('')).toBe('""');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('l1\nl2')).toBe('"l1\nl2"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField('\\.')).toBe('"\\."');
    expect(csvField('plain text')).toBe('plain text');
  });

  it('header then rows; result sets after the first are separated by an empty line', () => {
    let printed = 0;
    const first = new CsvWriter(() => printed > 0);
    const a = render(first, [int('a'), text('b,c')], [[['1', null]], [['2', '']]]);
    printed++;
    const b = render(new CsvWriter(() => printed > 0), [int('x')], [[['9']]]);
    expect(a + b).toBe('a,"b,c"\n1,\n2,""\n\nx\n9\n');
    expect(render(new CsvWriter(() => true), [], [[]], 'CREATE')).toBe('');
  });
});

describe('JSON Lines output', () => {
  it('one object per statement, streamed rows, parseable', () => {
    const line = render(new JsonWriter(0), [int('a'), text('b')], [[['1', null]], [], [['2', 'x"y']]]);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(line)).toEqual({
      index: 0,
      columns: [
        { name: 'a', type: 'integer', typeOid: 23 },
        { name: 'b', type: 'text', typeOid: 25 },
      ],
      rows: [
        ['1', null],
        ['2', 'x"y'],
      ],
      rowCount: 2,
      command: 'SELECT',
    });
  });

  it('a failing statement closes its object with an error, before or after rows', () => {
    const err = { code: 'query_failed' as const, message: 'division by zero', details: { sqlstate: '22012', severity: 'ERROR' } };
    const w = new JsonWriter(1);
    const after = JSON.parse(w.begin([int('a')], [['1']]) + w.fail(err, 8)) as Record<string, unknown>;
    expect(after).toMatchObject({ index: 1, rows: [['1']], rowCount: null, command: null, error: { code: 'query_failed', sqlstate: '22012', message: 'division by zero', position: 8 } });
    const before = JSON.parse(new JsonWriter(2).fail(err, undefined)) as Record<string, unknown>;
    expect(before).toEqual({ index: 2, columns: [], rows: [], rowCount: null, command: null, error: { code: 'query_failed', sqlstate: '22012', message: 'division by zero' } });
  });
});

describe('server errors', () => {
  it('one line with SQLSTATE and line/column, then DETAIL and HINT', () => {
    const sql = 'select 1;\nselect foo(';
    expect(lineAndColumn(sql, 11)).toEqual({ line: 2, column: 1 });
    expect(lineAndColumn(sql, 1)).toEqual({ line: 1, column: 1 });
    const out = formatServerError({ code: 'query_failed', message: 'syntax error at end of input', hint: 'Try\nthis.', details: { sqlstate: '42601', detail: 'More.' } }, sql, 22);
    expect(out).toBe('ERROR: syntax error at end of input (SQLSTATE 42601, line 2, column 12)\nDETAIL: More.\nHINT: Try this.\n');
    expect(formatServerError({ code: 'query_failed', message: 'division by zero', details: { sqlstate: '22012' } }, 'select 1/0', undefined)).toBe('ERROR: division by zero (SQLSTATE 22012)\n');
  });
});

describe('whoami text', () => {
  it('lists identity, TLS and claims; no claims section without a token', () => {
    const w: WhoAmI = {
      profile: { id: 'p1', name: 'prod' },
      host: 'srv.postgres.database.azure.com',
      port: 5432,
      database: 'postgres',
      sslmode: 'verify-full',
      username: 'db-admins',
      currentUser: 'db-admins',
      sessionUser: 'db-admins',
      serverVersion: '16.4',
      backendPid: 42,
      tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
      account: 'adm-alice@contoso.com',
      tokenExpiresOn: new Date(Date.UTC(2030, 0, 1, 1, 0)).toISOString(),
      token: { kind: 'user', upn: 'adm-alice@contoso.com', groupsCount: 3, groupsOverage: false, expectedUsername: 'adm-alice@contoso.com' },
    };
    const out = formatWhoAmI(w, Date.UTC(2030, 0, 1, 0, 0));
    expect(out).toMatch(/^current_user {4}db-admins$/m);
    expect(out).toMatch(/^TLS +TLSv1\.3, TLS_AES_256_GCM_SHA384$/m);
    expect(out).toMatch(/^Token expires +2030-01-01T01:00:00\.000Z \(in 60 min\)$/m);
    expect(out).toMatch(/^ {2}groups +3$/m);
    expect(out).toMatch(/^ {2}logs in as +adm-alice@contoso\.com$/m);
    const plain = formatWhoAmI({ ...w, tls: null, token: null });
    expect(plain).toMatch(/^TLS +none/m);
    expect(plain).not.toMatch(/Token claims/);
  });
});

describe('argument errors (exit 64, before any connection)', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-cli-args-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runCli(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: { PGENTRA_HOME: home }, cwd: home, commands: QUERY_COMMANDS });
    return { code, out, err };
  }

  it('query and whoami refuse missing or conflicting arguments; help documents the formats', async () => {
    expect((await cli('query')).code).toBe(EXIT.usage);
    const noSql = await cli('query', 'prod');
    expect(noSql.code).toBe(EXIT.usage);
    expect(noSql.err).toMatch(/-c SQL/);
    expect((await cli('query', 'prod', '-c', 'select 1', '--json', '--csv')).code).toBe(EXIT.usage);
    expect((await cli('query', 'prod', '-c', 'select 1', '-f', 'x.sql')).code).toBe(EXIT.usage);
    expect((await cli('query', 'prod', '-c', ' -- nothing\n ;')).code).toBe(EXIT.usage);
    expect((await cli('whoami')).code).toBe(EXIT.usage);
    expect((await cli('whoami', 'a', 'b')).code).toBe(EXIT.usage);
    const help = await cli('query', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--csv/);
    expect(help.out).toMatch(/JSON Lines/);
    expect(help.out).toMatch(/130/);
    expect((await cli('whoami', '--help')).out).toMatch(/managed identity/);
  });

  it('an unknown profile is not_found (exit 1) with the profile name', async () => {
    const r = await cli('whoami', 'nope');
    expect(r.code).toBe(EXIT.failure);
    expect(r.err).toMatch(/nope/);
  });
});
