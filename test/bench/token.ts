// Token path benchmark (figures only, no assertions). Needs a keychain:
//   test/support/with-keyring.sh npx tsx test/bench/token.ts
// 1. `pgentra token` as a whole process with a valid cached token (built CLI) vs `node -e 0`
// 2. in-process warm getToken median
// 3. 100 concurrent callers with an expired token → refresh requests (must be 1)
import '../integration/auth/simCloud.js';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TokenBroker } from '../../electron/auth/tokenBroker.js';
import { silentLogger } from '../../electron/log/logger.js';
import { completeSignInHeadless } from '../sim/entra/index.js';
import { ACCOUNTS } from '../sim/types.js';
import { startSimCloud } from '../integration/auth/simCloud.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
function timeProcess(args: string[], env: NodeJS.ProcessEnv, runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    out.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`run failed (${String(r.status)}): ${r.stderr}`);
  }
  return out;
}

if (process.env.PGENTRA_KEYRING_READY !== '1') {
  console.error('Run inside test/support/with-keyring.sh (needs a keychain).');
  process.exit(69);
}
const build = spawnSync(process.execPath, [path.join(root, 'build/build.mjs'), '--no-renderer'], { cwd: root, encoding: 'utf8' });
if (build.status !== 0) console.warn('build failed; using the existing dist/cli bundle:', build.stderr.split('\n')[0]);

const s = await startSimCloud();
try {
  const home = s.newHome('bench');
  const signer = new TokenBroker({ dataDir: home, logger: silentLogger });
  await signer.signInInteractive(s.cloudFile, { openBrowser: async (url) => void completeSignInHeadless(url, { caCertPem: s.tls.caCertPem, upn: ACCOUNTS.secondary }).catch(() => undefined) });
  signer.close();
  const env = { ...process.env, PGENTRA_HOME: home };
  const runs = 20;
  s.sim.control.resetCounters();
  const baseline = timeProcess(['-e', '0'], env, runs);
  const cli = timeProcess([path.join(root, 'electron/cli/bin.mjs'), 'token', '--account', ACCOUNTS.secondary, '--cloud', s.cloudFile], env, runs);
  console.log(
    `pgentra token (whole process, cached): median ${median(cli).toFixed(1)} ms over ${runs} runs; node -e 0: median ${median(baseline).toFixed(1)} ms; token requests to Entra: ${s.sim.control.requestCount('token')}`,
  );

  const broker = new TokenBroker({ dataDir: home, logger: silentLogger, backgroundRefresh: false });
  const req = { credential: { kind: 'interactive' as const, account: ACCOUNTS.secondary }, cloud: s.cloudFile };
  await broker.getToken(req);
  const warm: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const t0 = performance.now();
    await broker.getToken(req);
    warm.push(performance.now() - t0);
  }
  console.log(`in-process warm getToken: median ${(median(warm) * 1000).toFixed(1)} µs over 1000 calls`);

  s.sim.control.setTokenLifetime(3);
  const shortBroker = new TokenBroker({ dataDir: s.newHome('bench-short'), logger: silentLogger, backgroundRefresh: false, minValiditySeconds: 1 });
  await shortBroker.signInInteractive(s.cloudFile, { openBrowser: async (url) => void completeSignInHeadless(url, { caCertPem: s.tls.caCertPem, upn: ACCOUNTS.primary }).catch(() => undefined) });
  const shortReq = { credential: { kind: 'interactive' as const, account: ACCOUNTS.primary }, cloud: s.cloudFile };
  await new Promise((r) => setTimeout(r, 3_300));
  s.sim.control.resetCounters();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 100 }, () => shortBroker.getToken(shortReq)));
  console.log(`100 concurrent callers, expired token: ${s.sim.control.requestCount('token:refresh_token')} refresh request(s), ${(performance.now() - t0).toFixed(1)} ms`);
  broker.close();
  shortBroker.close();
} finally {
  await s.cleanup();
}
