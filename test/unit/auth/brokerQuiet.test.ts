// A quiet token request (TokenRequest.quiet: the PIM eligibility check nobody asked for): when the
// token needs the person, the caller gets the typed error and the broker raises no
// 'sign-in-required' — which the app turns into a sign-in banner. A non-quiet request sharing the
// flight still gets its event; a background refresh of a token only quiet requests used stays quiet.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StepUpRequired } from '../../../electron/auth/stepUp.js';
import { TokenBroker, type SignInRequiredEvent } from '../../../electron/auth/tokenBroker.js';
import { tokenFromSource, type AccessTokenWithSource } from '../../../electron/auth/tokenSources.js';
import { silentLogger } from '../../../electron/log/logger.js';
import { PgEntraError } from '../../../shared/errors.js';

vi.mock('../../../electron/auth/tokenSources.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../electron/auth/tokenSources.js')>()),
  tokenFromSource: vi.fn(),
}));
const source = vi.mocked(tokenFromSource);

const ALICE = 'adm-alice@contoso.example';
const graph = { credential: { kind: 'interactive' as const, account: ALICE }, cloud: 'public', resource: 'graph' as const };
const mfa = (): PgEntraError => new PgEntraError('mfa_required', 'Microsoft Graph (PIM) asks adm-alice@contoso.example for multi-factor authentication.');
const token = (validMs: number): AccessTokenWithSource => ({ token: 'a.b.c', expiresOn: new Date(Date.now() + validMs), account: ALICE, source: 'network' });

let home: string;
let broker: TokenBroker;
let events: SignInRequiredEvent[];
function newBroker(backgroundRefresh: boolean): TokenBroker {
  const b = new TokenBroker({ dataDir: home, memoryCache: true, logger: silentLogger, backgroundRefresh });
  b.on('sign-in-required', (e) => events.push(e));
  return b;
}
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-broker-quiet-'));
  events = [];
  broker = newBroker(false);
  source.mockReset();
});
afterEach(() => {
  vi.useRealTimers();
  broker.close();
  rmSync(home, { recursive: true, force: true });
});

describe('token broker: quiet requests', () => {
  it('a quiet request that needs the person fails with the typed error and raises no sign-in-required', async () => {
    source.mockRejectedValue(mfa());
    const e: unknown = await broker.getToken({ ...graph, quiet: true }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StepUpRequired);
    expect(e).toMatchObject({ code: 'mfa_required', challenge: { resource: 'graph', account: ALICE } });
    expect(events).toEqual([]);

    // The same request, not quiet: the event the app turns into its banner.
    await expect(broker.getToken(graph)).rejects.toMatchObject({ code: 'mfa_required' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ resource: 'graph', account: ALICE, error: { code: 'mfa_required' } });
  });

  it('quiet for fresh requests too', async () => {
    source.mockRejectedValue(new PgEntraError('sign_in_required', `${ALICE} is not signed in.`));
    await expect(broker.getToken({ ...graph, fresh: true, quiet: true })).rejects.toMatchObject({ code: 'sign_in_required' });
    expect(events).toEqual([]);
  });

  it('a non-quiet request joining a quiet one’s flight still gets its event (once)', async () => {
    let fail: (e: unknown) => void = () => undefined;
    source.mockImplementation(() => new Promise((_resolve, reject) => (fail = reject)));
    const quiet = broker.getToken({ ...graph, quiet: true }).catch((x: unknown) => x);
    const loud = broker.getToken(graph).catch((x: unknown) => x);
    fail(mfa());
    expect(await quiet).toMatchObject({ code: 'mfa_required' });
    expect(await loud).toMatchObject({ code: 'mfa_required' });
    expect(source).toHaveBeenCalledTimes(1);
    expect(events).toHaveLength(1);
  });

  it('a background refresh of a token only quiet requests used stays quiet; once a non-quiet request used it, it is not', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    broker.close();
    broker = newBroker(true);
    // Refreshed in the background 5 s from now (2 min margin + 30 s ahead).
    source.mockResolvedValueOnce(token(155_000)).mockRejectedValue(mfa());
    await broker.getToken({ ...graph, quiet: true });
    await vi.advanceTimersByTimeAsync(6_000);
    expect(source).toHaveBeenCalledTimes(2);
    expect(events).toEqual([]);

    source.mockReset();
    source.mockResolvedValueOnce(token(155_000)).mockRejectedValue(mfa());
    await broker.getToken({ ...graph, quiet: true });
    await broker.getToken(graph); // from memory, by someone who wants to hear
    await vi.advanceTimersByTimeAsync(6_000);
    expect(source).toHaveBeenCalledTimes(2);
    expect(events).toHaveLength(1);
  });
});
