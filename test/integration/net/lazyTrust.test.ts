// Reading the OS trust store is lazy: `pgentra token` answered from the keychain (pgAdmin's
// password command, on every connection) never reads it; the first TLS connection does, once.
// The OS reader is replaced by a counting stand-in for the whole module graph (vi.mock), so the
// real dispatcher, broker and transport run as shipped.
import '../auth/simCloud.js'; // loads reflect-metadata first
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../electron/cli/dispatcher.js';
import { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import { silentLogger } from '../../../electron/log/logger.js';
import { completeSignInHeadless } from '../../sim/entra/index.js';
import { ACCOUNTS } from '../../sim/types.js';
import { startSimCloud, type SimCloud } from '../auth/simCloud.js';

const reads = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../../electron/base/systemRoots.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../electron/base/systemRoots.js')>();
  return {
    ...real,
    readSystemRoots: () => {
      reads.count++;
      return { certificates: [], source: 'counting stand-in' };
    },
  };
});

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
let s: SimCloud;
beforeAll(async () => {
  s = await startSimCloud({ tokenLifetimeSeconds: 3600 });
});
afterAll(async () => {
  await s?.cleanup();
});

async function token(home: string, ...extra: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['token', '--account', ACCOUNTS.secondary, '--cloud', s.cloudFile, ...extra], {
    stdout: { write: (c: string) => (out += c) },
    stderr: { write: (c: string) => (err += c) },
    env: { PGENTRA_HOME: home, PATH: process.env.PATH ?? '' },
  });
  return { code, out, err };
}

describe.skipIf(!keyring)('the OS trust store is read only when a TLS connection is built', () => {
  it('pgentra token from the keychain reads nothing; --fresh (a request to Entra) reads it once', async () => {
    const home = s.newHome('lazy');
    const broker = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: home, logger: silentLogger });
    await broker.signInInteractive(s.cloudFile, { openBrowser: async (url) => void completeSignInHeadless(url, { caCertPem: s.tls.caCertPem, upn: ACCOUNTS.secondary }).catch(() => undefined) });
    broker.close();
    expect(reads.count).toBeGreaterThan(0); // the sign-in's TLS connections did read it (the stand-in counts)

    reads.count = 0;
    s.sim.control.resetCounters();
    const cached = await token(home);
    expect(cached.err).toBe('');
    expect(cached.code).toBe(0);
    expect(cached.out.trim().split('.')).toHaveLength(3);
    expect(s.sim.control.requestCount()).toBe(0);
    expect(reads.count).toBe(0);

    const fresh = await token(home, '--fresh');
    expect(fresh.code).toBe(0);
    expect(s.sim.control.requestCount('token:refresh_token')).toBe(1);
    expect(reads.count).toBe(1);
  });
});
