// "Retry with a fresh token" crosses IPC as sessions.open({ profileId, fresh: true }): validated
// by the contract (a boolean only) and passed to the session manager, which asks the token
// provider to bypass its caches.
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../../electron/ipc/handlers/index.js';
import { createRouter } from '../../../electron/ipc/router.js';
import type { Services } from '../../../electron/ipc/services.js';
import { CONTRACT } from '../../../shared/contract.js';
import { PgEntraError } from '../../../shared/errors.js';
import type { SessionInfo } from '../../../shared/ipcSessions.js';
import { PROFILE, PROFILE_ID, SESSION_ID, TRUSTED } from './fixtures.js';

const INFO: SessionInfo = {
  sessionId: SESSION_ID,
  host: PROFILE.host,
  port: 5432,
  database: 'postgres',
  username: 'db-admins',
  sslmode: 'verify-full',
  state: 'connected',
  currentUser: 'db-admins',
  sessionUser: 'db-admins',
  serverVersion: '16.4',
  backendPid: 42,
  tls: null,
  account: 'adm-alice@contoso.example',
  tokenExpiresOn: null,
  connectedAt: null,
  reconnects: 0,
};

function services(opened: Array<{ fresh?: boolean }>): Services {
  const notWired = async (): Promise<never> => {
    throw new PgEntraError('internal', 'not used in this test');
  };
  return {
    profiles: { get: async () => PROFILE } as unknown as Services['profiles'],
    sessions: {
      open: async (_target, opts) => {
        opened.push({ ...opts });
        return SESSION_ID;
      },
      info: () => INFO,
      close: notWired,
      query: notWired,
      fetchMore: notWired,
      cancel: notWired,
      history: () => [],
      listPrincipals: notWired,
      createPrincipal: notWired,
      verifyAccess: notWired,
    },
    accounts: {} as Services['accounts'],
    tokens: {} as Services['tokens'],
    interop: {} as Services['interop'],
    appInfo: () => ({ name: 'pgEntra', version: '0', electron: null, chrome: null, node: process.versions.node, platform: process.platform, dataDir: '/tmp/x' }),
    saveFile: notWired,
    confirmTokenCopy: async () => false,
    events: () => undefined,
  };
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
