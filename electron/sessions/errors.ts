// Turns what pg, Node's TLS/network stack and PostgreSQL report into typed PgEntraErrors that
// say what to do next. Messages never include a token.
import { PgEntraError, isPgEntraError } from '../../shared/errors.js';
import { classifyLoginRefusal, describeRefusal, isTransientCode, type AuthMethod } from './loginRefusal.js';

export interface ConnectContext {
  host: string;
  port: number;
  username: string;
  /** UPN / identity of the token used, when known (never the token). */
  account?: string;
  sslmode: string;
  database?: string;
  /** Kind of the profile's credential (PIM advice is for people, not identities). */
  credentialKind?: string;
  /** The password method the server asked for (an Entra role asks for cleartext). */
  authMethod?: AuthMethod;
  /** A forced-fresh token was already tried. */
  retriedFresh?: boolean;
  /** How this caller retries with a fresh token, for the advice. */
  freshHow?: string;
}

/** The fields pg's DatabaseError carries (typed narrowly so nothing else leaks through). */
export interface ServerErrorFields {
  message: string;
  code?: string;
  severity?: string;
  position?: string;
  hint?: string;
  detail?: string;
  where?: string;
}

export function serverErrorFields(e: unknown): ServerErrorFields | undefined {
  if (!(e instanceof Error)) return undefined;
  const r = e as Error & Record<string, unknown>;
  // pg's DatabaseError has a 5-character SQLSTATE in `code` and a `severity`.
  if (typeof r.code !== 'string' || !/^[0-9A-Z]{5}$/.test(r.code) || typeof r.severity !== 'string') return undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    message: e.message,
    code: r.code,
    severity: r.severity,
    ...(str(r.position) ? { position: str(r.position) } : {}),
    ...(str(r.hint) ? { hint: str(r.hint) } : {}),
    ...(str(r.detail) ? { detail: str(r.detail) } : {}),
    ...(str(r.where) ? { where: str(r.where) } : {}),
  };
}

const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') return (e as { code: string }).code;
  return undefined;
}

function isTlsError(e: unknown): boolean {
  const code = errnoCode(e);
  if (code && (TLS_ERROR_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) return true;
  const message = e instanceof Error ? e.message : '';
  return /does not support SSL connections|error establishing an SSL connection/i.test(message);
}

/** True when retrying later may succeed (network trouble, restart/failover), as opposed to a refusal that needs the user. */
export function isTransientConnectError(e: PgEntraError): boolean {
  return isTransientCode(e.code);
}

/** Lost connection mid-flight or while idle: pg's own messages for a socket that closed. */
export function isConnectionLost(e: unknown): boolean {
  const message = e instanceof Error ? e.message : String(e);
  const code = errnoCode(e);
  return (
    /Connection terminated|connection is closed|Client was closed|Client has encountered a connection error|terminating connection/i.test(message) ||
    (code !== undefined && NETWORK_ERROR_CODES.has(code)) ||
    // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now
    (code !== undefined && /^57P0[123]$/.test(code))
  );
}

export function serverUnreachable(ctx: Pick<ConnectContext, 'host' | 'port'>, cause: unknown, why?: string): PgEntraError {
  const code = errnoCode(cause);
  const reason =
    why ??
    (code === 'ECONNREFUSED'
      ? 'the connection was refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the host name does not resolve'
        : /timeout/i.test(cause instanceof Error ? cause.message : '')
          ? 'the connection timed out'
          : 'the connection failed');
  return new PgEntraError('server_unreachable', `Cannot reach ${ctx.host}:${ctx.port}: ${reason}.`, {
    hint: "Check the host name and port, your network/VPN, and that the server's firewall rules allow your IP address.",
    details: { host: ctx.host, port: ctx.port, ...(code ? { errno: code } : {}) },
    cause,
  });
}

/** Maps a failure to open a connection (TLS, network, Entra login refusals). */
export function mapConnectError(e: unknown, ctx: ConnectContext): PgEntraError {
  if (isPgEntraError(e)) return e;
  const server = serverErrorFields(e);
  const message = e instanceof Error ? e.message : String(e);
  const at = `${ctx.host}:${ctx.port}`;
  if (server || /password authentication failed|access token|AAD_AUTH_TOKENTYPE|no pg_hba\.conf entry/i.test(message)) {
    const refusal = classifyLoginRefusal({ code: server?.code, message }, { authMethod: ctx.authMethod });
    const d = describeRefusal(
      refusal,
      { code: server?.code, message },
      {
        host: ctx.host,
        port: ctx.port,
        role: ctx.username,
        database: ctx.database,
        account: ctx.account,
        credentialKind: ctx.credentialKind,
        retriedFresh: ctx.retriedFresh,
        freshHow: ctx.freshHow,
      },
    );
    return new PgEntraError(d.code, d.message, { ...(d.hint ? { hint: d.hint } : {}), ...(d.details ? { details: d.details } : {}), cause: e });
  }
  if (isTlsError(e)) {
    return new PgEntraError('tls_verification_failed', `The TLS certificate of ${at} could not be verified (${errnoCode(e) ?? message}); no token was sent.`, {
      hint:
        ctx.sslmode === 'verify-full'
          ? "Check the host name matches the server's certificate. Azure servers chain to DigiCert Global Root G2 / Microsoft RSA Root CA 2017; private clouds need caFile in the custom cloud file."
          : 'The certificate chain is not trusted: add the CA to the custom cloud file (caFile).',
      details: { host: ctx.host, port: ctx.port, sslmode: ctx.sslmode, tlsError: errnoCode(e) ?? null },
      cause: e,
    });
  }
  if (isConnectionLost(e) || /timeout/i.test(message)) return serverUnreachable(ctx, e);
  return new PgEntraError('internal', `Connecting to ${at} failed: ${message}`, { cause: e });
}

/** Maps an error from a running statement. */
export function mapQueryError(e: unknown, ctx: Pick<ConnectContext, 'host' | 'port'>): PgEntraError {
  if (isPgEntraError(e)) return e;
  const server = serverErrorFields(e);
  if (server?.code === '57014') {
    return new PgEntraError('query_cancelled', 'The query was cancelled.', { details: { sqlstate: server.code }, cause: e });
  }
  if (server && !/^57P0[123]$/.test(server.code ?? '')) {
    const details: Record<string, string | number | null> = { sqlstate: server.code ?? null, severity: server.severity ?? null };
    if (server.position) details.position = Number(server.position);
    if (server.hint) details.hint = server.hint;
    if (server.detail) details.detail = server.detail;
    if (server.where) details.where = server.where;
    return new PgEntraError('query_failed', server.message, { ...(server.hint ? { hint: server.hint } : {}), details, cause: e });
  }
  if (server && /^57P0[123]$/.test(server.code ?? '')) {
    return new PgEntraError(
      'server_restarting',
      `The server ${ctx.host}:${ctx.port} restarted or failed over while the statement ran (${server.message}) — it was not retried; check whether it completed, then run it again once reconnected.`,
      {
        details: { sqlstate: server.code ?? null },
        cause: e,
      },
    );
  }
  if (isConnectionLost(e)) {
    return serverUnreachable(ctx, e, 'the connection was lost while the statement ran — it was not retried; check whether it completed, then run it again');
  }
  return new PgEntraError('query_failed', e instanceof Error ? e.message : String(e), { cause: e });
}
