// The one rule that ties `pgentra token` to pgAdmin's password command. pgAdmin starts the
// command, keeps its output as the password and reuses it for new connections until
// PasswordExecExpiration seconds have passed since it started the command (0: runs it for every
// connection, which costs a whole app start each time for an installed app). A token is only
// checked when a connection logs in, so reuse is safe while the token outlives the reuse window:
// `pgentra token` never hands out a token with less than TOKEN_COMMAND_MIN_VALIDITY_SECONDS left,
// and the export tells pgAdmin to reuse it for less than that, with a margin for the login itself.

/** `pgentra token` hands out no token with less than this left (unless --min-validity says otherwise). */
export const TOKEN_COMMAND_MIN_VALIDITY_SECONDS = 300;

/** What the pgAdmin exports write as PasswordExecExpiration: pgAdmin reuses a token this long at most. */
export const PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS = 240;

/** Time a token must still have left when pgAdmin uses it for the last time (login round trips, clock skew). */
export const PASSWORD_EXEC_SAFETY_MARGIN_SECONDS = 60;

/**
 * Whether pgAdmin, reusing a password for `expirationSeconds`, can ever log in with a token that
 * `pgentra token` (at least `minValiditySeconds` left when printed) has let expire.
 */
export function reuseOutlivesToken(expirationSeconds: number, minValiditySeconds = TOKEN_COMMAND_MIN_VALIDITY_SECONDS): boolean {
  return expirationSeconds + PASSWORD_EXEC_SAFETY_MARGIN_SECONDS > minValiditySeconds;
}

if (reuseOutlivesToken(PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS)) {
  throw new Error('PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS must stay a safety margin below TOKEN_COMMAND_MIN_VALIDITY_SECONDS');
}
