// Attack: a server (or anything holding a certificate the profile trusts) floods the proxy's login
// phase. Before ReadyForQuery the proxy keeps every server message to replay to the client
// (upstream.ts login(): `messages` grows without a bound; each message may be 1 MiB), until the
// 60 s handshake deadline. On current code this test FAILS: 64 MiB are accepted in about a second.
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildStartupMessage } from '../../../electron/pgwire/index.js';
import { startProxy, type RunningProxy } from '../../../electron/proxy/index.js';
import { captureLog } from '../proxy/helpers.js';
import { authRequest, CountingTokens, msg, rawClient, startEvilUpstream, type EvilUpstream } from './evilUpstream.js';

let evil: EvilUpstream;
let tokens: CountingTokens;
const proxies: RunningProxy[] = [];

beforeAll(async () => {
  evil = await startEvilUpstream({ script: () => undefined });
});

afterAll(async () => {
  await evil?.close();
});

afterEach(async () => {
  await Promise.allSettled(proxies.splice(0).map((p) => p.close(false)));
});

function drainOrClose(sock: tls.TLSSocket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      sock.off('drain', done);
      sock.off('close', done);
      resolve();
    };
    sock.on('drain', done);
    sock.on('close', done);
  });
}

async function proxyPort(opts: Partial<Parameters<typeof startProxy>[0]> = {}): Promise<number> {
  tokens = new CountingTokens();
  const proxy = await startProxy({ routes: [{ profile: evil.profile }], tokenProvider: tokens, logger: captureLog().logger, shutdownTimeoutMs: 200, ...opts });
  proxies.push(proxy);
  return proxy.listeners[0]?.port as number;
}

const startup = (): Buffer => buildStartupMessage({ user: 'db-admins', database: 'postgres' });

describe('a server that floods the login phase', () => {
  // Before ReadyForQuery the proxy keeps every server message to replay it to the client. A real
  // server sends a few kB there (ParameterStatus, BackendKeyData, a notice or two). A hostile or
  // broken one that streams NoticeResponses after AuthenticationOk must not make the proxy — which
  // serves every other connection of the person — hold them all in memory until the 60 s handshake
  // deadline. Safe: the proxy cuts the connection after a bounded amount (well under 16 MiB).
  it('is cut off after a bounded amount instead of buffered until the handshake deadline', async () => {
    const CAP = 64 * 1024 * 1024;
    let written = 0;
    let cutAt: number | undefined;
    const notice = msg('N', Buffer.concat([Buffer.from('SNOTICE\0VNOTICE\0C00000\0M'), Buffer.alloc(256 * 1024, 0x61), Buffer.from('\0\0')]));
    const done = new Promise<void>((resolveDone) => {
      evil.setOptions({
        script: (sock, _startup, conn) => {
          sock.write(authRequest(3));
          void conn.nextMessage().then(async () => {
            sock.write(authRequest(0));
            sock.once('close', () => {
              cutAt ??= written;
              resolveDone();
            });
            while (!sock.destroyed && written < CAP) {
              written += notice.length;
              if (!sock.write(notice)) await drainOrClose(sock);
            }
            resolveDone();
          });
        },
      });
    });
    const port = await proxyPort({ handshakeTimeoutMs: 45_000 });
    const client = rawClient(port, [startup()], 50_000);
    await done;
    expect(tokens.requests).toHaveLength(1);
    expect(cutAt, `the proxy kept reading: ${written} bytes of login-phase messages were accepted`).toBeDefined();
    expect(cutAt as number).toBeLessThan(16 * 1024 * 1024);
    for (const p of proxies) await p.close(false);
    await client;
  }, 90_000);
});
