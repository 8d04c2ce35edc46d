// Which OS user owns the other end of a loopback TCP connection (Linux). A loopback port is
// reachable by every local user; the proxy serves only the user who started it. The kernel lists
// every TCP socket with its owner's uid in /proc/net/tcp and /proc/net/tcp6: the client's socket
// is the row whose local address is the connection's remote end and whose remote address is the
// proxy's end. macOS and Windows expose nothing comparable without privileges, so there the proxy
// relies on its local password instead.
import { closeSync, openSync, readSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import os from 'node:os';

export const PEER_OWNER_CHECK_SUPPORTED = process.platform === 'linux';

const LITTLE_ENDIAN = os.endianness() === 'LE';

function hex32(bytes: readonly number[]): string {
  const b = LITTLE_ENDIAN ? [...bytes].reverse() : bytes;
  return b
    .map((x) => x.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

function ipv6Bytes(ip: string): number[] {
  let a = ip.toLowerCase();
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    const n = (v4[2] as string).split('.').map(Number);
    a = `${v4[1] as string}${(((n[0] as number) << 8) | (n[1] as number)).toString(16)}:${(((n[2] as number) << 8) | (n[3] as number)).toString(16)}`;
  }
  const [head, tail] = a.includes('::') ? (a.split('::') as [string, string]) : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const v = parseInt(g || '0', 16);
    return [v >> 8, v & 0xff];
  });
}

/** The address:port as /proc/net/tcp (IPv4) or /proc/net/tcp6 prints it. */
export function procNetAddress(ip: string, port: number): { file: 'tcp' | 'tcp6'; text: string } {
  const p = port.toString(16).padStart(4, '0').toUpperCase();
  if (isIPv4(ip)) return { file: 'tcp', text: `${hex32(ip.split('.').map(Number))}:${p}` };
  const bytes = ipv6Bytes(ip);
  let text = '';
  for (let i = 0; i < 16; i += 4) text += hex32(bytes.slice(i, i + 4));
  return { file: 'tcp6', text: `${text}:${p}` };
}

/**
 * Finds the uid of the socket whose local end is `local` and remote end is `remote` in a
 * /proc/net/tcp* table. Searches the bytes: the table can be large and is read per connection.
 */
export function findSocketUid(table: Buffer | string, local: string, remote: string): number | undefined {
  const buf = typeof table === 'string' ? Buffer.from(table, 'latin1') : table;
  const needle = ` ${local} ${remote} `;
  const at = buf.indexOf(needle, 0, 'latin1');
  if (at < 0) return undefined;
  const end = buf.indexOf(0x0a, at);
  // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
  const f = buf
    .toString('latin1', at, end < 0 ? buf.length : end)
    .trim()
    .split(/\s+/);
  const uid = Number(f[6]);
  return Number.isInteger(uid) ? uid : undefined;
}

// One reusable buffer, read synchronously in chunks: a table with thousands of sockets is read
// per connection, and a fresh buffer for each read (readFile) left hundreds of MB of garbage
// behind with 500 clients. A /proc read takes microseconds; nothing else runs meanwhile.
const CHUNK = 64 * 1024;
const scratch = Buffer.allocUnsafe(2 * CHUNK);

/** Scans a /proc/net/tcp* file for the socket row `local remote`, returning its uid. */
export function scanTableForUid(file: string, local: string, remote: string): number | undefined {
  const needle = Buffer.from(` ${local} ${remote} `, 'latin1');
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    let kept = 0; // bytes carried over from the previous chunk (a row cut at the chunk's end)
    for (;;) {
      const n = readSync(fd, scratch, kept, CHUNK, null);
      const len = kept + n;
      const view = scratch.subarray(0, len);
      const at = view.indexOf(needle);
      if (at >= 0 && (view.indexOf(0x0a, at) >= 0 || n === 0)) return findSocketUid(view.subarray(at), local, remote);
      if (n === 0) return undefined;
      // Keep the unfinished last row (or the found one, waiting for its end) for the next round.
      const from = at >= 0 ? at : Math.max(view.lastIndexOf(0x0a) + 1, len - CHUNK);
      scratch.copy(scratch, 0, from, len);
      kept = len - from;
    }
  } finally {
    closeSync(fd);
  }
}

/** `::ffff:127.0.0.1` → `127.0.0.1`. */
function unmapped(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? (m[1] as string) : ip;
}

export interface SocketEnds {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  localAddress?: string | undefined;
  localPort?: number | undefined;
}

/**
 * The uid owning the client end of an accepted TCP connection, or undefined when no local socket
 * matches (the client is on another machine, or already gone). Linux only. Synchronous: the proxy
 * decides at accept, before the connection costs anything.
 */
export function peerUidNow(sock: SocketEnds, procDir = '/proc/net'): number | undefined {
  const { remoteAddress, remotePort, localAddress, localPort } = sock;
  if (!remoteAddress || !localAddress || remotePort === undefined || localPort === undefined) return undefined;
  const peer = unmapped(remoteAddress);
  const ours = unmapped(localAddress);
  // The client's socket may be IPv4 or (dual-stack) IPv6 with a mapped address.
  const forms: Array<{ file: 'tcp' | 'tcp6'; local: string; remote: string }> = [];
  if (isIPv4(peer) && isIPv4(ours)) {
    forms.push({ file: 'tcp', local: procNetAddress(peer, remotePort).text, remote: procNetAddress(ours, localPort).text });
    forms.push({ file: 'tcp6', local: procNetAddress(`::ffff:${peer}`, remotePort).text, remote: procNetAddress(`::ffff:${ours}`, localPort).text });
  } else if (isIPv6(peer) && isIPv6(ours)) {
    forms.push({ file: 'tcp6', local: procNetAddress(peer, remotePort).text, remote: procNetAddress(ours, localPort).text });
  } else {
    return undefined;
  }
  for (const f of forms) {
    const uid = scanTableForUid(`${procDir}/${f.file}`, f.local, f.remote);
    if (uid !== undefined) return uid;
  }
  return undefined;
}
