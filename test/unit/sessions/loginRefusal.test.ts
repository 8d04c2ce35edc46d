// The one classification of login refusals shared by sessions, the proxy and the CLI: which are
// permanent (never retried), transient (retried) or retried once with a fresh token, and what the
// person is told. pg DatabaseError-shaped objects stand in for the server.
import { describe, expect, it } from 'vitest';
import { PgEntraError } from '../../../shared/errors.js';
import { classifyLoginRefusal, isTransientCode } from '../../../electron/sessions/loginRefusal.js';
import { isTransientConnectError, mapConnectError, mapQueryError } from '../../../electron/sessions/errors.js';
import { upstreamAuthError } from '../../../electron/proxy/errorMapping.js';

const ctx = { host: 'srv.postgres.database.azure.com', port: 5432, username: 'db-admins', account: 'adm-alice@contoso.example', sslmode: 'verify-full', credentialKind: 'interactive' };

function dbError(message: string, code: string, severity = 'FATAL'): Error {
  return Object.assign(new Error(message), { code, severity });
}

const FIREWALL = 'no pg_hba.conf entry for host "203.0.113.7", user "db-admins", database "postgres", SSL encryption';

describe('classifyLoginRefusal', () => {
  it.each([
    [FIREWALL, '28000', 'firewall', 'firewall_blocked', 'permanent'],
    ['The access token has expired. Acquire a new token and try again.', '28000', 'expired', 'token_expired', 'retry-fresh'],
    ['password authentication failed for user "db-admins"', '28P01', 'not_member', 'role_not_found_or_not_member', 'permanent'],
    ['Service Principals cannot generate AAD_AUTH_TOKENTYPE_APP_USER tokens for role[app-role]', '28000', 'wrong_token_kind', 'token_wrong_kind', 'permanent'],
    ['Microsoft Entra user token for role "vm-app-01" is neither an AAD_AUTH_TOKENTYPE_APP_USER or an AAD_AUTH_TOKENTYPE_APP_OBO token.', '28000', 'wrong_token_kind', 'token_wrong_kind', 'permanent'],
    [
      'The access token does not have a valid audience claim. Please acquire a new token for the resource "https://ossrdbms-aad.database.windows.net".',
      '28000',
      'wrong_audience',
      'token_wrong_audience',
      'permanent',
    ],
    ["The access token was issued by another tenant than the server's", '28000', 'wrong_tenant', 'token_wrong_tenant', 'permanent'],
    ['The access token has invalid format. Please ensure the token is passed exactly as returned by the authentication endpoint and retry.', '28000', 'token_invalid', 'token_invalid', 'permanent'],
    ["The access token doesn't have a valid oid claim. Acquire a new token and try again", '28000', 'token_invalid', 'token_invalid', 'permanent'],
    ['terminating connection due to administrator command', '57P01', 'server_restarting', 'server_restarting', 'transient'],
    ['terminating connection because of crash of another server process', '57P02', 'server_restarting', 'server_restarting', 'transient'],
    ['the database system is starting up', '57P03', 'server_restarting', 'server_restarting', 'transient'],
    ['sorry, too many clients already', '53300', 'server_busy', 'server_unreachable', 'transient'],
    ['database "nope" does not exist', '3D000', 'refused', 'login_refused', 'permanent'],
    ['role "x" is not permitted to log in', '28000', 'refused', 'login_refused', 'permanent'],
  ])('%s → %s', (message, code, kind, errorCode, disposition) => {
    const r = classifyLoginRefusal({ code, message });
    expect(r).toMatchObject({ kind, code: errorCode, disposition });
    expect(isTransientCode(r.code)).toBe(disposition !== 'permanent');
  });

  it('a SCRAM or MD5 request instead of cleartext means Entra authentication is off (a guess)', () => {
    const r = classifyLoginRefusal({ code: '28P01', message: 'password authentication failed for user "db-admins"' }, { authMethod: 'sasl' });
    expect(r).toMatchObject({ kind: 'entra_disabled', code: 'entra_auth_disabled', disposition: 'permanent', guess: true });
  });
});

describe('mapConnectError: what sessions and the CLI report', () => {
  it('a firewall refusal is firewall_blocked naming the IP and the fix, and is not transient', () => {
    const e = mapConnectError(dbError(FIREWALL, '28000'), ctx);
    expect(e.code).toBe('firewall_blocked');
    expect(e.message).toContain('203.0.113.7');
    expect(e.hint).toMatch(/Add a firewall rule for 203\.0\.113\.7/);
    expect(e.hint).toMatch(/ask the server's admin/);
    expect(e.details).toMatchObject({ ip: '203.0.113.7', sqlstate: '28000' });
    expect(isTransientConnectError(e)).toBe(false);
  });

  it('any other server refusal is no longer server_unreachable (which reconnected forever)', () => {
    const e = mapConnectError(dbError('database "nope" does not exist', '3D000'), { ...ctx, database: 'nope' });
    expect(e.code).toBe('login_refused');
    expect(isTransientConnectError(e)).toBe(false);
    expect(e.hint).toContain('"nope"');
    const restart = mapConnectError(dbError('the database system is starting up', '57P03'), ctx);
    expect(restart.code).toBe('server_restarting');
    expect(isTransientConnectError(restart)).toBe(true);
  });

  it('a refused group login names PIM and the fresh-token retry; a user login does not', () => {
    const e = mapConnectError(dbError('password authentication failed for user "db-admins"', '28P01'), { ...ctx, freshHow: 'add --fresh' });
    expect(e.code).toBe('role_not_found_or_not_member');
    expect(e.hint).toContain(
      'If your membership in db-admins is eligible rather than active (Privileged Identity Management), activate it, then retry with a fresh token (add --fresh) — a cached token predates the activation.',
    );
    expect(e.details).toMatchObject({ group: true, retryFresh: true });
    const user = mapConnectError(dbError('password authentication failed for user "alice@contoso.example"', '28P01'), { ...ctx, username: 'alice@contoso.example', account: 'alice@contoso.example' });
    expect(user.hint).not.toContain('Privileged Identity Management');
    const mi = mapConnectError(dbError('password authentication failed for user "vm-app-01"', '28P01'), { ...ctx, username: 'vm-app-01', account: 'vm-app-01', credentialKind: 'managed-identity' });
    expect(mi.hint).not.toContain('Privileged Identity Management');
  });

  it('a guest role refused for a home-tenant account says to sign in with --tenant', () => {
    const guestRole = 'bob_fabrikam.example#EXT#@contoso.example';
    const e = mapConnectError(dbError(`password authentication failed for user "${guestRole}"`, '28P01'), { ...ctx, username: guestRole, account: 'bob@fabrikam.example' });
    expect(e.hint).toContain('guest (#EXT#) role');
    expect(e.hint).toContain('pgentra login --tenant');
  });

  it('a wrong token kind and a wrong tenant get their own codes', () => {
    expect(mapConnectError(dbError('Service Principals cannot generate AAD_AUTH_TOKENTYPE_APP_USER tokens for role[alice@contoso.example]', '28000'), ctx)).toMatchObject({
      code: 'token_wrong_kind',
      details: expect.objectContaining({ role: 'alice@contoso.example' }),
    });
    const tenant = mapConnectError(dbError("The access token is from a tenant that is not the server's tenant", '28000'), ctx);
    expect(tenant.code).toBe('token_wrong_tenant');
    expect(tenant.hint).toContain('--tenant');
  });

  it('a 57P01 during a statement says the server restarted and the statement was not retried', () => {
    const e = mapQueryError(dbError('terminating connection due to administrator command', '57P01'), ctx);
    expect(e).toBeInstanceOf(PgEntraError);
    expect(e.code).toBe('server_restarting');
    expect(e.message).toMatch(/restarted or failed over .*not retried/);
  });
});

describe('the proxy uses the same table', () => {
  const pctx = { role: 'db-admins', account: 'adm-alice@contoso.example', host: 'srv.postgres.database.azure.com', port: 5432, profile: 'prod', credentialKind: 'interactive' };
  it('a firewall refusal keeps the server fields and adds the firewall advice', () => {
    const f = upstreamAuthError({ severity: 'FATAL', code: '28000', message: FIREWALL }, pctx, false);
    expect(f).toMatchObject({ severity: 'FATAL', code: '28000', message: FIREWALL });
    expect(f.hint).toMatch(/^pgEntra proxy: The firewall of srv\.postgres\.database\.azure\.com:5432 does not allow connections from 203\.0\.113\.7/);
  });
  it('a refused group login adds the PIM advice: the command that activates it; the proxy fetches the fresh token itself', () => {
    const f = upstreamAuthError({ severity: 'FATAL', code: '28P01', message: 'password authentication failed for user "db-admins"' }, pctx, false);
    expect(f.hint).toContain('Privileged Identity Management');
    expect(f.hint).toContain('pgentra pim activate db-admins --reason "…"');
    expect(f.hint).toContain('the proxy fetches a fresh token');
  });
  it('a SCRAM request is explained as Entra authentication being off', () => {
    const f = upstreamAuthError({ severity: 'FATAL', code: '28000', message: 'pgEntra proxy: the server asked for authentication method 10' }, pctx, false, 'sasl');
    expect(f.hint).toContain('Microsoft Entra authentication looks disabled');
  });
});
