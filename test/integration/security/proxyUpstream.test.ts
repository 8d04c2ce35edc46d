// Attacks on the proxy from the server side and through the startup packet, against a scripted
// upstream (evilUpstream.ts): a server that will not do TLS or injects plaintext after 'S', a
// certificate for another host or from another CA, a server that asks for MD5 or SCRAM instead
// of the cleartext token, an ErrorResponse full of control characters and forged log lines, and a client that smuggles a second `user` (or a forged log
// line) into its startup packet. The safe behaviour is asserted; see README "Attacks tried".
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildStartupMessage, frameUntyped } from '../../../electron/pgwire/index.js';
import { startProxy, type RunningProxy } from '../../../electron/proxy/index.js';
import { captureLog } from '../proxy/helpers.js';
import { authRequest, CountingTokens, errorResponse, int32, msg, parameterStatus, rawClient, readyForQuery, startEvilUpstream, TOKEN, type EvilUpstream } from './evilUpstream.js';

let evil: EvilUpstream;
let tokens: CountingTokens;
let log = captureLog();
const proxies: RunningProxy[] = [];

/** A well-behaved server: asks for the token, accepts it, and then stays silent. */
const benign = (sock: tls.TLSSocket, _startup: Map<string, string>, conn: { nextMessage(): Promise<{ type: string }> }): void => {
  sock.write(authRequest(3));
  void conn.nextMessage().then(() => {
    sock.write(Buffer.concat([authRequest(0), parameterStatus('server_version', '16.4'), msg('K', Buffer.concat([int32(4242), int32(99)])), readyForQuery()]));
  });
};

beforeAll(async () => {
  evil = await startEvilUpstream({ script: benign });
});

afterAll(async () => {
  await evil?.close();
});

afterEach(async () => {
  await Promise.allSettled(proxies.splice(0).map((p) => p.close(false)));
});

async function proxyPort(opts: Partial<Parameters<typeof startProxy>[0]> = {}): Promise<number> {
  tokens = new CountingTokens();
  log = captureLog();
  const proxy = await startProxy({ routes: [{ profile: evil.profile }], tokenProvider: tokens, logger: log.logger, shutdownTimeoutMs: 200, ...opts });
  proxies.push(proxy);
  return proxy.listeners[0]?.port as number;
}

const startup = (user = 'db-admins'): Buffer => buildStartupMessage({ user, database: 'postgres' });

/** A startup packet with parameters in this order, duplicates included (buildStartupMessage takes a Map). */
function startupWith(pairs: Array<[string, string]>): Buffer {
  const version = Buffer.alloc(4);
  version.writeInt32BE(196608);
  return frameUntyped(Buffer.concat([version, ...pairs.map(([k, v]) => Buffer.from(`${k}\0${v}\0`)), Buffer.from([0])]));
}

describe('a server that is not the one verify-full trusts never gets the token', () => {
  it('answers the SSLRequest with N (no TLS): refused, no token is even fetched', async () => {
    evil.setOptions({ sslAnswer: Buffer.from('N'), script: benign });
    const r = await rawClient(await proxyPort(), [startup()]);
    expect(r.data.toString('latin1')).toContain('did not accept TLS');
    expect(tokens.requests).toHaveLength(0);
    expect(evil.allReceived().includes(TOKEN)).toBe(false);
  });

  it("answers 'S' followed by injected plaintext (CVE-2021-23222): refused before TLS, no token", async () => {
    evil.setOptions({ sslAnswer: Buffer.concat([Buffer.from('S'), authRequest(0), readyForQuery()]), script: benign });
    const r = await rawClient(await proxyPort(), [startup()]);
    expect(r.data.toString('latin1')).toContain('08006');
    expect(r.data.toString('latin1')).not.toContain('server_version');
    expect(tokens.requests).toHaveLength(0);
  });

  it('presents a certificate for another host name, or one from a CA the cloud file does not name: no token', async () => {
    const { wrongName, wrongCa } = await evil.otherCerts();
    for (const cert of [wrongName, wrongCa]) {
      evil.setOptions({ cert, script: benign });
      const r = await rawClient(await proxyPort(), [startup()]);
      expect(r.data.toString('latin1')).toContain('could not be verified');
      expect(tokens.requests).toHaveLength(0);
    }
    expect(evil.allReceived().includes(TOKEN)).toBe(false);
  });

  it('asks for MD5 or SCRAM (a downgrade/phishing of another password method) instead of the cleartext token: no token is fetched', async () => {
    const md5 = Buffer.concat([int32(5), Buffer.from([1, 2, 3, 4])]);
    const sasl = Buffer.concat([int32(10), Buffer.from('SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0')]);
    for (const body of [md5, sasl]) {
      evil.setOptions({ script: (sock) => sock.write(msg('R', body)) });
      const r = await rawClient(await proxyPort(), [startup()]);
      expect(r.data.toString('latin1')).toContain('not the cleartext password Entra roles use');
      expect(tokens.requests).toHaveLength(0);
    }
    expect(evil.allReceived().includes(TOKEN)).toBe(false);
  });
});

describe('what a server says cannot forge log lines', () => {
  it('an ErrorResponse with newlines, a forged JSON line and terminal escapes stays inside one JSON log line', async () => {
    const forged = 'refused\n{"t":"2030-01-01T00:00:00.000Z","level":"error","msg":"FORGED LINE"}\r\u001b[2J\u001b]0;pwned\u0007';
    evil.setOptions({ script: (sock) => sock.end(errorResponse({ S: 'FATAL', V: 'FATAL', C: '28000', M: forged })) });
    const r = await rawClient(await proxyPort(), [startup()]);
    expect(r.data[0]).toBe('E'.charCodeAt(0));
    expect(tokens.requests).toHaveLength(0); // refused before the password was asked for
    await new Promise((res) => setTimeout(res, 100));
    const refusal = log.lines.find((l) => l.includes('server refused the login'));
    expect(refusal).toBeDefined();
    for (const line of log.lines) {
      // eslint-disable-next-line no-control-regex
      expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(() => JSON.parse(line) as unknown).not.toThrow();
      expect((JSON.parse(line) as { msg: string }).msg).not.toBe('FORGED LINE');
    }
  });
});

describe('the startup packet cannot smuggle another role past the user check', () => {
  it('a second `user` after the profile user is refused before the server is contacted; the other order reaches the server with one user only', async () => {
    evil.setOptions({ script: benign });
    const port = await proxyPort();
    const before = evil.connections.length;
    const smuggled = await rawClient(
      port,
      [
        startupWith([
          ['user', 'db-admins'],
          ['database', 'postgres'],
          ['user', 'azure_superuser'],
        ]),
      ],
      5000,
    );
    expect(smuggled.data.toString('latin1')).toContain('28000');
    expect(smuggled.data.toString('latin1')).toContain('not "azure_superuser"');
    expect(evil.connections.length).toBe(before);
    expect(tokens.requests).toHaveLength(0);

    const other = await rawClient(
      port,
      [
        startupWith([
          ['user', 'azure_superuser'],
          ['database', 'postgres'],
          ['user', 'db-admins'],
          ['options', '-c role=azure_superuser'],
        ]),
      ],
      3000,
    );
    expect(other.data[0]).toBe('R'.charCodeAt(0)); // AuthenticationOk from the proxy
    const seen = evil.connections.at(-1)?.received[0] as Buffer;
    const len = seen.readInt32BE(0);
    const parts = seen
      .subarray(8, len - 1)
      .toString('utf8')
      .split('\0');
    const keys = parts.filter((_, i) => i % 2 === 0);
    expect(keys.filter((k) => k === 'user')).toHaveLength(1);
    expect(parts[keys.indexOf('user') * 2 + 1]).toBe('db-admins');
    // `options` reaches the server as the client sent it: the server decides whether this role may
    // SET ROLE (membership), exactly as for a direct connection with the same token.
  });

  it('a user name carrying a forged log line and terminal escapes is refused and logged as one escaped JSON line', async () => {
    const port = await proxyPort();
    const evilName = 'mallory\n{"level":"error","msg":"FORGED LINE"}\u001b[31m';
    const r = await rawClient(port, [startup(evilName)], 5000);
    expect(r.data.toString('latin1')).toContain('28000');
    await new Promise((res) => setTimeout(res, 100));
    expect(log.lines.some((l) => l.includes('proxy connection closed'))).toBe(true);
    for (const line of log.lines) {
      // eslint-disable-next-line no-control-regex
      expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect((JSON.parse(line) as { msg: string }).msg).not.toBe('FORGED LINE');
    }
  });
});
