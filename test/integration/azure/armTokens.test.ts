// Azure Resource Manager tokens from the broker against the Entra simulator, real MSAL and the
// real keychain: the same sign-in and MSAL cache as the database token, the keychain fast path
// finds them under the management resource, and a sign-out ends them too.
import '../auth/simCloud.js'; // loads reflect-metadata first
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import { describeToken } from '../../../electron/auth/describeToken.js';
import { silentLogger } from '../../../electron/log/logger.js';
import { completeSignInHeadless } from '../../sim/entra/index.js';
import { ACCOUNTS } from '../../sim/types.js';
import { startSimCloud, type SimCloud } from '../auth/simCloud.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const ARM = 'https://management.azure.com';
let s: SimCloud;

beforeAll(async () => {
  if (!keyring) return;
  s = await startSimCloud({ tokenLifetimeSeconds: 3600 });
  // The helper's cloud file plus a management endpoint the simulator issues tokens for.
  const file = JSON.parse(readFileSync(s.cloudFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(s.cloudFile, JSON.stringify({ ...file, managementEndpoint: ARM }));
});
afterAll(async () => {
  await s?.cleanup();
});

describe.skipIf(!keyring)('broker: ARM tokens (keychain cache)', () => {
  it('one sign-in, two tokens: the ARM one from the refresh token, then from the keychain in a new process; sign-out ends both', async () => {
    const home = s.newHome('arm');
    const cred = { kind: 'interactive' as const, account: ACCOUNTS.secondary };
    const a = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: home, logger: silentLogger });
    await a.signInInteractive(s.cloudFile, { openBrowser: async (url) => void completeSignInHeadless(url, { caCertPem: s.tls.caCertPem, upn: ACCOUNTS.secondary }).catch(() => undefined) });
    const pg = await a.getTokenWithSource({ credential: cred, cloud: s.cloudFile });
    s.sim.control.resetCounters();
    const arm = await a.getTokenWithSource({ credential: cred, cloud: s.cloudFile, resource: 'management' });
    expect(arm.source).toBe('network');
    expect(s.sim.control.requestCount('token:refresh_token')).toBe(1);
    expect(arm.token).not.toBe(pg.token);
    expect(describeToken(arm.token).aud).toBe(ARM);
    expect(describeToken(arm.token).upn).toBe(ACCOUNTS.secondary);
    // The database token is still the database token (its own key, not overwritten).
    expect((await a.getTokenWithSource({ credential: cred, cloud: s.cloudFile })).token).toBe(pg.token);

    s.sim.control.resetCounters();
    const b = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: home, logger: silentLogger });
    const again = await b.getTokenWithSource({ credential: cred, cloud: s.cloudFile, resource: 'management' });
    expect(again.source).toBe('keychain');
    expect(again.token).toBe(arm.token);
    expect((await b.getTokenWithSource({ credential: cred, cloud: s.cloudFile })).token).toBe(pg.token);
    expect(s.sim.control.requestCount('token')).toBe(0);

    await b.signOut(s.cloudFile, { account: ACCOUNTS.secondary });
    await expect(b.getToken({ credential: cred, cloud: s.cloudFile, resource: 'management' })).rejects.toMatchObject({ code: 'sign_in_required' });
    a.close();
    b.close();
  });
});
