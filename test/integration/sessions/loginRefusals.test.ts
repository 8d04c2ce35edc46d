// Sessions facing login refusals: a permanent refusal (firewall, Entra auth off) is classified once
// and never enters the reconnect loop; a restart or failover (57P01 on an open session, 57P03 while
// starting up) says so and reconnects; "Retry with a fresh token" asks the provider to bypass its
// caches. A TLS front end in front of the simulated flexible server plays Azure's refusals.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgEntraError } from '../../../shared/errors.js';
import type { SessionStateEvent } from '../../../shared/ipcSessions.js';
import { SessionManager } from '../../../electron/sessions/manager.js';
import type { SessionTarget } from '../../../electron/sessions/types.js';
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

function target(overrides: Partial<SessionTarget> = {}): SessionTarget {
  return simSessionTarget(azure, { host: front.host, port: front.port, cloud: { customFile: trusted.cloudFile }, ...overrides });
}

function manager(tokens: SimTokenProvider): SessionManager {
  return new SessionManager({
    tokens,
    dataDir: trusted.dataDir,
    tuning: { reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 200 },
  });
}

async function rejection(p: Promise<unknown>): Promise<PgEntraError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PgEntraError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(25);
  }
}

function resetCounts(): void {
  for (const k of Object.keys(front.startups) as Array<keyof RefusingFront['startups']>) front.startups[k] = 0;
  front.passwords = 0;
}

describe('permanent refusals are classified once', () => {
  it('a firewall refusal on open: one login attempt, no token asked for, firewall_blocked naming the IP', async () => {
    resetCounts();
    front.mode = 'firewall';
    const tokens = new SimTokenProvider(azure.entra);
    const sessions = manager(tokens);
    try {
      const err = await rejection(sessions.open(target()));
      expect(err.code).toBe('firewall_blocked');
      expect(err.message).toContain('127.0.0.1');
      expect(err.hint).toMatch(/Add a firewall rule for 127\.0\.0\.1/);
      expect(front.startups.firewall).toBe(1);
      expect(tokens.calls).toBe(0); // refused before the server asked for a password
    } finally {
      front.mode = 'relay';
      await sessions.closeAll();
    }
  });

  it('an open session whose reconnect meets the firewall tries once and stops (no reconnect loop)', async () => {
    resetCounts();
    front.mode = 'relay';
    const tokens = new SimTokenProvider(azure.entra);
    const sessions = manager(tokens);
    const events: SessionStateEvent[] = [];
    sessions.subscribe((e) => events.push(e));
    try {
      const id = await sessions.open(target());
      expect((await sessions.query(id, 'select 1')).status).toBe('ok');
      front.mode = 'firewall';
      front.dropAll();
      await waitFor(() => events.some((e) => e.state === 'disconnected'), 10_000);
      await sleep(1_500); // a reconnect loop (50–200 ms backoff) would have tried many times by now
      expect(front.startups.firewall).toBe(1);
      const last = events.at(-1);
      expect(last).toMatchObject({ state: 'disconnected', error: { code: 'firewall_blocked' } });
      expect(events.filter((e) => e.state === 'reconnecting').every((e) => e.error?.code !== 'firewall_blocked')).toBe(true);
      expect(sessions.info(id).state).toBe('disconnected');
    } finally {
      front.mode = 'relay';
      await sessions.closeAll();
    }
  });

  it('a SCRAM request instead of the cleartext password: entra_auth_disabled, and the token is never fetched or sent', async () => {
    resetCounts();
    front.mode = 'sasl';
    const tokens = new SimTokenProvider(azure.entra);
    const sessions = manager(tokens);
    try {
      const err = await rejection(sessions.open(target()));
      expect(err.code).toBe('entra_auth_disabled');
      expect(err.message).toContain('did not send your token');
      expect(tokens.calls).toBe(0);
      expect(front.startups.sasl).toBe(1);
    } finally {
      front.mode = 'relay';
      await sessions.closeAll();
    }
  });
});

describe('restarts and failovers are transient', () => {
  it('57P01 on an open session: "restarted or failed over; reconnecting", then connected again', async () => {
    resetCounts();
    front.mode = 'relay';
    const tokens = new SimTokenProvider(azure.entra);
    const sessions = manager(tokens);
    const events: SessionStateEvent[] = [];
    sessions.subscribe((e) => events.push(e));
    try {
      const id = await sessions.open(target());
      const opened = events.length;
      front.terminateAll();
      await waitFor(() => events.slice(opened).some((e) => e.state === 'connected'), 10_000);
      const reconnecting = events.slice(opened).find((e) => e.state === 'reconnecting');
      expect(reconnecting?.error).toMatchObject({ code: 'server_restarting' });
      expect(reconnecting?.error?.message).toMatch(/^The server restarted or failed over; reconnecting\./);
      const r = await sessions.query(id, 'select current_user');
      expect(r.statements[0]?.rows).toEqual([['db-admins']]);
      expect(sessions.info(id).reconnects).toBe(1);
    } finally {
      await sessions.closeAll();
    }
  });

  it('57P03 "starting up" keeps the session reconnecting until the server accepts it', async () => {
    resetCounts();
    front.mode = 'relay';
    const tokens = new SimTokenProvider(azure.entra);
    const sessions = manager(tokens);
    const events: SessionStateEvent[] = [];
    sessions.subscribe((e) => events.push(e));
    try {
      const id = await sessions.open(target());
      front.mode = 'starting';
      front.dropAll();
      await waitFor(() => front.startups.starting >= 3, 10_000);
      expect(events.some((e) => e.state === 'reconnecting' && e.error?.code === 'server_restarting')).toBe(true);
      expect(events.some((e) => e.state === 'disconnected')).toBe(false);
      front.mode = 'relay';
      await waitFor(() => sessions.info(id).state === 'connected', 10_000);
      expect((await sessions.query(id, 'select 1')).status).toBe('ok');
    } finally {
      front.mode = 'relay';
      await sessions.closeAll();
    }
  });
});

describe('retry with a fresh token', () => {
  it('open({fresh: true}) asks the token provider to bypass its caches for the first token only', async () => {
    const requests: Array<{ fresh?: boolean }> = [];
    const inner = new SimTokenProvider(azure.entra);
    const tokens = Object.assign(Object.create(inner) as SimTokenProvider, {
      getToken: (req: Parameters<SimTokenProvider['getToken']>[0]) => {
        requests.push({ ...(req.fresh !== undefined ? { fresh: req.fresh } : {}) });
        return inner.getToken(req);
      },
    });
    const sessions = manager(tokens);
    try {
      await sessions.open(target());
      expect(requests).toEqual([{}]);
      const id = await sessions.open(target(), { fresh: true });
      expect(requests.at(-1)).toEqual({ fresh: true });
      front.terminateAll();
      await waitFor(() => requests.length >= 3 && sessions.info(id).state === 'connected', 10_000);
      expect(requests.at(-1)).toEqual({}); // reconnects use the cache again
    } finally {
      await sessions.closeAll();
    }
  });
});
