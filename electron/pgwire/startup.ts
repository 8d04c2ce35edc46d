// The untyped first packet of a connection, in both directions of use: a server parses what a
// client opened with; a client (or proxy) builds it.
import { CANCEL_REQUEST_CODE, GSSENC_REQUEST_CODE, MAX_STARTUP_PACKET_LENGTH, PROTOCOL_3_0, SSL_REQUEST_CODE } from './protocol.js';
import { ProtocolError, cstring, frameUntyped, int32, readCString } from './framing.js';

export type StartupPacket =
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  /** `secretKey` is 4 bytes in protocol 3.0 and up to 256 bytes in 3.2 (PostgreSQL 18). */
  | { kind: 'cancel'; processId: number; secretKey: Buffer }
  | { kind: 'startup'; majorVersion: number; minorVersion: number; params: Map<string, string> };

/** Parses the body of an untyped packet (as returned by MessageBuffer.nextUntyped). */
export function parseStartupPacket(body: Buffer): StartupPacket {
  if (body.length < 4) throw new ProtocolError('startup packet too short');
  const code = body.readInt32BE(0);
  if (code === SSL_REQUEST_CODE) {
    if (body.length !== 4) throw new ProtocolError('invalid SSLRequest length');
    return { kind: 'ssl' };
  }
  if (code === GSSENC_REQUEST_CODE) {
    if (body.length !== 4) throw new ProtocolError('invalid GSSENCRequest length');
    return { kind: 'gssenc' };
  }
  if (code === CANCEL_REQUEST_CODE) {
    if (body.length < 12 || body.length > 8 + 256) throw new ProtocolError('invalid CancelRequest length');
    return { kind: 'cancel', processId: body.readInt32BE(4), secretKey: Buffer.from(body.subarray(8)) };
  }
  const majorVersion = code >>> 16;
  const minorVersion = code & 0xffff;
  if (majorVersion !== 3) throw new ProtocolError(`unsupported frontend protocol ${majorVersion}.${minorVersion}`);
  const params = new Map<string, string>();
  let off = 4;
  for (;;) {
    if (off >= body.length) throw new ProtocolError('startup packet not terminated');
    if (body[off] === 0) {
      if (off !== body.length - 1) throw new ProtocolError('trailing bytes after startup packet');
      break;
    }
    const name = readCString(body, off);
    const value = readCString(body, name.next);
    params.set(name.value, value.value);
    off = value.next;
  }
  if (!params.get('user')) throw new ProtocolError('no PostgreSQL user name specified in startup packet');
  return { kind: 'startup', majorVersion, minorVersion, params };
}

/** Builds a framed StartupMessage. Parameter order is preserved. */
export function buildStartupMessage(params: ReadonlyMap<string, string> | Record<string, string>, version = PROTOCOL_3_0): Buffer {
  const entries = params instanceof Map ? [...params.entries()] : Object.entries(params);
  const parts: Buffer[] = [int32(version)];
  for (const [k, v] of entries) parts.push(cstring(k), cstring(v));
  parts.push(Buffer.from([0]));
  const packet = frameUntyped(Buffer.concat(parts));
  if (packet.length > MAX_STARTUP_PACKET_LENGTH) throw new RangeError('startup packet too long');
  return packet;
}

export function buildSSLRequest(): Buffer {
  return frameUntyped(int32(SSL_REQUEST_CODE));
}

export function buildGSSENCRequest(): Buffer {
  return frameUntyped(int32(GSSENC_REQUEST_CODE));
}

export function buildCancelRequest(processId: number, secretKey: Buffer): Buffer {
  if (secretKey.length < 4 || secretKey.length > 256) throw new RangeError('cancel key must be 4..256 bytes');
  return frameUntyped(Buffer.concat([int32(CANCEL_REQUEST_CODE), int32(processId), secretKey]));
}
