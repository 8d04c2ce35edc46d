// Acceptance: with 5-second tokens, a 60-second `pgbench -C` (a new connection per
// transaction) through the proxy has zero failed connections — each login gets a valid token.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../../electron/proxy/index.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { CachingSimTokenProvider, captureLog, libpqEnv, prepareServer, run, simProfile } from './helpers.js';

let azure: SimulatedAzure;
let proxy: RunningProxy | undefined;

beforeAll(async () => {
  azure = await startSimulatedAzure({ tokenLifetimeSeconds: 5 });
  await prepareServer(azure);
});

afterAll(async () => {
  await proxy?.close(false);
  await azure?.stop();
});

it('pgbench -C for 60 s with 5-second tokens: zero failed connections', { timeout: 180_000 }, async () => {
  // Hands each token out until its very last moment, like a cache under load.
  const tokens = new CachingSimTokenProvider(azure, 5, undefined, 0);
  const log = captureLog();
  proxy = await startProxy({ routes: [{ profile: simProfile(azure) }], tokenProvider: tokens, logger: log.logger });
  const l = proxy.listeners[0]!;
  const base = ['-h', l.address, '-p', String(l.port), '-U', 'db-admins'];
  const init = await run('/usr/bin/pgbench', ['-i', '-s', '1', '-q', ...base, 'postgres'], libpqEnv());
  expect(init.code, init.stderr).toBe(0);
  const r = await run('/usr/bin/pgbench', ['-S', '-C', '-c', '2', '-j', '2', '-T', '60', ...base, 'postgres'], libpqEnv(), 150_000);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/error|FATAL/i);
  expect(r.stdout).toMatch(/number of failed transactions: 0 /);
  const processed = Number(/number of transactions actually processed: (\d+)/.exec(r.stdout)?.[1]);
  expect(processed).toBeGreaterThan(100);
  const stats = proxy.stats();
  expect(stats.failed).toBe(0);
  expect(stats.succeeded).toBeGreaterThanOrEqual(processed);
  // Tokens really rotated during the run (one per ~5 s).
  expect(tokens.issued.length).toBeGreaterThanOrEqual(10);
  const all = log.lines.join('\n');
  for (const t of tokens.issued) expect(all.includes(t)).toBe(false);
});
