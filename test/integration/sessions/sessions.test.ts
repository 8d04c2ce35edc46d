// Database sessions against the simulated flexible server and Entra ID: tokens fetched per
// connection, long-lived sessions with short tokens, reconnect, cancel, streaming, typed errors,
// TLS verification before any token is sent, and the pgaadauth admin helpers.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgEntraError } from '../../../shared/errors.js';
import type { SessionStateEvent } from '../../../shared/ipcSessions.js';
import { trustCloudFile } from '../../../electron/connect/cloudTrust.js';
import { FreshRetryLimit } from '../../../electron/sessions/freshRetryLimit.js';
import { SessionManager } from '../../../electron/sessions/manager.js';
import type { SessionTarget } from '../../../electron/sessions/types.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { SimTokenProvider } from './simTokenProvider.js';
import { simSessionTarget, trustedSimCloud } from './simTarget.js';

let azure: SimulatedAzure;
let trusted: Awaited<ReturnType<typeof trustedSimCloud>>;

beforeAll(async () => {
  azure = await startSimulatedAzure();
  trusted = await trustedSimCloud(azure);
});

afterAll(async () => {
  trusted?.cleanup();
  await azure?.stop();
});

function target(overrides: Partial<SessionTarget> = {}): SessionTarget {
  return simSessionTarget(azure, overrides);
}

function manager(tokens: SimTokenProvider, tuning: ConstructorParameters<typeof SessionManager>[0]['tuning'] = {}): SessionManager {
  return new SessionManager({ tokens, dataDir: trusted.dataDir, tuning: { reconnectInitialDelayMs: 100, ...tuning } });
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
    await sleep(50);
  }
}

describe('opening a session', () => {
  it('logs in as the group db-admins with a fresh Entra token and reports who it is, without the token', async () => {
    const tokens = new SimTokenProvider(azure.entra);
    const sessions = manager(tokens);
    try {
      const id = await sessions.open(target());
      const info = sessions.info(id);
      expect(info.currentUser).toBe('db-admins');
      expect(info.sessionUser).toBe('db-admins');
      expect(info.state).toBe('connected');
      expect(info.account).toBe('adm-alice@contoso.example');
      expect(info.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
      expect(info.tls?.cipher).toBeTruthy();
      expect(info.serverVersion).toMatch(/^\d+/);
      expect(Date.parse(info.tokenExpiresOn ?? '')).toBeGreaterThan(Date.now());
      expect(JSON.stringify(info)).not.toMatch(/eyJ/); // no JWT anywhere
      expect(tokens.requests[0]).toMatchObject({ kind: 'interactive', cloud: azure.stateFile });
      const r = await sessions.query(id, "select current_user, current_setting('application_name')");
      expect(r.statements[0]?.rows).toEqual([['db-admins', 'pgEntra-test']]);
    } finally {
      await sessions.closeAll();
    }
  });

  it('a non-member token → role_not_found_or_not_member with the actionable message', async () => {
    const tokens = new SimTokenProvider(azure.entra);
    const sessions = manager(tokens);
    const err = await rejection(sessions.open(target({ credential: { kind: 'interactive', account: 'carol@contoso.example' } })));
    expect(err.code).toBe('role_not_found_or_not_member');
    expect(err.message).toBe(
      'Account carol@contoso.example is not a member of group db-admins, or the role db-admins does not exist on the server — ask an Entra admin to run pgaadauth_create_principal, or check the exact (case-sensitive) display name.',
    );
    await sessions.closeAll();
  });

  it("a refused group login: once more with a token from Entra when the refused one is not new, at most once a minute per route; only for a person's group login", async () => {
    const CAROL = { kind: 'interactive', account: 'carol@contoso.example' } as const;
    // The simulator issues tokens now: a clock 10 minutes ahead makes them old.
    let now = Date.now() + 10 * 60_000;
    const tokens = new SimTokenProvider(azure.entra);
    const sessions = new SessionManager({ tokens, dataDir: trusted.dataDir, freshRetries: new FreshRetryLimit(() => now) });
    const calls = async (t: SessionTarget): Promise<string> => {
      const before = tokens.calls;
      const err = await rejection(sessions.open(t));
      return `${err.code} ${tokens.calls - before}`;
    };
    try {
      expect(await calls(target({ credential: CAROL }))).toBe('role_not_found_or_not_member 2');
      // pgAdmin or a pool reconnecting: no forced refresh per attempt.
      expect(await calls(target({ credential: CAROL }))).toBe('role_not_found_or_not_member 1');
      expect(await calls(target({ credential: CAROL }))).toBe('role_not_found_or_not_member 1');
      now += 61_000;
      expect(await calls(target({ credential: CAROL }))).toBe('role_not_found_or_not_member 2');
      // Not a person's group login (a managed identity here): a fresh token would not change the answer.
      expect(await calls(target({ credential: { kind: 'managed-identity' } }))).toBe('role_not_found_or_not_member 1');
    } finally {
      await sessions.closeAll();
    }
  });

  it('a refused group login with a token issued moments ago is not tried again: a new one would carry the same groups', async () => {
    const tokens = new SimTokenProvider(azure.entra);
    const sessions = manager(tokens);
    try {
      const err = await rejection(sessions.open(target({ credential: { kind: 'interactive', account: 'carol@contoso.example' } })));
      expect(err.code).toBe('role_not_found_or_not_member');
      expect(tokens.calls).toBe(1);
    } finally {
      await sessions.closeAll();
    }
  });

  it('an untrusted server certificate → tls_verification_failed and no token is ever requested or sent', async () => {
    const tokens = new SimTokenProvider(azure.entra);
    const sessions = manager(tokens);
    // The public cloud trusts only the system roots; the simulator's certificate comes from a private test CA.
    const err = await rejection(sessions.open(target({ cloud: 'public' })));
    expect(err.code).toBe('tls_verification_failed');
    expect(err.message).toMatch(/no token was sent/);
    expect(tokens.calls).toBe(0);
    // verify-ca checks the chain too.
    const err2 = await rejection(sessions.open(target({ cloud: 'public', sslmode: 'verify-ca', confirmations: { weakerTls: true, nonAzureHost: true } })));
    expect(err2.code).toBe('tls_verification_failed');
    expect(tokens.calls).toBe(0);
  });

  it("a custom-cloud host outside the cloud file's postgresDomains without confirmation → confirmation_required, no token asked for", async () => {
    // The same simulated cloud, but its file now lists only Azure's domains (a changed or
    // hand-edited cloud file): the simulator's localhost is outside them.
    const dir = mkdtempSync(path.join(tmpdir(), 'pgentra-cloud-'));
    const cloudFile = path.join(dir, 'cloud.json');
    const state = JSON.parse(readFileSync(azure.stateFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(cloudFile, JSON.stringify({ ...state, caFile: azure.caFile, postgresDomains: ['.postgres.database.azure.com'] }));
    await trustCloudFile(trusted.dataDir, cloudFile);
    const tokens = new SimTokenProvider(azure.entra);
    const sessions = manager(tokens);
    try {
      const err = await rejection(sessions.open(target({ cloud: { customFile: cloudFile }, confirmations: {}, name: 'synced' })));
      expect(err.code).toBe('confirmation_required');
      expect(err.message).toMatch(/localhost is outside \*\.postgres\.database\.azure\.com/);
      expect(tokens.calls).toBe(0);
      expect(sessions.list()).toEqual([]);
      // A manager whose data folder never confirmed the cloud file: confirmation_required, no token.
      const bare = new SessionManager({ tokens, dataDir: dir });
      const unconfirmed = await rejection(bare.open(target({ confirmations: {} })));
      expect(unconfirmed.code).toBe('confirmation_required');
      expect(unconfirmed.hint).toMatch(/pgentra clouds trust/);
      expect(tokens.calls).toBe(0);
      // With the confirmation, or inside the cloud's domains, the session opens.
      const confirmed = await sessions.open(target({ cloud: { customFile: cloudFile }, confirmations: { nonAzureHost: true } }));
      expect(sessions.info(confirmed).currentUser).toBe('db-admins');
      const inside = await sessions.open(target({ confirmations: {} }));
      expect(sessions.info(inside).currentUser).toBe('db-admins');
    } finally {
      await sessions.closeAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses weaker TLS modes without the profile's confirmation", async () => {
    const tokens = new SimTokenProvider(azure.entra);
    const err = await rejection(manager(tokens).open(target({ sslmode: 'require' })));
    expect(err.code).toBe('confirmation_required');
    expect(tokens.calls).toBe(0);
  });

  it('"The access token has expired" → fetches a fresh token (large minValiditySeconds) and retries once', async () => {
    const tokens = new SimTokenProvider(azure.entra);
    tokens.nextMints.push({ expired: true });
    const sessions = manager(tokens);
    try {
      const id = await sessions.open(target());
      expect(sessions.info(id).currentUser).toBe('db-admins');
      expect(tokens.calls).toBe(2);
      expect(tokens.requests[1]?.minValiditySeconds).toBeGreaterThanOrEqual(600);
    } finally {
      await sessions.closeAll();
    }
  });

  it('a token for the wrong resource → token_wrong_audience naming the cloud', async () => {
    const tokens = new SimTokenProvider(azure.entra);
    tokens.nextMints.push({ audience: 'https://ossrdbms-aad.database.usgovcloudapi.net' });
    const err = await rejection(manager(tokens).open(target()));
    expect(err.code).toBe('token_wrong_audience');
    expect(err.message).toMatch(/check the profile's cloud/);
  });

  it('an unreachable server → server_unreachable with host:port', async () => {
    const tokens = new SimTokenProvider(azure.entra);
    const err = await rejection(manager(tokens).open(target({ port: 1, connectTimeoutSeconds: 3 })));
    expect(err.code).toBe('server_unreachable');
    expect(err.message).toContain(`${azure.state.server.host}:1`);
  });
});

describe('a long-lived session', () => {
  // Acceptance criterion: keep this test. Azure checks the token only at login, so a session
  // outlives its 5-second tokens; only new connections need a new token.
  it('keeps working for 30 s with tokens that live 5 s, without reconnecting', async () => {
    const tokens = new SimTokenProvider(azure.entra);
    tokens.lifetimeSeconds = 5;
    const sessions = manager(tokens);
    try {
      const id = await sessions.open(target());
      const started = Date.now();
      let queries = 0;
      while (Date.now() - started < 30_000) {
        const r = await sessions.query(id, 'select current_user');
        expect(r.status).toBe('ok');
        expect(r.statements[0]?.rows).toEqual([['db-admins']]);
        queries++;
        await sleep(2_000);
      }
      expect(queries).toBeGreaterThanOrEqual(14);
      expect(tokens.calls).toBe(1);
      expect(sessions.info(id).reconnects).toBe(0);
      expect(Date.parse(sessions.info(id).tokenExpiresOn ?? '')).toBeLessThan(Date.now());
    } finally {
      await sessions.closeAll();
    }
  }, 60_000);

  it('reconnects with a fresh token after the server drops every connection; the next query works', async () => {
    const tokens = new SimTokenProvider(azure.entra);
    tokens.lifetimeSeconds = 5;
    const sessions = manager(tokens);
    const events: SessionStateEvent[] = [];
    sessions.subscribe((e) => events.push(e));
    try {
      const id = await sessions.open(target());
      await sleep(6_000); // the first token has expired by now
      await azure.flex?.control.dropAllConnections();
      await waitFor(() => events.some((e) => e.state === 'connected' && e.sessionId === id && events.indexOf(e) > 1), 15_000);
      const r = await sessions.query(id, 'select current_user');
      expect(r.statements[0]?.rows).toEqual([['db-admins']]);
      expect(tokens.calls).toBeGreaterThanOrEqual(2);
      const kinds = events.filter((e) => e.sessionId === id).map((e) => e.state);
      expect(kinds).toEqual(expect.arrayContaining(['connecting', 'connected', 'reconnecting', 'token-refreshed']));
      expect(sessions.info(id).reconnects).toBe(1);
    } finally {
      await sessions.closeAll();
    }
    expect(events.at(-1)?.state).toBe('closed');
  }, 60_000);

  it('a query running when the connection drops fails visibly (never silently retried); the next one works', async () => {
    const tokens = new SimTokenProvider(azure.entra);
    const sessions = manager(tokens);
    try {
      const id = await sessions.open(target());
      await sessions.query(id, 'create temp table if not exists t(x int)');
      const inflight = sessions.query(id, 'select pg_sleep(5)');
      await sleep(500);
      await azure.flex?.control.dropAllConnections();
      const r = await inflight;
      expect(r.status).toBe('error');
      expect(r.error?.code).toBe('server_unreachable');
      expect(r.error?.message).toMatch(/not retried/);
      const next = await sessions.query(id, 'select 42');
      expect(next.statements[0]?.rows).toEqual([['42']]);
      const history = sessions.history(id);
      expect(history.map((h) => h.status)).toEqual(['ok', 'error', 'ok']);
    } finally {
      await sessions.closeAll();
    }
  }, 60_000);

  it('a query issued while the server is briefly down waits for the reconnect', async () => {
    const tokens = new SimTokenProvider(azure.entra);
    const sessions = manager(tokens);
    try {
      const id = await sessions.open(target());
      // setOutage(true) resolves only once every connection closed (the listener's close waits
      // for them), so drop the connections alongside it.
      const outage = azure.flex?.control.setOutage(true);
      await azure.flex?.control.dropAllConnections();
      await outage;
      const pending = sessions.query(id, 'select 7');
      await sleep(1_000);
      await azure.flex?.control.setOutage(false);
      const r = await pending;
      expect(r.error).toBeUndefined();
      expect(r.statements[0]?.rows).toEqual([['7']]);
    } finally {
      await azure.flex?.control.setOutage(false);
      await sessions.closeAll();
    }
  }, 60_000);
});

describe('queries', () => {
  let sessions: SessionManager;
  let id: string;
  beforeAll(async () => {
    sessions = manager(new SimTokenProvider(azure.entra), { pageSize: 100 });
    id = await sessions.open(target());
  });
  afterAll(async () => {
    await sessions.closeAll();
  });

  it('runs several statements, with columns, type names, row counts, notices and timings', async () => {
    const r = await sessions.query(
      id,
      `create temp table q1(id int, name text, at timestamptz);
       insert into q1 values (1, 'a;b', now()), (2, $$x;y$$, null);
       do $$ begin raise notice 'hello from plpgsql'; end $$;
       select id, name, at from q1 order by id`,
    );
    expect(r.status).toBe('ok');
    expect(r.statements.map((s) => s.command)).toEqual(['CREATE', 'INSERT', 'DO', 'SELECT']);
    expect(r.statements[1]?.rowCount).toBe(2);
    const last = r.statements[3];
    expect(last?.columns.map((c) => [c.name, c.typeName])).toEqual([
      ['id', 'integer'],
      ['name', 'text'],
      ['at', 'timestamp with time zone'],
    ]);
    expect(last?.rows.map((row) => row.slice(0, 2))).toEqual([
      ['1', 'a;b'],
      ['2', 'x;y'],
    ]);
    expect(last?.rows[1]?.[2]).toBeNull();
    expect(r.notices.map((n) => n.message)).toContain('hello from plpgsql');
    expect(r.elapsedMs).toBeGreaterThan(0);
  });

  it('reports SQLSTATE, position (in the whole text) and hint, and stops the script there', async () => {
    const sql = 'select 1;\nselect nosuchcolumn from pg_class;\nselect 3';
    const r = await sessions.query(id, sql);
    expect(r.status).toBe('error');
    expect(r.statements).toHaveLength(2);
    expect(r.error?.code).toBe('query_failed');
    expect(r.error?.details?.sqlstate).toBe('42703');
    expect(r.error?.details?.position).toBe(sql.indexOf('nosuchcolumn') + 1);
  });

  it('streams the last statement in pages with fetchMore', async () => {
    const r = await sessions.query(id, 'select g from generate_series(1, 250) g');
    const first = r.statements[0];
    expect(first?.rows).toHaveLength(100);
    expect(first?.hasMore).toBe(true);
    const more = await sessions.fetchMore(id, r.queryId, 100);
    expect(more.rows[0]).toEqual(['101']);
    const rest = await sessions.fetchMore(id, r.queryId, 100);
    expect(rest.rows).toHaveLength(50);
    expect(rest.hasMore).toBe(false);
    expect(rest.rowCount).toBe(250);
    await expect(sessions.fetchMore(id, r.queryId, 10)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('cancels select pg_sleep(30) long before it ends, with query_cancelled (PostgreSQL cancel request)', async () => {
    const started = Date.now();
    const running = sessions.query(id, 'select pg_sleep(30)');
    await sleep(300);
    const queryId = sessions.history(id).at(-1)?.queryId ?? '';
    expect(await sessions.cancel(id, queryId)).toBe(true);
    const r = await running;
    // Generous (about 0.3 s here): a busy machine may need seconds; an uncancelled sleep takes 30.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.status).toBe('cancelled');
    expect(r.error?.code).toBe('query_cancelled');
    // The session is still usable.
    expect((await sessions.query(id, 'select 1')).status).toBe('ok');
    expect(sessions.history(id).find((h) => h.queryId === queryId)?.status).toBe('cancelled');
  });

  it('refuses a second query while one runs', async () => {
    const running = sessions.query(id, 'select pg_sleep(0.5)');
    await sleep(50);
    await expect(sessions.query(id, 'select 1')).rejects.toMatchObject({ code: 'conflict' });
    await running;
  });

  it('streams 1,000,000 rows × 5 columns in pages with bounded memory', async () => {
    const r = await sessions.query(id, "select g, g * 2, md5(g::text), now(), 'const' from generate_series(1, 1000000) g");
    let rows = r.statements[0]?.rows.length ?? 0;
    let hasMore = r.statements[0]?.hasMore ?? false;
    const before = process.memoryUsage().rss;
    let peak = before;
    while (hasMore) {
      const page = await sessions.fetchMore(id, r.queryId, 5_000);
      rows += page.rows.length;
      hasMore = page.hasMore;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(rows).toBe(1_000_000);
    expect((peak - before) / 1024 / 1024).toBeLessThan(100);
  }, 120_000);
});

describe('Entra admin helpers', () => {
  it('creates a principal, lists it, and verifies access as the managed identity vm-app-01', async () => {
    const tokens = new SimTokenProvider(azure.entra);
    const sessions = manager(tokens);
    try {
      const id = await sessions.open(target({ database: 'postgres' }));
      const created = await sessions.createPrincipal({ sessionId: id, by: 'name', roleName: 'vm-app-01' });
      expect(created.sql).toMatch(/^select \* from (pg_catalog\.)?pgaadauth_create_principal\(\$1, \$2, \$3\)$/);
      expect(created.params).toEqual(['vm-app-01', false, false]);
      expect(created.message).toContain('vm-app-01');

      const sp = await sessions.createPrincipal({ sessionId: id, by: 'objectId', roleName: 'sp-etl', objectId: '833ee851-ba0f-4051-9571-10b15d066c3d', objectType: 'service' });
      expect(sp.sql).toContain('pgaadauth_create_principal_with_oid');

      const list = await sessions.listPrincipals(id);
      expect(list.sql).toContain('pgaadauth_list_principals');
      const names = list.principals.map((p) => p.roleName);
      expect(names).toEqual(expect.arrayContaining(['db-admins', 'vm-app-01', 'sp-etl']));
      expect(list.principals.find((p) => p.roleName === 'db-admins')?.isAdmin).toBe(true);

      const ok = await sessions.verifyAccess({ sessionId: id, roleName: 'vm-app-01', credential: { kind: 'managed-identity' } });
      expect(ok).toMatchObject({ granted: true, currentUser: 'vm-app-01', sessionUser: 'vm-app-01', sql: 'select current_user, session_user' });

      const denied = await sessions.verifyAccess({ sessionId: id, roleName: 'id-reporting', credential: { kind: 'managed-identity', clientId: '7ac1b52d-0cd2-4540-8b9e-cbd682c73d8c' } });
      expect(denied.granted).toBe(false);
      expect(denied.error?.code).toBe('role_not_found_or_not_member');
    } finally {
      await sessions.closeAll();
    }
  });
});
