// Where an Entra token may be sent. A token is a password for every Azure PostgreSQL server the
// account can reach, so it goes only to hosts in the cloud's PostgreSQL domains and only over
// verify-full TLS — unless the user confirmed the exception for this exact host / mode. The
// built-in clouds' domains come from shared/clouds.ts (see postgresDomainsFor in shared/profile.ts).
import { fieldError, type ProfileFieldError } from './fieldErrors.js';
import type { ProfileConfirmations, SslMode } from './fields.js';

function normalizeDomain(d: string): string {
  return d.trim().toLowerCase();
}

/** A custom cloud file's `postgresDomains` as the checks use them: blanks dropped, trimmed, lowercase. */
export function customPostgresDomains(customDomains?: readonly string[]): string[] {
  return (customDomains ?? []).filter((d) => d.trim() !== '').map(normalizeDomain);
}

/**
 * `.postgres.database.azure.com` (leading dot) matches its subdomains only; `localhost` (no dot,
 * as a custom cloud file may list) matches that host and its subdomains.
 */
export function isHostInDomains(host: string, domains: readonly string[]): boolean {
  const h = host.toLowerCase();
  return domains.some((d) => {
    const dom = normalizeDomain(d);
    if (dom.startsWith('.')) return h.endsWith(dom) && h.length > dom.length;
    return h === dom || h.endsWith(`.${dom}`);
  });
}

/**
 * The two safety confirmations, given the PostgreSQL domains of the profile's cloud: a host
 * outside them needs `nonAzureHost`, a mode weaker than verify-full needs `weakerTls`.
 */
export function confirmationErrors(p: { host: string; sslmode: SslMode; confirmations: ProfileConfirmations }, domains: readonly string[]): ProfileFieldError[] {
  const errors: ProfileFieldError[] = [];
  if (!isHostInDomains(p.host, domains) && p.confirmations.nonAzureHost !== true) {
    const where = domains.length ? `outside ${domains.map((d) => `*${d}`).join(', ')}` : 'and the custom cloud file lists no PostgreSQL domains';
    errors.push(
      fieldError(
        'host',
        `${p.host} is ${where}. pgEntra would send it your Entra access token, and whoever runs that host could replay the token against every Azure PostgreSQL server you can reach. Connect only if you trust it, and confirm "Send my Entra token to a non-Azure host".`,
        'confirmation_required',
      ),
    );
  }
  if (p.sslmode !== 'verify-full' && p.confirmations.weakerTls !== true) {
    errors.push(
      fieldError(
        'sslmode',
        `${p.sslmode} does not check that the certificate belongs to ${p.host}${p.sslmode === 'require' ? ' (or that it is signed by a trusted CA)' : ''}, so a machine in the middle could receive your Entra token. Use verify-full, or confirm "Use weaker TLS".`,
        'confirmation_required',
      ),
    );
  }
  return errors;
}
