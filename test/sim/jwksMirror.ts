// Entra's signing keys as Azure's own servers fetch them. In the corporate-proxy mode the
// namespace's /etc/hosts sends login.microsoftonline.com nowhere (it is the *client's* network),
// but a flexible server sits on Azure's network and still reaches Entra. So the flexible-server
// simulator gets this loopback HTTPS copy of the tenant's JWKS instead of the blocked name.
import { createServer, type Server } from 'node:https';
import type { TlsMaterial } from './ca.js';

export interface JwksMirror {
  /** `https://127.0.0.1:PORT/common/discovery/keys` (the certificate must name 127.0.0.1). */
  jwksUri: string;
  close(): Promise<void>;
}

export async function startJwksMirror(keys: readonly unknown[], tls: TlsMaterial): Promise<JwksMirror> {
  const body = JSON.stringify({ keys });
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    if (req.method === 'GET' && req.url === '/common/discovery/keys') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('JWKS mirror: no address');
  return {
    jwksUri: `https://127.0.0.1:${addr.port}/common/discovery/keys`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
