// Where pgEntra keeps its files (profiles, logs, the token-cache change marker). Same folder for
// the desktop app and the CLI so they share one sign-in. PGENTRA_HOME overrides it (tests, portable use).
import os from 'node:os';
import path from 'node:path';

export const APP_DIR_NAME = 'pgEntra';

export function dataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.PGENTRA_HOME) return path.resolve(env.PGENTRA_HOME);
  const home = env.HOME || env.USERPROFILE || os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), APP_DIR_NAME);
}

export function logsDir(base: string): string {
  return path.join(base, 'logs');
}

/** The MSAL cache "file": on Linux/macOS only a change marker (the cache is in the keychain); on Windows the DPAPI-encrypted cache. */
export function tokenCachePath(base: string): string {
  return path.join(base, 'token-cache', 'msal.cache');
}
