// `pgentra export pgservice --via-proxy` against a running `pgentra proxy`: both pick the same
// remembered port and the proxy's default private socket folder, and psql "service=NAME" connects
// through the proxy with no password.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyCommand } from '../../../electron/cli/commands/proxy.js';
import type { CliContext } from '../../../electron/cli/context.js';
import { runCli } from '../../../electron/cli/dispatcher.js';
import { openProfileStore } from '../../../electron/profiles/profileAccess.js';
import { trustCloudFile } from '../../../electron/connect/cloudTrust.js';
import { PortRegistry } from '../../../electron/proxy/index.js';
import { defaultSocketDir } from '../../../electron/proxy/listener.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { ADMIN_UPN, CachingSimTokenProvider, captureLog, libpqEnv, run, sleep } from '../proxy/helpers.js';

let azure: SimulatedAzure;
let home: string;

beforeAll(async () => {
  azure = await startSimulatedAzure();
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-pgservice-proxy-'));
  await trustCloudFile(home, azure.stateFile);
  const store = openProfileStore(home);
  for (const name of ['Sim Admins', 'sim readers']) {
    await store.create({
      name,
      host: azure.state.server.host,
      port: azure.state.server.port,
      username: 'db-admins',
      credential: { kind: 'interactive', account: ADMIN_UPN },
      cloud: { customFile: azure.stateFile },
    });
  }
});

afterAll(async () => {
  await azure?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: { PGENTRA_HOME: home }, cwd: home });
  return { code, out, err };
}

describe('pgentra export pgservice --via-proxy', () => {
  it('sections point at the proxy port `pgentra proxy` uses; psql "service=NAME" works with no password', async () => {
    const file = path.join(home, 'pg_service.conf');
    const exp = await cli('export', 'pgservice', '--via-proxy', '--out', file, 'Sim Admins');
    expect(exp.code, exp.err).toBe(0);
    expect(exp.err).toContain("Start the proxy before connecting: pgentra proxy 'Sim Admins'");
    const text = readFileSync(file, 'utf8');
    const profile = await openProfileStore(home).get('Sim Admins');
    const remembered = (await new PortRegistry(home).load())[profile.id];
    expect(remembered).toBeGreaterThanOrEqual(6432);
    const socketDir = defaultSocketDir(home, {});
    expect(text).toContain(`[Sim-Admins]\nhost=${socketDir}\nport=${remembered}\ndbname=postgres\nuser=db-admins\nsslmode=disable\n`);
    expect(text).not.toMatch(/^(sslrootcert|password)=/m);

    // The real proxy command, with tokens minted by the Entra simulator.
    const log = captureLog();
    const ac = new AbortController();
    let out = '';
    const ctx: CliContext = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: () => true },
      env: {},
      cwd: home,
      dataDir: home,
      global: { cloud: 'public', memoryCache: true, verbose: false },
      services: { logger: log.logger, broker: () => Promise.reject(new Error('not used')), pim: () => Promise.reject(new Error('not used')), openBrowser: async () => false },
      signal: ac.signal,
    };
    const done = createProxyCommand({ tokenProvider: new CachingSimTokenProvider(azure), logSinks: [] }).run(ctx, { positionals: ['Sim Admins'], values: {} });
    done.catch(() => undefined);
    try {
      for (let i = 0; i < 200 && !out.includes('ready on'); i++) await sleep(50);
      expect(out).toContain(`ready on ${socketDir}/.s.PGSQL.${remembered}`);
      const r = await run('/usr/bin/psql', ['service=Sim-Admins', '-Atc', 'select current_user'], libpqEnv({ PGSERVICEFILE: file }));
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('db-admins');
    } finally {
      ac.abort();
      expect(await done).toBe(0);
    }
  });

  it('assigns the next port to a profile without one, the same the proxy would; refuses --sslrootcert', async () => {
    const exp = await cli('export', 'pgservice', '--via-proxy');
    expect(exp.code, exp.err).toBe(0);
    const ports = await new PortRegistry(home).load();
    const readers = await openProfileStore(home).get('sim readers');
    const admins = await openProfileStore(home).get('Sim Admins');
    expect(ports[readers.id]).not.toBe(ports[admins.id]);
    expect(exp.out).toContain(`[sim-readers]\nhost=${defaultSocketDir(home, {})}\nport=${ports[readers.id]}\n`);
    const bad = await cli('export', 'pgservice', '--via-proxy', '--sslrootcert', '/x.pem');
    expect(bad.code).toBe(64);
    expect(bad.err).toContain('--sslrootcert does not apply with --via-proxy');
    expect((await cli('export', 'pgadmin', '--via-proxy')).code).toBe(64);
  });
});
