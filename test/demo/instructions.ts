// What the demo prints once everything runs: short, copy-pasteable, honest about what is
// simulated. Pure text from facts, so it can be tested without starting anything.
import { quotePosix, shellQuoted } from '../../shared/shellQuote.js';
import { conninfoFor, conninfoValue } from '../../electron/proxy/connectionString.js';
import type { ProxyListener } from '../../electron/proxy/index.js';

export interface DemoFacts {
  root: string;
  dataDir: string;
  cliBin: string;
  profileName: string;
  upn: string;
  authorityHost: string;
  tenantDomain: string;
  server: { host: string; port: number; database: string; username: string };
  caFile: string;
  listener: Pick<ProxyListener, 'address' | 'port' | 'database' | 'username'>;
  /** The exported servers.json (only with the keychain: its password command is `pgentra token`). */
  pgadminFile?: string;
  tokenLifetimeSeconds: number;
  /** The sign-in is in the OS keychain (demo-only entry): other processes (pgentra, the app) can use it. */
  keychain: boolean;
  /** Why the sign-in is memory-only, when it is. */
  memoryOnlyReason?: string;
  /** "opened …" or why not. */
  app: { opened: true } | { opened: false; reason: string };
  exitWithApp: boolean;
}

/** `PGENTRA_HOME=… node /abs/electron/cli/bin.mjs` — the CLI on the demo's data. */
export function pgentraPrefix(f: Pick<DemoFacts, 'dataDir' | 'cliBin'>): string {
  return `PGENTRA_HOME=${quotePosix(f.dataDir)} node ${quotePosix(f.cliBin)}`;
}

export function proxyPsqlCommand(f: Pick<DemoFacts, 'listener'>): string {
  return `psql ${shellQuoted(conninfoFor(f.listener))}`;
}

export function pgentraPsqlCommand(f: DemoFacts): string {
  return `${pgentraPrefix(f)} psql ${quotePosix(f.profileName)}`;
}

export function tokenPsqlCommand(f: DemoFacts): string {
  const s = f.server;
  const conninfo = `host=${conninfoValue(s.host)} port=${s.port} dbname=${conninfoValue(s.database)} user=${conninfoValue(s.username)} sslmode=verify-full sslrootcert=${conninfoValue(f.caFile)}`;
  return `PGPASSWORD="$(${pgentraPrefix(f)} token ${quotePosix(f.profileName)})" psql ${shellQuoted(conninfo)}`;
}

function lifetime(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

export const READY_LINE = 'Ready. Press Ctrl+C to stop the demo and remove its files.';

export function demoInstructions(f: DemoFacts): string {
  const s = f.server;
  const lines: string[] = [
    '',
    'pgEntra demo — Azure is simulated on this machine; pgEntra itself is the real thing.',
    '',
    `  Entra ID (simulated)        ${f.authorityHost}  tenant ${f.tenantDomain}`,
    `  Flexible server (simulated) ${s.host}:${s.port}  a real PostgreSQL that checks Entra tokens like Azure`,
    `  Signed in                   ${f.upn} (the secondary admin ID; the simulator approved it, no browser)`,
    `  Server profile              "${f.profileName}": user ${s.username} (an Entra group), database ${s.database}`,
    `  Local auth proxy            ${f.listener.address}:${f.listener.port}`,
    `  Desktop app                 ${f.app.opened ? `opened on this profile${f.exitWithApp ? ' (closing it ends the demo)' : ''}` : `not opened: ${f.app.reason}`}`,
    '',
    'Try it from another terminal (POSIX shell):',
    '',
    '  1. psql through the proxy: no password, the proxy signs in with a fresh token',
    `     ${proxyPsqlCommand(f)}`,
    '',
  ];
  if (f.keychain && f.pgadminFile) {
    lines.push(
      '  2. pgentra starts psql with a fresh token',
      `     ${pgentraPsqlCommand(f)}`,
      '',
      '  3. the token as a password, for any client (it never appears on screen)',
      `     ${tokenPsqlCommand(f)}`,
      '',
      `  4. pgAdmin: File → Import Servers… ${f.pgadminFile}`,
      '     (its password command runs pgentra token; leave "Save password" unticked)',
      '',
    );
  } else {
    lines.push(
      `  The sign-in is kept in this process's memory only (${f.memoryOnlyReason ?? 'no keychain'}), so`,
      '  `pgentra token` / `pgentra psql` in another process cannot use it: use the proxy above.',
      `  pgAdmin: add a server ${f.listener.address} port ${f.listener.port}, user ${f.listener.username}, SSL mode disable,`,
      '  no password (through the proxy).',
      '',
    );
  }
  lines.push(
    `Tokens last ${lifetime(f.tokenLifetimeSeconds)} here; every command fetches a fresh one when needed.`,
    f.keychain ? 'The sign-in is in your OS keychain under a demo-only entry, deleted when the demo stops.' : 'Nothing is written to your OS keychain.',
    `Demo files: ${f.root} (removed on exit). Your own pgEntra profiles and sign-ins are not touched.`,
    '',
    READY_LINE,
    '',
  );
  return lines.join('\n');
}
