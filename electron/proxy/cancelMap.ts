// Backend keys handed to clients. Each client gets a proxy-made (pid, secret) instead of the
// server's: a local client cannot cancel another client's backend by guessing, and the real key
// never leaves the proxy. A CancelRequest is honoured only for an exact (pid, secret) match.
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export interface BackendKey {
  processId: number;
  secretKey: Buffer;
}

export class CancelMap<T> {
  private readonly entries = new Map<number, { key: Buffer; target: T }>();

  /** Registers `target` (what a cancel needs: the upstream key and where to send it); returns the key for the client. */
  register(target: T, secretLength = 4): BackendKey {
    let processId: number;
    do processId = randomInt(1, 2 ** 31 - 1);
    while (this.entries.has(processId));
    const secretKey = randomBytes(Math.min(Math.max(secretLength, 4), 256));
    this.entries.set(processId, { key: secretKey, target });
    return { processId, secretKey };
  }

  /** The target for a client's CancelRequest, or undefined (unknown pid or wrong secret). */
  lookup(processId: number, secretKey: Buffer): T | undefined {
    const e = this.entries.get(processId);
    if (!e || e.key.length !== secretKey.length) return undefined;
    return timingSafeEqual(e.key, secretKey) ? e.target : undefined;
  }

  remove(processId: number): void {
    this.entries.delete(processId);
  }

  get size(): number {
    return this.entries.size;
  }
}
