// "Retry with a fresh token": a `fresh` request skips every cache (memory, keychain, MSAL) and
// redeems the refresh token, because a cached token predates a PIM activation or group change.
import './simCloud.js'; // loads reflect-metadata first
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import { createLogger } from '../../../electron/log/logger.js';
import { completeSignInHeadless } from '../../sim/entra/index.js';
import { ACCOUNTS } from '../../sim/types.js';
import { startSimCloud, type SimCloud } from './simCloud.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const logger = createLogger({ level: 'error', sinks: [] });
let s: SimCloud;
beforeAll(async () => {
  s = await startSimCloud();
});
afterAll(async () => {
  await s?.cleanup();
});

for (const memoryCache of [false, true]) {
  describe.skipIf(!memoryCache && !keyring)(`fresh tokens (${memoryCache ? 'memory cache' : 'keychain cache'})`, () => {
    it('bypasses the memory, keychain and MSAL caches; concurrent fresh callers share one request', async () => {
      const home = s.newHome(`fresh-${String(memoryCache)}`);
      const broker = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: home, logger, memoryCache });
      await broker.signInInteractive(s.cloudFile, {
        loginHint: ACCOUNTS.secondary,
        openBrowser: async (url) => void completeSignInHeadless(url, { caCertPem: s.tls.caCertPem, upn: ACCOUNTS.secondary }).catch(() => undefined),
      });
      const req = { credential: { kind: 'interactive' as const, account: ACCOUNTS.secondary }, cloud: s.cloudFile };
      const first = await broker.getTokenWithSource(req);
      s.sim.control.resetCounters();
      const cached = await broker.getTokenWithSource(req);
      expect(cached.token).toBe(first.token);
      expect(s.sim.control.requestCount('token')).toBe(0);

      const fresh = await broker.getTokenWithSource({ ...req, fresh: true });
      expect(fresh.source).toBe('network');
      expect(fresh.token).not.toBe(first.token);
      expect(s.sim.control.requestCount('token:refresh_token')).toBe(1);
      // The fresh token is what later callers get.
      expect((await broker.getToken(req)).token).toBe(fresh.token);

      s.sim.control.resetCounters();
      const both = await Promise.all([broker.getToken({ ...req, fresh: true }), broker.getToken({ ...req, fresh: true })]);
      expect(both[0].token).toBe(both[1].token);
      expect(s.sim.control.requestCount('token:refresh_token')).toBe(1);
      await broker.signOut(s.cloudFile, { all: true });
      broker.close();
    });
  });
}
