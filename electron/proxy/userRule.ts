// Which PostgreSQL user a client may connect as through the proxy.
//
// The rule: the proxy signs in upstream as the profile's username (a UPN, group or identity
// name) with the profile's credential. A client that sends
//   - the profile's username exactly (case-sensitive, like PostgreSQL roles), or
//   - a username listed in the route's `allowedUsers` (e.g. another Entra group the same
//     identity is a member of)
// is signed in as that user. Anything else is refused with an ErrorResponse that names the
// expected user. We do not silently replace a foreign name: libpq defaults `user` to the OS login
// name, and quietly mapping "postgres" or "alice" to the profile's role would hide mistakes (a
// script thinking it runs as one role while it runs as another).
export type UserDecision = { ok: true; user: string } | { ok: false; expected: string; message: string; hint: string };

export function resolveClientUser(clientUser: string | undefined, profileUsername: string, allowedUsers: readonly string[] = []): UserDecision {
  if (clientUser === undefined || clientUser === '' || clientUser === profileUsername) return { ok: true, user: profileUsername };
  if (allowedUsers.includes(clientUser)) return { ok: true, user: clientUser };
  const others = allowedUsers.length ? ` (or ${allowedUsers.map((u) => `"${u}"`).join(', ')})` : '';
  return {
    ok: false,
    expected: profileUsername,
    message: `pgEntra proxy: this port signs in as "${profileUsername}"${others}, not "${clientUser}"`,
    hint: `Connect with user=${quoteIfNeeded(profileUsername)} (libpq uses your OS login name when no user is given), or start a proxy for a profile with the username "${clientUser}".`,
  };
}

function quoteIfNeeded(u: string): string {
  return /^[A-Za-z0-9_.@-]+$/.test(u) ? u : `'${u.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
