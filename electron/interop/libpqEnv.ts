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

/**
 * libpq variables inherited from the user's shell that `pgentra psql` removes: they were meant for
 * a real server, but psql's server is pgEntra's private endpoint (a Unix socket, or loopback TCP
 * with a one-time SCRAM password; no TLS, no GSS), which decides the transport and the local
 * authentication itself. Left in, they redirect psql (a service, a host address, a password file)
 * or make it refuse the endpoint: PGREQUIREAUTH=scram-sha-256 on the socket ("server did not
 * complete authentication"), PGCHANNELBINDING=require or PGSSLCERTMODE=require without TLS,
 * PGSSLNEGOTIATION=direct or PGSSLROOTCERT=system with the endpoint's sslmode=prefer,
 * PGREQUIREPEER naming another OS user, PGTARGETSESSIONATTRS on one host.
 * Kept: what shapes the session on the real server (PGOPTIONS, PGTZ, PGDATESTYLE,
 * PGCLIENTENCODING, PGGEQO, PostgreSQL 18's PGMIN/MAXPROTOCOLVERSION — the endpoint passes them
 * on) and psql's own files (PGSYSCONFDIR, where its system psqlrc is; PGLOCALEDIR).
 * `pgentra env` does not use this list: its exports are for connecting to the server directly.
 */
export const CONFLICTING_LIBPQ_VARS = [
  // Where to connect and with which password: the endpoint's, set by pgentra psql.
  'PGSERVICE',
  'PGSERVICEFILE',
  'PGHOSTADDR',
  'PGPASSFILE',
  'PGPASSWORD',
  'PGTARGETSESSIONATTRS',
  'PGLOADBALANCEHOSTS',
  // Which authentication psql accepts: the endpoint's is none (socket) or SCRAM without TLS.
  'PGREQUIREAUTH',
  'PGCHANNELBINDING',
  'PGREQUIREPEER',
  'PGGSSENCMODE',
  'PGGSSDELEGATION',
  'PGGSSLIB',
  'PGKRBSRVNAME',
  // TLS to the endpoint never happens (pgEntra does the TLS to Azure): none of these may apply.
  'PGREQUIRESSL',
  'PGSSLNEGOTIATION',
  'PGSSLCERTMODE',
  'PGSSLCERT',
  'PGSSLKEY',
  'PGSSLROOTCERT',
  'PGSSLCRL',
  'PGSSLCRLDIR',
  'PGSSLSNI',
  'PGSSLCOMPRESSION',
  'PGSSLMINPROTOCOLVERSION',
  'PGSSLMAXPROTOCOLVERSION',
] as const;

/** The environment for psql against pgEntra's endpoint: the user's, minus CONFLICTING_LIBPQ_VARS. */
export function psqlEndpointEnv(inherited: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...inherited };
  // Windows environment names are case-insensitive: Pgrequireauth counts as PGREQUIREAUTH.
  const drop = new Set<string>(CONFLICTING_LIBPQ_VARS);
  for (const k of Object.keys(env)) if (drop.has(k.toUpperCase())) delete env[k];
  return env;
}
