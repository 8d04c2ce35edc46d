// `pgentra proxy PROFILE…`: the local Entra auth proxy. Any PostgreSQL client connects to
// 127.0.0.1 (or a Unix socket) with no password; the proxy signs in with a fresh Entra token.
// Runs until Ctrl+C / SIGTERM, then closes gracefully.
import { PgEntraError } from '../../../shared/errors.js';
import type { TokenProvider } from '../../auth/tokenProvider.js';
import { createLogger, fileSink, streamSink, type LogSink, type Logger } from '../../log/logger.js';
import { logsDir } from '../../paths.js';
import { bool, str, type CommandDefinition, type ParsedArgs } from '../command.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exitCodes.js';

const HELP = `Usage: pgentra proxy PROFILE [PROFILE...] [--address 127.0.0.1] [--port N]
                     [--unix-socket DIR] [--allow-remote] [--require-password]
                     [--allow-user NAME]... [--shutdown-timeout SECS]

Runs a local PostgreSQL endpoint per server profile. psql, pgbench, DBeaver, ORMs … connect
to it without a password; for every client connection the proxy fetches a fresh Microsoft
Entra token and signs in to the server as the profile's user over verified TLS. Prints one
ready line per profile with a connection string, then runs until Ctrl+C or SIGTERM.

User name: clients connect as the profile's username (or leave user empty). Another name is
refused unless listed with --allow-user (e.g. a second Entra group of the same account).

Options:
  --address IP          listen address (default 127.0.0.1); a non-loopback address is
                        refused unless --allow-remote is given
  --port N              local port (one profile only; 0 = any free port). Default: 6432 and up, remembered
                        per profile in proxy-ports.json in the data folder
  --unix-socket DIR     listen on DIR/.s.PGSQL.<port> instead of TCP (DIR is made 0700,
                        the socket 0600): only your OS user can connect
  --allow-remote        allow a non-loopback --address (traffic to the proxy is not
                        encrypted; use --require-password and a firewall)
  --require-password    clients must give a local password (from PGENTRA_PROXY_PASSWORD,
                        else prompted); use on shared machines — any local user can
                        reach a loopback port
  --allow-user NAME     also accept this user name (repeatable)
  --shutdown-timeout S  on Ctrl+C/SIGTERM wait this long for open connections (default 30)

Examples:
  pgentra proxy prod-db
  psql "host=127.0.0.1 port=6432 dbname=postgres user=db-admins sslmode=disable"
  PGENTRA_PROXY_PASSWORD=… pgentra proxy prod-db --require-password`;

export interface ProxyCommandDeps {
  /** Token source; default the CLI's token broker. */
  tokenProvider?: TokenProvider;
  /** Extra log sinks (tests capture the log). */
  logSinks?: LogSink[];
  /** Hidden password prompt; default reads the terminal. */
  promptPassword?: (ctx: CliContext) => Promise<string>;
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

/** Reads a line from the terminal without echo. */
async function promptFromTerminal(ctx: CliContext): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    throw new PgEntraError('invalid_input', '--require-password needs a password: set PGENTRA_PROXY_PASSWORD (there is no terminal to ask).', {
      hint: 'Never pass it as an argument: other users could see it in ps.',
    });
  }
  ctx.stderr.write('Local password clients must give to the proxy: ');
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: Buffer): void => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            ctx.stderr.write('\n');
            return resolve(value);
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            return reject(new PgEntraError('sign_in_cancelled', 'Cancelled.'));
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}


function unixSocketDirGiven(values: ParsedArgs['values']): boolean {
  return str(values['unix-socket']) !== undefined;
}

export function createProxyCommand(deps: ProxyCommandDeps = {}): CommandDefinition {
  return {
    name: 'proxy',
    longRunning: true,
    summary: 'Local PostgreSQL endpoint that signs in with Entra tokens (no password for clients)',
    help: HELP,
    allowPositionals: true,
    options: {
      address: { type: 'string' },
      port: { type: 'string' },
      'unix-socket': { type: 'string' },
      'allow-remote': { type: 'boolean' },
      'require-password': { type: 'boolean' },
      'allow-user': { type: 'string', multiple: true },
      'shutdown-timeout': { type: 'string' },
    },
    async run(ctx, { values, positionals }) {
      const [{ openProfileStore }, proxy, { readyLine }] = await Promise.all([
        import('../../profiles/profileAccess.js'),
        import('../../proxy/index.js'),
        import('../../proxy/connectionString.js'),
      ]);
      if (positionals.length === 0) throw new PgEntraError('invalid_input', 'Name at least one server profile to proxy.', { hint: 'See pgentra proxy --help.' });
      const address = str(values.address) ?? proxy.DEFAULT_PROXY_ADDRESS;
      const allowRemote = bool(values['allow-remote']);
      // Refuse a remote address before anything else happens.
      const decision = proxy.checkListenAddress(address, allowRemote);
      const portArg = str(values.port);
      const port = portArg !== undefined ? parsePort(portArg) : undefined;
      if (port === 0 && unixSocketDirGiven(values)) throw new PgEntraError('invalid_input', '--port 0 cannot name a Unix socket; give a port number.');
      if (port !== undefined && positionals.length > 1) throw new PgEntraError('invalid_input', '--port applies to one profile; with several, ports are assigned from 6432 and remembered.');
      const unixSocketDir = str(values['unix-socket']);
      const timeoutArg = str(values['shutdown-timeout']);
      const shutdownSeconds = timeoutArg === undefined ? 30 : Number(timeoutArg);
      if (!Number.isFinite(shutdownSeconds) || shutdownSeconds < 0 || shutdownSeconds > 3600) throw new PgEntraError('invalid_input', '--shutdown-timeout must be a number of seconds from 0 to 3600.');

      const store = openProfileStore(ctx.dataDir);
      const profiles = [];
      for (const name of positionals) profiles.push(await store.get(name));
      if (new Set(profiles.map((p) => p.id)).size !== profiles.length) throw new PgEntraError('invalid_input', 'The same profile is named twice.');

      let password: string | undefined;
      if (bool(values['require-password'])) {
        password = ctx.env.PGENTRA_PROXY_PASSWORD || (await (deps.promptPassword ?? promptFromTerminal)(ctx));
        if (!password) throw new PgEntraError('invalid_input', 'The proxy password must not be empty.');
      }

      // Ports: given, or remembered per profile (6432 and up) so saved connection strings keep working.
      let ports: Map<string, number>;
      if (port !== undefined) {
        ports = new Map([[(profiles[0] as (typeof profiles)[number]).id, port]]);
      } else {
        const registry = new proxy.PortRegistry(ctx.dataDir);
        // A Unix socket is named after the port but takes no TCP port, so nothing can be busy.
        ports = unixSocketDir ? await registry.assign(profiles.map((p) => p.id)) : await registry.assignFree(profiles.map((p) => p.id), decision.address);
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
        shutdownTimeoutMs: shutdownSeconds * 1000,
        ...(password !== undefined ? { requirePassword: password } : {}),
      });
      if (running.warning) ctx.stderr.write(`\n${running.warning}\n\n`);
      for (const l of running.listeners) ctx.stdout.write(readyLine(l) + '\n');
      if (password !== undefined) ctx.stderr.write('Clients must give the proxy password (PGPASSWORD or their password prompt).\n');
      ctx.stderr.write('Press Ctrl+C to stop.\n');

      // main.ts aborts ctx.signal on SIGINT and SIGTERM.
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) return resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      ctx.stderr.write('pgentra proxy: stopping — waiting for open connections to finish…\n');
      await running.close(true);
      const s = running.stats();
      ctx.stderr.write(`pgentra proxy: stopped after ${s.accepted} connection(s) (${s.failed} refused or failed).\n`);
      return EXIT.ok;
    },
  };
}

export const command: CommandDefinition = createProxyCommand();
