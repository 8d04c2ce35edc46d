// Issue #11: the proxy serves its owner only. Real processes and real psql: another OS user
// (`setpriv --reuid nobody`) cannot open the default Unix socket and is refused on TCP; a port
// squatter makes `pgentra proxy` stop loudly; the local password is SCRAM (never on the wire),
// checked before anything else is said, with back-off; startup deadline, one SSLRequest, client
// cap. Every test would have succeeded as an attack against the proxy before the change.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProxyCommand } from '../../../electron/cli/commands/proxy.js';
import { buildGSSENCRequest, buildSSLRequest, buildStartupMessage } from '../../../electron/pgwire/index.js';
import { startProxy, type RunningProxy } from '../../../electron/proxy/index.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { capturingCliContext } from '../../support/inProcessCli.js';
import { CachingSimTokenProvider, captureLog, libpqEnv, prepareServer, run, saveSimProfile, simProfile, sleep } from './helpers.js';

let azure: SimulatedAzure;
let home: string;
let tokens: CachingSimTokenProvider;
const log = captureLog();
const proxies: RunningProxy[] = [];
const children: ChildProcess[] = [];

const AS_NOBODY = ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups'];
const nobodyEnv = (): NodeJS.ProcessEnv => libpqEnv({ HOME: '/tmp' });

beforeAll(async () => {
  azure = await startSimulatedAzure();
  await prepareServer(azure);
  tokens = new CachingSimTokenProvider(azure);
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-proxy-access-'));
  // Readable by others, so only the socket folder's own mode keeps another user out.
  chmodSync(home, 0o755);
  await saveSimProfile(home, azure);
});

afterEach(async () => {
  await Promise.allSettled(proxies.splice(0).map((p) => p.close(false)));
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

afterAll(async () => {
  await azure?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

interface Cli {
  stdout: () => string;
  stderr: () => string;
  done: Promise<number>;
  stop(): Promise<number>;
}

function startCli(values: Record<string, string | boolean>): Cli {
  const ac = new AbortController();
  const services = { logger: log.logger, broker: () => Promise.reject(new Error('not used')), pim: () => Promise.reject(new Error('not used')), openBrowser: async () => false };
  const { ctx, stdout, stderr } = capturingCliContext(home, services, { signal: ac.signal });
  const done = createProxyCommand({ tokenProvider: tokens, logSinks: [(l) => void log.lines.push(l)] }).run(ctx, { positionals: ['sim'], values });
  done.catch(() => undefined);
  return { stdout, stderr, done, stop: () => (ac.abort(), done) };
}

async function conninfoOf(c: Cli): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const m = /psql "([^"]+)"/.exec(c.stdout());
    if (m?.[1]) return m[1];
    await Promise.race([sleep(50), c.done.catch(() => undefined)]);
  }
  throw new Error(`no ready line: ${c.stdout()} ${c.stderr()}`);
}

const psqlAsNobody = (conninfo: string) => run('/usr/bin/setpriv', [...AS_NOBODY, '/usr/bin/psql', '-X', conninfo, '-Atc', 'select current_user'], nobodyEnv());
const psql = (conninfo: string, extra: Record<string, string> = {}) => run('/usr/bin/psql', ['-X', conninfo, '-Atc', 'select current_user'], libpqEnv(extra));

async function tcpProxy(opts: Partial<Parameters<typeof startProxy>[0]> = {}): Promise<{ proxy: RunningProxy; port: number; conninfo: (user?: string) => string }> {
  const proxy = await startProxy({ routes: [{ profile: simProfile(azure) }], tokenProvider: tokens, logger: log.logger, shutdownTimeoutMs: 500, ...opts });
  proxies.push(proxy);
  const port = proxy.listeners[0]?.port as number;
  return { proxy, port, conninfo: (user = 'db-admins') => `host=127.0.0.1 port=${port} dbname=postgres user=${user} sslmode=disable` };
}

/** A raw client: sends `chunks`, returns everything received until the proxy closes (or `waitMs`). */
function raw(port: number, chunks: Buffer[], waitMs = 5000): Promise<{ data: Buffer; closedAfterMs: number | undefined }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    s.on('data', (d) => got.push(d));
    s.on('error', () => undefined);
    s.on('connect', () => chunks.forEach((c) => s.write(c)));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ data: Buffer.concat(got), closedAfterMs: undefined });
    }, waitMs);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(got), closedAfterMs: Date.now() - started });
    });
  });
}

describe("attack 1: another local OS user gets the owner's identity", () => {
  it('default Unix socket: the owner connects with no password; nobody cannot even open the socket', async () => {
    const cli = startCli({});
    try {
      const conninfo = await conninfoOf(cli);
      expect(conninfo).toMatch(new RegExp(`^host=${home}/run port=\\d+ `));
      expect((await psql(conninfo)).stdout.trim()).toBe('db-admins');
      const other = await psqlAsNobody(conninfo);
      expect(other.code).not.toBe(0);
      expect(other.stdout).not.toContain('db-admins');
      expect(other.stderr).toMatch(/Permission denied/);
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  });

  it('--tcp (Linux): the owner connects with no password; another OS user is refused with FATAL 28000', async () => {
    const cli = startCli({ tcp: true, port: '0' });
    try {
      const conninfo = await conninfoOf(cli);
      expect(conninfo).toMatch(/^host=127\.0\.0\.1 /);
      expect((await psql(conninfo)).stdout.trim()).toBe('db-admins');
      const other = await psqlAsNobody(conninfo);
      expect(other.code).not.toBe(0);
      expect(other.stdout).toBe('');
      expect(other.stderr).toContain('this proxy serves only the OS user who started it');
      expect(other.stderr).not.toContain('db-admins'); // nothing about the role either
      expect(log.lines.some((l) => l.includes('refused a connection from another OS user'))).toBe(true);
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  });
});

describe('attack 2: a port squatter', () => {
  it('another user holding the remembered port: pgentra proxy --tcp stops loudly, naming the port and what to do', async () => {
    const first = startCli({ tcp: true });
    const port = Number(/port=(\d+)/.exec(await conninfoOf(first))?.[1]);
    expect(await first.stop()).toBe(0);
    const squatter = spawn('/usr/bin/setpriv', [...AS_NOBODY, process.execPath, '-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('listening'))`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(squatter);
    await new Promise<void>((r) => squatter.stdout?.once('data', () => r()));
    const second = startCli({ tcp: true });
    await expect(second.done).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining(`Port ${port} on 127.0.0.1 is already in use by another program`),
      hint: expect.stringContaining('--port N'),
    });
    expect(second.stdout()).toBe(''); // no ready line, no other port
  });

  it('the local password is SCRAM-SHA-256: whoever sits on the wire never sees it', async () => {
    const password = 'correct horse battery staple';
    const { port } = await tcpProxy({ requirePassword: password });
    // A recording relay stands where a squatter would.
    const recorded: Buffer[] = [];
    const relay = net.createServer((c) => {
      const up = net.connect(port, '127.0.0.1');
      c.on('data', (d) => (recorded.push(d), up.write(d)));
      up.on('data', (d) => (recorded.push(d), c.write(d)));
      c.on('close', () => up.destroy());
      up.on('close', () => c.destroy());
      c.on('error', () => undefined);
      up.on('error', () => undefined);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    try {
      const via = (relay.address() as net.AddressInfo).port;
      const r = await psql(`host=127.0.0.1 port=${via} dbname=postgres user=db-admins sslmode=disable`, { PGPASSWORD: password });
      expect(r.stdout.trim()).toBe('db-admins');
      const wire = Buffer.concat(recorded);
      expect(wire.includes('SCRAM-SHA-256')).toBe(true);
      expect(wire.includes(password)).toBe(false);
      expect(wire.includes('correct horse')).toBe(false);
    } finally {
      relay.close();
    }
  });
});

describe('attack 3: limits', () => {
  it('SCRAM: the right password connects; a wrong one is refused before anything about the role is said, and later attempts are delayed', async () => {
    const { conninfo } = await tcpProxy({ requirePassword: 's3cret' });
    expect((await psql(conninfo(), { PGPASSWORD: 's3cret' })).stdout.trim()).toBe('db-admins');
    // Another role name: the password failure comes first, naming only what the client sent.
    const wrong1 = await psql(conninfo('mallory'), { PGPASSWORD: 'guess1' });
    expect(wrong1.stderr).toContain('password authentication failed for user "mallory"');
    expect(wrong1.stderr).not.toContain('db-admins');
    const t2 = Date.now();
    const wrong2 = await psql(conninfo(), { PGPASSWORD: 'guess2' });
    const d2 = Date.now() - t2;
    expect(wrong2.stderr).toContain('password authentication failed');
    const t3 = Date.now();
    const wrong3 = await psql(conninfo(), { PGPASSWORD: 'guess3' });
    const d3 = Date.now() - t3;
    expect(wrong3.stderr).toContain('password authentication failed');
    expect(d2).toBeGreaterThanOrEqual(400); // 0.5 s after one failure
    expect(d3).toBeGreaterThanOrEqual(900); // 1 s after two
    expect(d3).toBeGreaterThan(d2);
    expect((await psql(conninfo(), { PGPASSWORD: 's3cret' })).stdout.trim()).toBe('db-admins'); // and that resets it
    const t5 = Date.now();
    await psql(conninfo(), { PGPASSWORD: 'guess4' });
    // No back-off after the reset: quicker than the check that waited 1 s (without the reset this
    // one would wait 2 s). Relative to d3, so a busy machine slows both sides alike.
    expect(Date.now() - t5).toBeLessThan(d3);
  });

  it('a client that never finishes its startup is cut at the absolute deadline, SSLRequests or not', async () => {
    const { port } = await tcpProxy({ startupDeadlineMs: 1500 });
    const partial = buildStartupMessage({ user: 'db-admins', database: 'postgres' }).subarray(0, 6);
    const r = await raw(port, [buildSSLRequest(), buildGSSENCRequest(), partial], 9_000);
    expect(r.data.toString('latin1')).toBe('NN');
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(1400);
    // Generous (a busy machine's late timer), yet well before the 10 s default deadline.
    expect(r.closedAfterMs).toBeLessThan(8_000);
  });

  it('the default deadline is 10 s from accept', async () => {
    const { port } = await tcpProxy();
    const r = await raw(port, [buildSSLRequest()], 20_000);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(9_500);
    // Generous (a busy machine's late timer); a missing deadline leaves closedAfterMs undefined.
    expect(r.closedAfterMs).toBeLessThan(16_000);
  });

  it('a second SSLRequest on one connection is refused', async () => {
    const { port } = await tcpProxy();
    const r = await raw(port, [buildSSLRequest(), buildSSLRequest()]);
    expect(r.data[0]).toBe('N'.charCodeAt(0));
    expect(r.data[1]).toBe('E'.charCodeAt(0));
    expect(r.data.toString('latin1')).toContain('08P01');
    expect(r.data.toString('latin1')).toContain('SSL negotiation was already done');
    expect(r.closedAfterMs).toBeDefined();
  });

  it('at most maxClients connections at once; the next gets "too many clients", and a freed slot is usable again', async () => {
    const { port, conninfo } = await tcpProxy({ maxClients: 2 });
    const holders = [net.connect(port, '127.0.0.1'), net.connect(port, '127.0.0.1')];
    holders.forEach((h) => h.on('error', () => undefined));
    await Promise.all(holders.map((h) => new Promise((r) => h.once('connect', r))));
    await sleep(100);
    const refused = await psql(conninfo());
    expect(refused.stderr).toContain('sorry, too many clients already');
    holders.forEach((h) => h.destroy());
    await sleep(200);
    expect((await psql(conninfo())).stdout.trim()).toBe('db-admins');
  });
});
