// Acceptance tests of the flexible-server simulator with the real clients: Debian's psql and pg.
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serialize } from 'pg-protocol';
import { createTlsMaterial, type TlsMaterial } from '../ca.js';
import { loadDirectory, ACCOUNTS } from '../types.js';
import { startFlexSim, type FlexSim, type FlexSimInternals } from './index.js';
import { MESSAGES } from './login.js';
import { decodeServerMessages, gssencRequest, plainExchange, processesMatching, psql, startFakeIssuer, writeCaFile, type FakeIssuer } from './test-support.js';

const directory = loadDirectory();
let tls: TlsMaterial;
let issuer: FakeIssuer;
let sim: FlexSim & { internals: FlexSimInternals };
let ca: { caFile: string; remove(): void };

beforeAll(async () => {
  tls = await createTlsMaterial();
  issuer = await startFakeIssuer(directory, tls);
  sim = await startFlexSim({
    directory,
    tls,
    entra: { jwksUri: issuer.jwksUri, tenantId: issuer.tenantId, issuer: issuer.issuer, caCertPem: tls.caCertPem },
  });
  ca = writeCaFile(tls.caCertPem);
});

afterAll(async () => {
  await sim?.close();
  await issuer?.close();
  ca?.remove();
});

function client(user: string, password: string): pg.Client {
  const c = new pg.Client({
    host: sim.host,
    port: sim.port,
    database: 'postgres',
    user,
    password,
    ssl: { ca: tls.caCertPem, servername: 'localhost' },
    connectionTimeoutMillis: 10_000,
  });
  c.on('error', () => undefined);
  return c;
}

async function asAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = client(sim.adminUser, sim.adminPassword);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function loginError(user: string, password: string): Promise<{ message: string; code: string | undefined }> {
  const c = client(user, password);
  try {
    await c.connect();
  } catch (e) {
    const err = e as { message: string; code?: string };
    return { message: err.message, code: err.code };
  }
  await c.end();
  throw new Error(`login as ${user} unexpectedly succeeded`);
}

describe('psql with an access token (verify-full TLS)', () => {
  it('a member of the Entra admin group logs in with the group name', async () => {
    const r = await psql({ port: sim.port, user: ACCOUNTS.adminGroup, password: issuer.mint(ACCOUNTS.secondary), caFile: ca.caFile, sql: 'select current_user' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('db-admins');
    expect(r.code).toBe(0);
  });

  it('the admin group is an azure_pg_admin member', async () => {
    const r = await psql({
      port: sim.port,
      user: ACCOUNTS.adminGroup,
      password: issuer.mint(ACCOUNTS.secondary),
      caFile: ca.caFile,
      sql: "select pg_has_role('db-admins', 'azure_pg_admin', 'MEMBER')",
    });
    expect(r.stdout).toBe('t');
  });

  // The texts are spelled out (not taken from MESSAGES) so a typo in the sim fails here.
  const expired = 'The access token has expired. Acquire a new token and try again.';
  const audience = 'The access token does not have a valid audience claim. Please acquire a new token for the resource "https://ossrdbms-aad.database.windows.net".';
  const format = 'The access token has invalid format. Please ensure the token is passed exactly as returned by the authentication endpoint and retry.';
  const cases: [string, () => { user: string; password: string }, string][] = [
    ['expired token', () => ({ user: ACCOUNTS.adminGroup, password: issuer.mint(ACCOUNTS.secondary, { expired: true }) }), expired],
    ['wrong audience', () => ({ user: ACCOUNTS.adminGroup, password: issuer.mint(ACCOUNTS.secondary, { audience: 'https://management.azure.com' }) }), audience],
    ['tampered token', () => ({ user: ACCOUNTS.adminGroup, password: issuer.mint(ACCOUNTS.secondary, { tamper: true }) }), format],
    ['token signed by an unknown key', () => ({ user: ACCOUNTS.adminGroup, password: issuer.mint(ACCOUNTS.secondary, { foreignKey: true }) }), format],
    ['not a token at all', () => ({ user: ACCOUNTS.adminGroup, password: 'hunter2' }), format],
    ['non-member of the group', () => ({ user: ACCOUNTS.adminGroup, password: issuer.mint(ACCOUNTS.primary) }), 'password authentication failed for user "db-admins"'],
    ['unknown role', () => ({ user: 'nobody@contoso.example', password: issuer.mint(ACCOUNTS.primary) }), 'password authentication failed for user "nobody@contoso.example"'],
    ['role name in the wrong case', () => ({ user: 'DB-Admins', password: issuer.mint(ACCOUNTS.secondary) }), MESSAGES.passwordFailed('DB-Admins')],
  ];
  for (const [name, make, text] of cases) {
    it(`rejects: ${name}`, async () => {
      const { user, password } = make();
      const r = await psql({ port: sim.port, user, password, caFile: ca.caFile, sql: 'select 1' });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`FATAL:  ${text}`);
    });
  }
});

describe('pgaadauth functions and pg logins', () => {
  it('creates a user principal that logs in with its own token', async () => {
    const created = await asAdmin((c) => c.query("select pgaadauth_create_principal('alice@contoso.example', false, false) as r"));
    expect(created.rows[0]).toEqual({ r: 'Created role for "alice@contoso.example"' });
    const c = client(ACCOUNTS.primary, issuer.mint(ACCOUNTS.primary));
    await c.connect();
    const r = await c.query('select current_user as u, session_user as s');
    expect(r.rows[0]).toEqual({ u: ACCOUNTS.primary, s: ACCOUNTS.primary });
    await c.end();
    // Someone else's token does not open alice's role.
    expect((await loginError(ACCOUNTS.primary, issuer.mint(ACCOUNTS.nonMember))).message).toBe(MESSAGES.passwordFailed(ACCOUNTS.primary));
  });

  it('creates a managed identity principal that logs in with its token', async () => {
    await asAdmin((c) => c.query("select pgaadauth_create_principal('vm-app-01', false, false)"));
    const c = client(ACCOUNTS.systemIdentity, issuer.mint(ACCOUNTS.systemIdentity));
    await c.connect();
    expect((await c.query('select current_user as u')).rows[0]).toEqual({ u: 'vm-app-01' });
    await c.end();
    const wrong = await loginError(ACCOUNTS.systemIdentity, issuer.mint(ACCOUNTS.userIdentity));
    expect(wrong).toEqual({ message: MESSAGES.passwordFailed('vm-app-01'), code: '28P01' });
  });

  it('lists principals, admins only on request', async () => {
    const all = await asAdmin((c) => c.query('select * from pgaadauth_list_principals(false)'));
    const byName = new Map(all.rows.map((r: { rolename: string }) => [r.rolename, r]));
    expect(byName.get('db-admins')).toEqual({
      rolename: 'db-admins',
      principaltype: 'group',
      objectid: '6cc2c8ad-7e8f-4302-9f44-d4ccc330c924',
      tenantid: directory.tenant.id,
      ismfa: 0,
      isadmin: 1,
    });
    expect(byName.get('alice@contoso.example')).toMatchObject({ principaltype: 'user', objectid: '137c66a9-3324-4d4c-8477-e6a401d43ee1', isadmin: 0 });
    expect(byName.get('vm-app-01')).toMatchObject({ principaltype: 'service', objectid: '4df985fd-7e4e-4c35-b9df-606afd74c750' });
    const admins = await asAdmin((c) => c.query('select rolename from pgaadauth_list_principals(true)'));
    expect(admins.rows.map((r: { rolename: string }) => r.rolename)).toEqual(['db-admins']);
  });

  it('rejects names that are not in the tenant', async () => {
    await expect(asAdmin((c) => c.query("select pgaadauth_create_principal('mallory@contoso.example', false, false)"))).rejects.toThrow(
      'Could not validate AAD user mallory@contoso.example because its name is not found in the tenant.',
    );
    // Case-sensitive, like the service.
    await expect(asAdmin((c) => c.query("select pgaadauth_create_principal('SP-ETL', false, false)"))).rejects.toThrow(/not found in the tenant/);
  });

  it('isAdmin makes the role an azure_pg_admin member; an Entra admin may create principals', async () => {
    // The admin group member creates sp-etl as an admin, through the front end with a token.
    const adm = client(ACCOUNTS.adminGroup, issuer.mint(ACCOUNTS.secondary));
    await adm.connect();
    await adm.query("select pgaadauth_create_principal('sp-etl', true, false)");
    await adm.end();
    const r = await asAdmin((c) => c.query("select pg_has_role('sp-etl', 'azure_pg_admin', 'MEMBER') as m"));
    expect(r.rows[0]).toEqual({ m: true });
    // A non-admin Entra role may not.
    const alice = client(ACCOUNTS.primary, issuer.mint(ACCOUNTS.primary));
    await alice.connect();
    await expect(alice.query("select pgaadauth_create_principal('carol@contoso.example', false, false)")).rejects.toMatchObject({ code: '42501' });
    await alice.end();
  });

  it('creates a principal by object id', async () => {
    const r = await asAdmin((c) => c.query("select pgaadauth_create_principal_with_oid('db-readers', '05db66c2-81d4-40fe-ac34-43cb5fd19d29', 'group', false, false) as r"));
    expect(r.rows[0]).toEqual({ r: 'Created role for "db-readers"' });
    // The guest is a member of db-readers.
    const guest = client(ACCOUNTS.readerGroup, issuer.mint(ACCOUNTS.guest));
    await guest.connect();
    expect((await guest.query('select current_user as u')).rows[0]).toEqual({ u: 'db-readers' });
    await guest.end();
    await expect(asAdmin((c) => c.query("select pgaadauth_create_principal_with_oid('ghost', '00000000-0000-4000-8000-000000000000', 'user', false, false)"))).rejects.toThrow(
      'Could not validate AAD user 00000000-0000-4000-8000-000000000000 because its name is not found in the tenant.',
    );
  });

  it('a user token for a service role gets the token-type error', async () => {
    const e = await loginError(ACCOUNTS.systemIdentity, issuer.mint(ACCOUNTS.primary));
    expect(e.message).toBe(MESSAGES.userTokenForService('vm-app-01'));
  });

  it('the password admin keeps SCRAM password auth; a wrong password fails like PostgreSQL', async () => {
    expect(await asAdmin(async (c) => (await c.query('select current_user as u')).rows[0])).toEqual({ u: sim.adminUser });
    expect(await loginError(sim.adminUser, 'wrong')).toEqual({ message: MESSAGES.passwordFailed(sim.adminUser), code: '28P01' });
  });
});

describe('relay', () => {
  it('carries notices and large results', async () => {
    const c = client(ACCOUNTS.adminGroup, issuer.mint(ACCOUNTS.secondary));
    const notices: string[] = [];
    c.on('notice', (n) => notices.push(n.message ?? ''));
    await c.connect();
    await c.query("do $$ begin raise notice 'hello from the backend'; end $$");
    const r = await c.query('select count(*)::int as n from generate_series(1, 50000)');
    expect(r.rows[0]).toEqual({ n: 50000 });
    const big = await c.query("select repeat('x', 5000000) as s");
    expect((big.rows[0] as { s: string }).s.length).toBe(5_000_000);
    await c.end();
    expect(notices).toEqual(['hello from the backend']);
  });

  it('carries COPY in both directions (psql \\copy)', async () => {
    const r = await psql({
      port: sim.port,
      user: ACCOUNTS.adminGroup,
      password: issuer.mint(ACCOUNTS.secondary),
      caFile: ca.caFile,
      sql: ['create temp table t(x int)', "\\copy t from program 'seq 1 20000'", 'select sum(x) from t', 'copy (select x from t where x <= 3 order by x) to stdout'],
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual(['CREATE TABLE', 'COPY 20000', '200010000', '1', '2', '3']);
  });

  it('cancels a running query with a plaintext CancelRequest through the front end', async () => {
    const c = client(ACCOUNTS.adminGroup, issuer.mint(ACCOUNTS.secondary));
    await c.connect();
    const keys = c as unknown as { processID: number; secretKey: number };
    const started = Date.now();
    const q = c.query('select pg_sleep(30)').then(
      () => undefined,
      (e: { code?: string }) => e.code,
    );
    await new Promise((r) => setTimeout(r, 300));
    await new Promise<void>((resolve, reject) => {
      const s = netConnect(sim.port, '127.0.0.1', () => s.end(serialize.cancel(keys.processID, keys.secretKey)));
      s.on('close', () => resolve());
      s.on('error', reject);
    });
    expect(await q).toBe('57014');
    expect(Date.now() - started).toBeLessThan(10_000);
    await c.end();
  });

  it('cancels with pg’s own Client#cancel and with a TLS-wrapped CancelRequest', async () => {
    const c = client(ACCOUNTS.adminGroup, issuer.mint(ACCOUNTS.secondary));
    await c.connect();
    const q1 = c.query('select pg_sleep(30)');
    const r1 = q1.then(
      () => undefined,
      (e: { code?: string }) => e.code,
    );
    await new Promise((r) => setTimeout(r, 300));
    // pg's (untyped) cancel: a fresh Connection to the same host/port sends CancelRequest.
    const canceller = new pg.Client({ host: sim.host, port: sim.port }) as unknown as { cancel(victim: pg.Client, q: unknown): void };
    canceller.cancel(c, (c as unknown as { activeQuery: unknown }).activeQuery);
    expect(await r1).toBe('57014');

    const keys = c as unknown as { processID: number; secretKey: number };
    const r2 = c.query('select pg_sleep(30)').then(
      () => undefined,
      (e: { code?: string }) => e.code,
    );
    await new Promise((r) => setTimeout(r, 300));
    await new Promise<void>((resolve, reject) => {
      const raw = netConnect(sim.port, '127.0.0.1', () => raw.write(serialize.requestSsl()));
      raw.once('data', (b: Buffer) => {
        expect(b.toString()).toBe('S');
        const t = tlsConnect({ socket: raw, ca: tls.caCertPem, servername: 'localhost' }, () => t.end(serialize.cancel(keys.processID, keys.secretKey)));
        t.on('close', () => resolve());
        t.on('error', reject);
      });
      raw.on('error', reject);
    });
    expect(await r2).toBe('57014');
    await c.end();
  });
});

describe('transport and control', () => {
  it('refuses a plaintext startup with FATAL', async () => {
    const r = await psql({ port: sim.port, user: ACCOUNTS.adminGroup, password: 'x', caFile: ca.caFile, sql: 'select 1', sslmode: 'disable' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`FATAL:  no pg_hba.conf entry for host "127.0.0.1", user "${ACCOUNTS.adminGroup}", database "postgres", no encryption`);
    // And at the wire level: an ErrorResponse with SQLSTATE 28000, then the server closes.
    const msgs = await decodeServerMessages(await plainExchange(sim.port, serialize.startup({ user: 'u', database: 'd' })));
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ name: 'error', severity: 'FATAL', code: '28000' });
  });

  it('answers GSSENCRequest with N and then accepts an SSLRequest on the same connection', async () => {
    const replies = await new Promise<string>((resolve, reject) => {
      let got = '';
      const s = netConnect(sim.port, '127.0.0.1', () => s.write(gssencRequest()));
      s.on('data', (b: Buffer) => {
        got += b.toString('latin1');
        if (got === 'N') s.write(serialize.requestSsl());
        if (got === 'NS') {
          s.destroy();
          resolve(got);
        }
      });
      s.on('error', reject);
    });
    expect(replies).toBe('NS');
  });

  it('rejects plaintext bytes sent after SSLRequest before the handshake', async () => {
    const body = await plainExchange(sim.port, Buffer.concat([serialize.requestSsl(), serialize.startup({ user: 'u' })]));
    const msgs = await decodeServerMessages(body);
    expect(msgs[0]).toMatchObject({ name: 'error', severity: 'FATAL', code: '08P01', message: 'received unencrypted data after SSL request' });
  });

  it('dropAllConnections closes client connections; connectionCount tracks them', async () => {
    const clients = [client(ACCOUNTS.adminGroup, issuer.mint(ACCOUNTS.secondary)), client(sim.adminUser, sim.adminPassword)];
    await Promise.all(clients.map((c) => c.connect()));
    expect(sim.control.connectionCount()).toBe(2);
    const ended = clients.map((c) => new Promise<void>((r) => c.once('end', () => r())));
    await sim.control.dropAllConnections();
    await Promise.all(ended);
    expect(sim.control.connectionCount()).toBe(0);
    await expect(clients[0]!.query('select 1')).rejects.toThrow();
    // The backends go away too.
    await expect
      .poll(async () => asAdmin(async (c) => (await c.query("select count(*)::int as n from pg_stat_activity where usename = 'db-admins'")).rows[0]), {
        timeout: 5000,
      })
      .toEqual({ n: 0 });
  });

  it('setOutage refuses connections on the same port (dropping open ones), then recovers', async () => {
    const open = client(sim.adminUser, sim.adminPassword);
    await open.connect();
    open.on('error', () => undefined);
    const ended = new Promise<void>((r) => open.once('end', () => r()));
    await sim.control.setOutage(true); // must not wait for open connections to end by themselves
    await ended;
    const e = await loginError(sim.adminUser, sim.adminPassword);
    expect(e.message).toMatch(/ECONNREFUSED/);
    await sim.control.setOutage(false);
    expect(await asAdmin(async (c) => (await c.query('select 1 as one')).rows[0])).toEqual({ one: 1 });
  });
});

describe('lifecycle', () => {
  it('close() stops PostgreSQL and leaves no process behind', async () => {
    const dir = loadDirectory();
    const other = await startFlexSim({
      directory: dir,
      tls,
      entra: { jwksUri: issuer.jwksUri, tenantId: issuer.tenantId, issuer: issuer.issuer, caCertPem: tls.caCertPem },
    });
    const { dataDir, postmasterPid } = other.internals;
    expect(await processesMatching(dataDir)).toContain(postmasterPid);
    const c = client(sim.adminUser, sim.adminPassword); // unrelated sim keeps working
    await c.connect();
    await c.end();
    await other.close();
    expect(await processesMatching(dataDir)).toEqual([]);
    expect(() => process.kill(postmasterPid, 0)).toThrow();
    const workDir = dataDir.replace(/\/data$/, '');
    expect(await processesMatching(workDir)).toEqual([]); // the watchdog too
  });
});
