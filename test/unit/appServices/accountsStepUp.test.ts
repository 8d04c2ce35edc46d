// A step-up the main process asks for on behalf of an operation (PIM's activation) ends when that
// operation is stopped: its signal cancels the sign-in as the dialog's Cancel does — the browser
// wait ends and the dialog hears 'cancelled' — and a stopped operation opens no browser at all.
import { describe, expect, it } from 'vitest';
import { TokenExpiryIndex, createAccountsService } from '../../../electron/appServices/accountsService.js';
import type { ClaimsChallenge } from '../../../electron/auth/stepUp.js';
import type { StepUpVia, TokenBroker } from '../../../electron/auth/tokenBroker.js';
import type { ProfileStore } from '../../../electron/profiles/profileStore.js';
import { PgEntraError, isPgEntraError } from '../../../shared/errors.js';

const challenge: ClaimsChallenge = { cloud: 'public', resource: 'graph', credential: { kind: 'interactive', account: 'adm-alice@contoso.example' }, account: 'adm-alice@contoso.example' };

/** A broker whose step-up waits (as for the browser) until its signal aborts. */
function waitingBroker(): { broker: TokenBroker; signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  const broker = {
    on: () => undefined,
    stepUp: (_c: ClaimsChallenge, via: StepUpVia) =>
      new Promise((_resolve, reject) => {
        if (via.signal) signals.push(via.signal);
        via.signal?.addEventListener('abort', () => reject(new PgEntraError('sign_in_cancelled', 'Sign-in was cancelled.')), { once: true });
      }),
  };
  return { broker: broker as unknown as TokenBroker, signals };
}

function accounts(broker: TokenBroker, progress: string[]) {
  return createAccountsService({
    broker,
    store: {} as ProfileStore,
    events: (name, payload) => {
      if (name === 'signIn.progress') progress.push((payload as { stage: string }).stage);
    },
    expiries: new TokenExpiryIndex(),
    defaultCloud: 'public',
    openSignInPage: () => Promise.resolve(true),
  });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isPgEntraError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('accounts.stepUp with the operation’s signal', () => {
  it('cancels the sign-in when the signal aborts', async () => {
    const { broker, signals } = waitingBroker();
    const progress: string[] = [];
    const service = accounts(broker, progress);
    const ctl = new AbortController();
    const stepUp = service.stepUp?.(challenge, 'PIM requires multi-factor authentication to activate db-admins.', ctl.signal);
    expect(signals).toHaveLength(1);
    ctl.abort();
    expect(signals[0]?.aborted).toBe(true);
    expect(await codeOf(stepUp ?? Promise.resolve())).toBe('sign_in_cancelled');
    expect(progress).toEqual(['opening-browser', 'cancelled']);
    // Nothing is left pending for the dialog's Cancel.
    expect(await service.cancelSignIn()).toBe(false);
  });

  it('opens no browser for an operation already stopped', async () => {
    const { broker, signals } = waitingBroker();
    const progress: string[] = [];
    const stepUp = accounts(broker, progress).stepUp?.(challenge, 'why', AbortSignal.abort());
    expect(await codeOf(stepUp ?? Promise.resolve())).toBe('sign_in_cancelled');
    expect(signals).toEqual([]);
    expect(progress).toEqual([]);
  });
});
