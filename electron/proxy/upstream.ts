// The proxy's side toward the flexible server: TCP, SSLRequest, TLS with certificate and host
// name verification, then the Entra login (the token as the cleartext password). The token is
// written only to a TLS socket whose handshake verified — never before, never elsewhere.
import net from 'node:net';
import tls from 'node:tls';
import { PgEntraError } from '../../shared/errors.js';
import {
  AuthCode,
  buildCancelRequest,
  buildSSLRequest,
  buildStartupMessage,
  frame,
  parseAuthentication,
  parseBackendKeyData,
  parseErrorFields,
  passwordMessage,
  type ErrorFields,
} from '../pgwire/index.js';
import type { BackendKey } from './cancelMap.js';
import { PacketReader } from '../pgwire/packetReader.js';

export interface UpstreamTarget {
  host: string;
  port: number;
  /** TLS options from the profile's sslmode (base/tls.ts buildSslOptions). */
  ssl: tls.ConnectionOptions;
  connectTimeoutMs: number;
}

export interface UpstreamConnection {
  socket: tls.TLSSocket;
  reader: PacketReader;
}

/** Server messages after the handshake, longer than anything in the login phase but bounded. */
const MAX_LOGIN_PHASE_MESSAGE = 1 << 20;
/**
 * All that is kept for the client until the first ReadyForQuery: a real server sends a few kB
 * (ParameterStatus, a notice or two). Without a total, a server that never sends ReadyForQuery
 * could make the proxy hold notices until the handshake deadline — 64 MiB in a second or two.
 */
const MAX_LOGIN_PHASE_TOTAL = 1 << 20;

const TLS_VERIFY_CODES = /^(UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|CERT_|INVALID_CA|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH|ERR_SSL_|ERR_TLS_)/;

function tlsFailure(target: UpstreamTarget, cause: unknown): PgEntraError {
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
  return new PgEntraError(
    'tls_verification_failed',
    `The TLS certificate of ${target.host}:${target.port} could not be verified (${code ?? (cause instanceof Error ? cause.message : String(cause))}); no token was sent.`,
    {
      hint: "Check the host name matches the server's certificate. Private clouds need caFile in the custom cloud file.",
      details: { host: target.host, port: target.port, ...(code ? { tlsError: code } : {}) },
      cause,
    },
  );
}

function isTlsVerifyError(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  return TLS_VERIFY_CODES.test(code);
}

/** Opens a verified TLS connection speaking the PostgreSQL protocol. Rejects with the socket error or a PgEntraError. */
export async function openUpstream(target: UpstreamTarget): Promise<UpstreamConnection> {
  const raw = net.connect({ host: target.host, port: target.port });
  raw.setNoDelay(true);
  let secure: tls.TLSSocket | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const work = (async (): Promise<UpstreamConnection> => {
      const rawReader = new PacketReader(raw);
      await new Promise<void>((resolve, reject) => {
        raw.once('connect', resolve);
        raw.once('error', reject);
      });
      raw.write(buildSSLRequest());
      const answer = await rawReader.byte();
      // Bytes after the 'S' would be injected plaintext (CVE-2021-23222): refuse them.
      if (answer !== 0x53 /* S */ || rawReader.pending > 0) {
        throw new PgEntraError('tls_verification_failed', `${target.host}:${target.port} did not accept TLS; no token was sent.`, {
          hint: 'Azure Database for PostgreSQL always offers TLS: check the host and port.',
        });
      }
      rawReader.detach();
      raw.on('error', () => undefined); // surfaces on the TLS socket
      secure = tls.connect({ ...target.ssl, socket: raw });
      const s = secure;
      await new Promise<void>((resolve, reject) => {
        s.once('secureConnect', resolve);
        s.once('error', (e) => reject(isTlsVerifyError(e) ? tlsFailure(target, e) : e));
      });
      if (target.ssl.rejectUnauthorized !== false && !s.authorized) throw tlsFailure(target, s.authorizationError);
      s.setNoDelay(true);
      return { socket: s, reader: new PacketReader(s) };
    })();
    work.catch(() => undefined); // the race below reports it; a late failure after a timeout is moot
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`connection to ${target.host}:${target.port} timed out`), { code: 'ETIMEDOUT' })), target.connectTimeoutMs);
    });
    return await Promise.race([work, timeout]);
  } catch (e) {
    secure?.destroy();
    raw.destroy();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

export type LoginResult =
  | {
      ok: true;
      /** Framed messages to replay to the client after AuthenticationOk (ParameterStatus, notices, ReadyForQuery …), BackendKeyData excluded. */
      messages: Array<{ type: string; framed: Buffer }>;
      backendKey: BackendKey | undefined;
    }
  | {
      ok: false;
      error: ErrorFields;
      /** Set when the server asked for a password method other than cleartext (the error is ours, not the server's). */
      authMethod?: 'md5' | 'sasl' | 'other';
    };

/**
 * Sends the StartupMessage and answers AuthenticationCleartextPassword with `token`. Reads up to
 * the first ReadyForQuery. Other authentication methods are refused: an Entra role always asks
 * for a cleartext password, so anything else is not the server we expect.
 */
export async function login(conn: UpstreamConnection, params: ReadonlyMap<string, string>, protocolVersion: number, token: () => string | Promise<string>): Promise<LoginResult> {
  conn.socket.write(buildStartupMessage(params, protocolVersion));
  const messages: Array<{ type: string; framed: Buffer }> = [];
  let backendKey: BackendKey | undefined;
  let authenticated = false;
  let kept = 0;
  for (;;) {
    const msg = await conn.reader.typed(MAX_LOGIN_PHASE_MESSAGE);
    switch (msg.type) {
      case 'R': {
        const { code } = parseAuthentication(msg.body);
        if (code === AuthCode.CleartextPassword && !authenticated) {
          // Asked for only now: a server that refuses before authentication (its firewall)
          // causes no token request.
          conn.socket.write(passwordMessage(await token()));
        } else if (code === AuthCode.Ok) {
          authenticated = true;
        } else {
          return {
            ok: false,
            authMethod: code === AuthCode.MD5Password ? 'md5' : code === AuthCode.SASL ? 'sasl' : 'other',
            error: {
              severity: 'FATAL',
              code: '28000',
              message: `pgEntra proxy: the server asked for authentication method ${code}, not the cleartext password Entra roles use`,
              hint: "Check that the profile's username is an Entra role on this server (pgaadauth_list_principals).",
            },
          };
        }
        break;
      }
      case 'E':
        return { ok: false, error: parseErrorFields(msg.body) };
      case 'K':
        backendKey = parseBackendKeyData(msg.body);
        break;
      case 'Z':
        messages.push({ type: msg.type, framed: frame(msg.type, msg.body) });
        if (!authenticated) throw new PgEntraError('internal', 'the server sent ReadyForQuery before authentication completed');
        return { ok: true, messages, backendKey };
      default:
        // ParameterStatus, NoticeResponse, NegotiateProtocolVersion: the client should see them.
        messages.push({ type: msg.type, framed: frame(msg.type, msg.body) });
    }
    kept += 5 + msg.body.length;
    if (kept > MAX_LOGIN_PHASE_TOTAL) {
      // Not a refusal to retry: this server is not behaving like PostgreSQL.
      throw new PgEntraError('server_unreachable', `the server sent more than ${MAX_LOGIN_PHASE_TOTAL >> 20} MiB before it was ready for queries; the connection was closed`, {
        hint: "A PostgreSQL server sends a few kB while logging in. Check the profile's host is the server you meant.",
      });
    }
  }
}

/** Sends a CancelRequest for `key` over a new verified TLS connection; resolves when the server closed it. */
export async function sendCancel(target: UpstreamTarget, key: BackendKey): Promise<void> {
  const conn = await openUpstream(target);
  conn.reader.detach();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      conn.socket.destroy();
      resolve();
    }, target.connectTimeoutMs);
    conn.socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    conn.socket.on('error', () => conn.socket.destroy());
    conn.socket.end(buildCancelRequest(key.processId, key.secretKey));
    conn.socket.resume();
  });
}
