// stdout for streamed output: honours backpressure (waits for 'drain' when the stream's buffer is
// full) and notices a closed pipe (… | head), so a large result never piles up in memory.
import type { OutputStream } from '../context.js';

interface Emitter {
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

function isEmitter(s: OutputStream): s is OutputStream & Emitter {
  const e = s as Partial<Emitter>;
  return typeof e.once === 'function' && typeof e.on === 'function' && typeof e.off === 'function';
}

/** Waits for 'drain' when the stream says its buffer is full; notices a closed pipe (… | head). */
export class Output {
  /** Set when stdout failed; EPIPE (the reader went away) is a normal end, anything else a failure. */
  failure: { epipe: boolean; message: string } | undefined;
  private readonly onError = (e: unknown): void => {
    const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
    this.failure ??= { epipe: code === 'EPIPE', message: e instanceof Error ? e.message : String(e) };
    this.wake?.();
  };
  private wake: (() => void) | undefined;

  constructor(private readonly stream: OutputStream) {
    if (isEmitter(stream)) stream.on('error', this.onError);
  }

  async write(chunk: string): Promise<void> {
    if (chunk === '' || this.failure) return;
    const ok = this.stream.write(chunk);
    const s = this.stream;
    if (ok !== false || !isEmitter(s)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        s.off('drain', done);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      s.once('drain', done);
    });
  }

  dispose(): void {
    if (isEmitter(this.stream)) this.stream.off('error', this.onError);
  }
}
