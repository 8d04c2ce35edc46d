import { describe, expect, it } from 'vitest';
import { guestHomeAddress, usernameHints } from '../../../shared/profile.js';

const guestUpn = 'alice_fabrikam.com#EXT#@contoso.onmicrosoft.com';

describe('usernameHints', () => {
  it('no hints when the username is exactly the UPN', () => {
    expect(usernameHints('adm-alice@contoso.example', { upn: 'adm-alice@contoso.example' })).toEqual([]);
  });

  it('names the UPN to use, or a group the user belongs to', () => {
    const [h] = usernameHints('alice@contoso.example', { upn: 'adm-alice@contoso.example' });
    expect(h).toBe('Your account signs in as adm-alice@contoso.example; use that UPN as the username, or the exact display name of an Entra group you belong to (case-sensitive).');
    expect(usernameHints('db-admins', { upn: 'adm-alice@contoso.example' })[0]).toMatch(/Entra group you belong to/);
  });

  it('flags a case mismatch with the UPN', () => {
    const hints = usernameHints('Adm-Alice@Contoso.example', { upn: 'adm-alice@contoso.example' });
    expect(hints).toHaveLength(1);
    expect(hints[0]).toMatch(/only in upper\/lower case/);
    expect(hints[0]).toMatch(/case-sensitive: use adm-alice@contoso.example exactly/);
  });

  it('explains the guest #EXT# form when the home address was used', () => {
    const hints = usernameHints('alice@fabrikam.com', { upn: guestUpn });
    expect(hints[0]).toMatch(/guest/);
    expect(hints[0]).toContain(guestUpn);
    expect(hints[0]).toMatch(/not your home address alice@fabrikam.com/);
  });

  it('explains the guest form for other mismatches too', () => {
    const hints = usernameHints('someone-else@x.example', { upn: guestUpn });
    expect(hints.some((h) => h.includes('#EXT#') && h.includes('alice@fabrikam.com'))).toBe(true);
  });

  it('without token facts: explains a typed guest UPN and case-sensitivity', () => {
    expect(usernameHints(guestUpn)[0]).toMatch(/guest \(#EXT#\) UPN/);
    expect(usernameHints('Alice@Contoso.example')[0]).toMatch(/case-sensitive/);
    expect(usernameHints('db-admins')).toEqual([]);
  });

  it('spaces: fine for group names, surrounding spaces are a typo', () => {
    expect(usernameHints('DB Admins')[0]).toMatch(/fine for an Entra group/);
    expect(usernameHints(' db-admins')[0]).toMatch(/starts or ends with spaces/);
  });

  it('an expected username from the token (managed identity) is suggested, case mismatch flagged', () => {
    expect(usernameHints('wrong', { expectedUsername: 'my-app-identity' })[0]).toMatch(/token is for my-app-identity/);
    expect(usernameHints('My-App-Identity', { expectedUsername: 'my-app-identity' })[0]).toMatch(/only in upper\/lower case/);
    expect(usernameHints('my-app-identity', { expectedUsername: 'my-app-identity' })).toEqual([]);
  });

  it('guestHomeAddress', () => {
    expect(guestHomeAddress(guestUpn)).toBe('alice@fabrikam.com');
    expect(guestHomeAddress('first_last_fabrikam.com#EXT#@contoso.onmicrosoft.com')).toBe('first_last@fabrikam.com');
    expect(guestHomeAddress('alice@contoso.example')).toBeUndefined();
  });
});
