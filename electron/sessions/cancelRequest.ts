// PostgreSQL's cancel request (the protocol's CancelRequest, as pg's Client#cancel sends it),
// sent inside TLS with the session's own TLS options: the backend's secret key goes only to a
// server whose certificate verified, never in cleartext. PostgreSQL has always accepted a
// CancelRequest after SSL negotiation (libpq ≥ 17 does the same).
import net from 'node:net';
import tls from 'node:tls';
import type { BackendKey } from './pgInternals.js';

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]); // 1234 << 16 | 5679
const CANCEL_CODE = (1234 << 16) | 5678;

export function cancelRequestPacket(key: BackendKey): Buffer {
  const b = Buffer.alloc(16);
  b.writeInt32BE(16, 0);
  b.writeInt32BE(CANCEL_CODE, 4);
  b.writeInt32BE(key.processId, 8);
  b.writeInt32BE(key.secretKey, 12);
  return b;
}

/** Resolves once the server closed the cancel connection (it never answers), rejects on failure. */
export function sendCancelRequest(opts: { host: string; port: number; ssl: tls.ConnectionOptions; key: BackendKey; timeoutMs: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const raw = net.connect({ host: opts.host, port: opts.port });
    let secure: tls.TLSSocket | undefined;
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      secure?.destroy();
      raw.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`cancel request to ${opts.host}:${opts.port} timed out`)), opts.timeoutMs);
    raw.on('error', (e) => finish(e));
    raw.once('connect', () => raw.write(SSL_REQUEST));
    raw.once('data', (reply) => {
      if (reply[0] !== 0x53 /* 'S' */) {
        finish(new Error('the server refused TLS for the cancel request'));
        return;
      }
      secure = tls.connect({ ...opts.ssl, socket: raw, host: opts.host });
      secure.on('error', (e) => finish(e));
      secure.once('secureConnect', () => secure?.end(cancelRequestPacket(opts.key)));
      secure.once('close', () => finish());
    });
  });
}
