// Opens a URL in the user's browser from the CLI: $BROWSER if set, else the OS opener
// (xdg-open / open / start). Spawned with an argument array — the URL is never parsed by a shell.
import { spawn } from 'node:child_process';

function trySpawn(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean): void => {
      if (!settled) {
        settled = true;
        resolve(ok);
      }
    };
    try {
      const child = spawn(cmd, args, { env, stdio: 'ignore', detached: true, windowsHide: true });
      child.on('error', () => done(false));
      // Openers exit quickly; a browser started directly via $BROWSER keeps running, which is fine.
      child.on('exit', (code) => done(code === 0));
      setTimeout(() => done(true), 1_500).unref();
      child.unref();
    } catch {
      done(false);
    }
  });
}

export async function openBrowserFromCli(url: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  // $BROWSER may list several commands separated by ':' (the convention xdg-utils and Python follow).
  if (env.BROWSER) {
    for (const entry of env.BROWSER.split(':').filter(Boolean)) {
      const parts = entry.trim().split(/\s+/);
      const cmd = parts[0];
      if (!cmd) continue;
      const args = parts.slice(1);
      const withUrl = args.some((a) => a.includes('%s')) ? args.map((a) => a.replace('%s', url)) : [...args, url];
      if (await trySpawn(cmd, withUrl, env)) return true;
    }
    return false;
  }
  if (platform === 'darwin') return trySpawn('open', [url], env);
  if (platform === 'win32') return trySpawn('cmd', ['/d', '/s', '/c', 'start', '""', url.replace(/&/g, '^&')], env);
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return false; // headless: print the URL instead
  return trySpawn('xdg-open', [url], env);
}
