// A stand-in Microsoft Graph for unit tests: a loopback HTTPS server (a throwaway CA that the
// client trusts as a custom cloud's CA) whose answers each test writes, recording every request
// (method, path, the bearer token it carried, the body) and every TLS connection. And a token
// provider that hands out a JWT-shaped Graph token naming an object id, recording each call.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessToken, TokenProvider, TokenRequest } from '../../../electron/auth/tokenProvider.js';
import { createTlsMaterial, type TlsMaterial } from '../../sim/ca.js';

export interface SeenRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  authorization: string | undefined;
  body: string;
}

export type FakeHandler = (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeGraph {
  /** `https://127.0.0.1:PORT`. */
  endpoint: string;
  caPem: string;
  requests: SeenRequest[];
  /** TLS connections accepted so far. */
  connections(): number;
  /** What the next requests get (replaces the previous handler). */
  handle(h: FakeHandler): void;
  close(): Promise<void>;
}

let material: Promise<TlsMaterial> | undefined;

/** JSON with Graph's content type. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export async function startFakeGraph(): Promise<FakeGraph> {
  // One CA and certificate per test file: RSA key generation is the slow part.
  material ??= createTlsMaterial();
  const tls = await material;
  const requests: SeenRequest[] = [];
  let handler: FakeHandler = (_req, res) => json(res, 404, { error: { code: 'ResourceNotFound', message: 'No handler.' } });
  let connections = 0;
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? 'GET', url: req.url ?? '/', authorization: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      void Promise.resolve(handler(seen, res)).catch(() => res.destroy());
    });
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `https://127.0.0.1:${port}`,
    caPem: tls.caCertPem,
    requests,
    connections: () => connections,
    handle: (h) => void (handler = h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const OID = '0b5f7a8e-1c2d-4e3f-8a9b-0c1d2e3f4a5b';

/** A Graph token's shape (header.payload.signature) with `claims` in its payload; nothing checks the signature. */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.c2ln`;
}

export interface FakeTokens extends TokenProvider {
  calls: TokenRequest[];
}

export function fakeTokens(claims: Record<string, unknown> = { oid: OID }): FakeTokens {
  const calls: TokenRequest[] = [];
  return {
    calls,
    getToken(req): Promise<AccessToken> {
      calls.push(req);
      return Promise.resolve({ token: fakeJwt({ ...claims, n: calls.length }), expiresOn: new Date(Date.now() + 3_600_000) });
    },
  };
}
