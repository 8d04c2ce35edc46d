// libpq environment variables for a profile (psql launcher, `pgentra env`). The token is added
// only by the caller that needs it, and only to a child's environment or on explicit request.
import type { Profile } from '../../shared/profile.js';

export type LibpqEnv = Record<string, string>;

export function libpqEnvFor(profile: Profile, sslRootCert: string): LibpqEnv {
  return {
    PGHOST: profile.host,
    PGPORT: String(profile.port),
    PGDATABASE: profile.database,
    PGUSER: profile.username,
    PGSSLMODE: profile.sslmode,
    PGSSLROOTCERT: sslRootCert,
    PGCONNECT_TIMEOUT: String(profile.connectTimeoutSeconds),
    PGAPPNAME: profile.applicationName,
  };
}

/** libpq variables that would override or confuse ours when inherited from the user's shell. */
export const CONFLICTING_LIBPQ_VARS = ['PGSERVICE', 'PGSERVICEFILE', 'PGHOSTADDR', 'PGPASSFILE', 'PGPASSWORD', 'PGSSLCERT', 'PGSSLKEY', 'PGSSLCRL', 'PGSSLCRLDIR', 'PGREQUIRESSL', 'PGGSSENCMODE'];
