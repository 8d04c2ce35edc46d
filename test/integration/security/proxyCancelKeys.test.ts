// Attack: use BackendKeyData to cancel (or probe) what is not yours, with protocol 3.2's long keys.
// A client asks for protocol 3.2; the server answers with its own 32-byte key. Safe: the client
// gets a proxy-made key (the server's pid and secret never reach it); a CancelRequest with the
// server's real key, with a truncated or extended copy of the client's key, or with the client's
// key after that client disconnected (a replay) opens no connection to the server; the client's
// own key while it is connected does.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCancelRequest, buildStartupMessage } from '../../../electron/pgwire/index.js';
import { startProxy, type RunningProxy } from '../../../electron/proxy/index.js';
import { captureLog } from '../proxy/helpers.js';
import { authRequest, CountingTokens, int32, msg, parameterStatus, readyForQuery, startEvilUpstream, type EvilUpstream } from './evilUpstream.js';

const SERVER_PID = 777777;
const SERVER_SECRET = Buffer.alloc(32, 0xab);

let evil: EvilUpstream;
let proxy: RunningProxy;
let port: number;

beforeAll(async () => {
  evil = await startEvilUpstream({
    script: (sock, _startup, conn) => {
      sock.write(authRequest(3));
      void conn
        .nextMessage()
        .then(() => sock.write(Buffer.concat([authRequest(0), parameterStatus('server_version', '18.0'), msg('K', Buffer.concat([int32(SERVER_PID), SERVER_SECRET])), readyForQuery()])));
    },
  });
  proxy = await startProxy({ routes: [{ profile: evil.profile }], tokenProvider: new CountingTokens(), logger: captureLog().logger, shutdownTimeoutMs: 200 });
  port = proxy.listeners[0]?.port as number;
});

afterAll(async () => {
  await proxy?.close(false);
  await evil?.close();
});

/** Opens a client with protocol 3.2 and returns its socket and the BackendKeyData it got. */
async function client(): Promise<{ sock: net.Socket; pid: number; secret: Buffer; all: Buffer }> {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => undefined);
  let buf = Buffer.alloc(0);
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.write(buildStartupMessage({ user: 'db-admins', database: 'postgres' }, (3 << 16) | 2));
  for (;;) {
    const chunk = await new Promise<Buffer>((r) => sock.once('data', r));
    buf = Buffer.concat([buf, chunk]);
    if (buf.includes(Buffer.from('Z\0\0\0\x05I', 'latin1'))) break;
  }
  let off = 0;
  while (off < buf.length) {
    const type = String.fromCharCode(buf[off] as number);
    const len = buf.readInt32BE(off + 1);
    if (type === 'K') return { sock, pid: buf.readInt32BE(off + 5), secret: Buffer.from(buf.subarray(off + 9, off + 1 + len)), all: buf };
    off += 1 + len;
  }
  throw new Error('no BackendKeyData');
}

async function cancel(pid: number, secret: Buffer): Promise<void> {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  await new Promise<void>((r) => s.once('connect', () => r()));
  s.write(buildCancelRequest(pid, secret));
  await new Promise<void>((r) => s.once('close', () => r()));
}

/** Server-side cancel requests arrive as fresh connections whose startup packet is a CancelRequest. */
function serverCancels(): number {
  return evil.connections.filter((c) => {
    const first = c.received[0];
    return first !== undefined && first.length >= 8 && first.readInt32BE(4) === 80877102;
  }).length;
}

describe('cancel keys with protocol 3.2', () => {
  it("the client never sees the server's key; only its own live key cancels", async () => {
    const a = await client();
    expect(a.secret.length).toBe(32);
    expect(a.pid).not.toBe(SERVER_PID);
    expect(a.all.includes(SERVER_SECRET)).toBe(false);
    const before = serverCancels();

    await cancel(SERVER_PID, SERVER_SECRET); // the server's real key
    await cancel(a.pid, a.secret.subarray(0, 4)); // a 3.0-length prefix of the client's key
    await cancel(a.pid, Buffer.concat([a.secret, Buffer.alloc(1)])); // one byte longer
    await new Promise((r) => setTimeout(r, 500));
    expect(serverCancels()).toBe(before);

    await cancel(a.pid, a.secret); // the real one, while connected
    for (let i = 0; i < 100 && serverCancels() === before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(serverCancels()).toBe(before + 1);

    a.sock.destroy();
    await new Promise((r) => setTimeout(r, 300));
    await cancel(a.pid, a.secret); // replayed after the client left
    await new Promise((r) => setTimeout(r, 500));
    expect(serverCancels()).toBe(before + 1);
  });
});
