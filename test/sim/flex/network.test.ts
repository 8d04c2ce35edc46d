// The server's network behaviour: firewall rules (refused after TLS, like pg_hba), restart /
// planned failover (FATAL 57P01 to every session), and listening on given hosts and port.
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTlsMaterial, type TlsMaterial } from '../ca.js';
import { ACCOUNTS, loadDirectory } from '../types.js';
import { startFlexSim, type FlexSim, type FlexSimOptions } from './index.js';
import { freePort } from './postgres.js';
import { decodeServerMessages, psql, startFakeIssuer, writeCaFile, type FakeIssuer, type ServerMessage } from './test-support.js';

const directory = loadDirectory();
let tls: TlsMaterial;
let issuer: FakeIssuer;
let sim: FlexSim;
let ca: { caFile: string; remove(): void };

const simOptions = (): FlexSimOptions => ({
  directory,
  tls,
  entra: { jwksUri: issuer.jwksUri, tenantId: issuer.tenantId, issuer: issuer.issuer, caCertPem: tls.caCertPem },
});

beforeAll(async () => {
  tls = await createTlsMaterial();
  issuer = await startFakeIssuer(directory, tls);
  sim = await startFlexSim(simOptions());
  ca = writeCaFile(tls.caCertPem);
});

afterAll(async () => {
  await sim?.close();
  await issuer?.close();
  ca?.remove();
});

function client(user: string, password: string, at: { host: string; port: number } = sim): pg.Client {
  const c = new pg.Client({ host: at.host, port: at.port, database: 'postgres', user, password, ssl: { ca: tls.caCertPem, servername: 'localhost' } });
  c.on('error', () => undefined);
  return c;
}

async function currentUser(user: string, password: string, at?: { host: string; port: number }): Promise<string> {
  const c = client(user, password, at);
  await c.connect();
  try {
    return ((await c.query('select current_user as u')).rows[0] as { u: string }).u;
  } finally {
    await c.end();
  }
}

/**
 * A hand-driven client: SSLRequest, TLS handshake, StartupMessage; then collects what the
 * server sends until it closes, calling `onAuthRequest` once the server asks for a password.
 */
function tlsStartup(opts: { port: number; user: string; localAddress?: string; onAuthRequest?: (t: TLSSocket) => void }): Promise<{ handshake: boolean; messages: ServerMessage[] }> {
  return new Promise((resolve, reject) => {
    const raw = netConnect({ port: opts.port, host: '127.0.0.1', ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) }, () => raw.write(serialize.requestSsl()));
    raw.on('error', reject);
    raw.once('data', (b: Buffer) => {
      if (b.toString('latin1') !== 'S') return reject(new Error(`SSLRequest answered ${b.toString('latin1')}`));
      const chunks: Buffer[] = [];
      let handshake = false;
      let asked = false;
      const t = tlsConnect({ socket: raw, ca: tls.caCertPem, servername: 'localhost' }, () => {
        handshake = true;
        t.write(serialize.startup({ user: opts.user, database: 'postgres' }));
      });
      t.on('data', (c: Buffer) => {
        chunks.push(c);
        // AuthenticationCleartextPassword: 'R', length 8, code 3.
        if (
          !asked &&
          Buffer.concat(chunks)
            .subarray(0, 9)
            .equals(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]))
        ) {
          asked = true;
          opts.onAuthRequest?.(t);
        }
      });
      t.on('error', reject);
      t.on('close', () => {
        decodeServerMessages(Buffer.concat(chunks)).then((messages) => resolve({ handshake, messages }), reject);
      });
    });
  });
}

describe('firewall rules', () => {
  const refusal = (ip: string, user: string): string => `no pg_hba.conf entry for host "${ip}", user "${user}", database "postgres", SSL encryption`;

  it('a client outside every rule is refused after the TLS handshake, with pg_hba’s text', async () => {
    sim.control.setFirewallRules([{ name: 'office', startIpAddress: '203.0.113.0', endIpAddress: '203.0.113.255' }]);
    try {
      const r = await tlsStartup({ port: sim.port, user: ACCOUNTS.adminGroup });
      expect(r.handshake).toBe(true);
      expect(r.messages).toHaveLength(1);
      expect(r.messages[0]).toMatchObject({ name: 'error', severity: 'FATAL', code: '28000', message: refusal('127.0.0.1', ACCOUNTS.adminGroup) });
      // What users see: psql and pg, Entra and password logins alike.
      const p = await psql({ port: sim.port, user: ACCOUNTS.adminGroup, password: issuer.mint(ACCOUNTS.secondary), caFile: ca.caFile, sql: 'select 1' });
      expect(p.stderr).toContain(`FATAL:  ${refusal('127.0.0.1', ACCOUNTS.adminGroup)}`);
      await expect(currentUser(sim.adminUser, sim.adminPassword)).rejects.toMatchObject({ code: '28000', message: refusal('127.0.0.1', sim.adminUser) });
      // No rules at all: nothing is allowed.
      sim.control.setFirewallRules([]);
      await expect(currentUser(ACCOUNTS.adminGroup, issuer.mint(ACCOUNTS.secondary))).rejects.toMatchObject({ code: '28000' });
    } finally {
      sim.control.setFirewallRules(null);
    }
    expect(await currentUser(ACCOUNTS.adminGroup, issuer.mint(ACCOUNTS.secondary))).toBe(ACCOUNTS.adminGroup);
  });

  it('rules are inclusive IPv4 ranges checked against the client’s source address', async () => {
    sim.control.setFirewallRules([{ name: 'one-host', startIpAddress: '127.0.0.5', endIpAddress: '127.0.0.5' }]);
    try {
      // From 127.0.0.5 the server asks for the token; from 127.0.0.1 it refuses.
      const allowed = await tlsStartup({ port: sim.port, user: ACCOUNTS.adminGroup, localAddress: '127.0.0.5', onAuthRequest: (t) => t.end() });
      expect(allowed.messages[0]).toMatchObject({ name: 'authenticationCleartextPassword' });
      const refused = await tlsStartup({ port: sim.port, user: ACCOUNTS.adminGroup, localAddress: '127.0.0.1' });
      expect(refused.messages[0]).toMatchObject({ code: '28000', message: refusal('127.0.0.1', ACCOUNTS.adminGroup) });
      sim.control.setFirewallRules([{ name: 'loopback', startIpAddress: '127.0.0.0', endIpAddress: '127.255.255.255' }]);
      expect(await currentUser(ACCOUNTS.adminGroup, issuer.mint(ACCOUNTS.secondary))).toBe(ACCOUNTS.adminGroup);
    } finally {
      sim.control.setFirewallRules(null);
    }
    expect(() => sim.control.setFirewallRules([{ name: 'bad', startIpAddress: '10.0.0.9', endIpAddress: '10.0.0.1' }])).toThrow(/after the end/);
  });
});

describe('restart / planned failover', () => {
  it('every session gets FATAL 57P01 and is closed; new logins succeed afterwards', async () => {
    const sessions = [client(ACCOUNTS.adminGroup, issuer.mint(ACCOUNTS.secondary)), client(sim.adminUser, sim.adminPassword)];
    const errors = sessions.map((c) => new Promise<{ code?: string; message: string }>((r) => c.once('error', (e: Error & { code?: string }) => r(e))));
    const ended = sessions.map((c) => new Promise<void>((r) => c.once('end', () => r())));
    await Promise.all(sessions.map((c) => c.connect()));
    // A client half-way through its login (asked for its token) is told the same.
    let restarting: Promise<void> | undefined;
    const midLogin = tlsStartup({
      port: sim.port,
      user: ACCOUNTS.adminGroup,
      onAuthRequest: () => {
        restarting = sim.control.restart(); // awaited below, after the login
      },
    });
    const { messages } = await midLogin;
    await restarting;
    for (const e of await Promise.all(errors)) {
      expect(e).toMatchObject({ code: '57P01', message: 'terminating connection due to administrator command' });
    }
    await Promise.all(ended);
    expect(messages.at(-1)).toMatchObject({ name: 'error', severity: 'FATAL', code: '57P01', message: 'terminating connection due to administrator command' });
    expect(sim.control.connectionCount()).toBe(0);
    // Back on the same port.
    expect(await currentUser(ACCOUNTS.adminGroup, issuer.mint(ACCOUNTS.secondary))).toBe(ACCOUNTS.adminGroup);
  });

  it('psql in the middle of a query sees the FATAL', async () => {
    const run = psql({ port: sim.port, user: ACCOUNTS.adminGroup, password: issuer.mint(ACCOUNTS.secondary), caFile: ca.caFile, sql: 'select pg_sleep(20)' });
    await expect.poll(() => sim.control.connectionCount(), { timeout: 10_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    await sim.control.restart();
    const r = await run;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('FATAL:  terminating connection due to administrator command');
  });
});

describe('listening on given hosts and port', () => {
  it('binds every host on the one port, and a restart reopens them all', async () => {
    const port = await freePort();
    const other = await startFlexSim({ ...simOptions(), listen: { hosts: ['127.0.1.1', '127.0.2.1'], port } });
    try {
      expect({ host: other.host, port: other.port }).toEqual({ host: '127.0.1.1', port });
      const token = issuer.mint(ACCOUNTS.secondary);
      for (const host of ['127.0.1.1', '127.0.2.1']) expect(await currentUser(ACCOUNTS.adminGroup, token, { host, port })).toBe(ACCOUNTS.adminGroup);
      // Not on other loopback addresses.
      await expect(currentUser(ACCOUNTS.adminGroup, token, { host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await other.control.restart();
      for (const host of ['127.0.1.1', '127.0.2.1']) expect(await currentUser(ACCOUNTS.adminGroup, token, { host, port })).toBe(ACCOUNTS.adminGroup);
      await other.control.setOutage(true);
      await other.control.setOutage(false);
      expect(await currentUser(ACCOUNTS.adminGroup, token, { host: '127.0.2.1', port })).toBe(ACCOUNTS.adminGroup);
    } finally {
      await other.close();
    }
  });

  it('defaults to 127.0.0.1 on a random port, reached as localhost', () => {
    expect(sim.host).toBe('localhost');
    expect(sim.port).toBeGreaterThan(0);
  });
});
