// `pgentra proxy PROFILE…`: the local Entra auth proxy. By default a Unix socket in a folder only
// your OS user can open; loopback TCP on request (Linux refuses other OS users by the socket's
// owner; elsewhere a local password, checked with SCRAM-SHA-256). The proxy signs in with a fresh
// Entra token per client connection. Runs until Ctrl+C / SIGTERM, then closes gracefully.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { PgEntraError } from '../../../shared/errors.js';
import type { TokenProvider } from '../../auth/tokenProvider.js';
import { createLogger, fileSink, streamSink, type LogSink, type Logger } from '../../log/logger.js';
import { logsDir } from '../../base/paths.js';
import { ensurePrivateDir, writeFileAtomic } from '../../base/atomicFile.js';
import { bool, str, type CommandDefinition, type ParsedArgs } from '../command.js';
import { EXIT } from '../exitCodes.js';

/** Holds the per-run random password while the proxy runs (0600, removed at exit). */
export const PASSWORD_FILE_NAME = 'proxy-password';

const HELP = `Usage: pgentra proxy PROFILE [PROFILE...] [--unix-socket DIR | --tcp | --address IP]
                     [--port N] [--require-password | --no-password] [--allow-remote]
                     [--allow-user NAME]... [--max-clients N] [--shutdown-timeout SECS]

Runs a local PostgreSQL endpoint per server profile. psql, pgbench, DBeaver, ORMs … connect
to it; for every client connection the proxy fetches a fresh Microsoft Entra token and signs
in to the server as the profile's user over verified TLS. Prints one ready line per profile
with a connection string, then runs until Ctrl+C or SIGTERM.

Only you may use it. By default it listens on a Unix socket in a folder only your OS user can
open (0700, socket 0600): $XDG_RUNTIME_DIR/pgentra, else <data folder>/run, else
/tmp/pgentra-<uid>; connect with host=<that folder> and no password.
With --tcp (or --port / --address) it listens on loopback TCP instead. On Linux the proxy then
looks up which OS user owns each connecting socket and refuses other users (FATAL 28000); on
macOS and Windows, where that is impossible, TCP needs a local password: a random one is made
for each run, printed once and written (0600) to <data folder>/${PASSWORD_FILE_NAME} for tools,
unless you pass --no-password. Local passwords are checked with SCRAM-SHA-256, so the password
never crosses the wire, and before anything else is answered.

User name: clients connect as the profile's username (or leave user empty). Another name is
refused unless listed with --allow-user (e.g. a second Entra group of the same account).

Options:
  --unix-socket DIR     the socket folder (default above); the socket is DIR/.s.PGSQL.<port>
  --tcp                 loopback TCP on 127.0.0.1 instead of the Unix socket
  --address IP          TCP listen address (implies --tcp; default 127.0.0.1); a non-loopback
                        address needs --allow-remote and --require-password
  --port N              port (one profile only; 0 = any free TCP port). Given without
                        --unix-socket it implies --tcp. Default: 6432 and up, remembered per
                        profile in proxy-ports.json; if the remembered port is taken by another
                        program the proxy stops and says so (it never silently moves)
  --require-password    clients must give a local password: PGENTRA_PROXY_PASSWORD if set,
                        otherwise a random one printed at start and written (0600) to
                        <data folder>/${PASSWORD_FILE_NAME} while the proxy runs
  --no-password         TCP without a password where the OS-user check is impossible
                        (macOS, Windows): every local user gets your Entra identity
  --allow-remote        allow a non-loopback --address (needs --require-password; traffic
                        to the proxy is not encrypted: use a firewall)
  --allow-user NAME     also accept this user name (repeatable)
  --max-clients N       at most N connections at once of yours and of clients that gave the
                        password (default 100); more are refused with "sorry, too many
                        clients already". Clients still to give the password wait outside
                        it: at most N/4 (at least 2) per OS user or address, N in all
  --shutdown-timeout S  on Ctrl+C/SIGTERM wait this long for open connections (default 30)

Limits: another OS user is refused as its TCP connection is accepted (Linux), before it
counts. A client must finish its startup and local authentication within 10 s (60 s
including the sign-in to the server); one SSLRequest and one GSSENCRequest per connection.
Every password is checked as it arrives and a correct one is answered at once; a wrong one's
answer is held 0.5 s, 1 s, 2 s, 4 s, then 8 s per OS user or address (all loopback addresses
are one), its connection keeping its place meanwhile. Refusals are logged once per source,
then as counts.

Examples:
  pgentra proxy prod-db
  psql "host=$XDG_RUNTIME_DIR/pgentra port=6432 dbname=postgres user=db-admins"
  pgentra proxy prod-db --tcp
  psql "host=127.0.0.1 port=6432 dbname=postgres user=db-admins sslmode=disable"
  PGENTRA_PROXY_PASSWORD=… pgentra proxy prod-db --tcp --require-password`;

export interface ProxyCommandDeps {
  /** Token source; default the CLI's token broker. */
  tokenProvider?: TokenProvider;
  /** Extra log sinks (tests capture the log). */
  logSinks?: LogSink[];
}

const MAX_PORT = 65535;

function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > MAX_PORT) throw new PgEntraError('invalid_input', `--port must be a whole number from 0 (any free port) to ${MAX_PORT}, not "${v}".`);
  return n;
}

function strings(v: ParsedArgs['values'][string]): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

function positiveInt(v: string | undefined, name: string, def: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > max) throw new PgEntraError('invalid_input', `${name} must be a whole number from 1 to ${max}, not "${v}".`);
  return n;
}

export function createProxyCommand(deps: ProxyCommandDeps = {}): CommandDefinition {
  return {
    name: 'proxy',
    longRunning: true,
    summary: 'Local PostgreSQL endpoint, private to your OS user, that signs in with Entra tokens',
    help: HELP,
    allowPositionals: true,
    options: {
      address: { type: 'string' },
      port: { type: 'string' },
      tcp: { type: 'boolean' },
      'unix-socket': { type: 'string' },
      'allow-remote': { type: 'boolean' },
      'require-password': { type: 'boolean' },
      'no-password': { type: 'boolean' },
      'allow-user': { type: 'string', multiple: true },
      'max-clients': { type: 'string' },
      'shutdown-timeout': { type: 'string' },
    },
    async run(ctx, { values, positionals }) {
      const [{ openProfileStore }, proxy, { readyLine }] = await Promise.all([import('../../profiles/profileAccess.js'), import('../../proxy/index.js'), import('../../proxy/connectionString.js')]);
      if (positionals.length === 0) throw new PgEntraError('invalid_input', 'Name at least one server profile to proxy.', { hint: 'See pgentra proxy --help.' });
      const addressArg = str(values.address);
      const portArg = str(values.port);
      const unixSocketArg = str(values['unix-socket']);
      const allowRemote = bool(values['allow-remote']);
      const requirePassword = bool(values['require-password']);
      const noPassword = bool(values['no-password']);
      if (unixSocketArg !== undefined && (bool(values.tcp) || addressArg !== undefined)) {
        throw new PgEntraError('invalid_input', '--unix-socket cannot be combined with --tcp or --address.', { hint: 'Choose one endpoint: the Unix socket (default) or TCP.' });
      }
      // TCP only when asked for; otherwise the private Unix socket (not on Windows).
      const tcp = !proxy.UNIX_SOCKETS_SUPPORTED || bool(values.tcp) || addressArg !== undefined || (portArg !== undefined && unixSocketArg === undefined);
      const address = addressArg ?? proxy.DEFAULT_PROXY_ADDRESS;
      // Refuse a remote address before anything else happens.
      const decision = proxy.checkListenAddress(address, allowRemote);
      if (allowRemote && !requirePassword) {
        throw new PgEntraError('invalid_input', '--allow-remote requires --require-password: otherwise anyone who reaches the address gets a session as your Entra identity.', {
          hint: 'Add --require-password (with PGENTRA_PROXY_PASSWORD, or let the proxy print a random password).',
        });
      }
      if (requirePassword && noPassword) throw new PgEntraError('invalid_input', '--require-password and --no-password exclude each other.');
      const port = portArg !== undefined ? parsePort(portArg) : undefined;
      if (port === 0 && !tcp) throw new PgEntraError('invalid_input', '--port 0 cannot name a Unix socket; give a port number.');
      if (port !== undefined && positionals.length > 1) throw new PgEntraError('invalid_input', '--port applies to one profile; with several, ports are assigned from 6432 and remembered.');
      const unixSocketDir = tcp ? undefined : path.resolve(ctx.cwd, unixSocketArg ?? proxy.defaultSocketDir(ctx.dataDir, ctx.env));
      const timeoutArg = str(values['shutdown-timeout']);
      const shutdownSeconds = timeoutArg === undefined ? 30 : Number(timeoutArg);
      if (!Number.isFinite(shutdownSeconds) || shutdownSeconds < 0 || shutdownSeconds > 3600) throw new PgEntraError('invalid_input', '--shutdown-timeout must be a number of seconds from 0 to 3600.');
      const maxClients = positiveInt(str(values['max-clients']), '--max-clients', proxy.DEFAULT_MAX_CLIENTS, 10_000);
      const ownerCheck = tcp && proxy.PEER_OWNER_CHECK_SUPPORTED;

      const store = openProfileStore(ctx.dataDir);
      const profiles = [];
      for (const name of positionals) profiles.push(await store.get(name));
      if (new Set(profiles.map((p) => p.id)).size !== profiles.length) throw new PgEntraError('invalid_input', 'The same profile is named twice.');

      // A password when asked for, and on TCP where the OS cannot tell us who connects (unless opted out).
      let password: string | undefined;
      let generated = false;
      if (requirePassword || (tcp && !ownerCheck && !noPassword)) {
        password = ctx.env.PGENTRA_PROXY_PASSWORD || undefined;
        if (password === undefined) {
          password = randomBytes(24).toString('base64url');
          generated = true;
        }
      }
      let optOutWarning: string | undefined;
      if (noPassword && tcp && !ownerCheck) {
        optOutWarning = `WARNING: --no-password on ${process.platform}: the proxy cannot tell which OS user connects over TCP, so every local user (and every local program) gets a database session as your Entra identity.`;
      }

      // Ports: given, or remembered per profile (6432 and up) so saved connection strings keep working.
      let ports: Map<string, number>;
      if (port !== undefined) {
        ports = new Map([[(profiles[0] as (typeof profiles)[number]).id, port]]);
      } else {
        const registry = new proxy.PortRegistry(ctx.dataDir);
        // A Unix socket is named after the port but takes no TCP port, so nothing can be busy.
        ports = unixSocketDir
          ? await registry.assign(profiles.map((p) => p.id))
          : await registry.assignFree(
              profiles.map((p) => p.id),
              decision.address,
            );
      }

      const sinks: LogSink[] = [fileSink(logsDir(ctx.dataDir), 'proxy'), ...(deps.logSinks ?? [])];
      if (ctx.global.verbose) sinks.push(streamSink(ctx.stderr));
      const logger: Logger = createLogger({ level: ctx.global.verbose ? 'debug' : 'info', sinks, scope: 'proxy' });
      const tokenProvider = deps.tokenProvider ?? (await ctx.services.broker());
      const allowedUsers = strings(values['allow-user']);
      const running = await proxy.startProxy({
        routes: profiles.map((p) => ({ profile: p, port: ports.get(p.id) as number, ...(unixSocketDir ? { unixSocketDir } : {}), ...(allowedUsers.length ? { allowedUsers } : {}) })),
        address: decision.address,
        allowRemote,
        tokenProvider,
        logger,
        dataDir: ctx.dataDir,
        shutdownTimeoutMs: shutdownSeconds * 1000,
        maxClients,
        ownerCheck,
        ...(noPassword ? { noPassword } : {}),
        ...(password !== undefined ? { requirePassword: password } : {}),
      });
      const passwordFile = path.join(ctx.dataDir, PASSWORD_FILE_NAME);
      try {
        if (running.warning) ctx.stderr.write(`\n${running.warning}\n\n`);
        if (optOutWarning) {
          logger.warn(optOutWarning);
          ctx.stderr.write(`\n${optOutWarning}\n\n`);
        }
        if (generated && password !== undefined) {
          await ensurePrivateDir(ctx.dataDir);
          await writeFileAtomic(passwordFile, password + '\n');
        }
        for (const l of running.listeners) ctx.stdout.write(readyLine(l) + '\n');
        if (generated && password !== undefined) {
          // Printed once, for this run only; never logged.
          ctx.stderr.write(`Local proxy password for this run: ${password}\n(also in ${passwordFile}, readable only by you, until the proxy stops: PGPASSWORD=$(cat ${passwordFile}) psql …)\n`);
        } else if (password !== undefined) {
          ctx.stderr.write('Clients must give the proxy password (PGENTRA_PROXY_PASSWORD): PGPASSWORD or their password prompt.\n');
        } else if (ownerCheck) {
          ctx.stderr.write('TCP: connections from other OS users are refused.\n');
        }
        ctx.stderr.write('Press Ctrl+C to stop.\n');

        // main.ts aborts ctx.signal on SIGINT and SIGTERM.
        await new Promise<void>((resolve) => {
          if (ctx.signal.aborted) return resolve();
          ctx.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        ctx.stderr.write('pgentra proxy: stopping — waiting for open connections to finish…\n');
        await running.close(true);
      } finally {
        await running.close(false);
        if (generated) await rm(passwordFile, { force: true });
      }
      const s = running.stats();
      ctx.stderr.write(`pgentra proxy: stopped after ${s.accepted} connection(s) (${s.failed} refused or failed).\n`);
      return EXIT.ok;
    },
  };
}

export const command: CommandDefinition = createProxyCommand();
