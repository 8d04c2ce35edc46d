// Attack: another local OS user (`setpriv --reuid nobody`) makes the owner's TCP proxy hold
// memory. It sends a valid startup packet — the proxy refuses it (not the owner) with FATAL 28000
// and `end()`s its side — and then keeps writing as fast as loopback allows. Were the session's
// PacketReader to keep reading into its buffer until the 10 s startup deadline, that would be
// hundreds of MB per connection, times the client cap. Safe (and observed): the connection is
// closed right after the refusal; the attacker's writes stop within the kernel's socket buffers.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../../electron/proxy/index.js';
import { captureLog, run } from '../proxy/helpers.js';
import { CountingTokens, startEvilUpstream, type EvilUpstream } from './evilUpstream.js';

const AS_NOBODY = ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups'];
const linux = process.platform === 'linux';

let evil: EvilUpstream;
let proxy: RunningProxy;
let dir: string;
const log = captureLog();

/**
 * Runs as nobody: connects, sends a startup packet, then writes 64 kB chunks for `seconds`,
 * counting the bytes the kernel took (write callbacks). Prints JSON.
 */
const ATTACKER = `
const net = require('net');
const [port, seconds] = process.argv.slice(2).map(Number);
const body = Buffer.from('\\0\\x03\\0\\0user\\0db-admins\\0database\\0postgres\\0\\0', 'latin1');
const len = Buffer.alloc(4); len.writeInt32BE(body.length + 4);
const s = net.connect(port, '127.0.0.1');
let flushed = 0, closed = false, refused = false;
const chunk = Buffer.alloc(64 * 1024, 0x41);
s.on('data', (d) => { if (d.includes('28000')) refused = true; });
s.on('error', () => undefined);
s.on('close', () => { closed = true; });
const finish = () => { console.log(JSON.stringify({ flushed, closed, refused })); s.destroy(); process.exit(0); };
s.on('connect', () => {
  s.write(Buffer.concat([len, body]));
  const pump = () => {
    while (!closed) {
      if (!s.write(chunk, (e) => { if (!e) flushed += chunk.length; })) return s.once('drain', pump);
    }
  };
  pump();
  setTimeout(finish, seconds * 1000);
});
`;

beforeAll(async () => {
  if (!linux) return;
  evil = await startEvilUpstream({ script: () => undefined });
  proxy = await startProxy({ routes: [{ profile: evil.profile }], tokenProvider: new CountingTokens(), logger: log.logger, shutdownTimeoutMs: 200 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-preauth-'));
  writeFileSync(path.join(dir, 'attacker.js'), ATTACKER, { mode: 0o644 });
  chmodSync(dir, 0o755);
});

afterAll(async () => {
  await proxy?.close(false);
  await evil?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!linux)('another OS user streams bytes at the TCP proxy after its refusal', () => {
  it('the proxy stops taking bytes once it refused the connection (no memory growth until the startup deadline)', async () => {
    const port = proxy.listeners[0]?.port as number;
    const r = await run('/usr/bin/setpriv', [...AS_NOBODY, process.execPath, path.join(dir, 'attacker.js'), String(port), '3'], { PATH: process.env.PATH ?? '/usr/bin:/bin' }, 30_000);
    if (!r.stdout.trim()) throw new Error(`attacker failed: ${r.code} ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim()) as { flushed: number; closed: boolean; refused: boolean };
    expect(out.refused).toBe(true);
    expect(out.closed).toBe(true);
    expect(log.lines.some((l) => l.includes('refused a connection from another OS user'))).toBe(true);
    // A few MB fit in the kernel's socket buffers; more means the proxy read (and kept) them.
    expect(out.flushed, `nobody pushed ${(out.flushed / 1048576).toFixed(0)} MiB into the proxy after its refusal`).toBeLessThan(16 * 1024 * 1024);
  }, 60_000);
});
