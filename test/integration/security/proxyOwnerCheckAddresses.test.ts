// Attack: slip past the TCP proxy's owner check (Linux: the client socket's uid from
// /proc/net/tcp{,6}) through another spelling of loopback. The proxy may listen on any loopback
// address without --allow-remote — 127.0.0.2, ::1, the IPv4-mapped ::ffff:127.0.0.1 — and a
// client may come in over IPv4, IPv6 or a mapped address; if the lookup missed the row for one of
// these forms, the owner would be "unknown". Safe: on every such address another OS user (nobody)
// is refused with 28000 before anything else, and the owner still gets in.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildStartupMessage } from '../../../electron/pgwire/index.js';
import { startProxy, type RunningProxy } from '../../../electron/proxy/index.js';
import { captureLog, run } from '../proxy/helpers.js';
import { authRequest, CountingTokens, int32, msg, parameterStatus, readyForQuery, startEvilUpstream, type EvilUpstream } from './evilUpstream.js';

const AS_NOBODY = ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups'];
const linux = process.platform === 'linux';

let evil: EvilUpstream;
let dir: string;
const proxies: RunningProxy[] = [];

/** Runs as nobody: connects to host:port, sends a startup packet, prints what came back (latin1) as JSON. */
const CLIENT = `
const net = require('net');
const [host, port] = process.argv.slice(2);
const body = Buffer.from('\\0\\x03\\0\\0user\\0db-admins\\0database\\0postgres\\0\\0', 'latin1');
const len = Buffer.alloc(4); len.writeInt32BE(body.length + 4);
const s = net.connect(Number(port), host);
let got = '';
s.on('data', (d) => { got += d.toString('latin1'); });
s.on('error', (e) => { got += 'ERROR ' + e.code; });
s.on('connect', () => s.write(Buffer.concat([len, body])));
const finish = () => { console.log(JSON.stringify({ got })); process.exit(0); };
s.on('close', finish);
setTimeout(finish, 5000);
`;

beforeAll(async () => {
  if (!linux) return;
  evil = await startEvilUpstream({
    script: (sock, _startup, conn) => {
      sock.write(authRequest(3));
      void conn.nextMessage().then(() => sock.write(Buffer.concat([authRequest(0), parameterStatus('server_version', '16.4'), msg('K', Buffer.concat([int32(1), int32(2)])), readyForQuery()])));
    },
  });
  dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-owner-addr-'));
  writeFileSync(path.join(dir, 'client.js'), CLIENT, { mode: 0o644 });
  chmodSync(dir, 0o755);
});

afterEach(async () => {
  await Promise.allSettled(proxies.splice(0).map((p) => p.close(false)));
});

afterAll(async () => {
  await evil?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The owner's own client: true when the proxy answered AuthenticationOk. */
function ownerGetsIn(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.on('error', () => resolve(false));
    s.on('connect', () => s.write(buildStartupMessage({ user: 'db-admins', database: 'postgres' })));
    s.once('data', (d) => {
      resolve(d[0] === 'R'.charCodeAt(0) && d.readInt32BE(5) === 0);
      s.destroy();
    });
    setTimeout(() => (s.destroy(), resolve(false)), 10_000);
  });
}

// [listen address, address the clients dial]
const CASES: Array<[string, string]> = [
  ['127.0.0.1', '127.0.0.1'],
  ['127.0.0.2', '127.0.0.2'],
  ['::1', '::1'],
  ['::ffff:127.0.0.1', '127.0.0.1'],
  ['::ffff:127.0.0.1', '::ffff:127.0.0.1'],
];

describe.skipIf(!linux)('the TCP owner check on every loopback spelling', () => {
  it.each(CASES)('listening on %s, dialled as %s: nobody is refused, the owner gets in', async (listenOn, dial) => {
    const proxy = await startProxy({ routes: [{ profile: evil.profile }], address: listenOn, tokenProvider: new CountingTokens(), logger: captureLog().logger, shutdownTimeoutMs: 200 });
    proxies.push(proxy);
    const port = proxy.listeners[0]?.port as number;
    expect(proxy.listeners[0]?.ownerCheck).toBe(true);
    const r = await run('/usr/bin/setpriv', [...AS_NOBODY, process.execPath, path.join(dir, 'client.js'), dial, String(port)], { PATH: process.env.PATH ?? '/usr/bin:/bin' }, 30_000);
    const got = (JSON.parse(r.stdout.trim() || '{"got":""}') as { got: string }).got;
    expect(got).toContain('28000');
    expect(got).toContain('serves only the OS user who started it');
    expect(got.charCodeAt(0)).toBe('E'.charCodeAt(0)); // nothing before the refusal
    expect(await ownerGetsIn(dial, port)).toBe(true);
  });
});
