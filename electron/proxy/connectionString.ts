// The copyable connection strings printed when the proxy is ready.
import { shellQuoted } from '../../shared/shellQuote.js';
import type { ProxyListener } from './index.js';

/** libpq conninfo value: single-quoted with backslash escapes when it has spaces, quotes or backslashes. */
export function conninfoValue(v: string): string {
  return v !== '' && /^[^\s'\\]+$/.test(v) ? v : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `host=127.0.0.1 port=6432 dbname=postgres user=db-admins sslmode=disable` (host = the socket directory for a Unix socket). */
export function conninfoFor(l: Pick<ProxyListener, 'address' | 'port' | 'database' | 'username'>): string {
  return `host=${conninfoValue(l.address)} port=${l.port} dbname=${conninfoValue(l.database)} user=${conninfoValue(l.username)} sslmode=disable`;
}

export function readyLine(l: ProxyListener): string {
  const where = l.unixSocketPath ?? `${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`;
  return `pgentra proxy: "${l.profileName}" ready on ${where} as ${l.username} — psql ${shellQuoted(conninfoFor(l))}`;
}
