// The front end's wire codec against an independent one: node-postgres' pg-protocol writes the
// client's packets and reads the server's. And the simulator shares no code with the product's
// own codec, so a bug there cannot pass here unseen.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { serialize } from 'pg-protocol';
import { describe, expect, it } from 'vitest';
import { decodeServerMessages, gssencRequest } from './test-support.js';
import { ClientGoneError, MAX_PASSWORD_LENGTH, WireProtocolError, WireReader, authCleartextPassword, errorResponse, passwordFromMessage } from './wire.js';

function readerFed(...chunks: Buffer[]): { reader: WireReader; stream: PassThrough } {
  const stream = new PassThrough();
  const reader = new WireReader(stream);
  for (const c of chunks) stream.write(c);
  return { reader, stream };
}

describe('no code shared with the product', () => {
  it('nothing in test/sim/flex imports from electron/', () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /from\s+['"][^'"]*\/electron\//.test(readFileSync(`${dir}/${f}`, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('WireReader reads what pg-protocol writes', () => {
  it('SSLRequest, GSSENCRequest, StartupMessage (split across chunks), CancelRequest', async () => {
    const startup = serialize.startup({ user: 'db-admins', database: 'postgres', application_name: 'ü' });
    const cancel = serialize.cancel(4242, 0x01020304);
    const { reader, stream } = readerFed(serialize.requestSsl(), gssencRequest(), startup.subarray(0, 7));
    expect(await reader.startupPacket()).toEqual({ kind: 'ssl' });
    expect(await reader.startupPacket()).toEqual({ kind: 'gssenc' });
    const pending = reader.startupPacket();
    stream.write(startup.subarray(7));
    const s = await pending;
    expect(s).toMatchObject({ kind: 'startup', major: 3, minor: 0 });
    expect(s.kind === 'startup' && Object.fromEntries(s.params)).toEqual({
      user: 'db-admins',
      database: 'postgres',
      application_name: 'ü',
      client_encoding: 'UTF8',
    });
    expect(s.kind === 'startup' && s.raw.equals(startup)).toBe(true);
    stream.write(cancel);
    expect(await reader.startupPacket()).toEqual({ kind: 'cancel', raw: cancel });
  });

  it('PasswordMessage, and the leftover bytes after it', async () => {
    const token = 'eyJ0eXAiOiJKV1Qi.' + 'x'.repeat(7000);
    const { reader } = readerFed(Buffer.concat([serialize.password(token), serialize.query('select 1')]));
    expect(passwordFromMessage(await reader.message(MAX_PASSWORD_LENGTH))).toBe(token);
    expect(reader.release()).toEqual(serialize.query('select 1'));
  });

  it('protocol violations and a vanished client', async () => {
    const badLength = Buffer.alloc(8);
    badLength.writeInt32BE(4);
    await expect(readerFed(badLength).reader.startupPacket()).rejects.toThrow(WireProtocolError);
    const v2 = Buffer.alloc(8);
    v2.writeInt32BE(8);
    v2.writeInt32BE(2 << 16, 4);
    await expect(readerFed(v2).reader.startupPacket()).rejects.toMatchObject({ sqlstate: '0A000' });
    const query = await readerFed(serialize.query('select 1')).reader.message(MAX_PASSWORD_LENGTH);
    expect(() => passwordFromMessage(query)).toThrow('expected password response, got message type 81');
    const { reader, stream } = readerFed(serialize.requestSsl().subarray(0, 3));
    stream.end();
    await expect(reader.startupPacket()).rejects.toThrow(ClientGoneError);
  });
});

describe('pg-protocol reads what the front end writes', () => {
  it('AuthenticationCleartextPassword and ErrorResponse', async () => {
    const msgs = await decodeServerMessages(Buffer.concat([authCleartextPassword(), errorResponse({ severity: 'FATAL', sqlstate: '28P01', message: 'password authentication failed for user "ü"' })]));
    expect(msgs).toMatchObject([{ name: 'authenticationCleartextPassword' }, { name: 'error', severity: 'FATAL', code: '28P01', message: 'password authentication failed for user "ü"' }]);
  });
});
