// sessions.* through the real IPC router and the real SessionManager against the simulators:
// a query the renderer names with its own id can be cancelled while sessions.query is pending
// (no history polling), and opening a session reports its stages in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers } from '../../../electron/ipc/handlers/index.js';
import { createRouter, type Router } from '../../../electron/ipc/router.js';
import type { Services } from '../../../electron/ipc/services.js';
import { SessionManager } from '../../../electron/sessions/manager.js';
import { PgEntraError } from '../../../shared/errors.js';
import type { ConnectStage, QueryResult, SessionInfo } from '../../../shared/ipcSessions.js';
import type { Profile } from '../../../shared/profile.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { SimTokenProvider } from './simTokenProvider.js';
import { simSessionTarget, trustedSimCloud } from './simTarget.js';

const sender = { frameUrl: 'app://pgentra/index.html', isMainFrame: true };
const PROFILE_ID = '7c1f9a3e-2b4d-4e6f-8a0b-1c2d3e4f5a6b';

let azure: SimulatedAzure;
let trusted: Awaited<ReturnType<typeof trustedSimCloud>> | undefined;
let sessions: SessionManager;
let router: Router;
let profile: Profile;
const progress: Array<{ profileId: string | undefined; stage: ConnectStage }> = [];

async function call<T>(name: string, payload: unknown): Promise<T> {
  const r = await router.dispatch(name, payload, sender);
  if (!r.ok) throw new PgEntraError(r.error.code, r.error.message);
  return r.value as T;
}

beforeAll(async () => {
  azure = await startSimulatedAzure();
  sessions = new SessionManager({
    tokens: new SimTokenProvider(azure.entra),
    dataDir: (trusted = await trustedSimCloud(azure)).dataDir,
  });
  sessions.subscribeConnectProgress(({ target, stage }) => progress.push({ profileId: target.id, stage }));
  profile = {
    ...simSessionTarget(azure),
    id: PROFILE_ID,
    name: 'sim',
    folder: '',
    createdAt: '2024-05-01T12:00:00.000Z',
    updatedAt: '2024-05-01T12:00:00.000Z',
  };
  const notUsed = async (): Promise<never> => {
    throw new PgEntraError('internal', 'not used in this test');
  };
  const services: Services = {
    profiles: { list: async () => [profile], get: async () => profile, create: notUsed, update: notUsed, remove: notUsed, restore: notUsed, duplicate: notUsed, move: notUsed, validate: notUsed },
    accounts: { list: async () => [], signIn: notUsed, signInDeviceCode: notUsed, cancelSignIn: async () => false, signOut: notUsed },
    sessions,
    tokens: { copy: notUsed, describe: notUsed },
    interop: { exportPgAdmin: notUsed, importPgAdmin: notUsed },
    appInfo: () => ({ name: 'pgEntra', version: 'test', electron: null, chrome: null, node: process.versions.node, platform: process.platform, dataDir: '/tmp' }),
    saveFile: notUsed,
    azure: { listServers: notUsed, getServer: notUsed, proposeProfile: notUsed, checkProfile: notUsed, allowIp: notUsed },
    events: () => undefined,
  };
  router = createRouter(createHandlers(services), { validateOutput: true });
});

afterAll(async () => {
  trusted?.cleanup();
  await sessions?.closeAll();
  await azure?.stop();
});

describe('sessions through the router', () => {
  let sessionId: string;

  it('reports the open stages in order: TLS before any token, then authenticating, then connected', async () => {
    progress.length = 0;
    const info = await call<SessionInfo>('sessions.open', { profileId: PROFILE_ID });
    sessionId = info.sessionId;
    expect(info.currentUser).toBe('db-admins');
    expect(progress).toEqual([
      { profileId: PROFILE_ID, stage: 'tls' },
      { profileId: PROFILE_ID, stage: 'token' },
      { profileId: PROFILE_ID, stage: 'authenticating' },
      { profileId: PROFILE_ID, stage: 'connected' },
    ]);
  });

  it('stops the stages where a refused open fails (no "connected")', async () => {
    progress.length = 0;
    const saved = profile;
    profile = { ...profile, credential: { kind: 'interactive', account: 'alice@contoso.example' } };
    try {
      await expect(call('sessions.open', { profileId: PROFILE_ID })).rejects.toMatchObject({ code: 'role_not_found_or_not_member' });
    } finally {
      profile = saved;
    }
    expect(progress.map((p) => p.stage)).not.toContain('connected');
    expect(progress.map((p) => p.stage).slice(0, 3)).toEqual(['tls', 'token', 'authenticating']);
  });

  it('cancels a running select pg_sleep(30) by the id the caller gave it, long before it ends', async () => {
    const queryId = crypto.randomUUID();
    const started = Date.now();
    const running = call<QueryResult>('sessions.query', { sessionId, sql: 'select pg_sleep(30)', queryId });
    await new Promise((r) => setTimeout(r, 300));
    expect(await call('sessions.cancel', { sessionId, queryId })).toEqual({ cancelled: true });
    const r = await running;
    // Generous (about 0.3 s here): a busy machine may need seconds; an uncancelled sleep takes 30.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.queryId).toBe(queryId);
    expect(r.status).toBe('cancelled');
    expect(r.error?.code).toBe('query_cancelled');
    expect((await call<{ entries: Array<{ queryId: string; status: string }> }>('sessions.history', { sessionId })).entries.find((e) => e.queryId === queryId)?.status).toBe('cancelled');
    // Finished: cancelling again says so, and the id cannot be reused.
    expect(await call('sessions.cancel', { sessionId, queryId })).toEqual({ cancelled: false });
    await expect(call('sessions.query', { sessionId, sql: 'select 1', queryId })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('honours a cancel that overtook its query call', async () => {
    const queryId = crypto.randomUUID();
    expect(await call('sessions.cancel', { sessionId, queryId })).toEqual({ cancelled: true });
    const started = Date.now();
    const r = await call<QueryResult>('sessions.query', { sessionId, sql: 'select pg_sleep(30)', queryId });
    expect(r.status).toBe('cancelled');
    // Generous: a busy machine may need seconds; a sleep that was not cancelled takes 30.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await call<QueryResult>('sessions.query', { sessionId, sql: 'select 1 as one' })).status).toBe('ok');
  });
});
