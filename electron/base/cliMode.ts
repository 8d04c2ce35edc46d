// How the app executable was started: as the desktop app, or as the `pgentra` CLI through the
// installed launcher (`<app> --pgentra-cli <args…>`). The packaged app has the RunAsNode fuse off,
// so the launcher cannot run it as Node; it asks the app itself for CLI mode instead. Pure (no
// electron import) so the CLI bundle and unit tests can load it.

/** The switch the launchers put before the CLI's own arguments. */
export const CLI_SWITCH = '--pgentra-cli';

export type CliMode = { cli: true; args: string[] } | { cli: false };

export interface CliModeFacts {
  /**
   * process.defaultApp: true when a development Electron runs an app folder or script given on
   * its command line (`electron <path> …`); that path is argv's first operand, not ours.
   */
  defaultApp: boolean;
}

/**
 * CLI mode when `--pgentra-cli` comes before any operand (other than the development app path):
 * Chromium switches (`--name` or `--name=value`, macOS's `-psn_…`) may precede it — the Linux
 * launcher adds `--ozone-platform=headless` without a display. Everything after it is the CLI's,
 * untouched. A file operand or `--` first means the desktop app, even if `--pgentra-cli` follows.
 */
export function detectCliMode(argv: readonly string[], facts: CliModeFacts): CliMode {
  let appPathSeen = !facts.defaultApp;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === CLI_SWITCH) return { cli: true, args: argv.slice(i + 1) };
    if (arg === '--') return { cli: false };
    if (arg.startsWith('-')) continue;
    if (!appPathSeen) {
      appPathSeen = true;
      continue;
    }
    return { cli: false };
  }
  return { cli: false };
}

// Electron's app.isPackaged as noted by the main process (main.ts), for code shared with the plain
// Node CLI: process.resourcesPath is set in a development Electron too, so it cannot tell.
let packagedApp = false;

export function noteAppPackaged(packaged: boolean): void {
  packagedApp = packaged;
}

/** True only inside an installed app (never under plain Node or a development Electron). */
export function isPackagedApp(): boolean {
  return packagedApp;
}
