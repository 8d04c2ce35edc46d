// The token broker's in-memory cache and the PIM activation floor: once an activation is recorded
// (here by recordActivation, as the CLI's `pim activate` does in another process), a running app or
// proxy stops handing out its remembered older token; a token Entra issued after the floor was read
// is served from memory even when its `iat` looks older (clock skew), so no lookup loops to Entra.
// The sources (keychain, MSAL) are stood in for: their own floor checks are not what is tested.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import { tokenFromSource, type AccessTokenWithSource, type TokenSource } from '../../../electron/auth/tokenSources.js';
import { silentLogger } from '../../../electron/log/logger.js';
import { activationFloor, recordActivation } from '../../../electron/pim/activationLog.js';
import { PgEntraError } from '../../../shared/errors.js';

vi.mock('../../../electron/auth/tokenSources.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../electron/auth/tokenSources.js')>()),
  tokenFromSource: vi.fn(),
}));
const source = vi.mocked(tokenFromSource);

const ALICE = 'adm-alice@contoso.example';
const req = { credential: { kind: 'interactive' as const, account: ALICE }, cloud: 'public' };
const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
/** A token Entra issued at `iatMs` (whole seconds, like Entra's), valid for an hour. */
function token(name: string, iatMs: number, from: TokenSource = 'network'): AccessTokenWithSource {
  const jwt = `${b64({ typ: 'JWT' })}.${b64({ upn: ALICE, name, iat: Math.floor(iatMs / 1000) })}.c2ln`;
  return { token: jwt, expiresOn: new Date(Date.now() + 3600_000), account: ALICE, source: from };
}

let home: string;
let broker: TokenBroker;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-broker-floor-'));
  broker = new TokenBroker({ dataDir: home, memoryCache: true, logger: silentLogger, backgroundRefresh: false, tokensNotBefore: activationFloor(home) });
  source.mockReset();
});
afterEach(() => {
  broker.close();
  rmSync(home, { recursive: true, force: true });
});

const activate = (activatedAt: number): Promise<void> =>
  recordActivation(home, { account: ALICE, groupId: '6b1c3f2e-0000-4000-8000-00000000a001', group: 'db-admins', activatedAt: new Date(activatedAt).toISOString() });

describe('token broker: the in-memory cache and the activation floor', () => {
  it('an activation recorded after the token was remembered: the next request gets a new token, then that one from memory', async () => {
    const before = token('before', Date.now() - 600_000);
    const after = token('after', Date.now());
    source.mockResolvedValueOnce(before).mockResolvedValueOnce(after);

    expect(await broker.getTokenWithSource(req)).toMatchObject({ token: before.token, source: 'network' });
    expect(await broker.getTokenWithSource(req)).toMatchObject({ token: before.token, source: 'memory' });

    await activate(Date.now() - 60_000); // e.g. `pgentra pim activate` in another process
    expect(await broker.getTokenWithSource(req)).toMatchObject({ token: after.token, source: 'network' });
    expect(await broker.getTokenWithSource(req)).toMatchObject({ token: after.token, source: 'memory' });
    expect(source).toHaveBeenCalledTimes(2);
  });

  it('an older activation does not cost a request: the remembered token was issued after it', async () => {
    await activate(Date.now() - 600_000);
    source.mockResolvedValueOnce(token('t', Date.now() - 60_000, 'keychain'));
    await broker.getToken(req);
    expect((await broker.getTokenWithSource(req)).source).toBe('memory');
    expect(source).toHaveBeenCalledTimes(1);
  });

  it('a token Entra issued after the floor was read is served from memory even if its iat looks older (skew): no loop', async () => {
    await activate(Date.now() + 90_000); // this clock is ahead of Entra's, within the tolerance
    source.mockResolvedValue(token('fetched', Date.now()));
    await broker.getToken(req);
    for (let i = 0; i < 3; i++) expect((await broker.getTokenWithSource(req)).source).toBe('memory');
    expect(source).toHaveBeenCalledTimes(1);

    // A later activation still wins over it.
    await activate(Date.now() + 120_000);
    await broker.getToken(req);
    expect(source).toHaveBeenCalledTimes(2);
  });

  it('a cached token (keychain, MSAL cache) whose iat predates the floor is not served, not even straight from the source', async () => {
    await activate(Date.now() - 60_000);
    const old = token('old', Date.now() - 600_000, 'msal-cache');
    const fresh = token('new', Date.now());
    source.mockResolvedValueOnce(old).mockResolvedValueOnce(fresh);
    expect(await broker.getTokenWithSource(req)).toMatchObject({ token: fresh.token, source: 'network' });
    expect(await broker.getTokenWithSource(req)).toMatchObject({ token: fresh.token, source: 'memory' });
    expect(source).toHaveBeenCalledTimes(2);
  });

  it('a request that joined a flight started before the activation does not get that flight’s older token', async () => {
    const before = token('before', Date.now() - 600_000, 'keychain');
    const after = token('after', Date.now());
    let resolveOld: (t: AccessTokenWithSource) => void = () => undefined;
    source.mockImplementationOnce(() => new Promise((resolve) => (resolveOld = resolve))).mockResolvedValueOnce(after);
    const started = broker.getTokenWithSource(req); // e.g. a background refresh, reading the keychain
    await activate(Date.now() - 60_000);
    const joined = broker.getTokenWithSource(req);
    resolveOld(before);
    expect(await joined).toMatchObject({ token: after.token, source: 'network' });
    expect((await started).token).toBe(after.token);
    expect(source).toHaveBeenCalledTimes(2);
  });

  it('during an outage the older remembered token is still served (once asked, not in a loop)', async () => {
    const before = token('before', Date.now() - 600_000);
    source.mockResolvedValueOnce(before).mockRejectedValue(new PgEntraError('network_unavailable', 'login.microsoftonline.com cannot be reached.'));
    await broker.getToken(req);
    await activate(Date.now() - 60_000);
    expect(await broker.getTokenWithSource(req)).toMatchObject({ token: before.token, source: 'stale-during-outage' });
    expect(source).toHaveBeenCalledTimes(2);
  });

  it('a credential without account uses the account the token was issued to', async () => {
    const noAccount = { credential: { kind: 'interactive' as const }, cloud: 'public' };
    source.mockResolvedValueOnce(token('before', Date.now() - 600_000)).mockResolvedValueOnce(token('after', Date.now()));
    await broker.getToken(noAccount);
    await activate(Date.now() - 60_000);
    expect(await broker.getTokenWithSource(noAccount)).toMatchObject({ source: 'network' });
    expect(source).toHaveBeenCalledTimes(2);
  });
});
