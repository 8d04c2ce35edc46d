// `pgentra whoami` and `pgentra query` in-process through the dispatcher, against the simulated
// Entra ID and flexible server: sign in once (keychain), a saved profile for the group db-admins,
// then each command run gets its own broker and session as a real CLI process would.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../electron/cli/dispatcher.js';
import { EXIT } from '../../../electron/cli/exitCodes.js';
import { PAGE_ROWS } from '../../../electron/cli/commands/query.js';
import type { WhoAmI } from '../../../electron/cli/commands/whoami.js';
import { ACCOUNTS } from '../../sim/types.js';
import { startSignedInProfile, type SignedInProfile } from './signedInProfile.js';
import { QUERY_COMMANDS } from '../../unit/cli/registry.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const PROFILE = 'sim-admins';
const JWT = /eyJ[\w-]{10,}\.[\w-]{10,}\./;
const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cliEntry.ts');

let home: string;
/** The token the commands log in with (the broker's cached one), to prove it is never printed. */
let token: string;

interface Sink {
  write(s: string): unknown;
}
interface Run {
  code: number;
  out: string;
  err: string;
  ms: number;
}

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, PGENTRA_HOME: home };
  delete e.PGENTRA_CLOUD_FILE;
  return e;
}

async function cli(argv: string[], opts: { stdout?: Sink; signal?: AbortSignal } = {}): Promise<Run> {
  let out = '';
  let err = '';
  const started = Date.now();
  const code = await runCli(argv, {
    stdout: opts.stdout ?? { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: env(),
    cwd: home,
    commands: QUERY_COMMANDS,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { code, out, err, ms: Date.now() - started };
}

let fixture: SignedInProfile | undefined;
beforeAll(async () => {
  if (!keyring) return;
  fixture = await startSignedInProfile(PROFILE, 'pgentra-cli-query-');
  ({ home, token } = fixture);
});

afterAll(async () => {
  await fixture?.stop();
});

function noToken(r: Run): void {
  expect(r.out).not.toContain(token);
  expect(r.err).not.toContain(token);
  expect(r.out + r.err).not.toMatch(JWT);
}

describe.skipIf(!keyring)('pgentra whoami', () => {
  it('shows db-admins as current_user, TLS, the account and the token claims — never the token', async () => {
    const r = await cli(['whoami', PROFILE]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^current_user {4}db-admins$/m);
    expect(r.out).toMatch(/^session_user {4}db-admins$/m);
    expect(r.out).toMatch(/^TLS +TLSv1\.[23], \S+/m);
    expect(r.out).toMatch(/^Account +adm-alice@contoso\.example$/m);
    expect(r.out).toMatch(/^Token expires +\d{4}-\d\d-\d\dT/m);
    expect(r.out).toMatch(/^ {2}upn +adm-alice@contoso\.example$/m);
    expect(r.out).toMatch(/^Server version +\d+/m);
    noToken(r);

    const j = await cli(['whoami', PROFILE, '--json']);
    expect(j.code).toBe(0);
    const w = JSON.parse(j.out) as WhoAmI;
    expect(w).toMatchObject({ currentUser: 'db-admins', sessionUser: 'db-admins', account: ACCOUNTS.secondary, username: 'db-admins', profile: { name: PROFILE } });
    expect(w.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(w.token).toMatchObject({ kind: 'user', upn: ACCOUNTS.secondary, expectedUsername: ACCOUNTS.secondary });
    expect(Date.parse(w.tokenExpiresOn ?? '')).toBeGreaterThan(Date.now());
    noToken(j);
  });
});

describe.skipIf(!keyring)('pgentra query', () => {
  it('table output for several statements, psql-like', async () => {
    const r = await cli(['query', PROFILE, '-c', "select 1 as a, 'x' as b; select generate_series(1,3)"]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(' a | b\n---+---\n 1 | x\n(1 row)\n\n generate_series\n-----------------\n               1\n               2\n               3\n(3 rows)\n\n');
    noToken(r);
    const ddl = await cli(['query', PROFILE, '-c', 'create temp table t(x int); insert into t select generate_series(1,3); select current_user']);
    expect(ddl.code).toBe(0);
    expect(ddl.out).toBe('CREATE\nINSERT 0 3\n current_user\n--------------\n db-admins\n(1 row)\n\n');
  });

  it('--csv quotes commas, quotes and newlines; NULL is empty, empty string is ""; every statement\'s rows stream', async () => {
    const r = await cli(['query', PROFILE, '--csv', '-c', `select 'a,b' as "x,y", 'say "hi"' as q, E'l1\\nl2' as nl, null::text as n, '' as e, 'plain' as p`]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe('"x,y",q,nl,n,e,p\n"a,b","say ""hi""","l1\nl2",,"",plain\n');
    // The first statement has more rows than a page: all of them print, then the second result set.
    const two = await cli(['query', PROFILE, '--csv', '-c', `select generate_series(1, ${PAGE_ROWS * 2 + 500}) as g; select 'done' as status`]);
    expect(two.code).toBe(0);
    const lines = two.out.split('\n');
    expect(lines[0]).toBe('g');
    expect(lines[PAGE_ROWS * 2 + 500]).toBe(String(PAGE_ROWS * 2 + 500));
    expect(lines.slice(PAGE_ROWS * 2 + 501)).toEqual(['', 'status', 'done', '']);
  });

  it('--json prints one parseable object per statement (JSON Lines)', async () => {
    const r = await cli(['query', PROFILE, '--json', '-c', 'select 1 as a, null::text as b; create temp table j(x int); insert into j values (1),(2)']);
    expect(r.code).toBe(0);
    const objs = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs).toEqual([
      {
        index: 0,
        columns: [
          { name: 'a', type: 'integer', typeOid: 23 },
          { name: 'b', type: 'text', typeOid: 25 },
        ],
        rows: [['1', null]],
        rowCount: 1,
        command: 'SELECT',
      },
      { index: 1, columns: [], rows: [], rowCount: null, command: 'CREATE' },
      { index: 2, columns: [], rows: [], rowCount: 2, command: 'INSERT' },
    ]);
    // A statement failing after rows streamed: its line still parses, with the error.
    const mid = await cli(['query', PROFILE, '--json', '-c', `select 1/(g - ${PAGE_ROWS + 500}) from generate_series(1, ${PAGE_ROWS * 3}) g`]);
    expect(mid.code).toBe(EXIT.failure);
    const failed = JSON.parse(mid.out) as { rows: unknown[]; error: { sqlstate: string } };
    expect(failed.rows.length).toBeGreaterThanOrEqual(PAGE_ROWS);
    expect(failed.error.sqlstate).toBe('22012');
    expect(mid.err).toMatch(/^ERROR: division by zero \(SQLSTATE 22012\)$/m);
  });

  it('streams a 200k-row result: output starts long before the query ends, one page per write', async () => {
    // The last row sleeps server-side: a command that buffered the result could not print before it.
    const sql = `select g, repeat('x', 40) as pad, case when g = 200000 then pg_sleep(2)::text end as s from generate_series(1, 200000) g`;
    for (const format of [['--csv'], []]) {
      let firstWriteAt = 0;
      let lines = 0;
      let maxLinesPerWrite = 0;
      let tail = '';
      const started = Date.now();
      const r = await cli(['query', PROFILE, '-c', sql, ...format], {
        stdout: {
          write: (s: string) => {
            firstWriteAt ||= Date.now();
            const n = s.split('\n').length - 1;
            lines += n;
            maxLinesPerWrite = Math.max(maxLinesPerWrite, n);
            tail = s.slice(-40);
          },
        },
      });
      const ended = Date.now();
      expect(r.code, r.err).toBe(0);
      expect(firstWriteAt - started).toBeLessThan(ended - started - 1500);
      expect(maxLinesPerWrite).toBeLessThanOrEqual(PAGE_ROWS + 3);
      if (format[0] === '--csv') expect(lines).toBe(200_001);
      else expect(tail).toMatch(/\(200000 rows\)\n\n$/);
    }
  });

  it('a server error prints ERROR with SQLSTATE, position and hint, and exits 1', async () => {
    const r = await cli(['query', PROFILE, '-c', 'select 1/0']);
    expect(r.code).toBe(EXIT.failure);
    expect(r.out).toBe('');
    expect(r.err).toBe('ERROR: division by zero (SQLSTATE 22012)\n');
    const syntax = await cli(['query', PROFILE, '-c', 'select 1;\nselect 2;\nselec 3']);
    expect(syntax.code).toBe(EXIT.failure);
    expect(syntax.out).toMatch(/\(1 row\)\n\n.*\(1 row\)\n\n$/s);
    expect(syntax.err).toMatch(/^ERROR: syntax error at or near "selec" \(SQLSTATE 42601, line 3, column 1\)$/m);
    const hint = await cli(['query', PROFILE, '-c', 'select no_such_function(1)']);
    expect(hint.code).toBe(EXIT.failure);
    expect(hint.err).toMatch(/^ERROR: function no_such_function\(integer\) does not exist \(SQLSTATE 42883, line 1, column 8\)\nHINT: No function matches/);
    noToken(hint);
  });

  it('Ctrl+C (an aborted signal) cancels a running statement on the server and exits 130', async () => {
    const ctl = new AbortController();
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = Date.now();
      ctl.abort();
    }, 1500).unref();
    const r = await cli(['query', PROFILE, '-c', 'select pg_sleep(30)'], { signal: ctl.signal });
    const sinceAbort = Date.now() - abortedAt;
    expect(r.code).toBe(EXIT.cancelled);
    expect(r.err).toMatch(/cancelled/);
    // The cancel request ended it, not the fallback that drops the connection 5 s after Ctrl+C.
    // Timed from the abort (not from the start, which includes signing in and connecting), with
    // all of those 5 s as the bound: a busy machine's slow cancel still fits, the fallback cannot.
    expect(abortedAt).toBeGreaterThan(0);
    expect(sinceAbort).toBeLessThan(5_000);
    const left = await cli(['query', PROFILE, '--csv', '-c', "select count(*) from pg_stat_activity where state = 'active' and query = 'select pg_sleep(30)'"]);
    expect(left.out).toBe('count\n0\n');
    // Between pages of a large result too.
    const ctl2 = new AbortController();
    let aborted = false;
    const big = await cli(['query', PROFILE, '--csv', '-c', 'select generate_series(1, 1000000)'], {
      signal: ctl2.signal,
      stdout: {
        write: () => {
          if (!aborted) setTimeout(() => ctl2.abort(), 10);
          aborted = true;
        },
      },
    });
    expect(big.code).toBe(EXIT.cancelled);
  });
});

interface Proc {
  code: number | null;
  stdoutBytes: number;
  stdoutHead: string;
  err: string;
  ms: number;
}

/** The commands in a separate process (cliEntry.ts); `onStdout` may stop reading or send signals. */
function spawnCli(argv: string[], onStdout?: (chunk: Buffer, child: ReturnType<typeof spawn>) => void): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...argv], { env: { ...env(), PGENTRA_TEST_REPORT_RSS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdoutBytes = 0;
    let stdoutHead = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      stdoutBytes += d.length;
      if (stdoutHead.length < 200) stdoutHead += d.toString().slice(0, 200);
      onStdout?.(d, child);
    });
    child.stdout.on('error', () => undefined);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdoutBytes, stdoutHead, err, ms: Date.now() - started }));
  });
}

describe.skipIf(!keyring)('pgentra query as a process', () => {
  it('a 1M-row result streams with bounded memory', async () => {
    const r = await spawnCli(['query', PROFILE, '--csv', '-c', 'select g, md5(g::text) as h from generate_series(1, 1000000) g']);
    expect(r.code, r.err).toBe(0);
    expect(r.stdoutHead.startsWith('g,h\n1,c4ca4238a0b923820dcc509a6f75849b\n')).toBe(true);
    expect(r.stdoutBytes).toBeGreaterThan(1_000_000 * 35);
    const rssKiB = Number(/maxRSS=(\d+)/.exec(r.err)?.[1]);
    // Held in memory, a million rows of two strings take several hundred MB; streamed, one page.
    expect(rssKiB).toBeGreaterThan(0);
    expect(rssKiB / 1024).toBeLessThan(250);
  });

  it('a reader that goes away (| head) ends the command quietly', async () => {
    const r = await spawnCli(['query', PROFILE, '--csv', '-c', 'select generate_series(1, 5000000)'], (_d, child) => child.stdout?.destroy());
    expect(r.code).toBe(0);
    expect(r.err.replace(/maxRSS=\d+\n/, '')).toBe('');
  });

  it('Ctrl+C (SIGINT) cancels the running statement and exits 130', async () => {
    const child = spawnCli(['query', PROFILE, '-c', "select 'started'; select pg_sleep(30)"], (_d, c) => setTimeout(() => c.kill('SIGINT'), 300));
    const r = await child;
    expect(r.code).toBe(EXIT.cancelled);
    expect(r.stdoutHead).toMatch(/started/);
    expect(r.err).toMatch(/cancelled/);
    // Generous (a process start, sign-in and connect on a busy machine): the uncancelled sleep alone takes 30 s.
    expect(r.ms).toBeLessThan(25_000);
  });
});
