// Handlers built from fake services: sessions open by profile id (never a raw host), results flow
// through the router with output validation on.
import { describe, expect, it, vi } from 'vitest';
import { createHandlers } from '../../../electron/ipc/handlers/index.js';
import { createRouter } from '../../../electron/ipc/router.js';
import { createTokenClipboard } from '../../../electron/appServices/tokenClipboard.js';
import type { Services, SessionsService, TokenCopyRequest } from '../../../electron/ipc/services.js';
import { PgEntraError } from '../../../shared/errors.js';
import type { SessionInfo } from '../../../shared/ipcSessions.js';
import { PROFILE, PROFILE_ID, QUERY_ID, SESSION_ID, SESSION_INFO, TRUSTED, UNUSED_AZURE } from './fixtures.js';

const INFO: SessionInfo = {
  ...SESSION_INFO,
  tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
  tokenExpiresOn: '2030-01-01T00:00:00.000Z',
  connectedAt: '2024-01-01T00:00:00.000Z',
};

/** The main process's clipboard stand-in: what was written, in order. */
function fakeClipboard(): { writes: string[]; writeText(t: string): void; readText(): string } {
  const writes: string[] = [];
  return { writes, writeText: (t) => void writes.push(t), readText: () => writes.at(-1) ?? '' };
}

function fakeServices(
  opened: unknown[],
  calls: unknown[] = [],
  confirmCopy: (req: TokenCopyRequest) => Promise<boolean> = async () => true,
  clipboard: ReturnType<typeof fakeClipboard> = fakeClipboard(),
): Services {
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
    query: async (sessionId, sql, opts) => {
      calls.push({ sessionId, sql, opts });
      return { queryId: opts?.queryId ?? QUERY_ID, sessionId, status: 'ok', statements: [], notices: [], elapsedMs: 1 };
    },
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
      copy: async () => {
        calls.push('tokens.copy');
        return { token: 'eyJ.fake.token', expiresOn: new Date('2030-01-01T00:00:00Z') };
      },
      describe: async () => ({
        account: 'adm-alice@contoso.example',
        tenantId: null,
        objectId: null,
        audience: 'https://ossrdbms-aad.database.windows.net',
        expiresOn: '2030-01-01T00:00:00.000Z',
        kind: 'user',
        expectedUsername: null,
        groupsCount: 0,
        groupsOverage: false,
      }),
    },
    interop: { exportPgAdmin: notWired, importPgAdmin: notWired },
    appInfo: () => ({ name: 'pgEntra', version: '0.1.0', electron: null, chrome: null, node: process.versions.node, platform: process.platform, dataDir: '/tmp/x' }),
    saveFile: async (req) => {
      calls.push(req);
      return { saved: true, path: `/home/me/${req.suggestedName}` };
    },
    azure: UNUSED_AZURE,
    events: () => undefined,
    confirmTokenCopy: confirmCopy,
    clipboard: createTokenClipboard(clipboard),
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
    expect(await router.dispatch('tokens.copy', { profileId: PROFILE_ID }, TRUSTED)).toEqual({
      ok: true,
      value: { copied: true, expiresOn: '2030-01-01T00:00:00.000Z', clearsAfterSeconds: 60 },
    });
    expect((await router.dispatch('app.info', {}, TRUSTED)).ok).toBe(true);
  });

  it("issue #11/#23: tokens.copy puts the token on the main process's clipboard only after the main process's own confirmation; the renderer never receives it", async () => {
    const asked: TokenCopyRequest[] = [];
    const calls: unknown[] = [];
    const clip = fakeClipboard();
    const declining = createRouter(createHandlers(fakeServices([], calls, async (req) => (asked.push(req), false), clip)), { validateOutput: true });
    // A renderer that skipped its own dialog asks anyway; the main process says no.
    const r = await declining.dispatch('tokens.copy', { profileId: PROFILE_ID }, TRUSTED);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('confirmation_required');
    expect(JSON.stringify(r)).not.toContain('eyJ');
    expect(calls).not.toContain('tokens.copy');
    expect(clip.writes).toEqual([]);
    expect(asked).toEqual([{ profileName: PROFILE.name, account: 'adm-alice@contoso.example', audience: 'https://ossrdbms-aad.database.windows.net', expiresOn: '2030-01-01T00:00:00.000Z' }]);
    // Services without the main-process confirmation, or without a clipboard, refuse too.
    const { confirmTokenCopy: _none, ...withoutConfirmation } = fakeServices([], calls, undefined, clip);
    const bare = await createRouter(createHandlers(withoutConfirmation), { validateOutput: true }).dispatch('tokens.copy', { profileId: PROFILE_ID }, TRUSTED);
    expect(!bare.ok && bare.error.code).toBe('confirmation_required');
    const { clipboard: _noClip, ...withoutClipboard } = fakeServices([], calls);
    const noClip = await createRouter(createHandlers(withoutClipboard), { validateOutput: true }).dispatch('tokens.copy', { profileId: PROFILE_ID }, TRUSTED);
    expect(!noClip.ok && noClip.error.code).toBe('confirmation_required');
    expect(calls).not.toContain('tokens.copy');
    expect(clip.writes).toEqual([]);

    vi.useFakeTimers();
    try {
      const accepting = createRouter(createHandlers(fakeServices([], calls, async () => true, clip)), { validateOutput: true });
      const ok = await accepting.dispatch('tokens.copy', { profileId: PROFILE_ID }, TRUSTED);
      expect(ok).toEqual({ ok: true, value: { copied: true, expiresOn: '2030-01-01T00:00:00.000Z', clearsAfterSeconds: 60 } });
      // The renderer's answer holds no token; the main process's clipboard does.
      expect(JSON.stringify(ok)).not.toContain('eyJ');
      expect(clip.writes).toEqual(['eyJ.fake.token']);
      // A minute later it is taken off the clipboard again.
      await vi.advanceTimersByTimeAsync(60_000);
      expect(clip.writes).toEqual(['eyJ.fake.token', '']);
      // Unless the person copied something else meanwhile: that stays.
      await accepting.dispatch('tokens.copy', { profileId: PROFILE_ID }, TRUSTED);
      clip.writeText('select 1');
      await vi.advanceTimersByTimeAsync(60_000);
      expect(clip.writes.slice(2)).toEqual(['eyJ.fake.token', 'select 1']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sessions.query passes a client-chosen query id through (so cancel can name it) and refuses one that is not a UUID', async () => {
    const calls: unknown[] = [];
    const router = createRouter(createHandlers(fakeServices([], calls)), { validateOutput: true });
    const mine = '3f2b8c1e-7d4a-4b6e-9f0a-1c2d3e4f5a6b';
    const r = await router.dispatch('sessions.query', { sessionId: SESSION_ID, sql: 'select 1', queryId: mine }, TRUSTED);
    expect(r.ok && (r.value as { queryId: string }).queryId).toBe(mine);
    expect(calls).toEqual([{ sessionId: SESSION_ID, sql: 'select 1', opts: { queryId: mine } }]);
    const bad = await router.dispatch('sessions.query', { sessionId: SESSION_ID, sql: 'select 1', queryId: 'q-1' }, TRUSTED);
    expect(!bad.ok && bad.error.code).toBe('invalid_input');
    expect(calls).toHaveLength(1);
  });

  it('app.saveFile hands name and text to the shell, and refuses names with directories', async () => {
    const calls: unknown[] = [];
    const router = createRouter(createHandlers(fakeServices([], calls)), { validateOutput: true });
    expect(await router.dispatch('app.saveFile', { suggestedName: 'result.csv', text: 'a,b\r\n' }, TRUSTED)).toEqual({ ok: true, value: { saved: true, path: '/home/me/result.csv' } });
    for (const suggestedName of ['../evil.csv', 'dir/x.csv', 'C:\\x.csv', '..', 'a\nb.csv', '']) {
      const r = await router.dispatch('app.saveFile', { suggestedName, text: 'x' }, TRUSTED);
      expect(!r.ok && r.error.code, suggestedName).toBe('invalid_input');
    }
    expect(calls).toHaveLength(1);
  });
});
