// The proxy's local-access pieces: SCRAM-SHA-256 (RFC 7677's test vector, PostgreSQL's message
// shapes), the /proc/net/tcp owner lookup and the default socket folder (the back-off and the
// per-source limits: admission.test.ts).
import { createServer, connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findSocketUid, peerUidNow, procNetAddress } from '../../../electron/proxy/peerOwner.js';
import { defaultSocketDir, socketPathLimit, unixSocketPathFor } from '../../../electron/proxy/listener.js';
import { parseSaslInitialResponse, saslPrep, ScramClientExchange, ScramError, ScramServerExchange, scramVerifier } from '../../../electron/proxy/scram.js';

// RFC 7677 section 3.
const RFC = {
  password: 'pencil',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

describe('SCRAM-SHA-256', () => {
  const verifier = scramVerifier(RFC.password, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);

  it('server side reproduces the RFC 7677 test vector', () => {
    const server = new ScramServerExchange(verifier, RFC.serverNonce);
    expect(server.clientFirst(Buffer.from(RFC.clientFirst))).toBe(RFC.serverFirst);
    expect(server.clientFinal(Buffer.from(RFC.clientFinal))).toBe(RFC.serverFinal);
  });

  it('client side reproduces the RFC 7677 test vector', () => {
    const client = new ScramClientExchange(RFC.password, 'rOprNGfwEbeRWgbNEkqO', 'user');
    expect(client.clientFirst()).toBe(RFC.clientFirst);
    expect(client.clientFinal(RFC.serverFirst)).toBe(RFC.clientFinal);
    expect(client.serverFinalValid(RFC.serverFinal)).toBe(true);
    expect(client.serverFinalValid('v=AAAA')).toBe(false);
  });

  it('a wrong password gives no server signature; round trip with random nonces and salt', () => {
    const v = scramVerifier('correct horse');
    for (const [pw, ok] of [
      ['correct horse', true],
      ['correct hors', false],
      ['', false],
    ] as const) {
      const server = new ScramServerExchange(v);
      const client = new ScramClientExchange(pw);
      const first = server.clientFirst(Buffer.from(client.clientFirst()));
      const final = server.clientFinal(Buffer.from(client.clientFinal(first)));
      expect(final !== undefined).toBe(ok);
      if (final) expect(client.serverFinalValid(final)).toBe(true);
    }
  });

  it('refuses a replayed proof (another server nonce), channel binding, authzid and a tampered nonce', () => {
    const replay = new ScramServerExchange(verifier); // random server nonce
    replay.clientFirst(Buffer.from(RFC.clientFirst));
    expect(() => replay.clientFinal(Buffer.from(RFC.clientFinal))).toThrow(ScramError);
    expect(() => new ScramServerExchange(verifier).clientFirst(Buffer.from('p=tls-server-end-point,,n=,r=abc'))).toThrow(/channel binding/);
    expect(() => new ScramServerExchange(verifier).clientFirst(Buffer.from('n,a=admin,n=,r=abc'))).toThrow(/authorization identity/);
    expect(() => new ScramServerExchange(verifier).clientFirst(Buffer.from('n,,m=ext,n=,r=abc'))).toThrow(ScramError);
    expect(() => new ScramServerExchange(verifier).clientFinal(Buffer.from(RFC.clientFinal))).toThrow(/unexpected/);
  });

  it('parses PostgreSQL SASLInitialResponse bodies; SASLprep leaves ASCII alone and maps odd spaces', () => {
    const data = Buffer.from(RFC.clientFirst);
    const len = Buffer.alloc(4);
    len.writeInt32BE(data.length);
    expect(parseSaslInitialResponse(Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), len, data]))).toEqual({ mechanism: 'SCRAM-SHA-256', data });
    expect(() => parseSaslInitialResponse(Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), len]))).toThrow(ScramError);
    expect(saslPrep('pa ss')).toBe('pa ss');
    expect(saslPrep('pa\u00A0ss')).toBe('pa ss');
    expect(saslPrep('I\u00ADX')).toBe('IX');
    expect(saslPrep('\u0007bell')).toBe('\u0007bell'); // prohibited: the raw password is used, as PostgreSQL does
  });
});

describe('owner of a loopback connection (/proc/net/tcp)', () => {
  it('formats addresses the way the kernel prints them', () => {
    expect(procNetAddress('127.0.0.1', 6432)).toEqual({ file: 'tcp', text: '0100007F:1920' });
    expect(procNetAddress('::1', 80)).toEqual({ file: 'tcp6', text: '00000000000000000000000001000000:0050' });
    expect(procNetAddress('::ffff:127.0.0.1', 80).text).toBe('0000000000000000FFFF00000100007F:0050');
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1920 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:D431 0100007F:1920 01 00000000:00000000 00:00000000 00000000 65534        0 2 1 0000000000000000 20 4 30 10 -1',
      '   2: 0100007F:1920 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 20 4 30 10 -1',
    ].join('\n');
    expect(findSocketUid(table, '0100007F:D431', '0100007F:1920')).toBe(65534);
    expect(findSocketUid(table, '0100007F:D432', '0100007F:1920')).toBeUndefined();
  });

  it.runIf(process.platform === 'linux')('finds this process as the owner of its own client socket', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const accepted = new Promise<Socket>((r) => server.once('connection', r));
    const client = connect((server.address() as { port: number }).port, '127.0.0.1');
    const sock = await accepted;
    try {
      expect(peerUidNow(sock)).toBe(process.getuid?.());
      expect(peerUidNow({ remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2 })).toBeUndefined();
    } finally {
      client.destroy();
      sock.destroy();
      server.close();
    }
  });
});

describe('default socket folder', () => {
  it('prefers $XDG_RUNTIME_DIR/pgentra, then <data>/run, and never exceeds sun_path', () => {
    expect(defaultSocketDir('/home/a/.config/pgEntra', { XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/pgentra');
    expect(defaultSocketDir('/home/a/.config/pgEntra', {})).toBe('/home/a/.config/pgEntra/run');
    const long = '/' + 'x'.repeat(120);
    const d = defaultSocketDir(long, { XDG_RUNTIME_DIR: long });
    expect(d.startsWith(path.join(os.tmpdir(), 'pgentra-'))).toBe(true);
    expect(Buffer.byteLength(unixSocketPathFor(d, 65535))).toBeLessThanOrEqual(socketPathLimit());
  });
});
