// `pgentra proxy` end to end through the real token broker (memory cache, an auto-completed
// interactive sign-in against the Entra simulator): ready line, psql with no password, ports
// remembered per profile, and no token in any file under the data dir.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import type { CliContext } from '../../../electron/cli/context.js';
import { createProxyCommand } from '../../../electron/cli/commands/proxy.js';
import { PORTS_FILE_NAME } from '../../../electron/proxy/index.js';
import { completeSignInHeadless } from '../../sim/entra/index.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { ADMIN_UPN, captureLog, libpqEnv, prepareServer, run, saveSimProfile, sleep } from './helpers.js';

let azure: SimulatedAzure;
let home: string;
let broker: TokenBroker;
const log = captureLog();

beforeAll(async () => {
  azure = await startSimulatedAzure();
  await prepareServer(azure);
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-proxy-cli-'));
  await saveSimProfile(home, azure, 'sim admins');
  broker = new TokenBroker({ dataDir: home, memoryCache: true, logger: log.logger, backgroundRefresh: false });
  const caCertPem = readFileSync(azure.caFile, 'utf8');
  await broker.signInInteractive(azure.stateFile, { openBrowser: async (url) => void completeSignInHeadless(url, { caCertPem, upn: ADMIN_UPN }).catch(() => undefined) });
});

afterAll(async () => {
  await azure?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

interface Started {
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<number>;
  done: Promise<number>;
}

function startCli(positionals: string[], values: Record<string, string | boolean | string[]>, env: NodeJS.ProcessEnv = {}): Started {
  let out = '';
  let err = '';
  const ac = new AbortController();
  const ctx: CliContext = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env,
    cwd: home,
    dataDir: home,
    global: { cloud: 'public', memoryCache: true, verbose: false },
    services: { logger: log.logger, broker: async () => broker, pim: () => Promise.reject(new Error('not used')), openBrowser: async () => false },
    signal: ac.signal,
  };
  const done = createProxyCommand({ logSinks: [(l) => void log.lines.push(l)] }).run(ctx, { positionals, values });
  done.catch(() => undefined);
  return {
    stdout: () => out,
    stderr: () => err,
    done,
    async stop() {
      ac.abort();
      return done;
    },
  };
}

async function readyConninfo(s: Started): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const m = /psql "([^"]+)"/.exec(s.stdout());
    if (m?.[1]) return m[1];
    await Promise.race([sleep(50), s.done]);
  }
  throw new Error(`no ready line: ${s.stdout()} ${s.stderr()}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('pgentra proxy', () => {
  it("by default: a private Unix socket; the ready line's connection string works in psql with no password; the port is remembered", async () => {
    const first = startCli(['sim admins'], {});
    const conninfo = await readyConninfo(first);
    const dir = path.join(home, 'run');
    expect(conninfo).toBe(`host=${dir} port=6432 dbname=postgres user=db-admins sslmode=disable`);
    expect(first.stdout()).toContain(`ready on ${dir}/.s.PGSQL.6432 as db-admins`);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, '.s.PGSQL.6432')).mode & 0o777).toBe(0o600);
    const port = Number(/port=(\d+)/.exec(conninfo)?.[1]);
    expect(port).toBeGreaterThanOrEqual(6432);
    const r = await run('/usr/bin/psql', [conninfo, '-Atc', 'select current_user'], libpqEnv());
    expect(r.stdout.trim()).toBe('db-admins');
    expect(await first.stop()).toBe(0);
    expect(first.stderr()).toContain('stopped after 1 connection(s)');

    const remembered = JSON.parse(readFileSync(path.join(home, PORTS_FILE_NAME), 'utf8')) as { ports: Record<string, number> };
    expect(Object.values(remembered.ports)).toEqual([port]);
    expect(statSync(path.join(home, PORTS_FILE_NAME)).mode & 0o777).toBe(0o600);

    expect(existsSync(path.join(dir, '.s.PGSQL.6432'))).toBe(false); // removed at stop

    // --tcp: the same remembered port on loopback.
    const second = startCli(['sim admins'], { tcp: true });
    expect(await readyConninfo(second)).toBe(`host=127.0.0.1 port=${port} dbname=postgres user=db-admins sslmode=disable`);
    expect(second.stderr()).toContain('TCP: connections from other OS users are refused.');
    const r2 = await run('/usr/bin/psql', [await readyConninfo(second), '-Atc', 'select current_user'], libpqEnv());
    expect(r2.stdout.trim()).toBe('db-admins');
    expect(await second.stop()).toBe(0);
  });

  it('$XDG_RUNTIME_DIR/pgentra is the default socket folder when set', async () => {
    const xdg = mkdtempSync(path.join(os.tmpdir(), 'pgentra-xdg-'));
    try {
      const s = startCli(['sim admins'], {}, { XDG_RUNTIME_DIR: xdg });
      expect(await readyConninfo(s)).toMatch(new RegExp(`^host=${xdg}/pgentra port=\\d+ `));
      expect(await s.stop()).toBe(0);
    } finally {
      rmSync(xdg, { recursive: true, force: true });
    }
  });

  it('--require-password takes the password from PGENTRA_PROXY_PASSWORD', async () => {
    const s = startCli(['sim admins'], { 'require-password': true, tcp: true, port: '0' }, { PGENTRA_PROXY_PASSWORD: 's3cret-local' });
    const conninfo = await readyConninfo(s);
    const bad = await run('/usr/bin/psql', [conninfo, '-Atc', 'select 1'], libpqEnv({ PGPASSWORD: 'nope' }));
    expect(bad.stderr).toContain('password authentication failed for user "db-admins"');
    const good = await run('/usr/bin/psql', [conninfo, '-Atc', 'select current_user'], libpqEnv({ PGPASSWORD: 's3cret-local' }));
    expect(good.stdout.trim()).toBe('db-admins');
    expect(await s.stop()).toBe(0);
  });

  it('refuses a non-loopback address without --allow-remote, and --allow-remote without --require-password', async () => {
    const s = startCli(['sim admins'], { address: '0.0.0.0' });
    await expect(s.done).rejects.toMatchObject({ code: 'invalid_input' });
    const r = startCli(['sim admins'], { address: '0.0.0.0', 'allow-remote': true });
    await expect(r.done).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('--allow-remote requires --require-password') });
    const both = startCli(['sim admins'], { tcp: true, 'unix-socket': home });
    await expect(both.done).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('--require-password with no PGENTRA_PROXY_PASSWORD: a random password, printed once, in a 0600 file while running', async () => {
    const s = startCli(['sim admins'], { 'require-password': true, tcp: true, port: '0' });
    const conninfo = await readyConninfo(s);
    const file = path.join(home, 'proxy-password');
    const password = readFileSync(file, 'utf8').trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(s.stderr()).toContain(`Local proxy password for this run: ${password}`);
    expect(log.lines.join('\n')).not.toContain(password);
    const good = await run('/usr/bin/psql', [conninfo, '-Atc', 'select current_user'], libpqEnv({ PGPASSWORD: password }));
    expect(good.stdout.trim()).toBe('db-admins');
    expect(await s.stop()).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it('no token in any log line or any file under the data dir', async () => {
    const t = await broker.getToken({ credential: { kind: 'interactive', account: ADMIN_UPN }, cloud: azure.stateFile });
    expect(t.token.length).toBeGreaterThan(100);
    expect(log.lines.join('\n')).not.toContain(t.token);
    const files = filesUnder(home);
    expect(files.some((f) => f.endsWith(PORTS_FILE_NAME))).toBe(true);
    expect(files.some((f) => f.endsWith('proxy.log'))).toBe(true);
    for (const f of files) if (!statSync(f).isSocket()) expect(readFileSync(f).includes(t.token), f).toBe(false);
    const proxyLog = readFileSync(path.join(home, 'logs', 'proxy.log'), 'utf8');
    expect(proxyLog).toContain('"proxy connection closed"');
  });
});
