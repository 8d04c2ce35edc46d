// Splits a byte stream into protocol messages. The first message a client sends (startup,
// SSLRequest, GSSENCRequest, CancelRequest) has no type byte; every later message has one.

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** A typed message: the type byte and the body (without type byte and length). */
export interface TypedMessage {
  type: string;
  body: Buffer;
}

/**
 * Accumulates bytes and hands out whole messages. It never copies more than needed and
 * keeps unconsumed bytes so a caller can hand them to another consumer (e.g. a relay).
 */
export class MessageBuffer {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  /** Bytes received but not yet consumed. */
  get pending(): number {
    return this.buf.length;
  }

  /** Takes every unconsumed byte, leaving the buffer empty. */
  drain(): Buffer {
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest;
  }

  /** Next untyped (startup-phase) packet body, without its length word, or undefined if incomplete. */
  nextUntyped(maxLength: number): Buffer | undefined {
    if (this.buf.length < 4) return undefined;
    const len = this.buf.readInt32BE(0);
    if (len < 8 || len > maxLength) throw new ProtocolError(`invalid startup packet length ${len}`);
    if (this.buf.length < len) return undefined;
    const body = this.buf.subarray(4, len);
    this.buf = this.buf.subarray(len);
    return body;
  }

  /** Next typed message, or undefined if incomplete. */
  nextTyped(maxLength: number): TypedMessage | undefined {
    if (this.buf.length < 5) return undefined;
    const len = this.buf.readInt32BE(1);
    if (len < 4 || len > maxLength) throw new ProtocolError(`invalid message length ${len}`);
    if (this.buf.length < len + 1) return undefined;
    const type = String.fromCharCode(this.buf[0] as number);
    const body = this.buf.subarray(5, len + 1);
    this.buf = this.buf.subarray(len + 1);
    return { type, body };
  }
}

/** Frames a typed message: type byte, Int32 length (including itself), body. */
export function frame(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  if (type.length !== 1) throw new RangeError('message type must be one character');
  const out = Buffer.allocUnsafe(5 + body.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

/** Frames an untyped (startup-phase) packet: Int32 length, body. */
export function frameUntyped(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeInt32BE(4 + body.length, 0);
  body.copy(out, 4);
  return out;
}

/** A NUL-terminated string as the protocol encodes it (UTF-8). */
export function cstring(s: string): Buffer {
  if (s.includes('\0')) throw new RangeError('protocol strings cannot contain NUL');
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

/** Reads a NUL-terminated string at `offset`; returns it and the offset after the NUL. */
export function readCString(buf: Buffer, offset: number): { value: string; next: number } {
  const end = buf.indexOf(0, offset);
  if (end < 0) throw new ProtocolError('unterminated string');
  return { value: buf.toString('utf8', offset, end), next: end + 1 };
}

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n, 0);
  return b;
}

export { int32 };
