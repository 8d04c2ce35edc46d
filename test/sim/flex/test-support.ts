// Test support for the flexible-server simulator: a minimal token issuer (RS256 JWKS over
// HTTPS, v1-style claims) so these tests do not depend on the Entra simulator, helpers to run
// psql, to log in with node-postgres and to find leftover postgres processes, and raw wire access
// through node-postgres' pg-protocol (never the product's own codec).
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { connect as netConnect } from 'node:net';
import { Readable } from 'node:stream';
import pg from 'pg';
import { parse } from 'pg-protocol';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsMaterial } from '../ca.js';
import { POSTGRES_RESOURCE, type Directory } from '../types.js';

export interface MintOptions {
  expired?: boolean;
  audience?: string;
  tamper?: boolean;
  /** Sign with a key the JWKS does not publish. */
  foreignKey?: boolean;
  extra?: Record<string, unknown>;
}

export interface FakeIssuer {
  jwksUri: string;
  issuer: string;
  tenantId: string;
  /** subject: a user UPN, managed identity name or service principal display name. */
  mint(subject: string, opts?: MintOptions): string;
  close(): Promise<void>;
}

function jwt(payload: Record<string, unknown>, key: KeyObject, kid: string): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ typ: 'JWT', alg: 'RS256', kid })}.${enc(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

export async function startFakeIssuer(dir: Directory, tls: TlsMaterial): Promise<FakeIssuer> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const jwk = publicKey.export({ format: 'jwk' });
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    if (req.url === '/common/discovery/keys') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [{ kty: 'RSA', use: 'sig', kid, n: jwk.n, e: jwk.e }] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const tid = dir.tenant.id;
  const issuer = `https://sts.windows.net/${tid}/`;

  return {
    jwksUri: `https://localhost:${port}/common/discovery/keys`,
    issuer,
    tenantId: tid,
    mint(subject, o = {}) {
      const now = Math.floor(Date.now() / 1000);
      const user = dir.users.find((u) => u.upn === subject);
      const mi = dir.managedIdentities.find((m) => m.name === subject);
      const sp = dir.servicePrincipals.find((s) => s.displayName === subject);
      const oid = user?.objectId ?? mi?.objectId ?? sp?.objectId;
      if (!oid) throw new Error(`unknown subject ${subject}`);
      const claims: Record<string, unknown> = {
        aud: o.audience ?? POSTGRES_RESOURCE,
        iss: issuer,
        iat: now - 60,
        nbf: now - 60,
        exp: o.expired ? now - 600 : now + 3600,
        tid,
        oid,
        sub: oid,
        ver: '1.0',
        ...(user
          ? {
              upn: user.upn,
              unique_name: user.upn,
              idtyp: 'user',
              amr: ['pwd'],
              groups: dir.groups.filter((g) => g.members.includes(user.objectId)).map((g) => g.objectId),
            }
          : { appid: mi?.clientId ?? sp?.appId, idtyp: 'app' }),
        ...o.extra,
      };
      let token = jwt(claims, o.foreignKey ? other.privateKey : privateKey, kid);
      if (o.tamper) {
        const [h, , s] = token.split('.');
        token = `${h}.${Buffer.from(JSON.stringify({ ...claims, oid: randomUUID() })).toString('base64url')}.${s}`;
      }
      return token;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface PsqlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs Debian's psql against the sim with verify-full TLS and the token as PGPASSWORD. */
export function psql(opts: { port: number; user: string; password?: string; caFile: string; sql: string | string[]; sslmode?: string }): Promise<PsqlResult> {
  const conn = `host=localhost port=${opts.port} dbname=postgres user=${opts.user} sslmode=${opts.sslmode ?? 'verify-full'} sslrootcert=${opts.caFile} connect_timeout=10`;
  return new Promise((resolve) => {
    execFile(
      '/usr/bin/psql',
      [conn, '-X', '-At', '-w', '-v', 'ON_ERROR_STOP=1', ...[opts.sql].flat().flatMap((c) => ['-c', c])],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(opts.password !== undefined ? { PGPASSWORD: opts.password } : {}) },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
      },
    );
  });
}

/**
 * Logs in through node-postgres as `user` with `token` as the password (TLS trusting `ca`): the
 * session's current_user, or `refused: ` and the server's message.
 */
export async function loginAs(server: { host: string; port: number; ca: string }, user: string, token: string): Promise<string> {
  const c = new pg.Client({ host: server.host, port: server.port, database: 'postgres', user, password: token, ssl: { ca: server.ca } });
  c.on('error', () => undefined);
  try {
    await c.connect();
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  }
  try {
    return ((await c.query<{ u: string }>('select current_user as u')).rows[0] ?? { u: '' }).u;
  } finally {
    await c.end();
  }
}

/** A temp dir with the CA file in it; remove with the returned function. */
export function writeCaFile(caCertPem: string): { caFile: string; remove(): void } {
  const d = mkdtempSync(join(tmpdir(), 'pgentra-flex-ca-'));
  const caFile = join(d, 'ca.pem');
  writeFileSync(caFile, caCertPem);
  return { caFile, remove: () => rmSync(d, { recursive: true, force: true }) };
}

/** PIDs of processes whose command line mentions `needle` (e.g. the data directory). */
export function processesMatching(needle: string): Promise<number[]> {
  return new Promise((resolve) => {
    execFile('pgrep', ['-f', '--', needle], (err, stdout) => {
      if (err) return resolve([]);
      resolve(
        stdout
          .split('\n')
          .filter(Boolean)
          .map(Number)
          .filter((p) => p !== process.pid),
      );
    });
  });
}

export type ServerMessage = Parameters<Parameters<typeof parse>[1]>[0];

/** Server messages in `bytes`, decoded by pg-protocol. */
export async function decodeServerMessages(bytes: Buffer): Promise<ServerMessage[]> {
  const out: ServerMessage[] = [];
  await parse(Readable.from([bytes]), (m) => out.push(m));
  return out;
}

/** GSSENCRequest: pg-protocol has no builder for it (node-postgres never sends it). */
export function gssencRequest(): Buffer {
  const b = Buffer.alloc(8);
  b.writeInt32BE(8, 0);
  b.writeInt32BE(80877104, 4);
  return b;
}

/** Sends `bytes` over plain TCP and returns everything the server wrote until it closed. */
export function plainExchange(port: number, bytes: Buffer, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = netConnect(port, host, () => s.write(bytes));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}
