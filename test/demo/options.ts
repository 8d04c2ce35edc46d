// Command-line options of `npm run demo` (and of the simulated default of `npm start`).
import { parseArgs } from 'node:util';

export interface DemoOptions {
  /** Lifetime of the simulated Entra access tokens (default: the simulator's, one hour). */
  tokenLifetimeSeconds?: number;
  /** Local proxy port; 0 = any free port. Default: 6432 and up, like `pgentra proxy`. */
  proxyPort?: number;
  /** Do not open the desktop app. */
  app: boolean;
  /** Keep the sign-in in memory only: no keychain entry at all, so no `pgentra token` commands. */
  memoryCache: boolean;
  /** Stop everything when the desktop app window closes (the `npm start` default). */
  exitWithApp: boolean;
  help: boolean;
}

export const DEMO_USAGE = `usage: npm run demo -- [--token-lifetime SECONDS] [--port N] [--no-app] [--memory-cache]

Try pgEntra without Azure: starts a simulated Microsoft Entra ID and Azure Database for
PostgreSQL flexible server on this machine, signs in the secondary admin ID
adm-alice@contoso.example (auto-approved), creates a server profile for the Entra group
db-admins, opens the desktop app on it (where Electron is installed) and starts the local
auth proxy. Prints commands to try; Ctrl+C stops everything and removes its temporary files.

Options:
  --token-lifetime SECONDS  lifetime of the simulated access tokens (default 3600)
  --port N                  local proxy port (default 6432 and up; 0 = any free port)
  --no-app                  do not open the desktop app
  --memory-cache            keep the sign-in in memory only (no keychain entry; the printed
                            commands then use the proxy only)`;

export class DemoUsageError extends Error {}

function wholeNumber(v: string, what: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new DemoUsageError(`${what} must be a whole number from ${min} to ${max}, not "${v}"`);
  return n;
}

export function parseDemoArgs(argv: readonly string[]): DemoOptions {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        'token-lifetime': { type: 'string' },
        port: { type: 'string' },
        'no-app': { type: 'boolean', default: false },
        'memory-cache': { type: 'boolean', default: false },
        'exit-with-app': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new DemoUsageError(e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e));
  }
  const lifetime = values['token-lifetime'];
  const port = values.port;
  return {
    ...(lifetime !== undefined ? { tokenLifetimeSeconds: wholeNumber(lifetime, '--token-lifetime', 1, 86_400) } : {}),
    ...(port !== undefined ? { proxyPort: wholeNumber(port, '--port', 0, 65_535) } : {}),
    app: !values['no-app'],
    memoryCache: values['memory-cache'],
    exitWithApp: values['exit-with-app'],
    help: values.help,
  };
}
