// Command-line switches an installed pgEntra refuses to start with. The app holds Entra tokens and,
// on macOS, keychain access bound to its code signature: a debugging switch would hand that to
// whatever started it. Pure (no electron import) so main.ts and unit tests share it.
//
// What covers what (the fuses are set in build/electron-builder.yml, electronFuses):
//   --inspect, --inspect-brk, --inspect-port, --inspect-wait, --debug-port …  the
//       EnableNodeCliInspectArguments fuse (off): Node's inspector would start before main.ts
//       runs (--inspect-brk stops on its first line), so only the fuse can stop it. This check
//       refuses them too, so a build whose fuses were not flipped still says no.
//   --remote-debugging-port, --remote-debugging-pipe (and --remote-allow-origins,
//       --remote-debugging-address) no fuse exists. Electron starts the DevTools server after
//       the main script's first run, before `ready`: exiting here means it never listens.
//   --js-flags  no fuse exists. V8 has already taken the flags when main.ts runs, but nothing has
//       loaded a secret yet, and exiting here means no renderer is started with them.
//   --renderer-cmd-prefix, --utility-cmd-prefix, --gpu-launcher  start child processes under
//       another program (a debugger); no fuse exists; refused like the above.
//   ELECTRON_RUN_AS_NODE  the RunAsNode fuse (off); NODE_OPTIONS  the
//       EnableNodeOptionsEnvironmentVariable fuse (off). Both act before any JavaScript, so a
//       check here could not help; with the fuses off they are ignored, so nothing is refused.

/** The names (after the prefix, lower case, `_` as `-`) refused exactly. */
const REFUSED_NAMES = new Set(['js-flags', 'remote-allow-origins', 'debug', 'debug-brk', 'debug-port', 'renderer-cmd-prefix', 'utility-cmd-prefix', 'gpu-launcher']);
/** Name prefixes refused: Node keeps adding --inspect-* options, Chromium --remote-debugging-*. */
const REFUSED_FAMILIES = ['inspect', 'remote-debugging'];

export interface StartupFacts {
  /** Electron's app.isPackaged: development runs (`npm start`) may debug. */
  packaged: boolean;
  platform: NodeJS.Platform;
}

export interface RefusedSwitch {
  /** The argument as given. */
  arg: string;
  /** The switch's canonical name, e.g. `--remote-debugging-port`. */
  name: string;
}

/**
 * The switch name an argument gives Chromium or Node, or undefined for an operand. Chromium trims
 * whitespace and accepts `--` and `-` (and `/` on Windows) as prefixes, and on Windows lower-cases
 * names; Node reads `_` as `-`. Refusing the union of those spellings everywhere costs nothing:
 * no ordinary argument looks like them.
 */
function switchName(arg: string, platform: NodeJS.Platform): string | undefined {
  const trimmed = arg.trim();
  const prefix = trimmed.startsWith('--') ? 2 : trimmed.startsWith('-') || (platform === 'win32' && trimmed.startsWith('/')) ? 1 : 0;
  if (prefix === 0 || prefix === trimmed.length) return undefined;
  const eq = trimmed.indexOf('=');
  return trimmed
    .slice(prefix, eq === -1 ? undefined : eq)
    .toLowerCase()
    .replace(/_/g, '-');
}

function isRefused(name: string): boolean {
  return REFUSED_NAMES.has(name) || REFUSED_FAMILIES.some((family) => name === family || name.startsWith(`${family}-`));
}

/**
 * The refused switches in `argv` (process.argv: argv[0] is the executable), in order; none when
 * not packaged. Chromium and Node stop reading switches at `--`, so this does too.
 */
export function refusedStartupSwitches(argv: readonly string[], facts: StartupFacts): RefusedSwitch[] {
  if (!facts.packaged) return [];
  const refused: RefusedSwitch[] = [];
  for (const arg of argv.slice(1)) {
    if (arg.trim() === '--') break;
    const name = switchName(arg, facts.platform);
    if (name !== undefined && isRefused(name)) refused.push({ arg, name: `--${name}` });
  }
  return refused;
}

/** What the app prints before it exits, naming each refused switch. */
export function startupRefusalMessage(refused: readonly RefusedSwitch[]): string {
  const names = [...new Set(refused.map((r) => r.name))].join(', ');
  return (
    `pgEntra will not start with ${names}: debugging switches would open the installed app, and the Entra tokens it holds, ` +
    'to whatever started it. Start pgEntra without them (developers: run from source with `npm start`).'
  );
}
