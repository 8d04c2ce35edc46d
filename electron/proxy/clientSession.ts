// One client connection through the proxy: answer the client's startup (no TLS on loopback),
// check the user name and the optional local password, sign in upstream with a fresh Entra
// token (retrying once with a forced-fresh token if the server says it expired), give the client
// a proxy-made BackendKeyData, then relay bytes both ways with backpressure.
import { createHash, timingSafeEqual } from 'node:crypto';
import type net from 'node:net';
import type { AccessToken, TokenProvider } from '../auth/tokenProvider.js';
import type { Logger } from '../log/logger.js';
import { redactError } from '../log/redact.js';
import {
  ProtocolError,
  authenticationCleartextPassword,
  authenticationOk,
  backendKeyData,
  errorResponse,
  parsePasswordMessage,
  type ErrorFields,
  type StartupPacket,
} from '../pgwire/index.js';
import type { BackendKey, CancelMap } from './cancelMap.js';
import { classifyUpstreamAuthError, tokenFailureError, upstreamAuthError, upstreamConnectError, type AuthContext } from './errorMapping.js';
import { ConnectionClosedError, PacketReader } from '../pgwire/packetReader.js';
import type { CancelTarget, ProxyStats, RouteRuntime } from './types.js';
import { login, openUpstream, sendCancel, type UpstreamConnection } from './upstream.js';
import { resolveClientUser } from './userRule.js';

/** After "The access token has expired", ask for a token with at least this much life left (as sessions do). */
export const FRESH_TOKEN_SECONDS = 900;
/**
 * Transient refusals (restart, failover, "starting up", too many connections; loginRefusal.ts)
 * are tried again this many times, after these delays; permanent ones never are.
 */
export const TRANSIENT_RETRY_DELAYS_MS: readonly number[] = [500, 1500];

export interface SessionEnv {
  route: RouteRuntime;
  tokens: TokenProvider;
  cancelMap: CancelMap<CancelTarget>;
  /** SHA-256 of the local password clients must give, when required. */
  passwordDigest?: Buffer;
  logger: Logger;
  stats: ProxyStats;
  /** PostgreSQL's authentication_timeout: a client must finish its startup in this time. */
  handshakeTimeoutMs: number;
}

export function digestPassword(password: string): Buffer {
  return createHash('sha256').update(password, 'utf8').digest();
}

/** Constant-time comparison (both sides hashed, so lengths never leak). */
export function passwordMatches(given: string, digest: Buffer): boolean {
  return timingSafeEqual(digestPassword(given), digest);
}

type Outcome = 'relayed' | 'refused' | 'failed' | 'cancel' | 'client-gone' | 'shutdown';

export class ClientSession {
  readonly done: Promise<void>;
  private upstream: UpstreamConnection | undefined;
  private readonly startedAt = Date.now();
  private user: string | undefined;
  private database: string | undefined;
  private account: string | undefined;
  private outcome: Outcome = 'client-gone';
  private proxyPid: number | undefined;
  private relaying = false;
  /** Read at accept: a closed socket no longer knows its peer. */
  private readonly peer: string;

  constructor(
    private readonly client: net.Socket,
    private readonly env: SessionEnv,
  ) {
    this.peer = client.remoteAddress ? `${client.remoteAddress}:${client.remotePort ?? ''}` : 'unix-socket';
    env.stats.accepted++;
    env.stats.active++;
    client.setNoDelay(true);
    client.on('error', () => undefined); // a client vanishing is normal; 'close' follows
    this.done = new Promise<void>((resolve) => {
      client.once('close', () => {
        // Let a Terminate already queued for the server go out; never wait long for it.
        if (this.relaying) closeSoon(this.upstream?.socket);
        else this.upstream?.socket.destroy();
        this.finish();
        resolve();
      });
    });
    this.run().catch((e: unknown) => {
      env.logger.warn('proxy connection failed', { error: redactError(e) });
      client.destroy();
    });
  }

  /** Ends the connection now (shutdown after the grace period). */
  destroy(): void {
    if (this.outcome === 'relayed') this.outcome = 'shutdown';
    this.upstream?.socket.destroy();
    this.client.destroy();
  }

  private finish(): void {
    const { stats, logger, route } = this.env;
    stats.active--;
    if (this.relaying) stats.relaying--;
    if (this.proxyPid !== undefined) this.env.cancelMap.remove(this.proxyPid);
    stats.bytesFromClients += this.client.bytesRead;
    stats.bytesToClients += this.client.bytesWritten;
    // The health line: who, where, how long, how much — never the token.
    logger.info('proxy connection closed', {
      profile: route.profile.name,
      client: this.peer,
      user: this.user ?? null,
      database: this.database ?? null,
      account: this.account ?? null,
      outcome: this.outcome,
      durationMs: Date.now() - this.startedAt,
      bytesIn: this.client.bytesRead,
      bytesOut: this.client.bytesWritten,
    });
  }

  private refuse(fields: ErrorFields, outcome: Outcome = 'refused'): void {
    this.outcome = outcome;
    this.env.stats.failed++;
    if (!this.client.destroyed) this.client.end(errorResponse(fields));
  }

  private async run(): Promise<void> {
    const { client, env } = this;
    const { route } = env;
    client.setTimeout(env.handshakeTimeoutMs, () => client.destroy());
    const reader = new PacketReader(client);
    let startup: Extract<StartupPacket, { kind: 'startup' }>;
    try {
      for (;;) {
        const p = await reader.untyped();
        if (p.kind === 'ssl' || p.kind === 'gssenc') {
          // Loopback or a Unix socket: no encryption between client and proxy; the token never travels here.
          client.write('N');
          continue;
        }
        if (p.kind === 'cancel') {
          this.outcome = 'cancel';
          await this.forwardCancel(p.processId, p.secretKey);
          client.destroy();
          return;
        }
        startup = p;
        break;
      }
    } catch (e) {
      if (e instanceof ProtocolError) return this.refuse({ severity: 'FATAL', code: '08P01', message: e.message });
      return; // closed or reset before a startup packet: nothing to answer
    }

    const decision = resolveClientUser(startup.params.get('user'), route.profile.username, route.allowedUsers);
    this.database = startup.params.get('database') || route.profile.database;
    this.user = startup.params.get('user');
    if (!decision.ok) return this.refuse({ severity: 'FATAL', code: '28000', message: decision.message, hint: decision.hint });
    this.user = decision.user;

    if (env.passwordDigest) {
      client.write(authenticationCleartextPassword());
      let given: string;
      try {
        given = parsePasswordMessage(await reader.typed());
      } catch (e) {
        if (e instanceof ConnectionClosedError) return; // psql hangs up to prompt for the password, then reconnects
        if (e instanceof ProtocolError) return this.refuse({ severity: 'FATAL', code: '08P01', message: e.message });
        return;
      }
      if (!passwordMatches(given, env.passwordDigest)) {
        return this.refuse({
          severity: 'FATAL',
          code: '28P01',
          message: `password authentication failed for user "${decision.user}"`,
          hint: 'This pgEntra proxy requires its local password (the one it was started with via PGENTRA_PROXY_PASSWORD or its prompt), not an Entra token.',
        });
      }
    }

    // What the server sees: the profile's (or allowed) user, the client's database, application_name and other settings.
    const params = new Map<string, string>([
      ['user', decision.user],
      ['database', this.database],
    ]);
    for (const [k, v] of startup.params) if (k !== 'user' && k !== 'database' && k !== 'application_name') params.set(k, v);
    params.set('application_name', startup.params.get('application_name') || route.profile.applicationName);
    const version = (startup.majorVersion << 16) | startup.minorVersion;

    const ctx: AuthContext = {
      role: decision.user,
      host: route.upstream.host,
      port: route.upstream.port,
      profile: route.profile.name,
      credentialKind: route.profile.credential.kind,
      ...(this.accountHint() ? { account: this.accountHint() as string } : {}),
    };
    // Each refusal is classified once (sessions/loginRefusal.ts): an expired token is retried once
    // with a forced-fresh token, a transient refusal a few times with a delay, a permanent one never.
    let retried = false;
    let transientRetries = 0;
    for (;;) {
      const forceFresh = retried;
      let conn: UpstreamConnection;
      try {
        conn = await openUpstream(route.upstream);
      } catch (e) {
        env.logger.warn('proxy cannot reach the server', { profile: route.profile.name, error: redactError(e) });
        return this.refuse(upstreamConnectError(e, ctx), 'failed');
      }
      if (client.destroyed) {
        conn.socket.destroy();
        return;
      }
      this.upstream = conn;
      conn.socket.on('error', () => undefined); // 'close' follows and ends the client
      // The token is fetched only once a verified TLS connection exists and the server asks
      // for the password: an unreachable or impostor server, or a firewall refusal, never causes
      // a token request (or a sign-in prompt).
      let tokenFailure: { error: unknown } | undefined;
      const supplyToken = async (): Promise<string> => {
        let token: AccessToken;
        try {
          env.stats.tokenRequests++;
          token = await env.tokens.getToken({ credential: route.profile.credential, cloud: route.tokenCloud, ...(forceFresh ? { minValiditySeconds: FRESH_TOKEN_SECONDS } : {}) });
        } catch (e) {
          tokenFailure = { error: e };
          throw e;
        }
        if (token.account) {
          this.account = token.account;
          ctx.account = token.account;
        }
        return token.token;
      };
      let result: Awaited<ReturnType<typeof login>>;
      try {
        result = await login(conn, params, version, supplyToken);
      } catch (e) {
        conn.socket.destroy();
        if (tokenFailure) {
          env.logger.warn('proxy could not get a token', { profile: route.profile.name, error: redactError(tokenFailure.error) });
          return this.refuse(tokenFailureError(tokenFailure.error, ctx), 'failed');
        }
        env.logger.warn('proxy login to the server failed', { profile: route.profile.name, error: redactError(e) });
        return this.refuse(upstreamConnectError(e, ctx), 'failed');
      }
      if (!result.ok) {
        conn.socket.destroy();
        this.upstream = undefined;
        const refusal = classifyUpstreamAuthError(result.error, result.authMethod);
        if (refusal.disposition === 'retry-fresh' && !retried) {
          retried = true;
          env.stats.expiredRetries++;
          env.logger.info('server refused an expired token; retrying with a fresh one', { profile: route.profile.name });
          continue;
        }
        const delay = TRANSIENT_RETRY_DELAYS_MS[transientRetries];
        if (refusal.disposition === 'transient' && delay !== undefined) {
          transientRetries++;
          env.stats.transientRetries++;
          env.logger.info('server refused the login for now; retrying', { profile: route.profile.name, sqlstate: result.error.code, kind: refusal.kind, attempt: transientRetries });
          await new Promise((r) => setTimeout(r, delay));
          if (client.destroyed) return;
          continue;
        }
        env.logger.warn('server refused the login', { profile: route.profile.name, sqlstate: result.error.code, kind: refusal.kind, disposition: refusal.disposition, message: result.error.message });
        return this.refuse(upstreamAuthError(result.error, ctx, retried, result.authMethod), 'refused');
      }
      if (client.destroyed) {
        conn.socket.destroy();
        return;
      }
      this.startRelay(conn, reader, result.messages, result.backendKey);
      return;
    }
  }

  private accountHint(): string | undefined {
    const c = this.env.route.profile.credential;
    return 'account' in c && c.account ? c.account : undefined;
  }

  private startRelay(conn: UpstreamConnection, reader: PacketReader, messages: Array<{ type: string; framed: Buffer }>, upstreamKey: BackendKey | undefined): void {
    const { client, env } = this;
    const out: Buffer[] = [authenticationOk()];
    for (const m of messages) {
      // Our own key just before ReadyForQuery, where the server put its own.
      if (m.type === 'Z' && upstreamKey) {
        const mine = env.cancelMap.register({ upstream: env.route.upstream, key: upstreamKey }, upstreamKey.secretKey.length);
        this.proxyPid = mine.processId;
        out.push(backendKeyData(mine.processId, mine.secretKey));
      }
      out.push(m.framed);
    }
    const fromServer = conn.reader.detach();
    const fromClient = reader.detach();
    client.setTimeout(0);
    client.write(Buffer.concat(fromServer.length ? [...out, fromServer] : out));
    if (fromClient.length) conn.socket.write(fromClient);
    this.outcome = 'relayed';
    this.relaying = true;
    env.stats.relaying++;
    env.stats.succeeded++;
    // pipe(): backpressure both ways; either side closing closes the other.
    client.pipe(conn.socket);
    conn.socket.pipe(client);
    conn.socket.once('close', () => closeSoon(client));
  }

  private async forwardCancel(processId: number, secretKey: Buffer): Promise<void> {
    const { env } = this;
    env.stats.cancelRequests++;
    const target = env.cancelMap.lookup(processId, secretKey);
    if (!target) {
      env.logger.info('cancel request for an unknown backend key ignored', { profile: env.route.profile.name });
      return;
    }
    try {
      await sendCancel(target.upstream, target.key);
    } catch (e) {
      env.logger.warn('cancel request could not be forwarded', { profile: env.route.profile.name, error: redactError(e) });
    }
  }
}

const LINGER_MS = 5_000;

/** Ends a socket after its queued writes (e.g. the server's last FATAL) and destroys it if the peer does not close. */
function closeSoon(sock: net.Socket | undefined): void {
  if (!sock || sock.destroyed) return;
  sock.end();
  setTimeout(() => sock.destroy(), LINGER_MS).unref();
}
