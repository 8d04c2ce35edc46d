// The temporary pgpass file `pgentra psql` gives psql instead of PGPASSWORD (issue #11): libpq's
// escaping, which server/database/role it matches, its permissions, and that it is gone after
// psql exits — also when psql cannot start and when pgentra is signalled.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgpassFile, pgpassEscape, pgpassLine, pgpassTargetFor, runPsql } from '../../../electron/interop/psqlLauncher.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const DEF = { host: 'srv.postgres.database.azure.com', port: '5432', database: 'postgres', user: 'db-admins' };
let tmp: string;
let fakePsql: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pgentra-pgpass-test-'));
  fakePsql = path.join(tmp, 'fake-psql');
  // Prints what a psql script could see, then waits to be signalled (or exits at once with "quick").
  writeFileSync(
    fakePsql,
    `#!${process.execPath}
const fs = require('node:fs');
const f = process.env.PGPASSFILE;
process.stdout.write(JSON.stringify({ passfile: f, password: process.env.PGPASSWORD ?? null, content: fs.readFileSync(f, 'utf8'), mode: (fs.statSync(f).mode & 0o777).toString(8), dirMode: (fs.statSync(require('node:path').dirname(f)).mode & 0o777).toString(8) }) + '\\n');
if (process.env.FAKE_PSQL_QUICK) process.exit(3);
process.on('SIGINT', () => process.exit(0));
setInterval(() => undefined, 1000);
`,
  );
  chmodSync(fakePsql, 0o755);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('pgpass entries', () => {
  it("escapes ':' and '\\' the way libpq reads them", () => {
    expect(pgpassEscape('a:b\\c')).toBe('a\\:b\\\\c');
    expect(pgpassLine({ host: 'h', port: '5432', database: 'd:b', user: 'DOMAIN\\u' }, 'to:k\\en')).toBe('h:5432:d\\:b:DOMAIN\\\\u:to\\:k\\\\en\n');
    expect(() => pgpassLine({ ...DEF, user: 'a\nb' }, 't')).toThrow(/line break/);
  });

  it("matches only the profile's server, database and role — or the database and role psql is told to use there", () => {
    expect(pgpassTargetFor(DEF, ['-c', 'select 1'])).toEqual(DEF);
    expect(pgpassTargetFor(DEF, ['-d', 'otherdb', '-U', 'role'])).toEqual({ ...DEF, database: 'otherdb', user: 'role' });
    expect(pgpassTargetFor(DEF, ['--dbname=x', '--username=y'])).toEqual({ ...DEF, database: 'x', user: 'y' });
    expect(pgpassTargetFor(DEF, ['-dx', '-Uy'])).toEqual({ ...DEF, database: 'x', user: 'y' });
    expect(pgpassTargetFor(DEF, ['-X', 'db2', 'user2'])).toEqual({ ...DEF, database: 'db2', user: 'user2' });
    expect(pgpassTargetFor(DEF, ['-f', 'script.sql', '-v', 'X=1'])).toEqual(DEF);
    // Combined short options with a value: -Atc SQL is not a database name.
    expect(pgpassTargetFor(DEF, ['-Atc', 'select current_user'])).toEqual(DEF);
    expect(pgpassTargetFor(DEF, ['-XqAtf', 'x.sql', '-d', 'db3', 'role3'])).toEqual({ ...DEF, database: 'db3', user: 'role3' });
    expect(pgpassTargetFor(DEF, ['--user', 'r', '--db=d'])).toEqual({ ...DEF, database: 'd', user: 'r' });
    // Only with --allow-override: the host and port psql is pointed at, or anything for a connection string.
    expect(pgpassTargetFor(DEF, ['-h', 'other', '-p', '6432'])).toEqual({ ...DEF, host: 'other', port: '6432' });
    expect(pgpassTargetFor(DEF, ['postgresql://other/db'])).toEqual({ host: '*', port: '*', database: '*', user: '*' });
  });

  it('is created 0600 in a fresh 0700 directory and removed completely', () => {
    const f = createPgpassFile(DEF, 'tok', tmp);
    expect(statSync(f.file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(f.file)).mode & 0o777).toBe(0o700);
    expect(readFileSync(f.file, 'utf8')).toBe('srv.postgres.database.azure.com:5432:postgres:db-admins:tok\n');
    f.remove();
    f.remove();
    expect(existsSync(path.dirname(f.file))).toBe(false);
  });
});

describe('runPsql', () => {
  const leftovers = (): string[] => readdirSync(tmp).filter((n) => n.startsWith('pgentra-psql-'));

  it('gives psql PGPASSFILE, not PGPASSWORD (also not an inherited one), and removes the file when psql exits', async () => {
    const out: string[] = [];
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/runPsql.ts'), fakePsql, tmp], {
      cwd: repoRoot,
      env: { ...process.env, FAKE_PSQL_QUICK: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(3);
    const seen = JSON.parse(out.join('')) as { passfile: string; password: string | null; content: string; mode: string; dirMode: string };
    expect(seen).toMatchObject({ password: null, content: 'db.example:5432:postgres:db-admins:fake-token-value\n', mode: '600', dirMode: '700' });
    expect(existsSync(seen.passfile)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`removes the file when pgentra gets ${sig} while psql runs`, async () => {
      let out = '';
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/runPsql.ts'), fakePsql, tmp], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
      const first = await new Promise<string>((resolve) =>
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out);
        }),
      );
      const { passfile } = JSON.parse(first) as { passfile: string };
      expect(existsSync(passfile)).toBe(true);
      // SIGTERM to pgentra alone (passed on to psql); SIGINT to the whole process group, as Ctrl+C does.
      if (sig === 'SIGTERM') child.kill('SIGTERM');
      else process.kill(-(child.pid as number), 'SIGINT');
      await new Promise((r) => child.on('exit', r));
      expect(existsSync(passfile)).toBe(false);
      expect(leftovers()).toEqual([]);
    });
  }

  it('removes the file when psql cannot be started', async () => {
    await expect(runPsql({ psql: path.join(tmp, 'no-such-psql'), args: [], env: {}, password: { target: DEF, value: 't' }, tmpDir: tmp })).rejects.toMatchObject({ code: 'not_found' });
    expect(leftovers()).toEqual([]);
  });
});
