// The commands through the real dispatcher (in-process), with a throwaway PGENTRA_HOME.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandEntry } from '../../../electron/cli/command.js';
import { COMMANDS } from '../../../electron/cli/commands/index.js';
import { defaultSocketDir } from '../../../electron/proxy/listener.js';
import { runCliCaptured, type CapturedRun } from '../../support/inProcessCli.js';
import { pgadminLoaderError } from './pgadminLoader.js';

const MINE: CommandEntry[] = [
  { name: 'profiles', summary: 'profiles', load: async () => (await import('../../../electron/cli/commands/profiles.js')).command },
  { name: 'export', summary: 'export', load: async () => (await import('../../../electron/cli/commands/export.js')).command },
  { name: 'import', summary: 'import', load: async () => (await import('../../../electron/cli/commands/import.js')).command },
  { name: 'psql', summary: 'psql', load: async () => (await import('../../../electron/cli/commands/psql.js')).command },
  { name: 'env', summary: 'env', load: async () => (await import('../../../electron/cli/commands/env.js')).command },
];

let home: string;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-cli-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const cli = (...argv: string[]): Promise<CapturedRun> =>
  runCliCaptured(argv, { env: { PGENTRA_HOME: home, PATH: process.env.PATH ?? '', PGENTRA_PSQL: '/nonexistent/psql' }, cwd: home, commands: [...COMMANDS, ...MINE] });

describe('pgentra profiles', () => {
  it('add, list, show, rm', async () => {
    const add = await cli('profiles', 'add', 'Prod EU', '--host', 'prod.postgres.database.azure.com', '--user', 'db-admins', '--account', 'adm-alice@contoso.com', '--folder', 'EU');
    expect(add).toMatchObject({ code: 0 });
    const list = JSON.parse((await cli('profiles', 'list', '--json')).out) as { id: string; name: string; credential: unknown }[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'Prod EU', credential: { kind: 'interactive', account: 'adm-alice@contoso.com' } });
    expect((await cli('profiles', 'list')).out).toContain('EU/Prod EU\tprod.postgres.database.azure.com:5432\tpostgres\tdb-admins');
    expect((await cli('profiles', 'show', 'prod eu')).out).toMatch(/Username\s+db-admins/);
    expect((await cli('profiles', 'rm', list[0]?.id ?? '')).code).toBe(0);
    expect(JSON.parse((await cli('profiles', 'list', '--json')).out)).toEqual([]);
  });

  it('validation errors: one per line with the field path, exit 64', async () => {
    const r = await cli('profiles', 'add', 'x', '--host', 'https://srv.postgres.database.azure.com:5432', '--user', ' bob', '--port', 'abc', '--sslmode', 'prefer');
    expect(r.code).toBe(64);
    const lines = r.err.trim().split('\n').slice(1);
    expect(lines.some((l) => /^\s+host: must be just the server name/.test(l))).toBe(true);
    expect(lines.some((l) => /^\s+port: /.test(l))).toBe(true);
    expect(lines.some((l) => /^\s+username: /.test(l))).toBe(true);
    expect(lines.some((l) => /^\s+sslmode: "prefer" is never allowed/.test(l))).toBe(true);
    const c = await cli('profiles', 'add', 'lab', '--host', 'pg.lab.local', '--user', 'bob');
    expect(c.code).toBe(64);
    expect(c.err).toMatch(/host: .*--allow-non-azure-host/);
    expect((await cli('profiles', 'add', 'lab', '--host', 'pg.lab.local', '--user', 'bob', '--allow-non-azure-host')).code).toBe(0);
  });

  it('export / import (pgEntra format) round trip without duplicates', async () => {
    await cli('profiles', 'add', 'A', '--host', 'a.postgres.database.azure.com', '--user', 'u');
    expect((await cli('profiles', 'export', 'out.json')).code).toBe(0);
    expect(statSync(path.join(home, 'out.json')).mode & 0o777).toBe(0o600);
    const again = await cli('profiles', 'import', 'out.json');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/skipped "A"/);
    expect(JSON.parse((await cli('profiles', 'list', '--json')).out)).toHaveLength(1);
  });
});

describe('pgentra export / import pgadmin, pgservice, env', () => {
  it('export pgadmin to a 0600 file, valid for pgAdmin, no token; import it back elsewhere', async () => {
    await cli('profiles', 'add', 'A', '--host', 'a.postgres.database.azure.com', '--user', 'db-admins', '--folder', 'Prod');
    const r = await cli('export', 'pgadmin', '--out', 'servers.json', '--password-exec-expiration', '300');
    expect(r.code, r.err).toBe(0);
    const file = path.join(home, 'servers.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const json = JSON.parse(readFileSync(file, 'utf8')) as { Servers: Record<string, { PasswordExecCommand: string; PasswordExecExpiration: number; ConnectionParameters: { sslrootcert: string } }> };
    expect(pgadminLoaderError(json)).toBeUndefined();
    const s = json.Servers['1'];
    expect(s?.PasswordExecExpiration).toBe(300);
    expect(s?.PasswordExecCommand).toMatch(new RegExp(`^${process.execPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\S+/electron/cli/bin\\.mjs token [0-9a-f-]{36}$`));
    // sslrootcert is a real file (pgAdmin drops values that are not files).
    expect(readFileSync(s?.ConnectionParameters.sslrootcert ?? '', 'utf8')).toMatch(/BEGIN CERTIFICATE/);
    expect(readFileSync(file, 'utf8')).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);

    const stdout = await cli('export', 'pgadmin', '--out', '-', '--password-exec-expiration', '300');
    expect(JSON.parse(stdout.out)).toEqual(json);

    // Same server again: reported as a duplicate, not added.
    const imp = await cli('import', 'pgadmin', 'servers.json');
    expect(imp.code).toBe(0);
    expect(imp.out).toMatch(/skipped "A": same server/);
    expect(JSON.parse((await cli('profiles', 'list', '--json')).out)).toHaveLength(1);
  });

  it('export pgadmin: PasswordExecExpiration 240 by default; a reuse window past the token guarantee is warned about', async () => {
    await cli('profiles', 'add', 'A', '--host', 'a.postgres.database.azure.com', '--user', 'db-admins');
    const r = await cli('export', 'pgadmin');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    const servers = (JSON.parse(r.out) as { Servers: Record<string, { PasswordExecExpiration: number }> }).Servers;
    expect(servers['1']?.PasswordExecExpiration).toBe(240);
    const zero = await cli('export', 'pgadmin', '--password-exec-expiration', '0');
    expect(zero.err).toBe('');
    expect((JSON.parse(zero.out) as { Servers: Record<string, { PasswordExecExpiration: number }> }).Servers['1']?.PasswordExecExpiration).toBe(0);
    const long = await cli('export', 'pgadmin', '--password-exec-expiration', '3600');
    expect(long.code).toBe(0);
    expect(long.err).toMatch(/Warning: with --password-exec-expiration 3600 pgAdmin may log in with a token that expired: pgentra token guarantees 300 s; the default is 240/);
    expect((await cli('export', 'pgadmin', '--help')).out).toMatch(/default 240: pgentra token hands out tokens with at least\s+300 s left/);
  });

  it('issue #11: import pgadmin takes --allow-host per host; --allow-non-azure-host is an error pointing to it', async () => {
    const server = (name: string, host: string) => ({ Name: name, Group: 'Lab', Host: host, Port: 5432, MaintenanceDB: 'postgres', Username: 'alice' });
    writeFileSync(path.join(home, 'lab.json'), JSON.stringify({ Servers: { '1': server('a', 'pg1.lab.example'), '2': server('b', 'pg2.lab.example'), '3': server('c', 'pg3.lab.example') } }));
    const old = await cli('import', 'pgadmin', 'lab.json', '--allow-non-azure-host');
    expect(old.code).toBe(64);
    expect(old.err).toMatch(/--allow-host HOST/);
    expect(JSON.parse((await cli('profiles', 'list', '--json')).out)).toEqual([]);
    const r = await cli('import', 'pgadmin', 'lab.json', '--allow-host', 'PG1.lab.example', '--allow-host', 'pg3.lab.example');
    expect(r.code).toBe(65); // one server not imported
    expect(r.out).toMatch(/server 2 "b": not imported: pg2\.lab\.example is not an Azure PostgreSQL host.*--allow-host pg2\.lab\.example/);
    const names = (JSON.parse((await cli('profiles', 'list', '--json')).out) as { name: string; host: string }[]).map((p) => p.host).sort();
    expect(names).toEqual(['pg1.lab.example', 'pg3.lab.example']);
    expect((await cli('import', 'pgadmin', 'lab.json', '--allow-host', '*.lab.example')).code).toBe(64);
  });

  it('issue #11: files that may hold connection data are written 0600, also over an existing 0644 file', async () => {
    await cli('profiles', 'add', 'A', '--host', 'a.postgres.database.azure.com', '--user', 'db-admins');
    for (const [file, argv] of [
      ['out/servers.json', ['export', 'pgadmin', '--out', 'out/servers.json']],
      ['out/pg_service.conf', ['export', 'pgservice', '--out', 'out/pg_service.conf']],
      ['out/profiles.json', ['profiles', 'export', 'out/profiles.json']],
    ] as const) {
      mkdirSync(path.join(home, 'out'), { recursive: true });
      const full = path.join(home, file);
      writeFileSync(full, 'old');
      chmodSync(full, 0o644);
      const r = await cli(...argv);
      expect(r.code, r.err).toBe(0);
      expect(statSync(full).mode & 0o777, file).toBe(0o600);
      expect(readFileSync(full, 'utf8')).not.toBe('old');
    }
  });

  it('import pgadmin reports a malformed file by entry and field and stores nothing', async () => {
    writeFileSync(path.join(home, 'bad.json'), JSON.stringify({ Servers: { '1': { Name: 'a', Group: 'g', Host: 'a.postgres.database.azure.com', Port: 5432.5, MaintenanceDB: 'p', Username: 'u' } } }));
    const r = await cli('import', 'pgadmin', 'bad.json');
    expect(r.code).toBe(64);
    expect(r.err).toContain('Servers.1.Port: must be an integer');
    expect(JSON.parse((await cli('profiles', 'list', '--json')).out)).toEqual([]);
  });

  it('export pgservice; --via-proxy points at the proxy', async () => {
    await cli('profiles', 'add', 'Prod EU', '--host', 'a.postgres.database.azure.com', '--user', 'db admins');
    const r = await cli('export', 'pgservice');
    expect(r.out).toMatch(/\[Prod-EU\]\nhost=a\.postgres\.database\.azure\.com\nport=5432\ndbname=postgres\nuser=db admins\nsslmode=verify-full\nsslrootcert=\/.+system-roots\.pem\n/);
    const p = await cli('export', 'pgservice', '--via-proxy');
    expect(p.code).toBe(0);
    // Where `pgentra proxy` listens by default: its private socket folder (no XDG_RUNTIME_DIR here).
    expect(p.out).toContain(`[Prod-EU]\nhost=${defaultSocketDir(home, {})}\nport=6432\ndbname=postgres\nuser=db admins\nsslmode=disable\n`);
  });

  it('env prints quoted variables without a token', async () => {
    await cli('profiles', 'add', 'P', '--host', 'a.postgres.database.azure.com', '--user', "o'neil group");
    const sh = await cli('env', 'P');
    expect(sh.code, sh.err).toBe(0);
    expect(sh.out).toContain(`export PGUSER='o'\\''neil group'`);
    expect(sh.out).toContain('export PGSSLMODE=verify-full');
    expect(sh.out).not.toMatch(/PGPASSWORD/);
    expect((await cli('env', 'P', '--shell', 'pwsh')).out).toContain(`$env:PGUSER = 'o''neil group'`);
    expect((await cli('env', 'P', '--shell', 'cmd')).out).toContain(`set "PGHOST=a.postgres.database.azure.com"`);
  });

  it('psql: a clear error when psql is missing', async () => {
    await cli('profiles', 'add', 'P', '--host', 'a.postgres.database.azure.com', '--user', 'u');
    const r = await cli('psql', 'P', '--', '-c', 'select 1');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/psql was not found .*PGENTRA_PSQL/);
  });

  it("psql: arguments that point psql away from the profile's endpoint are refused before any token, unless --allow-override", async () => {
    await cli('profiles', 'add', 'P', '--host', 'a.postgres.database.azure.com', '--user', 'u');
    for (const args of [['-h', 'evil.example.net'], ['--host=evil.example.net'], ['-p', '6432'], ['-d', 'host=evil.example.net dbname=x'], ['postgresql://evil.example.net/db']]) {
      const r = await cli('psql', 'P', '--', ...args);
      expect(r.code, args.join(' ')).toBe(64);
      expect(r.err).toMatch(/would connect to another server than the profile's, on psql's own and without your Entra token/);
      expect(r.err).toMatch(/--allow-override/);
    }
    // Explicitly allowed: it proceeds (and here stops at the missing psql).
    const allowed = await cli('psql', 'P', '--allow-override', '--', '-h', 'evil.example.net');
    expect(allowed.err).toMatch(/psql was not found/);
    // Another database or role on the profile's server is not an override.
    expect((await cli('psql', 'P', '--', '-d', 'otherdb', '-U', 'role', '-c', "select 'host=x'")).err).toMatch(/psql was not found/);
    const help = await cli('psql', '--help');
    expect(help.out).toMatch(/psql itself never gets the token/);
  });
});
