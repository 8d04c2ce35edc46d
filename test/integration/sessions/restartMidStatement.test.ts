// A restart or failover at the exact moment a statement is between messages: the server has sent
// CommandComplete (or PortalSuspended) and the backend is terminated before its ReadyForQuery.
// pg-cursor ignores the connection's end once it considers itself done and waits for a
// ReadyForQuery that never comes; the session must still settle the query (server_restarting,
// never retried) and run the next one on the new connection. A TLS front end in front of the
// simulated flexible server ends the connection at that point.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionStateEvent } from '../../../shared/ipcSessions.js';
import { SessionManager } from '../../../electron/sessions/manager.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { startRefusingFront, type RefusingFront } from './refusingFront.js';
import { SimTokenProvider } from './simTokenProvider.js';
import { simSessionTarget, trustedSimCloud } from './simTarget.js';

let azure: SimulatedAzure;
let front: RefusingFront;
let trusted: Awaited<ReturnType<typeof trustedSimCloud>>;

beforeAll(async () => {
  azure = await startSimulatedAzure();
  front = await startRefusingFront({ host: azure.state.server.host, port: azure.state.server.port, caPem: readFileSync(azure.caFile, 'utf8') });
  trusted = await trustedSimCloud(azure, { caFile: front.caFile, postgresDomains: ['localhost'] });
});

afterAll(async () => {
  trusted?.cleanup();
  await front?.close();
  await azure?.stop();
});

const SETTLE_MS = 15_000;

/** The promise, or a rejection naming what never settled. */
function settles<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p.finally(() => clearTimeout(timer)), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} never settled`)), SETTLE_MS)))]);
}

async function withSession(run: (sessions: SessionManager, id: string, events: SessionStateEvent[]) => Promise<void>): Promise<void> {
  front.mode = 'relay';
  const sessions = new SessionManager({
    tokens: new SimTokenProvider(azure.entra),
    dataDir: trusted.dataDir,
    tuning: { reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 200 },
  });
  const events: SessionStateEvent[] = [];
  sessions.subscribe((e) => events.push(e));
  try {
    const id = await sessions.open(simSessionTarget(azure, { host: front.host, port: front.port, cloud: { customFile: trusted.cloudFile } }));
    await run(sessions, id, events);
  } finally {
    await sessions.closeAll();
  }
}

describe('a restart between a statement’s last message and its ReadyForQuery', () => {
  it('after CommandComplete: the query fails with server_restarting (not retried); the next query runs after the reconnect', async () => {
    await withSession(async (sessions, id) => {
      const fired = front.terminateAfterNext('C');
      const r = await settles(sessions.query(id, 'select 1'), 'the query cut after CommandComplete');
      await fired;
      expect(r.status).toBe('error');
      expect(r.statements).toHaveLength(1);
      expect(r.statements[0]?.error?.code).toBe('server_restarting');
      const next = await settles(sessions.query(id, 'select current_user'), 'the next query');
      expect(next.statements[0]?.rows).toEqual([['db-admins']]);
      expect(sessions.info(id).reconnects).toBe(1);
    });
  });

  it('while an earlier statement’s extra rows are closed: that statement fails, the script stops there', async () => {
    await withSession(async (sessions, id) => {
      const fired = front.terminateAfterNext('s');
      const r = await settles(sessions.query(id, 'select generate_series(1, 10); select 2', { pageSize: 3 }), 'the script cut while closing its first result');
      await fired;
      expect(r.status).toBe('error');
      expect(r.statements.map((s) => s.status)).toEqual(['error']);
      expect(r.statements[0]?.error?.code).toBe('server_restarting');
      const next = await settles(sessions.query(id, 'select 3'), 'the next query');
      expect(next.statements[0]?.rows).toEqual([['3']]);
    });
  });

  it('while the next query closes the open result: the open result ends, the next query runs on the new connection', async () => {
    await withSession(async (sessions, id) => {
      const first = await sessions.query(id, 'select generate_series(1, 10)', { pageSize: 3 });
      expect(first.statements[0]?.hasMore).toBe(true);
      const fired = front.terminateAfterNext(null);
      const next = await settles(sessions.query(id, 'select 4'), 'the query that closed the open result');
      await fired;
      expect(next.status).toBe('ok');
      expect(next.statements[0]?.rows).toEqual([['4']]);
      expect(sessions.history(id).find((h) => h.queryId === first.queryId)?.status).not.toBe('running');
    });
  });
});
