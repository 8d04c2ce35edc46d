import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MessageBuffer,
  ProtocolError,
  authenticationCleartextPassword,
  authenticationOk,
  authenticationSASL,
  backendKeyData,
  buildCancelRequest,
  buildGSSENCRequest,
  buildSSLRequest,
  buildStartupMessage,
  errorResponse,
  frame,
  parameterStatus,
  parseAuthentication,
  parseBackendKeyData,
  parseErrorFields,
  parsePasswordMessage,
  parseStartupPacket,
  passwordMessage,
  readyForQuery,
} from '../../../electron/pgwire/index.js';

function untyped(packet: Buffer): Buffer {
  const mb = new MessageBuffer();
  mb.push(packet);
  const body = mb.nextUntyped(10_000);
  if (!body) throw new Error('incomplete');
  expect(mb.pending).toBe(0);
  return body;
}

function typed(packet: Buffer): { type: string; body: Buffer } {
  const mb = new MessageBuffer();
  mb.push(packet);
  const m = mb.nextTyped(1 << 20);
  if (!m) throw new Error('incomplete');
  return m;
}

describe('startup-phase packets', () => {
  it('encodes SSLRequest, GSSENCRequest and CancelRequest with their magic numbers', () => {
    expect(buildSSLRequest().toString('hex')).toBe('0000000804d2162f');
    expect(buildGSSENCRequest().toString('hex')).toBe('0000000804d21630');
    expect(buildCancelRequest(0x1234, Buffer.from('deadbeef', 'hex')).toString('hex')).toBe('0000001004d2162e00001234deadbeef');
    expect(parseStartupPacket(untyped(buildSSLRequest()))).toEqual({ kind: 'ssl' });
    expect(parseStartupPacket(untyped(buildGSSENCRequest()))).toEqual({ kind: 'gssenc' });
  });

  it('parses protocol-3.2 cancel requests with long keys', () => {
    const key = Buffer.alloc(32, 7);
    expect(parseStartupPacket(untyped(buildCancelRequest(42, key)))).toEqual({ kind: 'cancel', processId: 42, secretKey: key });
    expect(() => buildCancelRequest(1, Buffer.alloc(3))).toThrow(RangeError);
  });

  it('round-trips startup parameters in order', () => {
    const param = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\0'));
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.tuple(
            param,
            fc.string({ maxLength: 30 }).filter((s) => !s.includes('\0')),
          ),
          { selector: ([k]) => k, maxLength: 8 },
        ),
        (pairs) => {
          const params = new Map<string, string>([['user', 'alice@contoso.example'], ...pairs.filter(([k]) => k !== 'user')]);
          const parsed = parseStartupPacket(untyped(buildStartupMessage(params)));
          expect(parsed).toEqual({ kind: 'startup', majorVersion: 3, minorVersion: 0, params });
        },
      ),
    );
  });

  it('keeps the minor protocol version', () => {
    const p = parseStartupPacket(untyped(buildStartupMessage({ user: 'u' }, (3 << 16) | 2)));
    expect(p).toMatchObject({ kind: 'startup', majorVersion: 3, minorVersion: 2 });
  });

  it('rejects malformed startup packets', () => {
    const body = (hex: string): Buffer => Buffer.from(hex, 'hex');
    expect(() => parseStartupPacket(body('00020000'))).toThrow(ProtocolError); // protocol 2
    expect(() => parseStartupPacket(body('000300007573657200'))).toThrow(ProtocolError); // unterminated
    expect(() => parseStartupPacket(body('0003000000'))).toThrow(/no PostgreSQL user name/);
    expect(() => parseStartupPacket(body('04d2162f00'))).toThrow(/SSLRequest/);
    expect(() => buildStartupMessage({ user: 'a\0b' })).toThrow(RangeError);
  });

  it('bounds the length word', () => {
    const mb = new MessageBuffer();
    mb.push(Buffer.from('00ffffff', 'hex'));
    expect(() => mb.nextUntyped(10_000)).toThrow(ProtocolError);
    const mb2 = new MessageBuffer();
    mb2.push(Buffer.from('00000004', 'hex'));
    expect(() => mb2.nextUntyped(10_000)).toThrow(ProtocolError);
  });
});

describe('framing', () => {
  it('reassembles messages split at any byte boundary', () => {
    const stream = Buffer.concat([authenticationOk(), parameterStatus('server_version', '18.0'), backendKeyData(7, Buffer.from([1, 2, 3, 4])), readyForQuery('I')]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 6 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const mb = new MessageBuffer();
        const got: string[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          mb.push(stream.subarray(prev, p));
          prev = p;
          for (let m = mb.nextTyped(1000); m; m = mb.nextTyped(1000)) got.push(m.type);
        }
        expect(got).toEqual(['R', 'S', 'K', 'Z']);
        expect(mb.pending).toBe(0);
      }),
    );
  });

  it('hands back unconsumed bytes', () => {
    const mb = new MessageBuffer();
    mb.push(Buffer.concat([readyForQuery('T'), Buffer.from('Q\0\0')]));
    expect(mb.nextTyped(100)?.type).toBe('Z');
    expect(mb.nextTyped(100)).toBeUndefined();
    expect(mb.drain().toString('latin1')).toBe('Q\0\0');
    expect(mb.pending).toBe(0);
  });

  it('rejects oversized messages', () => {
    const mb = new MessageBuffer();
    mb.push(frame('p', Buffer.alloc(70_000)));
    expect(() => mb.nextTyped(65_535)).toThrow(ProtocolError);
  });
});

describe('backend messages', () => {
  it('authentication requests', () => {
    expect(authenticationCleartextPassword().toString('hex')).toBe('520000000800000003');
    expect(parseAuthentication(typed(authenticationOk()).body)).toEqual({ code: 0, data: Buffer.alloc(0) });
    const sasl = parseAuthentication(typed(authenticationSASL(['SCRAM-SHA-256'])).body);
    expect(sasl.code).toBe(10);
    expect(sasl.data.toString('latin1')).toBe('SCRAM-SHA-256\0\0');
  });

  it('ParameterStatus, BackendKeyData, ReadyForQuery', () => {
    const status = typed(parameterStatus('TimeZone', 'UTC'));
    expect(status.type).toBe('S');
    expect(status.body.toString('latin1')).toBe('TimeZone\0UTC\0');
    expect(parseBackendKeyData(typed(backendKeyData(99, Buffer.from('cafebabe', 'hex'))).body)).toEqual({
      processId: 99,
      secretKey: Buffer.from('cafebabe', 'hex'),
    });
    expect(readyForQuery('E').toString('hex')).toBe('5a0000000545');
  });

  it('ErrorResponse round-trips, with the non-localized severity', () => {
    const err = typed(errorResponse({ severity: 'FATAL', code: '28P01', message: 'password authentication failed for user "ü"', detail: 'd' }));
    expect(err.type).toBe('E');
    expect(parseErrorFields(err.body)).toEqual({
      severity: 'FATAL',
      severityNonLocalized: 'FATAL',
      code: '28P01',
      message: 'password authentication failed for user "ü"',
      detail: 'd',
    });
  });

  it('parses a real PostgreSQL ErrorResponse, keeping unknown fields', () => {
    // S V C M F L R as sent by PostgreSQL 18, plus a made-up field 'X'.
    const body = Buffer.from('SFATAL\0VFATAL\0C3D000\0Mdatabase "x" does not exist\0Fpostinit.c\0L1035\0RInitPostgres\0Xnew\0\0', 'latin1');
    expect(parseErrorFields(body)).toEqual({
      severity: 'FATAL',
      severityNonLocalized: 'FATAL',
      code: '3D000',
      message: 'database "x" does not exist',
      file: 'postinit.c',
      line: '1035',
      routine: 'InitPostgres',
      unknown: { X: 'new' },
    });
    expect(() => parseErrorFields(Buffer.from('SFATAL\0\0', 'latin1'))).toThrow(ProtocolError);
    expect(() => parseErrorFields(Buffer.from('SFATAL\0', 'latin1'))).toThrow(ProtocolError);
  });
});

describe('frontend messages', () => {
  it('PasswordMessage carries a long token intact', () => {
    const token = 'eyJ' + 'a'.repeat(6_900);
    expect(parsePasswordMessage(typed(passwordMessage(token)))).toBe(token);
    expect(() => parsePasswordMessage({ type: 'Q', body: Buffer.from('x\0') })).toThrow(ProtocolError);
    expect(() => parsePasswordMessage({ type: 'p', body: Buffer.from('x\0y') })).toThrow(/password packet/);
  });
});
