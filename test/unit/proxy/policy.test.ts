// Pure parts of the proxy: address policy, user-name rule, port assignment, error mapping,
// cancel keys and connection strings.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkListenAddress, isLoopbackAddress } from '../../../electron/proxy/addressPolicy.js';
import { CancelMap } from '../../../electron/proxy/cancelMap.js';
import { conninfoFor, conninfoValue, readyLine } from '../../../electron/proxy/connectionString.js';
import { classifyUpstreamAuthError, tokenFailureError, upstreamAuthError, upstreamConnectError } from '../../../electron/proxy/errorMapping.js';
import { PortRegistry, assignPorts, PORTS_FILE_NAME } from '../../../electron/proxy/portRegistry.js';
import { resolveClientUser } from '../../../electron/proxy/userRule.js';
import { PgEntraError } from '../../../shared/errors.js';
import { shellQuoted } from '../../../shared/shellQuote.js';

describe('address policy', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])('%s is loopback', (a) => {
    expect(isLoopbackAddress(a)).toBe(true);
    expect(checkListenAddress(a, false).loopback).toBe(true);
  });

  it.each(['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', '::ffff:10.0.0.1', 'fe80::1'])('%s is refused without allowRemote', (a) => {
    expect(isLoopbackAddress(a)).toBe(false);
    expect(() => checkListenAddress(a, false)).toThrow(PgEntraError);
    expect(() => checkListenAddress(a, false)).toThrow(/not a loopback address/);
  });

  it('allowRemote accepts it with a loud warning', () => {
    const d = checkListenAddress('0.0.0.0', true);
    expect(d.loopback).toBe(false);
    expect(d.warning).toMatch(/^WARNING: .*every network interface.*NOT encrypted/);
  });

  it('rejects things that are not addresses', () => {
    expect(() => checkListenAddress('example.com', true)).toThrow(/not an IP address/);
    expect(() => checkListenAddress('', false)).toThrow(PgEntraError);
  });
});

describe('user-name rule', () => {
  it('empty or the profile user → the profile user', () => {
    expect(resolveClientUser(undefined, 'db-admins')).toEqual({ ok: true, user: 'db-admins' });
    expect(resolveClientUser('', 'db-admins')).toEqual({ ok: true, user: 'db-admins' });
    expect(resolveClientUser('db-admins', 'db-admins')).toEqual({ ok: true, user: 'db-admins' });
  });

  it('an allowed extra user is kept', () => {
    expect(resolveClientUser('db-readers', 'db-admins', ['db-readers'])).toEqual({ ok: true, user: 'db-readers' });
  });

  it('anything else is refused, naming the expected user (case-sensitive)', () => {
    const d = resolveClientUser('DB-Admins', 'db-admins');
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.message).toContain('signs in as "db-admins", not "DB-Admins"');
    expect(d.hint).toContain('user=db-admins');
    const spaced = resolveClientUser('root', 'Data Team');
    expect(!spaced.ok && spaced.hint).toContain("user='Data Team'");
  });
});

describe('port assignment', () => {
  it('keeps remembered ports and gives new profiles the lowest free port from 6432', () => {
    const { ports, remembered } = assignPorts({ a: 6432, b: 6434 }, ['a', 'c', 'd']);
    expect(Object.fromEntries(ports)).toEqual({ a: 6432, c: 6433, d: 6435 });
    expect(remembered).toEqual({ a: 6432, b: 6434, c: 6433, d: 6435 });
  });

  it('skips ports that are busy now', () => {
    const { ports } = assignPorts({}, ['x'], { unavailable: new Set([6432, 6433]) });
    expect(ports.get('x')).toBe(6434);
  });

  it('the registry file is written atomically and private, and a corrupt file is treated as empty', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-ports-'));
    try {
      const reg = new PortRegistry(dir);
      expect(Object.fromEntries(await reg.assign(['p1', 'p2']))).toEqual({ p1: 6432, p2: 6433 });
      expect(JSON.parse(readFileSync(path.join(dir, PORTS_FILE_NAME), 'utf8'))).toEqual({ version: 1, ports: { p1: 6432, p2: 6433 } });
      expect(Object.fromEntries(await new PortRegistry(dir).assign(['p2']))).toEqual({ p2: 6433 });
      await reg.forget('p1');
      expect(await reg.load()).toEqual({ p2: 6433 });
      writeFileSync(path.join(dir, PORTS_FILE_NAME), '{not json');
      expect(await reg.load()).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('error mapping', () => {
  const ctx = { role: 'db-admins', account: 'adm-alice@contoso.example', host: 'srv.postgres.database.azure.com', port: 5432 };

  it('classifies the server texts', () => {
    // The shared table (sessions/loginRefusal.ts): kind and whether the proxy may retry.
    expect(classifyUpstreamAuthError({ code: '28000', message: 'The access token has expired. Acquire a new token and try again.' })).toMatchObject({ kind: 'expired', disposition: 'retry-fresh' });
    expect(classifyUpstreamAuthError({ code: '28P01', message: 'password authentication failed for user "db-admins"' })).toMatchObject({ kind: 'not_member', disposition: 'permanent' });
    expect(classifyUpstreamAuthError({ code: '28000', message: 'The access token does not have a valid audience claim. Please acquire …' })).toMatchObject({
      kind: 'wrong_audience',
      disposition: 'permanent',
    });
    expect(classifyUpstreamAuthError({ code: '28000', message: 'The access token has invalid format. Please ensure …' })).toMatchObject({ kind: 'token_invalid', disposition: 'permanent' });
    expect(classifyUpstreamAuthError({ code: '53300', message: 'sorry, too many clients already' })).toMatchObject({ kind: 'server_busy', disposition: 'transient' });
  });

  it('keeps severity, SQLSTATE and message and appends our hint after the server hint', () => {
    const f = upstreamAuthError({ severity: 'FATAL', code: '28P01', message: 'password authentication failed for user "db-admins"', hint: 'server hint' }, ctx, false);
    expect(f).toMatchObject({ severity: 'FATAL', code: '28P01', message: 'password authentication failed for user "db-admins"' });
    expect(f.hint).toMatch(/^server hint\npgEntra proxy: Account adm-alice@contoso.example is not a member of group "db-admins" or the role "db-admins" does not exist/);
    expect(f.hint).toContain('ask an Entra admin');
    const expired = upstreamAuthError({ severity: 'FATAL', code: '28000', message: 'The access token has expired. Acquire a new token and try again.' }, ctx, true);
    expect(expired.hint).toContain('pgentra login --account adm-alice@contoso.example');
  });

  it('token failures become FATAL 28000 / 08006 with the command to run', () => {
    const signIn = tokenFailureError(new PgEntraError('sign_in_required', 'Session expired.'), ctx);
    expect(signIn).toMatchObject({ severity: 'FATAL', code: '28000' });
    expect(signIn.hint).toContain('pgentra login --account adm-alice@contoso.example');
    expect(tokenFailureError(new PgEntraError('network_unavailable', 'offline'), ctx)).toMatchObject({ severity: 'FATAL', code: '08006' });
    expect(tokenFailureError(new Error('boom'), ctx)).toMatchObject({ severity: 'FATAL', code: '28000' });
  });

  it('connect failures say what happened', () => {
    const refused = upstreamConnectError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), ctx);
    expect(refused).toMatchObject({ severity: 'FATAL', code: '08006' });
    expect(refused.message).toContain('cannot reach the server srv.postgres.database.azure.com:5432: the connection was refused');
  });
});

describe('cancel keys and the local password', () => {
  it('a proxy key maps to its target only with the exact secret', () => {
    const m = new CancelMap<string>();
    const k = m.register('upstream-1');
    expect(m.lookup(k.processId, k.secretKey)).toBe('upstream-1');
    const wrong = Buffer.from(k.secretKey);
    wrong[0] = (wrong[0] as number) ^ 1;
    expect(m.lookup(k.processId, wrong)).toBeUndefined();
    expect(m.lookup(k.processId, Buffer.alloc(8))).toBeUndefined();
    m.remove(k.processId);
    expect(m.lookup(k.processId, k.secretKey)).toBeUndefined();
  });
});

describe('connection strings', () => {
  it('quotes libpq values and shell metacharacters', () => {
    expect(conninfoValue('db-admins')).toBe('db-admins');
    expect(conninfoValue("Data Team's")).toBe("'Data Team\\'s'");
    expect(conninfoFor({ address: '127.0.0.1', port: 6432, database: 'postgres', username: 'db-admins' })).toBe('host=127.0.0.1 port=6432 dbname=postgres user=db-admins sslmode=disable');
    expect(shellQuoted('a$b"c')).toBe('"a\\$b\\"c"');
    expect(readyLine({ profileId: 'x', profileName: 'prod', address: '127.0.0.1', port: 6432, username: 'db-admins', database: 'postgres', passwordRequired: false, ownerCheck: true })).toBe(
      'pgentra proxy: "prod" ready on 127.0.0.1:6432 as db-admins — psql "host=127.0.0.1 port=6432 dbname=postgres user=db-admins sslmode=disable"',
    );
  });
});
