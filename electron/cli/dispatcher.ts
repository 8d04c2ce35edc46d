// `pgentra` argument dispatch: global options, command lookup, --help, error → exit code.
// Commands get a CliContext; nothing here knows what a command does.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isBuiltinCloudName } from '../../shared/clouds.js';
import { PgEntraError, isPgEntraError } from '../../shared/errors.js';
import { DEFAULT_SETTINGS, type Settings } from '../../shared/settings.js';
import { createLogger, fileSink, streamSink, type LogSink } from '../log/logger.js';
import { redact, redactError } from '../log/redact.js';
import { dataDir as defaultDataDir, logsDir } from '../base/paths.js';
import { configureTrust } from '../base/trustedRoots.js';
import { printable } from '../net/networkErrors.js';
import type { ProxyResolver } from '../net/proxyConfig.js';
import { readSettings } from '../settings/settingsStore.js';
import type { CommandDefinition, CommandEntry, OptionSpec, ParsedArgs } from './command.js';
import { COMMANDS } from './commands/index.js';
import type { CliContext, GlobalOptions, OutputStream } from './context.js';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from './exitCodes.js';

export const GLOBAL_OPTIONS: OptionSpec = {
  cloud: { type: 'string' },
  'memory-cache': { type: 'boolean' },
  'client-id': { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export const GLOBAL_HELP = `Global options:
  --cloud NAME|FILE   public (default), usgov, china, or a custom cloud JSON file
                      (env PGENTRA_CLOUD_FILE)
  --memory-cache      keep tokens in memory only (no OS keychain) for this run
  --client-id ID      public client app id for sign-in (default: Azure CLI's
                      04b07795-8ddb-461a-bbee-02f9e1bf7b46, or the cloud file's clientId)
  --verbose           log diagnostics (never tokens) to stderr
  -h, --help          show help`;

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Default: process.stdin. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  commands?: CommandEntry[];
}

function mainHelp(commands: CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return `pgentra — Microsoft Entra ID tokens for Azure Database for PostgreSQL

Usage: pgentra <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Run \`pgentra <command> --help\` for the options of a command.

${GLOBAL_HELP}

${EXIT_CODES_HELP}

Environment: PGENTRA_HOME (data folder), PGENTRA_CLOUD_FILE, BROWSER; HTTPS_PROXY and
NO_PROXY (the HTTP proxy for Entra ID and Azure Resource Manager); NODE_EXTRA_CA_CERTS (more
trusted CAs). Settings (pgentra settings): trusting the OS certificate store, client ids.
`;
}

const GLOBAL_WITH_VALUE = new Set(['--cloud', '--client-id']);

/** The first operand that is not a global option's value. */
function findCommand(argv: string[]): { name: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') break;
    if (GLOBAL_WITH_VALUE.has(a)) {
      i++;
      continue;
    }
    if (!a.startsWith('-')) return { name: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { name: undefined, rest: argv };
}

function usageError(message: string, hint?: string): PgEntraError {
  return new PgEntraError('invalid_input', message, { hint: hint ?? 'See pgentra --help.' });
}

function parseCommandArgs(def: CommandDefinition, argv: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...def.options }, allowPositionals: def.allowPositionals ?? false, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (e) {
    // parseArgs messages name the option; drop Node's trailing advice.
    throw usageError(((e as Error).message.split('\n')[0] ?? 'invalid arguments').replace(/\. To specify a positional argument.*$/, ''), `See pgentra ${def.name} --help.`);
  }
}

function globalsFrom(values: ParsedArgs['values'], env: NodeJS.ProcessEnv): GlobalOptions {
  const cloud = typeof values.cloud === 'string' ? values.cloud : env.PGENTRA_CLOUD_FILE || 'public';
  const clientId = typeof values['client-id'] === 'string' ? values['client-id'] : undefined;
  return { cloud, memoryCache: values['memory-cache'] === true, ...(clientId ? { clientId } : {}), verbose: values.verbose === true };
}

/**
 * An error as one line for the terminal: secrets redacted, and no control characters — messages
 * carry text from Graph, Azure and servers (group names, statuses, a server's own words), whose
 * escape sequences must not reach the terminal.
 */
export function formatError(e: unknown): string {
  const text = isPgEntraError(e) ? `${e.message}${e.hint ? ` ${e.hint}` : ''}` : e instanceof Error ? e.message : String(e);
  return printable(redact(text).replace(/\s*\n\s*/g, ' '), Number.POSITIVE_INFINITY);
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const commands = io.commands ?? COMMANDS;
  const { name, rest } = findCommand(argv);
  if (name === undefined || name === 'help') {
    const wantsHelp = name === 'help' || argv.includes('--help') || argv.includes('-h');
    if (argv.includes('--version')) {
      io.stdout.write('pgentra 0.1.0\n');
      return EXIT.ok;
    }
    const topic = name === 'help' ? findCommand(rest).name : undefined;
    if (topic) return runCli([topic, '--help'], io);
    (wantsHelp ? io.stdout : io.stderr).write(mainHelp(commands));
    return wantsHelp ? EXIT.ok : EXIT.usage;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr.write(`pgentra: unknown command "${name}". Commands: ${commands.map((c) => c.name).join(', ')}. See pgentra --help.\n`);
    return EXIT.usage;
  }
  let def: CommandDefinition;
  let parsed: ParsedArgs;
  try {
    def = await entry.load();
    parsed = parseCommandArgs(def, rest);
  } catch (e) {
    io.stderr.write(`pgentra ${name}: ${formatError(e)}\n`);
    return isPgEntraError(e) ? exitCodeFor(e.code) : EXIT.failure;
  }
  if (parsed.values.help === true) {
    io.stdout.write(`${def.help.trimEnd()}\n\n${GLOBAL_HELP}\n\n${EXIT_CODES_HELP}\n`);
    return EXIT.ok;
  }

  const global = globalsFrom(parsed.values, io.env);
  const dataDir = defaultDataDir(io.env);
  let settings: Settings = DEFAULT_SETTINGS;
  try {
    settings = readSettings(dataDir);
  } catch (e) {
    // `pgentra settings reset` must still repair a settings file nobody can read; it uses the defaults meanwhile.
    if (name !== 'settings') {
      io.stderr.write(`pgentra ${name}: ${formatError(e)}\n`);
      return isPgEntraError(e) ? exitCodeFor(e.code) : EXIT.failure;
    }
  }
  // Before any connection: which roots to trust (the OS store itself is read when the first TLS connection is built).
  configureTrust({ osCertificates: settings.trustOsCertificates });
  const sinks: LogSink[] = [fileSink(logsDir(dataDir), 'cli', { sync: true }) /* short-lived: never lose the last line */];
  if (global.verbose) sinks.push(streamSink(io.stderr));
  const logger = createLogger({ level: global.verbose ? 'debug' : 'warn', sinks, scope: `cli.${name}` });
  const controller = new AbortController();
  if (io.signal) io.signal.addEventListener('abort', () => controller.abort(), { once: true });
  let brokerPromise: ReturnType<CliContext['services']['broker']> | undefined;
  // HTTPS_PROXY / NO_PROXY, as every command-line tool reads them (the app also asks the OS): one
  // resolver for the broker (Entra) and what goes beside it (Microsoft Graph for PIM).
  let proxyPromise: Promise<ProxyResolver> | undefined;
  const resolveProxy = (): Promise<ProxyResolver> => (proxyPromise ??= import('../net/proxyConfig.js').then((p) => p.envProxyResolver(io.env)));
  const broker = (): ReturnType<CliContext['services']['broker']> =>
    (brokerPromise ??= Promise.all([import('../auth/tokenBroker.js'), resolveProxy(), import('../pim/activationLog.js')]).then(
      ([m, proxy, pim]) =>
        new m.TokenBroker({
          dataDir,
          memoryCache: global.memoryCache,
          ...(global.clientId ? { clientId: global.clientId } : {}),
          // The organisation's client id per built-in cloud (pgentra settings); --client-id still wins.
          clientIds: () => settings.clientIds,
          // A PIM activation recorded on this machine: tokens from before it are not served from a cache.
          tokensNotBefore: pim.activationFloor(dataDir, logger.child('pim')),
          logger: logger.child('auth'),
          backgroundRefresh: def.longRunning === true, // most CLI processes are short-lived
          env: io.env,
          resolveProxy: proxy,
          // --cloud FILE / PGENTRA_CLOUD_FILE is the user's own argument: it counts as consent for
          // this run (sign-in, token --account …). A profile's custom cloud file never does: it
          // needs `pgentra clouds trust FILE` (the pre-flight and the broker check that).
          ...(isBuiltinCloudName(global.cloud) ? {} : { explicitCloudFiles: [path.resolve(io.cwd ?? process.cwd(), global.cloud)] }),
        }),
    ));
  const ctx: CliContext = {
    stdout: io.stdout,
    stderr: io.stderr,
    stdin: io.stdin ?? process.stdin,
    env: io.env,
    cwd: io.cwd ?? process.cwd(),
    dataDir,
    global,
    signal: controller.signal,
    services: {
      logger,
      broker,
      pim: async (cloud) => {
        const [{ pimFor }, tokens, proxy] = await Promise.all([import('../pim/pimService.js'), broker(), resolveProxy()]);
        return pimFor(cloud, { tokens, resolveProxy: proxy });
      },
      openBrowser: async (url) => (await import('./openBrowser.js')).openBrowserFromCli(url, io.env),
    },
  };
  try {
    return await def.run(ctx, parsed);
  } catch (e) {
    logger.error('command failed', { error: redactError(e) });
    io.stderr.write(`pgentra ${name}: ${formatError(e)}\n`);
    return isPgEntraError(e) ? exitCodeFor(e.code) : EXIT.failure;
  }
}
