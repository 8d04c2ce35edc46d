// pg_service.conf sections for profiles, so any libpq client can use
//   PGPASSWORD=$(pgentra token NAME) psql "service=NAME"
// The file never holds a password: libpq has no password-command hook, the token goes in PGPASSWORD.
import type { Profile } from '../../shared/profile.js';

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
}

/** One line per setting; libpq takes the value verbatim to the end of the line (no quoting). */
export function buildPgServiceConf(profiles: readonly Profile[], opts: PgServiceOptions): string {
  const used = new Set<string>();
  const out: string[] = ['# pg_service.conf written by pgEntra. No passwords: put a fresh Entra token in PGPASSWORD, e.g.', '#   PGPASSWORD="$(pgentra token PROFILE)" psql "service=SERVICE"   (each section names its profile)', ''];
  for (const p of profiles) {
    let name = serviceNameFor(p.name);
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${serviceNameFor(p.name)}-${n}`;
    used.add(name.toLowerCase());
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
  }
  return out.join('\n');
}
