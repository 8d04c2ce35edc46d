// Role-to-token mapping rules, without servers.
import { describe, expect, it } from 'vitest';
import { MESSAGES, checkPrincipal, type Principal } from './login.js';
import type { AccessTokenClaims } from './tokens.js';

const base: AccessTokenClaims = { aud: 'https://ossrdbms-aad.database.windows.net', iss: 'x', exp: 0 };
const ALICE = '137c66a9-3324-4d4c-8477-e6a401d43ee1';
const GROUP = '6cc2c8ad-7e8f-4302-9f44-d4ccc330c924';
const MI = '4df985fd-7e4e-4c35-b9df-606afd74c750';

const user: Principal = { rolename: 'alice@contoso.example', principalType: 'user', objectId: ALICE, isMfa: false };
const group: Principal = { rolename: 'db-admins', principalType: 'group', objectId: GROUP, isMfa: false };
const service: Principal = { rolename: 'vm-app-01', principalType: 'service', objectId: MI, isMfa: false };
const denied = (role: string): unknown => ({ sqlstate: '28P01', message: MESSAGES.passwordFailed(role) });

describe('checkPrincipal', () => {
  it('user roles are matched by object id, whatever the UPN in the token', () => {
    expect(checkPrincipal(user, { ...base, upn: 'alice@contoso.example', oid: ALICE })).toBeUndefined();
    expect(checkPrincipal(user, { ...base, upn: 'alice@contoso.example', oid: ALICE.toUpperCase() })).toBeUndefined();
    // The UPN changed since the role was created: still the same user.
    expect(checkPrincipal(user, { ...base, upn: 'alice.smith@contoso.example', oid: ALICE })).toBeUndefined();
    // Deleted and re-created under the same UPN: new object id, old role refuses it.
    expect(checkPrincipal(user, { ...base, upn: 'alice@contoso.example', oid: MI })).toEqual(denied(user.rolename));
  });

  it('an app token for a user role gets Azure’s token-type error', () => {
    const text = 'Service Principals cannot generate AAD_AUTH_TOKENTYPE_APP_USER tokens for role[alice@contoso.example]';
    expect(checkPrincipal(user, { ...base, oid: MI, idtyp: 'app' })).toEqual({ sqlstate: '28P01', message: text });
    // Without idtyp: no upn and no scp make it an app-only token.
    expect(checkPrincipal(user, { ...base, oid: MI })).toEqual({ sqlstate: '28P01', message: text });
    expect(checkPrincipal(user, { ...base, oid: ALICE, scp: 'user_impersonation' })).toBeUndefined();
  });

  it('group roles admit any token listing the group', () => {
    expect(checkPrincipal(group, { ...base, upn: 'x@y', oid: ALICE, groups: ['a', GROUP] })).toBeUndefined();
    expect(checkPrincipal(group, { ...base, upn: 'x@y', oid: ALICE, groups: [] })).toEqual(denied('db-admins'));
    expect(checkPrincipal(group, { ...base, upn: 'x@y', oid: ALICE })).toEqual(denied('db-admins'));
  });

  it('service roles need the principal’s object id; a user token gets the token-type error', () => {
    expect(checkPrincipal(service, { ...base, oid: MI, idtyp: 'app' })).toBeUndefined();
    expect(checkPrincipal(service, { ...base, oid: ALICE, idtyp: 'app' })).toEqual(denied('vm-app-01'));
    expect(checkPrincipal(service, { ...base, oid: ALICE, upn: 'alice@contoso.example' })).toEqual({
      sqlstate: '28P01',
      message: 'Microsoft Entra user token for role "vm-app-01" is neither an AAD_AUTH_TOKENTYPE_APP_USER or an AAD_AUTH_TOKENTYPE_APP_OBO token.',
    });
  });

  it('isMfa roles need mfa in amr', () => {
    const mfa = { ...user, isMfa: true };
    expect(checkPrincipal(mfa, { ...base, upn: user.rolename, oid: ALICE, amr: ['pwd'] })).toEqual(denied(user.rolename));
    expect(checkPrincipal(mfa, { ...base, upn: user.rolename, oid: ALICE, amr: ['pwd', 'mfa'] })).toBeUndefined();
  });
});
