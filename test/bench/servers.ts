// `pgentra servers list` benchmark (figures only, no assertions). Needs a keychain:
//   test/support/with-keyring.sh node --import tsx test/bench/servers.ts   (or: npm run bench -- servers)
// 200 flexible servers across 3 readable subscriptions (pages of 50) plus one that answers 403,
// in the simulated Azure Resource Manager. Both commands run as whole processes of the built CLI
// with cached tokens (the keychain fast path); reported: median `servers list`, median `pgentra
// token`, their ratio, and ARM requests per listing. The simulators run in this process, so the
// CLI is spawned asynchronously (a spawnSync'd client would wait for a server that cannot answer).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TokenBroker } from '../../electron/auth/tokenBroker.js';
import { trustCloudFile } from '../../electron/connect/cloudTrust.js';
import { silentLogger } from '../../electron/log/logger.js';
import { SUBSCRIPTIONS } from '../sim/arm/index.js';
import { completeSignInHeadless } from '../sim/entra/index.js';
import { startSimulatedAzure } from '../sim/index.js';
import { ACCOUNTS } from '../sim/types.js';
import { run } from '../public-cloud/fixture.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(root, 'electron/cli/bin.mjs');
const RUNS = 15;
const BENCH_SUB = '5d7e8f90-1a2b-4c3d-8e4f-a0b1c2d3e4f5';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

/** One whole CLI process, timed; spawned asynchronously (the simulators answer from this process). */
async function runOnce(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string }> {
  const t0 = performance.now();
  const r = await run(process.execPath, [BIN, ...args], { env, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`pgentra ${args[0]} exited ${String(r.code)}: ${r.stderr}`);
  return { ms: performance.now() - t0, stdout: r.stdout };
}

async function timeRuns(args: string[], env: NodeJS.ProcessEnv): Promise<{ times: number[]; last: string }> {
  await runOnce(args, env); // warm the file cache; not counted
  const times: number[] = [];
  let last = '';
  for (let i = 0; i < RUNS; i++) {
    const r = await runOnce(args, env);
    times.push(r.ms);
    last = r.stdout;
  }
  return { times, last };
}

if (process.env.PGENTRA_KEYRING_READY !== '1') {
  console.error('Run inside test/support/with-keyring.sh (needs a keychain).');
  process.exit(69);
}
const build = spawnSync(process.execPath, [path.join(root, 'build/build.mjs'), '--no-renderer'], { cwd: root, encoding: 'utf8' });
if (build.status !== 0) console.warn('build failed; using the existing dist/cli bundle:', build.stderr.split('\n')[0]);

const sim = await startSimulatedAzure({ autoApprove: null, withServer: false });
const home = mkdtempSync(path.join(tmpdir(), 'pgentra-bench-servers-'));
try {
  await trustCloudFile(home, sim.stateFile);
  const broker = new TokenBroker({ dataDir: home, logger: silentLogger, backgroundRefresh: false });
  const caCertPem = readFileSync(sim.caFile, 'utf8');
  await broker.signInInteractive(sim.stateFile, { openBrowser: async (url) => void completeSignInHeadless(url, { caCertPem, upn: ACCOUNTS.secondary }).catch(() => undefined) });
  const credential = { kind: 'interactive' as const, account: ACCOUNTS.secondary };
  // Both tokens in the keychain, as after any earlier command: each process reads, none refreshes.
  await broker.getToken({ credential, cloud: sim.stateFile });
  await broker.getToken({ credential, cloud: sim.stateFile, resource: 'management' });
  broker.close();

  // 6 default servers (Production 5, Dev 1) + 194 = 200 in three readable subscriptions.
  const arm = sim.arm.control;
  arm.addSubscription({ subscriptionId: BENCH_SUB, displayName: 'Contoso Bench' });
  arm.addServers(SUBSCRIPTIONS.production, 65, { prefix: 'prod' });
  arm.addServers(SUBSCRIPTIONS.dev, 64, { prefix: 'dev' });
  arm.addServers(BENCH_SUB, 65, { prefix: 'bench' });
  arm.setPageSize(50);

  const env: NodeJS.ProcessEnv = { ...process.env, PGENTRA_HOME: home };
  delete env.PGENTRA_CLOUD_FILE;
  const common = ['--account', ACCOUNTS.secondary, '--cloud', sim.stateFile];
  arm.resetCounters();
  const list = await timeRuns(['servers', 'list', ...common, '--json'], env);
  const perListing = arm.requestCount() / (RUNS + 1);
  const servers = (JSON.parse(list.last) as { servers: unknown[] }).servers.length;
  const token = await timeRuns(['token', ...common], env);
  const m = median(list.times);
  const t = median(token.times);
  console.log(
    `pgentra servers list (whole process, ${servers} servers, 3 readable subscriptions + one 403, pages of 50): median ${m.toFixed(1)} ms over ${RUNS} runs; ${perListing.toFixed(1)} ARM requests per listing`,
  );
  console.log(`pgentra token (whole process, cached): median ${t.toFixed(1)} ms over ${RUNS} runs`);
  console.log(`ratio servers list / token: ${(m / t).toFixed(2)}`);
} finally {
  await sim.stop();
  const { deleteKeychainCache } = await import('../../electron/keychain/cachePersistence.js');
  await deleteKeychainCache(home).catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
}
