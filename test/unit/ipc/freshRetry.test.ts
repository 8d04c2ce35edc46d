// "Retry with a fresh token" crosses IPC as sessions.open({ profileId, fresh: true }): validated
// by the contract (a boolean only) and passed to the session manager, which asks the token
// provider to bypass its caches.
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../../electron/ipc/handlers/index.js';
import { createRouter } from '../../../electron/ipc/router.js';
import type { Services } from '../../../electron/ipc/services.js';
import { CONTRACT } from '../../../shared/contract.js';
import { PROFILE_ID, SESSION_ID, SESSION_INFO, TRUSTED, openOnlyServices } from './fixtures.js';

const INFO = SESSION_INFO;

function services(opened: Array<{ fresh?: boolean }>): Services {
  return openOnlyServices({
    open: async (_target, opts) => {
      opened.push({ ...opts });
      return SESSION_ID;
    },
  });
}

describe('sessions.open with fresh', () => {
  it('the contract accepts fresh as an optional boolean and nothing else', () => {
    const input = CONTRACT['sessions.open'].input;
    expect(input.safeParse({ profileId: PROFILE_ID }).success).toBe(true);
    expect(input.safeParse({ profileId: PROFILE_ID, fresh: true }).success).toBe(true);
    expect(input.safeParse({ profileId: PROFILE_ID, fresh: 'yes' }).success).toBe(false);
    expect(input.safeParse({ profileId: PROFILE_ID, fresh: 1 }).success).toBe(false);
  });

  it('the handler passes fresh: true to the session manager, and nothing when absent', async () => {
    const opened: Array<{ fresh?: boolean }> = [];
    const router = createRouter(createHandlers(services(opened)), { validateOutput: true });
    expect(await router.dispatch('sessions.open', { profileId: PROFILE_ID, fresh: true }, TRUSTED)).toEqual({ ok: true, value: INFO });
    expect(await router.dispatch('sessions.open', { profileId: PROFILE_ID }, TRUSTED)).toEqual({ ok: true, value: INFO });
    expect(opened).toEqual([{ fresh: true }, {}]);
    const bad = await router.dispatch('sessions.open', { profileId: PROFILE_ID, fresh: 'true' }, TRUSTED);
    expect(!bad.ok && bad.error.code).toBe('invalid_input');
  });
});
