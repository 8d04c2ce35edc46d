// The private endpoint `pgentra psql` gives psql (psqlEndpoint.ts), both transports on Linux:
// the Unix socket in an owner-only folder, and loopback TCP with a per-launch password checked
// with SCRAM-SHA-256 — the transport Windows uses. Real psql as the client; the profile's server
// is unreachable here, so nothing gets past the endpoint's own checks and no token is asked for.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessToken, TokenProvider, TokenRequest } from '../../../electron/auth/tokenProvider.js';
import { psqlEndpointEnv } from '../../../electron/interop/libpqEnv.js';
import { defaultPsqlTransport, startPsqlEndpoint } from '../../../electron/interop/psqlEndpoint.js';
import { createPgpassFile } from '../../../electron/interop/psqlLauncher.js';
import type { ProxyProfile } from '../../../electron/proxy/index.js';

const PSQL = '/usr/bin/psql';
const hasPsql = existsSync(PSQL);

const profile: ProxyProfile = {
  id: '33333333-3333-4333-8333-333333333333',
  name: 'unreachable',
  host: 'pgentra-unit-nowhere.postgres.database.azure.com',
  port: 5432,
  database: 'postgres',
  username: 'db-admins',
  credential: { kind: 'interactive', account: 'adm-alice@contoso.example' },
  cloud: 'public',
  sslmode: 'verify-full',
  applicationName: 'pgEntra-unit',
  connectTimeoutSeconds: 2,
  confirmations: {},
};

class NoTokens implements TokenProvider {
  requests: TokenRequest[] = [];
  getToken(req: TokenRequest): Promise<AccessToken> {
    this.requests.push(req);
    return Promise.reject(new Error('no token in this test'));
  }
}

let tmp: string;
let dataDir: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pgentra-endpoint-test-'));
  dataDir = path.join(tmp, 'home');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function psql(env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ code: number; err: string }> {
  return new Promise((resolve) => {
    execFile(PSQL, ['-X', '-w', '-Atc', 'select 1', ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 30_000 }, (e, _out, err) => {
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, err: String(err) });
    });
  });
}

describe('the transport', () => {
  it('is loopback TCP on Windows and a Unix socket elsewhere', () => {
    expect(defaultPsqlTransport('win32')).toBe('tcp');
    expect(defaultPsqlTransport('linux')).toBe('unix');
    expect(defaultPsqlTransport('darwin')).toBe('unix');
  });
});

describe.skipIf(!hasPsql || process.platform === 'win32')('startPsqlEndpoint', () => {
  it('tcp: 127.0.0.1 on an ephemeral port; only the per-launch password (by SCRAM) gets past it; the folder goes on close', async () => {
    const tokens = new NoTokens();
    const ep = await startPsqlEndpoint({ profile, tokenProvider: tokens, dataDir, transport: 'tcp', tmpDir: tmp });
    try {
      expect(ep.env.PGHOST).toBe('127.0.0.1');
      expect(Number(ep.env.PGPORT)).toBeGreaterThan(0);
      expect(ep.localPassword?.target).toEqual({ host: '127.0.0.1', port: ep.env.PGPORT, database: '*', user: '*' });
      expect(ep.localPassword?.value).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(statSync(ep.dir).mode & 0o777).toBe(0o700);
      const base = { ...ep.env, PGUSER: 'db-admins', PGDATABASE: 'postgres' };

      const none = await psql(base);
      expect(none.code).toBe(2);
      expect(none.err).toMatch(/no password supplied/);
      const wrong = await psql({ ...base, PGPASSWORD: 'not-the-password' });
      expect(wrong.err).toMatch(/password authentication failed/);

      // The right password, as pgentra psql gives it: a pgpass entry for this endpoint only.
      const pass = createPgpassFile(ep.localPassword?.target ?? { host: '', port: '', database: '', user: '' }, ep.localPassword?.value ?? '', tmp);
      try {
        const ok = await psql({ ...base, PGPASSFILE: pass.file });
        expect(ok.err).not.toMatch(/password authentication failed/);
        expect(ok.err).toMatch(/cannot reach the server pgentra-unit-nowhere/); // past the endpoint, at the unreachable server
        // Another role than the profile's (or one given at launch) is refused by the endpoint.
        const other = await psql({ ...base, PGPASSFILE: pass.file, PGUSER: 'someone-else' });
        expect(other.err).toMatch(/signs in as "db-admins", not "someone-else"/);
      } finally {
        pass.remove();
      }
      expect(tokens.requests).toEqual([]);
    } finally {
      await ep.close();
    }
    expect(existsSync(ep.dir)).toBe(false);
  });

  it('unix: a 0600 socket in a fresh 0700 folder, no password; a role given at launch is accepted; both gone on close', async () => {
    const ep = await startPsqlEndpoint({ profile, tokenProvider: new NoTokens(), dataDir, transport: 'unix', tmpDir: tmp, allowedUsers: ['db-readers'] });
    const socket = path.join(ep.dir, `.s.PGSQL.${ep.env.PGPORT}`);
    try {
      expect(ep.localPassword).toBeUndefined();
      expect(ep.env.PGHOST).toBe(ep.dir);
      expect(path.basename(ep.dir)).toMatch(/^pgentra-psql-/);
      expect(statSync(ep.dir).mode & 0o777).toBe(0o700);
      expect(statSync(socket).mode & 0o777).toBe(0o600);
      const base = { ...ep.env, PGDATABASE: 'otherdb' };
      const readers = await psql({ ...base, PGUSER: 'db-readers' });
      expect(readers.err).not.toMatch(/signs in as/);
      const other = await psql({ ...base, PGUSER: 'someone-else' });
      expect(other.err).toMatch(/signs in as "db-admins" \(or "db-readers"\), not "someone-else"/);
    } finally {
      await ep.close();
    }
    expect(existsSync(ep.dir)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.startsWith('pgentra-psql-'))).toEqual([]);
  });
});

describe('the environment psql inherits', () => {
  it('loses the libpq settings meant for real servers (redirects, TLS, authentication requirements) and keeps session settings', () => {
    const env = psqlEndpointEnv({
      PATH: '/usr/bin',
      PGREQUIREAUTH: 'scram-sha-256',
      PGCHANNELBINDING: 'require',
      PGSSLNEGOTIATION: 'direct',
      PGSSLCERTMODE: 'require',
      PGSSLROOTCERT: 'system',
      PGTARGETSESSIONATTRS: 'read-write',
      PGREQUIREPEER: 'postgres',
      PGSERVICE: 'prod',
      PGHOSTADDR: '203.0.113.7',
      PGSSLMINPROTOCOLVERSION: 'TLSv1.3',
      Pgrequireauth: 'password',
      PGOPTIONS: '-c statement_timeout=5s',
      PGTZ: 'UTC',
      PGSYSCONFDIR: '/etc/postgresql-common',
    });
    expect(env).toEqual({ PATH: '/usr/bin', PGOPTIONS: '-c statement_timeout=5s', PGTZ: 'UTC', PGSYSCONFDIR: '/etc/postgresql-common' });
  });
});

describe.skipIf(!hasPsql || process.platform === 'win32')('psql with the shell’s libpq settings for real servers', () => {
  /** A shell set up for a real server's Unix socket (PGREQUIREPEER: psql 15 knows it; PGREQUIREAUTH needs 16). */
  const inherited = { PGREQUIREPEER: 'postgres' };

  it('unix: left in, psql refuses the endpoint; as pgentra psql passes the environment, it gets past it', async () => {
    const ep = await startPsqlEndpoint({ profile, tokenProvider: new NoTokens(), dataDir, transport: 'unix', tmpDir: tmp });
    try {
      const base = { ...ep.env, PGUSER: 'db-admins', PGDATABASE: 'postgres' };
      const raw = await psql({ ...inherited, ...base });
      expect(raw.err).toMatch(/requirepeer/);
      const cleaned = await psql({ ...psqlEndpointEnv(inherited), ...base });
      expect(cleaned.err).toMatch(/cannot reach the server pgentra-unit-nowhere/);
    } finally {
      await ep.close();
    }
  });

  it('tcp: channel binding required by the shell stops psql at the endpoint unless removed', async () => {
    const ep = await startPsqlEndpoint({ profile, tokenProvider: new NoTokens(), dataDir, transport: 'tcp', tmpDir: tmp });
    const pass = createPgpassFile(ep.localPassword?.target ?? { host: '', port: '', database: '', user: '' }, ep.localPassword?.value ?? '', tmp);
    try {
      const base = { ...ep.env, PGUSER: 'db-admins', PGDATABASE: 'postgres', PGPASSFILE: pass.file };
      const raw = await psql({ PGCHANNELBINDING: 'require', ...base });
      expect(raw.err).toMatch(/channel binding/);
      const cleaned = await psql({ ...psqlEndpointEnv({ PGCHANNELBINDING: 'require' }), ...base });
      expect(cleaned.err).toMatch(/cannot reach the server pgentra-unit-nowhere/);
    } finally {
      pass.remove();
      await ep.close();
    }
  });
});

describe.skipIf(!hasPsql || process.platform === 'win32')('the socket folder with a long TMPDIR', () => {
  /** A temporary folder whose socket path would pass the Unix limit (107 bytes on Linux). */
  const longTmp = (): string => {
    const dir = path.join(tmp, 'a-temporary-folder-with-a-long-name', 'x'.repeat(60));
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it('goes to <data dir>/run (0700) when TMPDIR is too long and there is no XDG_RUNTIME_DIR, and psql reaches it', async () => {
    const ep = await startPsqlEndpoint({ profile, tokenProvider: new NoTokens(), dataDir, transport: 'unix', tmpDir: longTmp(), env: {} });
    try {
      expect(path.dirname(ep.dir)).toBe(path.join(dataDir, 'run'));
      expect(statSync(path.join(dataDir, 'run')).mode & 0o777).toBe(0o700);
      expect(statSync(ep.dir).mode & 0o777).toBe(0o700);
      const r = await psql({ ...ep.env, PGUSER: 'db-admins', PGDATABASE: 'postgres' });
      expect(r.err).toMatch(/cannot reach the server pgentra-unit-nowhere/);
    } finally {
      await ep.close();
    }
    expect(existsSync(ep.dir)).toBe(false);
  });

  it('prefers $XDG_RUNTIME_DIR', async () => {
    const xdg = mkdtempSync(path.join(tmp, 'xdg-'));
    const ep = await startPsqlEndpoint({ profile, tokenProvider: new NoTokens(), dataDir, transport: 'unix', tmpDir: longTmp(), env: { XDG_RUNTIME_DIR: xdg } });
    try {
      expect(path.dirname(ep.dir)).toBe(xdg);
    } finally {
      await ep.close();
    }
  });

  it('none short enough: says to shorten TMPDIR or use --tcp (not an option psql lacks); --tcp works there', async () => {
    const long = longTmp();
    const longHome = path.join(long, 'home');
    const err = await startPsqlEndpoint({ profile, tokenProvider: new NoTokens(), dataDir: longHome, transport: 'unix', tmpDir: long, env: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/No folder is short enough for psql's Unix socket/) });
    const hint = (err as { hint?: string }).hint ?? '';
    expect(hint).toMatch(/TMPDIR=\/tmp/);
    expect(hint).toMatch(/--tcp/);
    expect(hint).not.toMatch(/--unix-socket/);
    expect(readdirSync(long).filter((f) => f.startsWith('pgentra-psql-'))).toEqual([]);
    const ep = await startPsqlEndpoint({ profile, tokenProvider: new NoTokens(), dataDir: longHome, transport: 'tcp', tmpDir: long, env: {} });
    await ep.close();
  });
});
