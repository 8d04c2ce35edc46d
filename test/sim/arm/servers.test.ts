// ARM and the flexible-server simulator agree: one PostgreSQL endpoint serves every server name
// and tells them apart by TLS SNI, enforcing each server's firewall rules (changed through ARM's
// long-running PUT), Entra setting and state. Clients connect to 127.0.0.1 with the server's FQDN
// as SNI (the localhost certificate also names *.postgres.database.azure.com).
import { connect as netConnect } from 'node:net';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeServerMessages, type ServerMessage } from '../flex/test-support.js';
import { startSimulatedAzure, type SimulatedAzure } from '../index.js';
import { ACCOUNTS } from '../types.js';
import { ALLOW_ALL, SUBSCRIPTIONS } from './index.js';
import { mintedCredential, sdkClient } from './test-support.js';

let sim: SimulatedAzure;
let ca: string;
const fqdn = (name: string): string => `${name}.postgres.database.azure.com`;
const dbToken = (): string => sim.entra.control.mintAccessToken({ upn: ACCOUNTS.secondary });

/** Logs in as `user` with an Entra token; `server` undefined = as `localhost` (no server name). */
async function login(server: string | undefined, user: string = ACCOUNTS.adminGroup, password: string = dbToken()): Promise<string> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: sim.flex?.port,
    user,
    password,
    database: 'postgres',
    ssl: { ca, servername: server === undefined ? 'localhost' : fqdn(server) },
    connectionTimeoutMillis: 10_000,
  });
  c.on('error', () => undefined);
  try {
    await c.connect();
    const r = await c.query<{ u: string }>('select current_user as u');
    return `ok ${r.rows[0]?.u ?? ''}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** SSLRequest, TLS as `server`, a startup packet: what the server answers before any password. */
function firstAnswer(server: string, user: string = ACCOUNTS.adminGroup): Promise<{ handshake: boolean; messages: ServerMessage[] }> {
  return new Promise((resolve, reject) => {
    const raw = netConnect(sim.flex?.port ?? 0, '127.0.0.1', () => raw.write(serialize.requestSsl()));
    raw.once('error', reject);
    raw.once('data', (b: Buffer) => {
      if (b.toString() !== 'S') return reject(new Error('no TLS'));
      let handshake = false;
      const chunks: Buffer[] = [];
      const tls = tlsConnect({ socket: raw, servername: fqdn(server), ca }, () => {
        handshake = true;
        tls.write(serialize.startup({ user, database: 'postgres' }));
      });
      tls.on('data', (c: Buffer) => {
        chunks.push(c);
        tls.destroy(); // the first answer is enough
      });
      tls.on('error', () => undefined);
      tls.once('close', () => {
        decodeServerMessages(Buffer.concat(chunks)).then((messages) => resolve({ handshake, messages }), reject);
      });
    });
  });
}

beforeAll(async () => {
  sim = await startSimulatedAzure();
  ca = readFileSync(sim.caFile, 'utf8');
});
afterAll(async () => {
  await sim?.stop();
});

describe('per-server behaviour by SNI', () => {
  it('myserver by name and by localhost are the same (default) server', async () => {
    expect(await login('myserver')).toBe('ok db-admins');
    expect(await login(undefined)).toBe('ok db-admins');
    sim.arm.control.setFirewallRules('myserver', []);
    try {
      expect(await login(undefined)).toMatch(/^no pg_hba\.conf entry for host "127\.0\.0\.1"/);
      expect(await login('otherserver')).toBe('ok db-admins');
    } finally {
      sim.arm.control.setFirewallRules('myserver', [ALLOW_ALL]);
    }
    // The flexible-server simulator's own control still sets the default server's rules.
    sim.flex?.control.setFirewallRules([{ name: 'x', startIpAddress: '10.0.0.1', endIpAddress: '10.0.0.1' }]);
    expect(sim.arm.control.firewallRules('myserver').map((r) => r.name)).toEqual(['x']);
    expect(await login('myserver')).toMatch(/^no pg_hba\.conf entry/);
    sim.flex?.control.setFirewallRules([ALLOW_ALL]);
  });

  it('lockedserver: refused by its firewall until "Allow my IP" through ARM (the real SDK) succeeds', async () => {
    expect(await login('lockedserver')).toBe('no pg_hba.conf entry for host "127.0.0.1", user "db-admins", database "postgres", SSL encryption');
    const client = sdkClient(sim, mintedCredential(sim, ACCOUNTS.secondary), SUBSCRIPTIONS.production);
    await client.firewallRules.beginCreateOrUpdateAndWait('rg-data', 'lockedserver', 'pgentra-127-0-0-1', { startIpAddress: '127.0.0.1', endIpAddress: '127.0.0.1' });
    expect(await login('lockedserver')).toBe('ok db-admins');
    await client.firewallRules.beginDeleteAndWait('rg-data', 'lockedserver', 'pgentra-127-0-0-1');
    expect(await login('lockedserver')).toMatch(/^no pg_hba\.conf entry/);
  });

  it('entraoffserver: an Entra role gets a SCRAM request, and the token fails as a password', async () => {
    const on = await firstAnswer('myserver');
    expect(on.messages.map((m) => m.name)).toEqual(['authenticationCleartextPassword']);
    const off = await firstAnswer('entraoffserver');
    expect(off.messages.map((m) => m.name)).toEqual(['authenticationSASL']);
    expect(await login('entraoffserver')).toBe('password authentication failed for user "db-admins"');
    // Switched live through the control: new connections see it.
    sim.arm.control.setEntraAuth('entraoffserver', true);
    expect(await login('entraoffserver')).toBe('ok db-admins');
    sim.arm.control.setEntraAuth('entraoffserver', false);
  });

  it('stoppedserver: the TLS handshake completes, then the connection is closed without a word', async () => {
    const r = await firstAnswer('stoppedserver');
    expect(r).toEqual({ handshake: true, messages: [] });
    expect(await login('stoppedserver')).toMatch(/Connection terminated unexpectedly|ECONNRESET|socket hang up/i);
    sim.arm.control.setServerState('stoppedserver', 'Ready');
    try {
      expect(await login('stoppedserver')).toBe('ok db-admins');
    } finally {
      sim.arm.control.setServerState('stoppedserver', 'Stopped');
    }
  });
});
