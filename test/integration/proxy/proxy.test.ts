// The local Entra auth proxy against the simulated flexible server: psql/pgbench/pg with no
// password, the user-name rule, the local password, Unix sockets, cancel, outage and recovery,
// upstream refusals with our hints, and no token in any log line.
import { statSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../../electron/proxy/index.js';
import { PgEntraError } from '../../../shared/errors.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { CachingSimTokenProvider, captureLog, prepareServer, libpqEnv, run, simProfile, sleep, spawn, type CapturedLog } from './helpers.js';

const PSQL = '/usr/bin/psql';
const PGBENCH = '/usr/bin/pgbench';

let azure: SimulatedAzure;
let log: CapturedLog;
let tokens: CachingSimTokenProvider;
const proxies: RunningProxy[] = [];
let scratch: string;

beforeAll(async () => {
  azure = await startSimulatedAzure();
  log = captureLog();
  tokens = new CachingSimTokenProvider(azure);
  await prepareServer(azure);
  scratch = mkdtempSync(path.join(os.tmpdir(), 'pgentra-proxy-test-'));
});

afterAll(async () => {
  await Promise.allSettled(proxies.map((p) => p.close(false)));
  await azure?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function proxy(opts: Partial<Parameters<typeof startProxy>[0]> = {}): Promise<RunningProxy> {
  const p = await startProxy({ routes: [{ profile: simProfile(azure) }], tokenProvider: tokens, logger: log.logger, shutdownTimeoutMs: 2000, ...opts });
  proxies.push(p);
  return p;
}

function conninfo(p: RunningProxy, extra = ''): string {
  const l = p.listeners[0];
  if (!l) throw new Error('no listener');
  return `host=${l.address} port=${l.port} dbname=postgres user=db-admins ${extra}`.trim();
}

async function pgClient(p: RunningProxy, config: pg.ClientConfig = {}): Promise<pg.Client> {
  const l = p.listeners[0];
  if (!l) throw new Error('no listener');
  const c = new pg.Client({ host: l.address, port: l.port, user: 'db-admins', database: 'postgres', ssl: false, connectionTimeoutMillis: 10_000, ...config });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

async function connectError(p: RunningProxy, config: pg.ClientConfig = {}): Promise<Error & { code?: string; severity?: string; hint?: string }> {
  try {
    const c = await pgClient(p, config);
    await c.end();
  } catch (e) {
    return e as Error & { code?: string; severity?: string; hint?: string };
  }
  throw new Error('expected the connection to be refused');
}

describe('clients with no password', () => {
  it('psql signs in as db-admins through the proxy', async () => {
    const p = await proxy();
    const r = await run(PSQL, [conninfo(p), '-Atc', "select current_user, current_setting('application_name'), current_database()"], libpqEnv());
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('db-admins|psql|postgres');
    expect(p.stats()).toMatchObject({ succeeded: 1, failed: 0 });
  });

  it('pgbench initialises and runs select-only through the proxy', async () => {
    const p = await proxy();
    const l = p.listeners[0]!;
    const base = ['-h', l.address, '-p', String(l.port), '-U', 'db-admins'];
    const init = await run(PGBENCH, ['-i', '-s', '1', '-q', ...base, 'postgres'], libpqEnv());
    expect(init.code, init.stderr).toBe(0);
    const bench = await run(PGBENCH, ['-S', '-c', '4', '-j', '2', '-T', '3', ...base, 'postgres'], libpqEnv());
    expect(bench.code, bench.stderr).toBe(0);
    expect(bench.stdout).toMatch(/number of failed transactions: 0 /);
    expect(Number(/tps = ([\d.]+)/.exec(bench.stdout)?.[1])).toBeGreaterThan(10);
  });

  it('uses the profile application_name when the client sends none, and the client database', async () => {
    const p = await proxy();
    const c = await pgClient(p, { database: 'postgres' });
    try {
      const r = await c.query("select current_user as u, current_setting('application_name') as a");
      expect(r.rows[0]).toEqual({ u: 'db-admins', a: 'pgEntra-proxy-test' });
    } finally {
      await c.end();
    }
  });

  it('serves many concurrent clients', async () => {
    const p = await proxy();
    const clients = await Promise.all(Array.from({ length: 20 }, () => pgClient(p)));
    try {
      const rows = await Promise.all(clients.map((c, i) => c.query('select $1::int as i, current_user as u', [i])));
      rows.forEach((r, i) => expect(r.rows[0]).toEqual({ i, u: 'db-admins' }));
      expect(p.stats().relaying).toBe(20);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});

describe('the user-name rule', () => {
  it('an empty user is the profile user; a foreign user is refused naming the expected one', async () => {
    const p = await proxy();
    const e = await connectError(p, { user: 'postgres' });
    expect(e.code).toBe('28000');
    expect(e.message).toContain('signs in as "db-admins", not "postgres"');
    expect(e.hint).toContain('user=db-admins');
  });

  it('a user listed in allowedUsers is used upstream', async () => {
    const p = await proxy({ routes: [{ profile: simProfile(azure), allowedUsers: ['adm-alice@contoso.example'] }] });
    const c = await pgClient(p, { user: 'adm-alice@contoso.example' });
    expect((await c.query('select current_user as u')).rows[0]).toEqual({ u: 'adm-alice@contoso.example' });
    await c.end();
  });
});

describe('upstream refusals', () => {
  it('a non-member gets the server error with an actionable hint (SQLSTATE and severity kept)', async () => {
    const carol = new CachingSimTokenProvider(azure, 3600, 'carol@contoso.example');
    const p = await proxy({ tokenProvider: carol, routes: [{ profile: simProfile(azure, { credential: { kind: 'interactive', account: 'carol@contoso.example' } }) }] });
    const r = await run(PSQL, [conninfo(p), '-Atc', 'select 1'], libpqEnv());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('FATAL:  password authentication failed for user "db-admins"');
    expect(r.stderr).toContain('HINT:  pgEntra proxy: Account carol@contoso.example is not a member of group "db-admins"');
    const e = await connectError(p);
    expect(e.severity).toBe('FATAL');
    expect(e.code).toBe('28P01');
  });

  it('a token refused as expired is retried once with a forced-fresh token', async () => {
    const expiring = new CachingSimTokenProvider(azure);
    let first = true;
    const provider = {
      getToken: async (req: Parameters<CachingSimTokenProvider['getToken']>[0]) => {
        if (first) {
          first = false;
          return {
            token: azure.entra.control.mintAccessToken({ upn: 'adm-alice@contoso.example' }, { expired: true }),
            expiresOn: new Date(Date.now() + 60_000),
            account: 'adm-alice@contoso.example',
          };
        }
        return expiring.getToken(req);
      },
    };
    const p = await proxy({ tokenProvider: provider });
    const c = await pgClient(p);
    expect((await c.query('select current_user as u')).rows[0]).toEqual({ u: 'db-admins' });
    await c.end();
    expect(p.stats().expiredRetries).toBe(1);
    expect(expiring.requests[0]?.minValiditySeconds).toBe(900);
  });

  it('sign-in required → FATAL 28000 telling the user to run pgentra login', async () => {
    const failing = new CachingSimTokenProvider(azure);
    failing.failWith = new PgEntraError('sign_in_required', 'The session of adm-alice@contoso.example has expired.');
    const p = await proxy({ tokenProvider: failing });
    const e = await connectError(p);
    expect(e.code).toBe('28000');
    expect(e.severity).toBe('FATAL');
    expect(e.message).toContain('sign-in required');
    expect(e.hint).toContain('pgentra login --account adm-alice@contoso.example');
  });

  it('Entra unreachable for a moment (a token request cut short by sleep) → asked again, the client gets in', async () => {
    const flaky = new CachingSimTokenProvider(azure);
    let failures = 1;
    const provider = {
      getToken: async (req: Parameters<CachingSimTokenProvider['getToken']>[0]) => {
        if (failures-- > 0) throw new PgEntraError('network_unavailable', 'Microsoft Entra ID could not be reached.');
        return flaky.getToken(req);
      },
    };
    const p = await proxy({ tokenProvider: provider });
    const c = await pgClient(p);
    expect((await c.query('select current_user as u')).rows[0]).toEqual({ u: 'db-admins' });
    await c.end();
    expect(p.stats().transientRetries).toBe(1);
    expect(p.stats().failed).toBe(0);
  });

  it('Entra unreachable → FATAL 08006', async () => {
    const failing = new CachingSimTokenProvider(azure);
    failing.failWith = new PgEntraError('network_unavailable', 'Microsoft Entra ID could not be reached.');
    const p = await proxy({ tokenProvider: failing });
    const e = await connectError(p);
    expect(e.code).toBe('08006');
    expect(e.message).toContain('unreachable');
  });

  it('an unverifiable server certificate: no token is fetched or sent', async () => {
    const counting = new CachingSimTokenProvider(azure);
    // The public cloud trusts only the system roots, not the simulator's CA.
    const p = await proxy({ tokenProvider: counting, routes: [{ profile: simProfile(azure, { cloud: 'public' }) }] });
    const e = await connectError(p);
    expect(e.code).toBe('08006');
    expect(e.message).toMatch(/could not be verified.*no token was sent/);
    expect(counting.issued).toHaveLength(0);
  });

  it('server down: a clear error, the proxy stays up and serves again when the server returns', async () => {
    const p = await proxy();
    await azure.flex!.control.setOutage(true);
    try {
      const e = await connectError(p);
      expect(e.code).toBe('08006');
      expect(e.message).toContain(`cannot reach the server localhost:${azure.state.server.port}: the connection was refused`);
      const r = await run(PSQL, [conninfo(p), '-Atc', 'select 1'], libpqEnv());
      expect(r.stderr).toContain('pgEntra proxy: cannot reach the server');
    } finally {
      await azure.flex!.control.setOutage(false);
    }
    const c = await pgClient(p);
    expect((await c.query('select current_user as u')).rows[0]).toEqual({ u: 'db-admins' });
    await c.end();
  });

  it('a restart or failover in progress: a client connecting meanwhile waits a moment and gets in', async () => {
    const p = await proxy();
    await azure.flex!.control.setOutage(true);
    const before = p.stats().transientRetries;
    const connecting = pgClient(p);
    connecting.catch(() => undefined);
    await sleep(300); // the first attempt was refused; the proxy waits 0.5 s before the next
    await azure.flex!.control.setOutage(false);
    const c = await connecting;
    expect((await c.query('select current_user as u')).rows[0]).toEqual({ u: 'db-admins' });
    await c.end();
    expect(p.stats().transientRetries).toBeGreaterThan(before);
    expect(p.stats().failed).toBe(0);
  });
});

describe('cancel', () => {
  it('Ctrl+C in psql cancels select pg_sleep(30) long before it ends', async () => {
    const p = await proxy();
    const child = spawn(PSQL, [conninfo(p), '-Atc', 'select pg_sleep(30)'], { env: libpqEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    // Wait until the query runs (the proxy relays it).
    for (let i = 0; i < 100 && p.stats().relaying === 0; i++) await sleep(50);
    await sleep(300);
    const t0 = Date.now();
    child.kill('SIGINT');
    // Generous (about 0.1 s here): a busy machine may need seconds; the uncancelled sleep takes 30.
    const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') child.kill('SIGKILL');
    expect(code).not.toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(stderr).toContain('canceling statement due to user request');
    expect(p.stats().cancelRequests).toBe(1);
  });

  it('the client sees a proxy-made backend key; a guessed key cancels nothing', async () => {
    const p = await proxy();
    const c = await pgClient(p);
    const internals = c as unknown as { processID: number; secretKey: number };
    const upstreamPid = (await c.query('select pg_backend_pid() as pid')).rows[0].pid as number;
    expect(internals.processID).not.toBe(upstreamPid);
    const running = c.query('select pg_sleep(3) as done');
    await sleep(300);
    // A cancel with the right pid but a wrong key is ignored.
    const { buildCancelRequest } = await import('../../../electron/pgwire/index.js');
    const net = await import('node:net');
    await new Promise<void>((resolve) => {
      const s = net.connect(p.listeners[0]!.port, '127.0.0.1', () => {
        const key = Buffer.alloc(4);
        key.writeInt32BE((internals.secretKey ^ 1) | 0);
        s.end(buildCancelRequest(internals.processID, key));
      });
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    const r = await running;
    expect(r.rows[0]).toEqual({ done: '' });
    await c.end();
  });
});

describe('local access control', () => {
  it('refuses a non-loopback address without allowRemote', async () => {
    await expect(startProxy({ routes: [{ profile: simProfile(azure) }], address: '0.0.0.0', tokenProvider: tokens })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('--require-password: a wrong password is refused, the right one signs in', async () => {
    const p = await proxy({ requirePassword: 'correct horse battery' });
    const bad = await run(PSQL, [conninfo(p), '-Atc', 'select 1'], libpqEnv({ PGPASSWORD: 'wrong' }));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('password authentication failed for user "db-admins"');
    const none = await run(PSQL, [conninfo(p), '-w', '-Atc', 'select 1'], libpqEnv());
    expect(none.code).not.toBe(0);
    const good = await run(PSQL, [conninfo(p), '-Atc', 'select current_user'], libpqEnv({ PGPASSWORD: 'correct horse battery' }));
    expect(good.stdout.trim()).toBe('db-admins');
  });

  it('Unix socket: private directory (0700) and socket (0600), and psql connects through it', async () => {
    const dir = path.join(scratch, 'sock');
    const p = await proxy({ routes: [{ profile: simProfile(azure), port: 6543, unixSocketDir: dir }] });
    const l = p.listeners[0]!;
    expect(l.unixSocketPath).toBe(path.join(dir, '.s.PGSQL.6543'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(l.unixSocketPath!).mode & 0o777).toBe(0o600);
    const r = await run(PSQL, [`host=${dir} port=6543 dbname=postgres user=db-admins`, '-Atc', 'select current_user'], libpqEnv());
    expect(r.stdout.trim()).toBe('db-admins');
  });
});

describe('shutdown and logs', () => {
  it('graceful close waits for a running connection, then ends it at the timeout; a health line per connection', async () => {
    const p = await startProxy({ routes: [{ profile: simProfile(azure) }], tokenProvider: tokens, logger: log.logger, shutdownTimeoutMs: 500 });
    const c = await pgClient(p);
    const t0 = Date.now();
    await p.close(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    await expect(c.query('select 1')).rejects.toThrow();
    const health = log.lines.filter((l) => l.includes('"proxy connection closed"'));
    expect(health.length).toBeGreaterThan(0);
    const last = JSON.parse(health.at(-1) as string) as Record<string, unknown>;
    expect(last).toMatchObject({ user: 'db-admins', database: 'postgres', outcome: 'shutdown' });
    expect(last.client).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(typeof last.bytesIn).toBe('number');
    expect(typeof last.durationMs).toBe('number');
  });

  it('no token appears in any log line', () => {
    expect(tokens.issued.length).toBeGreaterThan(0);
    const all = log.lines.join('\n');
    for (const t of tokens.issued) expect(all.includes(t)).toBe(false);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });
});
