// Over 300 lines on purpose: one client connection's whole life (startup, local auth, upstream login, relay) in the order it happens.
// One client connection through the proxy: answer the client's startup (no TLS on loopback),
// make sure the client may use the proxy at all — its OS user was checked at accept (index.ts),
// the optional local password (SCRAM-SHA-256, localPassword.ts) comes before anything else is
// answered — then check the user name, sign in upstream with an Entra token (upstreamSignIn.ts:
// the retries for an expired token, a refused group login and a restarting server), give the
// client a proxy-made BackendKeyData, then relay bytes both ways with backpressure.
import type net from 'node:net';
import type { TokenProvider } from '../auth/tokenProvider.js';
import type { LogFields, Logger } from '../log/logger.js';
import { redactError } from '../log/redact.js';
import { ProtocolError, authenticationOk, backendKeyData, errorResponse, type ErrorFields, type StartupPacket } from '../pgwire/index.js';
import type { BackendKey, CancelMap } from './cancelMap.js';
import type { AuthContext } from './errorMapping.js';
import { PacketReader } from '../pgwire/packetReader.js';
import { checkLocalPassword } from './localPassword.js';
import type { Ticket } from './admission.js';
import type { PasswordBackoff } from './passwordBackoff.js';
import type { RefusalLog } from './refusalLog.js';
import type { ScramVerifier } from './scram.js';
import type { CancelTarget, ProxyStats, RouteRuntime } from './types.js';
import { sendCancel, type UpstreamConnection } from './upstream.js';
import { signInUpstream } from './upstreamSignIn.js';
import { resolveClientUser } from './userRule.js';

export { FRESH_TOKEN_SECONDS, TRANSIENT_RETRY_DELAYS_MS } from './upstreamSignIn.js';

export interface SessionEnv {
  route: RouteRuntime;
  tokens: TokenProvider;
  cancelMap: CancelMap<CancelTarget>;
  /** SCRAM-SHA-256 verifier of the local password clients must give, when required. */
  scram?: ScramVerifier;
  backoff: PasswordBackoff;
  /** Who connects, as decided at accept: `uid:N` or an address (admission.ts). */
  source: string;
  /** The proxy's own OS user (or the Unix socket): its lines are never summarized. */
  owner: boolean;
  /** Its place in --max-clients or in the source's pre-authentication pool. */
  ticket: Ticket;
  refusals: RefusalLog;
  logger: Logger;
  stats: ProxyStats;
  /** Absolute: from accept to local authentication done (startup packet, owner check, password). */
  startupDeadlineMs: number;
  /** Absolute: from accept to the relay (also covers the upstream sign-in). */
  handshakeTimeoutMs: number;
  /** For the "too many clients" answer after authentication. */
  maxClients: number;
}

type Outcome = 'relayed' | 'refused' | 'failed' | 'cancel' | 'client-gone' | 'shutdown' | 'timeout';

export const NOT_OWNER: ErrorFields = {
  severity: 'FATAL',
  code: '28000',
  message: 'pgEntra proxy: this proxy serves only the OS user who started it; your connection comes from another OS user',
  hint: 'Start your own proxy as your OS user (pgentra proxy PROFILE); its Unix socket is private to you.',
};

export function tooManyClients(maxClients: number): ErrorFields {
  return { severity: 'FATAL', code: '53300', message: 'sorry, too many clients already', hint: `This pgEntra proxy serves at most ${maxClients} connections at once (--max-clients).` };
}

/**
 * The pre-authentication pool is full (admission.ts): not --max-clients, so the refusal must not
 * send the person there — some program holds connections that have not given the password.
 */
export function tooManyWaiting(waiting: number, scope: 'source' | 'all'): ErrorFields {
  const who = scope === 'source' ? 'from this OS user/address' : 'from all OS users and addresses together';
  return {
    severity: 'FATAL',
    code: '53300',
    message: `pgEntra proxy: ${waiting} clients ${who} are already waiting to authenticate`,
    hint: 'Another program holds them without giving the local password — close it, or wait 10 s (the proxy cuts each after 10 s) and retry.',
  };
}

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
  private authenticated = false;
  /** A refusal of this connection was logged already (through the refusal log). */
  private noted = false;
  private readonly timers: NodeJS.Timeout[] = [];
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
    // Absolute deadlines (not idle timeouts): an SSLRequest every few seconds buys nothing.
    this.timers.push(setTimeout(() => this.timeout('startup'), env.startupDeadlineMs));
    this.timers.push(setTimeout(() => this.timeout('handshake'), env.handshakeTimeoutMs));
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
      // Before authentication a flood could repeat this at will: summarized then.
      if (this.summarized()) this.note('proxy connection failed', { error: redactError(e) });
      else env.logger.warn('proxy connection failed', { error: redactError(e) });
      client.destroy();
    });
  }

  /** Ends the connection now (shutdown after the grace period). */
  destroy(): void {
    if (this.outcome === 'relayed') this.outcome = 'shutdown';
    this.upstream?.socket.destroy();
    this.client.destroy();
  }

  private timeout(which: 'startup' | 'handshake'): void {
    if (this.relaying || (which === 'startup' && this.authenticated) || this.client.destroyed) return;
    this.outcome = 'timeout';
    this.env.stats.failed++;
    // Another source's idle connections are a flood's favourite: summarized, not one line each.
    if (this.summarized()) this.note('proxy connection cut: startup not finished in time', { phase: which });
    else this.env.logger.info('proxy connection cut: startup not finished in time', { profile: this.env.route.profile.name, client: this.peer, phase: which });
    this.upstream?.socket.destroy();
    // PostgreSQL closes silently at authentication_timeout, too: the client may be mid-message.
    this.client.destroy();
  }

  /** Lines about a connection that is not the owner's and never authenticated go through the refusal log. */
  private summarized(): boolean {
    return !this.env.owner && !this.authenticated;
  }

  private note(message: string, fields: LogFields = {}): void {
    this.noted = true;
    this.env.refusals.note(message, this.env.source, { profile: this.env.route.profile.name, client: this.peer, ...fields });
  }

  private finish(): void {
    const { stats, logger, route } = this.env;
    for (const t of this.timers) clearTimeout(t);
    this.env.ticket.release();
    if (this.summarized()) {
      stats.active--;
      stats.bytesFromClients += this.client.bytesRead;
      stats.bytesToClients += this.client.bytesWritten;
      if (!this.noted) this.note('proxy connection closed before authenticating', { outcome: this.outcome });
      return;
    }
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
    if (this.outcome === 'timeout') return;
    this.outcome = outcome;
    this.env.stats.failed++;
    if (!this.client.destroyed) this.client.end(errorResponse(fields));
  }

  private async run(): Promise<void> {
    const { client, env } = this;
    const { route } = env;
    const reader = new PacketReader(client);
    let startup: Extract<StartupPacket, { kind: 'startup' }>;
    let sslDone = false;
    let gssDone = false;
    try {
      for (;;) {
        const p = await reader.untyped();
        if (p.kind === 'ssl' || p.kind === 'gssenc') {
          // One negotiation of each kind, as PostgreSQL allows: a repeat is refused.
          if ((p.kind === 'ssl' && sslDone) || (p.kind === 'gssenc' && gssDone)) {
            return this.refuse({ severity: 'FATAL', code: '08P01', message: `pgEntra proxy: ${p.kind === 'ssl' ? 'SSL' : 'GSSAPI encryption'} negotiation was already done on this connection` });
          }
          if (p.kind === 'ssl') sslDone = true;
          else gssDone = true;
          // Loopback or a Unix socket: no encryption between client and proxy; the token never travels here.
          client.write('N');
          continue;
        }
        if (p.kind === 'cancel') {
          this.outcome = 'cancel';
          // Anyone admitted at accept may cancel: only a proxy-made key (random) finds a backend.
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

    // Who may use the proxy at all comes first (the OS user at accept); nothing else is answered before.
    if (env.scram) {
      const password = await checkLocalPassword({
        client,
        reader,
        verifier: env.scram,
        backoff: env.backoff,
        source: env.source,
        holdPlaceUntil: (until) => env.ticket.holdUntil(until),
        note: (message, fields) => {
          this.noted = true;
          env.refusals.note(message, env.source, fields);
        },
        profile: route.profile.name,
        peer: this.peer,
        clientUser: startup.params.get('user'),
      });
      if (!password.ok) {
        if (password.refusal) this.refuse(password.refusal);
        return;
      }
    }
    if (client.destroyed) return;
    // Authenticated: from now on the connection counts against --max-clients like the owner's.
    if (!env.ticket.promote()) {
      this.note('proxy refused a connection: too many clients', { maxClients: env.maxClients });
      return this.refuse(tooManyClients(env.maxClients));
    }
    this.authenticated = true;

    const decision = resolveClientUser(startup.params.get('user'), route.profile.username, route.allowedUsers);
    this.database = startup.params.get('database') || route.profile.database;
    this.user = startup.params.get('user');
    if (!decision.ok) return this.refuse({ severity: 'FATAL', code: '28000', message: decision.message, hint: decision.hint });
    this.user = decision.user;

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
    const signedIn = await signInUpstream(
      {
        route,
        tokens: env.tokens,
        stats: env.stats,
        logger: env.logger,
        clientGone: () => client.destroyed,
        track: (conn) => void (this.upstream = conn),
      },
      params,
      version,
      ctx,
    );
    if (ctx.account) this.account = ctx.account;
    if ('gone' in signedIn) return;
    if (!signedIn.ok) return this.refuse(signedIn.refusal, signedIn.outcome);
    this.startRelay(signedIn.conn, reader, signedIn.messages, signedIn.backendKey);
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
    for (const t of this.timers) clearTimeout(t);
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
      // Anyone admitted at accept can send these, as fast as it likes: summarized for them.
      if (this.summarized()) this.note('cancel request for an unknown backend key ignored');
      else env.logger.info('cancel request for an unknown backend key ignored', { profile: env.route.profile.name });
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
