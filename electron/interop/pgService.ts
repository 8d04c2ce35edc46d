// pg_service.conf sections for profiles, so any libpq client can use
//   PGPASSWORD=$(pgentra token NAME) psql "service=NAME"
// or, through the local pgEntra proxy (`pgentra proxy NAME`), plain `psql "service=NAME"`.
// The file never holds a password: libpq has no password-command hook, the token goes in PGPASSWORD
// (direct) or the proxy adds it (via proxy).
import type { Profile } from '../../shared/profile.js';
import { preflight } from '../connect/preflight.js';

/** libpq reads `[name]` up to the first `]`; keep names to a portable set. */
export function serviceNameFor(profileName: string): string {
  const s = profileName
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s || 'pgentra';
}

export interface PgServiceOptions {
  sslRootCertFor(profile: Profile): string;
  /** pgEntra's data folder: every profile then passes the connection pre-flight first (custom cloud consent, host policy, TLS). */
  dataDir?: string;
}

export interface PgServiceProxyOptions {
  /** The local proxy port of the profile (the one `pgentra proxy` remembers for it). */
  proxyPortFor(profile: Profile): number;
  /** The proxy's listen address; default 127.0.0.1. */
  address?: string;
}

/** Section names, unique ignoring case, in profile order. */
function serviceNames(profiles: readonly Profile[]): string[] {
  const used = new Set<string>();
  return profiles.map((p) => {
    let name = serviceNameFor(p.name);
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${serviceNameFor(p.name)}-${n}`;
    used.add(name.toLowerCase());
    return name;
  });
}

/** One line per setting; libpq takes the value verbatim to the end of the line (no quoting). */
export function buildPgServiceConf(profiles: readonly Profile[], opts: PgServiceOptions): string {
  if (opts.dataDir !== undefined) for (const p of profiles) preflight(p, { dataDir: opts.dataDir });
  const out: string[] = [
    '# pg_service.conf written by pgEntra. No passwords: put a fresh Entra token in PGPASSWORD, e.g.',
    '#   PGPASSWORD="$(pgentra token PROFILE)" psql "service=SERVICE"   (each section names its profile)',
    '',
  ];
  const names = serviceNames(profiles);
  profiles.forEach((p, i) => {
    const name = names[i] as string;
    out.push(
      `# pgEntra profile "${p.name}" (id ${p.id}): PGPASSWORD="$(pgentra token ${p.id})" psql "service=${name}"`,
      `[${name}]`,
      `host=${p.host}`,
      `port=${p.port}`,
      `dbname=${p.database}`,
      `user=${p.username}`,
      `sslmode=${p.sslmode}`,
      `sslrootcert=${opts.sslRootCertFor(p)}`,
      `connect_timeout=${p.connectTimeoutSeconds}`,
      `application_name=${p.applicationName}`,
      '',
    );
  });
  return out.join('\n');
}

/**
 * Sections that point at the local pgEntra proxy. The hop from the client to the proxy is
 * loopback, so sslmode=disable and no sslrootcert; the proxy signs in to the server over
 * verified TLS with a fresh token, so there is no password anywhere.
 */
export function buildProxyPgServiceConf(profiles: readonly Profile[], opts: PgServiceProxyOptions): string {
  const address = opts.address ?? '127.0.0.1';
  const out: string[] = [
    '# pg_service.conf written by pgEntra: connections through the local pgEntra proxy (no password).',
    '# Start the proxy first, e.g.  pgentra proxy PROFILE   (each section names its profile)',
    '',
  ];
  const names = serviceNames(profiles);
  profiles.forEach((p, i) => {
    const name = names[i] as string;
    out.push(
      `# pgEntra profile "${p.name}" (id ${p.id}) via the proxy: pgentra proxy ${p.id}   then   psql "service=${name}"`,
      `[${name}]`,
      `host=${address}`,
      `port=${opts.proxyPortFor(p)}`,
      `dbname=${p.database}`,
      `user=${p.username}`,
      // Loopback to the proxy; the proxy → server hop keeps the profile's verified TLS.
      'sslmode=disable',
      `connect_timeout=${p.connectTimeoutSeconds}`,
      `application_name=${p.applicationName}`,
      '',
    );
  });
  return out.join('\n');
}
