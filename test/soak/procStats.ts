// What the soak measures about a process from /proc (Linux): open file descriptors, how many
// of them are sockets, resident memory, and which processes are still around that belong to a
// run. PID 1 here does not reap zombies, so a zombie counts as gone (it holds no resources).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcessFootprint {
  fds: number;
  sockets: number;
  rssKiB: number;
}

export function footprint(pid: number): ProcessFootprint {
  let fds = 0;
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    fds++;
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // closed between readdir and readlink
    }
  }
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { fds, sockets, rssKiB: Number(rss ?? NaN) };
}

/** Live (non-zombie) processes whose command line mentions any of `markers` (a run's scratch folders). */
export function processesMentioning(markers: readonly string[]): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (state === 'Z') continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (markers.some((m) => cmdline.includes(m))) found.push({ pid: Number(entry), cmdline });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** Running (or stopped), i.e. neither gone nor a zombie. */
export function isAlive(pid: number): boolean {
  try {
    return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] !== 'Z';
  } catch {
    return false;
  }
}
