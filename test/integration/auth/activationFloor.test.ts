// The PIM activation floor against the Entra simulator: a long-running broker (the app, the proxy)
// that remembers a token stops serving it once an activation is recorded — here by
// recordActivation, as `pgentra pim activate` does in another process — and asks Entra once for a
// new one; with this clock slightly ahead of Entra's, that new token (whose iat looks older than the
// activation) is served from memory afterwards instead of costing a request every time.
import './simCloud.js'; // loads reflect-metadata first
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import { createLogger } from '../../../electron/log/logger.js';
import { activationFloor, recordActivation } from '../../../electron/pim/activationLog.js';
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
  describe.skipIf(!memoryCache && !keyring)(`activation floor (${memoryCache ? 'memory cache' : 'keychain cache'})`, () => {
    it('an activation recorded by another process: one request to Entra, then the new token from memory', async () => {
      const home = s.newHome(`floor-${String(memoryCache)}`);
      const broker = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: home, logger, memoryCache, tokensNotBefore: activationFloor(home) });
      await broker.signInInteractive(s.cloudFile, {
        loginHint: ACCOUNTS.secondary,
        openBrowser: async (url) => void completeSignInHeadless(url, { caCertPem: s.tls.caCertPem, upn: ACCOUNTS.secondary }).catch(() => undefined),
      });
      const req = { credential: { kind: 'interactive' as const, account: ACCOUNTS.secondary }, cloud: s.cloudFile };
      const first = await broker.getTokenWithSource(req);
      expect((await broker.getTokenWithSource(req)).source).toBe('memory');

      // Recorded 2 s ahead of now: this clock runs ahead of Entra's (within the tolerance).
      await recordActivation(home, { account: ACCOUNTS.secondary, groupId: '6b1c3f2e-0000-4000-8000-00000000a001', group: 'db-admins', activatedAt: new Date(Date.now() + 2_000).toISOString() });
      s.sim.control.resetCounters();
      const after = await broker.getTokenWithSource(req);
      expect(after.token).not.toBe(first.token);
      expect(after.source).toBe('network');
      for (let i = 0; i < 3; i++) expect(await broker.getTokenWithSource(req)).toMatchObject({ token: after.token, source: 'memory' });
      expect(s.sim.control.requestCount('token:refresh_token')).toBe(1);
      await broker.signOut(s.cloudFile, { all: true });
      broker.close();
    });
  });
}
