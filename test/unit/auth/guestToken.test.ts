// Guests: a token from the resource tenant carries no #EXT# upn by default — only the home
// address (unique_name / email) and idp — and the role is still the …#EXT#… name. Token
// diagnostics and username hints must never offer the home address as the role.
import { describe, expect, it } from 'vitest';
import { describeToken } from '../../../electron/auth/describeToken.js';
import { guestRoleNameFor, usernameHints } from '../../../shared/profile.js';

const CONTOSO = '72f988bf-0000-4000-8000-000000000001';
const FABRIKAM = '0fab0fab-0000-4000-8000-000000000002';

function jwt(claims: Record<string, unknown>): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}.c2ln`;
}

const base = { aud: 'https://ossrdbms-aad.database.windows.net', exp: 2_000_000_000, oid: '11111111-0000-4000-8000-000000000003' };

describe('describeToken and guests', () => {
  it('a guest token without #EXT# upn: guest, the home address as homeUpn, no expected username, a note with the #EXT# form', () => {
    const f = describeToken(
      jwt({
        ...base,
        tid: CONTOSO,
        iss: `https://sts.windows.net/${CONTOSO}/`,
        idp: `https://sts.windows.net/${FABRIKAM}/`,
        unique_name: 'bob@fabrikam.example',
        email: 'bob@fabrikam.example',
        idtyp: 'user',
      }),
    );
    expect(f).toMatchObject({ kind: 'user', guest: true, homeUpn: 'bob@fabrikam.example', idp: `https://sts.windows.net/${FABRIKAM}/` });
    expect(f.expectedUsername).toBeUndefined();
    expect(f.upn).toBeUndefined();
    expect(f.notes?.[0]).toContain('bob_fabrikam.example#EXT#@');
    expect(f.notes?.[0]).toContain('NOT the role name');
  });

  it('a guest token with the optional #EXT# upn: that upn is the role', () => {
    const upn = 'bob_fabrikam.example#EXT#@contoso.example';
    const f = describeToken(jwt({ ...base, tid: CONTOSO, idp: `https://sts.windows.net/${FABRIKAM}/`, upn, unique_name: upn }));
    expect(f).toMatchObject({ kind: 'user', guest: true, upn, expectedUsername: upn });
    expect(f.homeUpn).toBeUndefined();
  });

  it('a Microsoft account guest (live.com#…) is a guest; a member is not', () => {
    const msa = describeToken(jwt({ ...base, tid: CONTOSO, idp: 'live.com', unique_name: 'live.com#bob@outlook.example' }));
    expect(msa).toMatchObject({ guest: true, homeUpn: 'bob@outlook.example' });
    const member = describeToken(jwt({ ...base, tid: CONTOSO, upn: 'alice@contoso.example', unique_name: 'alice@contoso.example' }));
    expect(member).toMatchObject({ kind: 'user', upn: 'alice@contoso.example', expectedUsername: 'alice@contoso.example' });
    expect(member.guest).toBeUndefined();
    expect(member.notes).toBeUndefined();
  });

  it("a token from another tenant than the server's says to sign in with --tenant", () => {
    const home = describeToken(jwt({ ...base, tid: FABRIKAM, upn: 'bob@fabrikam.example' }), { serverTenantId: CONTOSO });
    expect(home.notes?.join(' ')).toContain(`--tenant ${CONTOSO}`);
    expect(describeToken(jwt({ ...base, tid: CONTOSO, upn: 'alice@contoso.example' }), { serverTenantId: CONTOSO }).notes).toBeUndefined();
  });
});

describe('usernameHints for guests', () => {
  it('never suggests the home address as the role; explains #EXT# and --tenant', () => {
    const hints = usernameHints('bob@fabrikam.example', { upn: 'bob@fabrikam.example', guest: true, homeUpn: 'bob@fabrikam.example' });
    const text = hints.join('\n');
    expect(text).toContain(guestRoleNameFor('bob@fabrikam.example'));
    expect(text).toContain('not your home address bob@fabrikam.example');
    expect(text).toContain('pgentra login --tenant');
    expect(text).not.toMatch(/use that UPN as the username/);
    const group = usernameHints('db-admins', { upn: 'bob@fabrikam.example', guest: true });
    expect(group.join('\n')).not.toMatch(/use that UPN|use bob@fabrikam\.example/);
    expect(group.join('\n')).toContain('never their home address');
  });

  it("guestRoleNameFor builds Entra's #EXT# name", () => {
    expect(guestRoleNameFor('bob@fabrikam.example', 'contoso.example')).toBe('bob_fabrikam.example#EXT#@contoso.example');
  });
});
