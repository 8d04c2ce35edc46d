// The PIM eligibility checks nobody asked for — the app's offer after a refused group login
// (pimAppService.eligibility) and the CLI's advice (pimStandingQuietly) — ask for their Graph tokens
// quietly: when a token needs the person (MFA here), the check just finds nothing and the broker
// raises no 'sign-in-required', which the app would turn into a sign-in banner. Real broker,
// PimService and GraphClient; only the token sources are stood in for (no request reaches Graph).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPimAppService } from '../../../electron/appServices/pimAppService.js';
import { TokenBroker, type SignInRequiredEvent } from '../../../electron/auth/tokenBroker.js';
import type { TokenRequest } from '../../../electron/auth/tokenProvider.js';
import { tokenFromSource } from '../../../electron/auth/tokenSources.js';
import type { CliContext } from '../../../electron/cli/context.js';
import { pimStandingQuietly } from '../../../electron/cli/pimRefusal.js';
import { createLogger, silentLogger } from '../../../electron/log/logger.js';
import { pimFor } from '../../../electron/pim/pimService.js';
import { PgEntraError } from '../../../shared/errors.js';
import { validateProfileInput, type Profile } from '../../../shared/profile.js';

vi.mock('../../../electron/auth/tokenSources.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../electron/auth/tokenSources.js')>()),
  tokenFromSource: vi.fn(),
}));
const source = vi.mocked(tokenFromSource);

const ALICE = 'adm-alice@contoso.example';
const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');

function profile(): Profile {
  const r = validateProfileInput({ name: 'prod', host: 'myserver.postgres.database.azure.com', username: 'db-admins', credential: { kind: 'interactive', account: ALICE } });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.profile;
}

let home: string;
let broker: TokenBroker;
let events: SignInRequiredEvent[];
let requests: TokenRequest[];
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-pim-quiet-'));
  broker = new TokenBroker({ dataDir: home, memoryCache: true, logger: silentLogger, backgroundRefresh: false });
  events = [];
  broker.on('sign-in-required', (e) => events.push(e));
  requests = [];
  const getToken = broker.getToken.bind(broker);
  vi.spyOn(broker, 'getToken').mockImplementation((req) => {
    requests.push(req);
    return getToken(req);
  });
  source.mockReset();
  // PimService's first token names the account (oid); it has too little time left for the Graph
  // request that follows, whose new token needs MFA.
  source
    .mockResolvedValueOnce({
      token: `${b64({ typ: 'JWT' })}.${b64({ oid: '00000000-0000-4000-8000-00000000a11c' })}.c2ln`,
      expiresOn: new Date(Date.now() + 60_000),
      account: ALICE,
      source: 'network',
    })
    .mockRejectedValue(new PgEntraError('mfa_required', `Microsoft Graph (PIM) asks ${ALICE} for multi-factor authentication.`));
});
afterEach(() => {
  broker.close();
  rmSync(home, { recursive: true, force: true });
});

describe('the silent PIM eligibility checks', () => {
  it('the app: no offer, and no sign-in banner', async () => {
    const service = createPimAppService({
      tokens: broker,
      dataDir: home,
      events: () => undefined,
      store: { update: () => Promise.reject(new Error('not used')) },
      accounts: {},
      checkLogin: () => Promise.reject(new Error('not used')),
    });
    expect(await service.eligibility(profile())).toBeNull();
    expect(requests.length).toBeGreaterThanOrEqual(2); // PimService's token, then the Graph request's
    for (const r of requests) expect(r).toMatchObject({ resource: 'graph', quiet: true });
    expect(events).toEqual([]);
  });

  it('the CLI: undefined (the refusal stands alone), and no sign-in-required', async () => {
    const ctx: CliContext = {
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: {},
      cwd: home,
      dataDir: home,
      global: { cloud: 'public', memoryCache: true, verbose: false },
      services: { logger: createLogger(), broker: () => Promise.resolve(broker), pim: (cloud) => Promise.resolve(pimFor(cloud, { tokens: broker })), openBrowser: () => Promise.resolve(false) },
      signal: new AbortController().signal,
    };
    expect(await pimStandingQuietly(ctx, profile())).toBeUndefined();
    expect(requests.length).toBeGreaterThanOrEqual(2);
    for (const r of requests) expect(r).toMatchObject({ resource: 'graph', quiet: true });
    expect(events).toEqual([]);
  });
});
