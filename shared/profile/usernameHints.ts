// Advice about the profile's username. PostgreSQL matches Entra role names exactly, and the
// common mistakes — case, a home address instead of a guest's #EXT# UPN, a group name with
// spaces, the wrong tenant — all end in the same `password authentication failed`, so the app
// explains them next to the field and after that error. Pure: the caller supplies what the
// signed-in token says (UsernameTokenFacts).

export interface UsernameTokenFacts {
  /** `upn` / `preferred_username` of the signed-in account. */
  upn?: string;
  /** The role name the token implies (e.g. a managed identity's name), when known. */
  expectedUsername?: string;
  /** The token says the account is a guest (external: `idp`, `acct`, or an #EXT# upn). */
  guest?: boolean;
  /** A guest's home address (`unique_name`/`email` of a token without the #EXT# upn): never the role name. */
  homeUpn?: string;
}

/** `bob@fabrikam.example` → `bob_fabrikam.example#EXT#@<domain>`: how Entra names a guest in a resource tenant. */
export function guestRoleNameFor(homeAddress: string, resourceDomain = "<the server tenant's domain>"): string {
  const at = homeAddress.lastIndexOf('@');
  return at > 0 ? `${homeAddress.slice(0, at)}_${homeAddress.slice(at + 1)}#EXT#@${resourceDomain}` : `${homeAddress}#EXT#@${resourceDomain}`;
}

/** `alice_fabrikam.com#EXT#@contoso.onmicrosoft.com` → `alice@fabrikam.com`. */
export function guestHomeAddress(upn: string): string | undefined {
  const m = /^(.*)#EXT#@/i.exec(upn);
  if (!m || !m[1]) return undefined;
  const local = m[1];
  const at = local.lastIndexOf('_');
  return at > 0 ? `${local.slice(0, at)}@${local.slice(at + 1)}` : undefined;
}

const isGuestUpn = (s: string): boolean => /#EXT#@/i.test(s);

/**
 * Advice about the username, shown next to the field and after `password authentication failed`.
 * Role names are matched exactly (case-sensitive): users by UPN (guests by their full #EXT# UPN),
 * groups / service principals / managed identities by display name.
 */
export function usernameHints(profileUsername: string, tokenFacts: UsernameTokenFacts = {}): string[] {
  const hints: string[] = [];
  const u = profileUsername;
  const upn = tokenFacts.upn?.trim() || undefined;
  const expected = tokenFacts.expectedUsername?.trim() || undefined;

  if (u !== u.trim()) hints.push(`The username "${u}" starts or ends with spaces; role names are matched exactly, so remove them.`);

  // A guest whose token has no #EXT# upn: the only address it shows is the home one, which is
  // never the role name. Explain the #EXT# form and the tenant to sign in to instead.
  const home = tokenFacts.guest ? tokenFacts.homeUpn?.trim() || (upn && !isGuestUpn(upn) ? upn : undefined) : undefined;
  if (tokenFacts.guest && !(upn && isGuestUpn(upn))) {
    const example = guestRoleNameFor(home ?? 'name@home.example');
    if (home && u.trim().toLowerCase() === home.toLowerCase()) {
      hints.push(
        `You are a guest in the server's tenant, so your role is your guest UPN there (${example}), not your home address ${home}. Use that #EXT# name as the username (quote it in psql because of the #).`,
      );
    } else if (!isGuestUpn(u)) {
      hints.push(`Guests log in with their full guest UPN in the server's tenant (${example}) or the exact display name of a group they belong to — never their home address.`);
    }
    hints.push(
      "A guest must sign in to the server's tenant, not their home tenant: pgentra login --tenant <the server's tenant id or domain> (in the app: sign in with that tenant), then use that account in the profile.",
    );
    if (/\s/.test(u.trim())) hints.push(`"${u}" contains spaces: that is fine for an Entra group's display name (pgEntra quotes it), but a UPN never has spaces.`);
    return hints;
  }

  if (upn) {
    const guest = isGuestUpn(upn);
    const home = guest ? guestHomeAddress(upn) : undefined;
    if (u === upn) {
      // Exact match: nothing to fix.
    } else if (u.toLowerCase() === upn.toLowerCase()) {
      hints.push(`"${u}" differs from your sign-in name ${upn} only in upper/lower case. Role names are case-sensitive: use ${upn} exactly.`);
    } else if (guest && home && u.toLowerCase() === home.toLowerCase()) {
      hints.push(`You are a guest in this tenant, so your role name is your full guest UPN ${upn}, not your home address ${u}. Use ${upn} as the username (quote it in psql because of the #).`);
    } else {
      hints.push(`Your account signs in as ${upn}; use that UPN as the username, or the exact display name of an Entra group you belong to (case-sensitive).`);
      if (guest) {
        hints.push(`${upn} is a guest (#EXT#) account: its role name is that full UPN including #EXT#${home ? `, not ${home}` : ''}.`);
      }
    }
  } else if (isGuestUpn(u)) {
    hints.push(`"${u}" is a guest (#EXT#) UPN: it must match the guest account's UPN in this tenant exactly, including #EXT# and case.`);
  } else if (guestHomeAddress(u) === undefined && /@/.test(u) && /[A-Z]/.test(u)) {
    hints.push(`Role names are case-sensitive: "${u}" must match the UPN exactly as Entra shows it.`);
  }

  if (expected && u !== expected && u !== upn) {
    hints.push(
      u.toLowerCase() === expected.toLowerCase()
        ? `"${u}" differs from this identity's role name ${expected} only in upper/lower case. Role names are case-sensitive: use ${expected} exactly.`
        : `This identity's token is for ${expected}; use that as the username, or the exact display name of an Entra group it belongs to.`,
    );
  }

  if (/\s/.test(u.trim()) && !hints.some((h) => h.includes('spaces'))) {
    hints.push(`"${u}" contains spaces: that is fine for an Entra group's display name (pgEntra quotes it), but a UPN never has spaces.`);
  }
  return hints;
}
