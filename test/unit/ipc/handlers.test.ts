// Handlers built from fake services: sessions open by profile id (never a raw host), results flow
// through the router with output validation on.
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../../electron/ipc/handlers/index.js';
import { createRouter } from '../../../electron/ipc/router.js';
import type { Services, SessionsService } from '../../../electron/ipc/services.js';
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
  tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
  account: 'adm-alice@contoso.example',
  tokenExpiresOn: '2030-01-01T00:00:00.000Z',
  connectedAt: '2024-01-01T00:00:00.000Z',
  reconnects: 0,
};

function fakeServices(opened: unknown[]): Services {
  const notWired = async (): Promise<never> => {
    throw new PgEntraError('internal', 'not used in this test');
  };
  const sessions: SessionsService = {
    open: async (target) => {
      opened.push(target);
      return SESSION_ID;
    },
    close: async () => undefined,
    info: () => INFO,
    query: notWired,
    fetchMore: notWired,
    cancel: async () => true,
    history: () => [],
    listPrincipals: notWired,
    createPrincipal: notWired,
    verifyAccess: notWired,
  };
  return {
    profiles: {
      list: async () => [PROFILE],
      get: async (id) => {
        if (id !== PROFILE_ID) throw new PgEntraError('not_found', 'No such profile.');
        return PROFILE;
      },
      create: notWired,
      update: notWired,
      remove: async () => PROFILE,
      restore: async () => PROFILE,
      duplicate: notWired,
      move: notWired,
      validate: () => ({ ok: true, profile: PROFILE }),
    },
    accounts: { list: async () => [], signIn: notWired, signInDeviceCode: notWired, cancelSignIn: async () => false, signOut: async () => [] },
    sessions,
    tokens: {
      copy: async () => ({ token: 'eyJ.fake.token', expiresOn: new Date('2030-01-01T00:00:00Z') }),
      describe: notWired,
    },
    interop: { exportPgAdmin: notWired, importPgAdmin: notWired },
    appInfo: () => ({ name: 'pgEntra', version: '0.1.0', electron: null, chrome: null, node: process.versions.node, platform: process.platform, dataDir: '/tmp/x' }),
    events: () => undefined,
  };
}

describe('handlers', () => {
  it('sessions.open looks the profile up by id and returns session info', async () => {
    const opened: unknown[] = [];
    const router = createRouter(createHandlers(fakeServices(opened)), { validateOutput: true });
    const r = await router.dispatch('sessions.open', { profileId: PROFILE_ID }, TRUSTED);
    expect(r).toEqual({ ok: true, value: INFO });
    expect(opened).toEqual([PROFILE]);
    const missing = await router.dispatch('sessions.open', { profileId: '11111111-1111-4111-8111-111111111111' }, TRUSTED);
    expect(!missing.ok && missing.error.code).toBe('not_found');
  });

  it('cancel, history, delete and tokens.copy shape their results per the contract', async () => {
    const router = createRouter(createHandlers(fakeServices([])), { validateOutput: true });
    expect(await router.dispatch('sessions.cancel', { sessionId: SESSION_ID, queryId: SESSION_ID }, TRUSTED)).toEqual({ ok: true, value: { cancelled: true } });
    expect(await router.dispatch('sessions.history', { sessionId: SESSION_ID }, TRUSTED)).toEqual({ ok: true, value: { entries: [] } });
    expect(await router.dispatch('profiles.delete', { id: PROFILE_ID }, TRUSTED)).toEqual({ ok: true, value: { profile: PROFILE } });
    expect(await router.dispatch('tokens.copy', { profileId: PROFILE_ID, confirmed: true }, TRUSTED)).toEqual({
      ok: true,
      value: { token: 'eyJ.fake.token', expiresOn: '2030-01-01T00:00:00.000Z' },
    });
    expect((await router.dispatch('app.info', {}, TRUSTED)).ok).toBe(true);
  });
});
