// Promise-style reads of protocol packets from a socket during the startup phase, until the
// socket is handed to the byte relay. Framing and parsing are pgwire's; this only waits for data.
import type { Duplex } from 'node:stream';
import { MAX_AUTH_MESSAGE_LENGTH, MAX_STARTUP_PACKET_LENGTH, MessageBuffer, parseStartupPacket, type StartupPacket, type TypedMessage } from './index.js';

export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
}

export class PacketReader {
  private readonly buf = new MessageBuffer();
  private wake: (() => void) | undefined;
  private closed = false;
  private failure: Error | undefined;
  private readonly onData = (c: Buffer): void => {
    this.buf.push(c);
    this.wake?.();
  };
  private readonly onEnd = (): void => {
    this.closed = true;
    this.wake?.();
  };
  private readonly onError = (e: Error): void => {
    this.failure = e;
    this.closed = true;
    this.wake?.();
  };

  constructor(private readonly sock: Duplex) {
    sock.on('data', this.onData);
    sock.on('end', this.onEnd);
    sock.on('close', this.onEnd);
    sock.on('error', this.onError);
  }

  private async next<T>(take: () => T | undefined): Promise<T> {
    for (;;) {
      const v = take();
      if (v !== undefined) return v;
      if (this.closed) throw this.failure ?? new ConnectionClosedError('connection closed');
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }

  untyped(): Promise<StartupPacket> {
    return this.next(() => this.buf.nextUntyped(MAX_STARTUP_PACKET_LENGTH)).then(parseStartupPacket);
  }

  typed(maxLength = MAX_AUTH_MESSAGE_LENGTH): Promise<TypedMessage> {
    return this.next(() => this.buf.nextTyped(maxLength));
  }

  /** Waits for at least one raw byte (SSLRequest answers are a single unframed byte). */
  byte(): Promise<number> {
    return this.next(() => {
      if (this.buf.pending === 0) return undefined;
      const all = this.buf.drain();
      const b = all[0] as number;
      if (all.length > 1) this.buf.push(all.subarray(1));
      return b;
    });
  }

  get pending(): number {
    return this.buf.pending;
  }

  /** Stops reading; returns bytes received but not consumed. */
  detach(): Buffer {
    this.sock.off('data', this.onData);
    this.sock.off('end', this.onEnd);
    this.sock.off('close', this.onEnd);
    this.sock.off('error', this.onError);
    this.sock.pause();
    return this.buf.drain();
  }
}
