// The same refusals as loginRefusals.test.ts, now from the flexible-server simulator itself (its
// firewall rules and its restart), so the product's classification meets the simulator's texts:
// a firewall refusal is reported once with the client's IP and never retried; a restart ends the
// open session with 57P01 and the session reconnects by itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgEntraError } from '../../../shared/errors.js';
import type { SessionStateEvent } from '../../../shared/ipcSessions.js';
import { SessionManager } from '../../../electron/sessions/manager.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { SimTokenProvider } from './simTokenProvider.js';
import { simSessionTarget, trustedSimCloud } from './simTarget.js';

let trusted: Awaited<ReturnType<typeof trustedSimCloud>>;

let azure: SimulatedAzure;
beforeAll(async () => {
  azure = await startSimulatedAzure();
  trusted = await trustedSimCloud(azure, { postgresDomains: ['localhost'] });
});
afterAll(async () => {
  trusted?.cleanup();
  await azure?.stop();
});

function flex(): NonNullable<SimulatedAzure['flex']> {
  if (!azure.flex) throw new Error('no flexible-server simulator');
  return azure.flex;
}

/** A session manager that records every state event, and the simulator's session target. */
function watchedSessions(): { sessions: SessionManager; events: SessionStateEvent[]; target: ReturnType<typeof simSessionTarget> } {
  const sessions = new SessionManager({
    tokens: new SimTokenProvider(azure.entra),
    dataDir: trusted.dataDir,
    tuning: { reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 200 },
  });
  const events: SessionStateEvent[] = [];
  sessions.subscribe((e) => events.push(e));
  return { sessions, events, target: simSessionTarget(azure, { cloud: { customFile: trusted.cloudFile } }) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('refusals from the simulated flexible server', () => {
  it('outside the firewall rules: firewall_blocked naming the client IP, and no reconnect loop', async () => {
    const { sessions, events, target } = watchedSessions();
    try {
      const id = await sessions.open(target);
      flex().control.setFirewallRules([{ name: 'office', startIpAddress: '203.0.113.0', endIpAddress: '203.0.113.255' }]);
      await flex().control.restart(); // the open session is ended; its reconnect meets the firewall
      await expect.poll(() => events.at(-1)?.state, { timeout: 15_000 }).toBe('disconnected');
      const attempts = events.filter((e) => e.state === 'reconnecting').length;
      await sleep(1_500); // a reconnect loop (50–200 ms backoff) would have tried many times by now
      expect(events.filter((e) => e.state === 'reconnecting').length).toBe(attempts);
      const last = events.at(-1);
      expect(last?.error?.code).toBe('firewall_blocked');
      expect(last?.error?.message).toContain('127.0.0.1');
      await sessions.close(id).catch(() => undefined);

      const refused = await sessions.open(target).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(PgEntraError);
      expect((refused as PgEntraError).code).toBe('firewall_blocked');
    } finally {
      flex().control.setFirewallRules(null);
      await sessions.closeAll();
    }
  });

  it('a restart or failover: the open session gets 57P01, says so, reconnects and runs the next query', async () => {
    const { sessions, events, target } = watchedSessions();
    try {
      const id = await sessions.open(target);
      const before = await sessions.query(id, 'select pg_backend_pid() as pid');
      expect(before.status).toBe('ok');
      await flex().control.restart();
      await expect.poll(() => events.some((e) => e.state === 'reconnecting' && e.error?.code === 'server_restarting'), { timeout: 15_000 }).toBe(true);
      await expect.poll(() => events.at(-1)?.state, { timeout: 15_000 }).toBe('connected');
      const after = await sessions.query(id, "select current_user, 'after restart' as note");
      expect(after.status).toBe('ok');
      expect(JSON.stringify(after)).toContain('after restart');
    } finally {
      await sessions.closeAll();
    }
  });
});
