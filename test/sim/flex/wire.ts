// The server side of the PostgreSQL wire protocol, as much as the front end needs: reading the
// client's untyped start-up packets and typed messages, and writing the few messages the front
// end itself sends. Written from the protocol documentation, deliberately independent of the
// product's own codec (electron/pgwire) so that a bug there cannot hide here.
import type { Duplex } from 'node:stream';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
const MAX_STARTUP_LENGTH = 10_000;
/** PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH: the largest password message it reads. */
export const MAX_PASSWORD_LENGTH = 65_535;

export type StartupPacket =
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  /** `raw` is the whole packet: relayed as is, the backend checks the key. */
  | { kind: 'cancel'; raw: Buffer }
  /** `raw` is the whole packet, relayed unchanged to the backend. */
  | { kind: 'startup'; major: number; minor: number; params: Map<string, string>; raw: Buffer };

/** The client broke the protocol; PostgreSQL answers FATAL with this text (08P01 unless said). */
export class WireProtocolError extends Error {
  constructor(
    message: string,
    readonly sqlstate = '08P01',
  ) {
    super(message);
  }
}
/** The client went away before sending what was awaited. */
export class ClientGoneError extends Error {}

/** Buffers what a client sends and hands it out packet by packet. */
export class WireReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  private wake: (() => void) | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.notify();
  };
  private readonly onEnd = (): void => {
    this.done = true;
    this.notify();
  };

  constructor(private readonly stream: Duplex) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
  }

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Stops reading (the stream is left paused) and returns the unconsumed bytes. */
  release(): Buffer {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.pause();
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest;
  }

  async startupPacket(): Promise<StartupPacket> {
    await this.need(4);
    const length = this.buf.readInt32BE(0);
    if (length < 8 || length > MAX_STARTUP_LENGTH) throw new WireProtocolError('invalid length of startup packet');
    const packet = await this.take(length);
    const code = packet.readInt32BE(4);
    if (code === SSL_REQUEST) return { kind: 'ssl' };
    if (code === GSSENC_REQUEST) return { kind: 'gssenc' };
    if (code === CANCEL_REQUEST) return { kind: 'cancel', raw: packet };
    const major = code >>> 16;
    const minor = code & 0xffff;
    if (major !== 3) {
      throw new WireProtocolError(`unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.2`, '0A000');
    }
    return { kind: 'startup', major, minor, params: startupParams(packet.subarray(8)), raw: packet };
  }

  /** One typed message: type byte, Int32 length (counting itself), body. */
  async message(maxLength: number): Promise<{ type: string; body: Buffer }> {
    await this.need(5);
    const type = String.fromCharCode(this.buf[0] ?? 0);
    const length = this.buf.readInt32BE(1);
    if (length < 4 || length > maxLength) throw new WireProtocolError('invalid message length');
    const whole = await this.take(1 + length);
    return { type, body: whole.subarray(5) };
  }

  private async need(n: number): Promise<void> {
    while (this.buf.length < n) {
      if (this.done) throw new ClientGoneError('the client closed the connection');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private async take(n: number): Promise<Buffer> {
    await this.need(n);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** name\0value\0 … \0 → Map; anything else is a protocol violation. */
function startupParams(body: Buffer): Map<string, string> {
  const params = new Map<string, string>();
  const fields = body.toString('utf8').split('\0');
  // A well-formed body ends with "\0\0": the split leaves two empty strings at the end.
  if (fields.length < 2 || fields.pop() !== '' || fields.pop() !== '' || fields.length % 2 !== 0) {
    throw new WireProtocolError('invalid startup packet layout: expected terminator as last byte');
  }
  for (let i = 0; i < fields.length; i += 2) params.set(fields[i] ?? '', fields[i + 1] ?? '');
  return params;
}

/** The body of a PasswordMessage ('p'): one NUL-terminated string. */
export function passwordFromMessage(m: { type: string; body: Buffer }): string {
  if (m.type !== 'p') throw new WireProtocolError(`expected password response, got message type ${m.type.charCodeAt(0)}`);
  const nul = m.body.indexOf(0);
  if (nul !== m.body.length - 1) throw new WireProtocolError('invalid password packet size');
  return m.body.subarray(0, nul).toString('utf8');
}

function typed(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

/** AuthenticationCleartextPassword: 'R', request code 3. */
export function authCleartextPassword(): Buffer {
  const body = Buffer.alloc(4);
  body.writeInt32BE(3);
  return typed('R', body);
}

export interface ServerError {
  severity: 'FATAL' | 'ERROR';
  sqlstate: string;
  message: string;
}

/** ErrorResponse with the fields PostgreSQL always sends: S, V (unlocalised), C, M. */
export function errorResponse(e: ServerError): Buffer {
  const field = (code: string, value: string): Buffer => Buffer.from(`${code}${value}\0`, 'utf8');
  return typed('E', Buffer.concat([field('S', e.severity), field('V', e.severity), field('C', e.sqlstate), field('M', e.message), Buffer.from([0])]));
}
