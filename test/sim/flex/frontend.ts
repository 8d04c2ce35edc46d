// The flexible server's public endpoint: TLS-only PostgreSQL protocol. It serves every server
// name on one address and picks the server by TLS SNI (policy.ts): a stopped server drops the
// connection after the handshake; a running one applies its firewall, authenticates Entra roles
// itself (cleartext password = access token) when Entra auth is on, and then hands the client a
// real backend session opened over the private Unix socket; other roles (and every role when
// Entra auth is off) are relayed to the backend's TCP port where PostgreSQL does its own password
// (SCRAM) exchange.
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { TlsMaterial } from '../ca.js';
import { clientAddress, firewallAllows } from './firewall.js';
import { MESSAGES, checkPrincipal, tokenRejection, type LoginRejection, type Principal } from './login.js';
import type { ServerPolicies } from './policy.js';
import type { TokenValidator } from './tokens.js';
import { ClientGoneError, MAX_PASSWORD_LENGTH, WireProtocolError, WireReader, authCleartextPassword, errorResponse, passwordFromMessage, type StartupPacket } from './wire.js';

export interface FrontendDeps {
  tls: TlsMaterial;
  validator: TokenValidator;
  resource: string;
  backendSocketPath: string;
  backendPort: number;
  /** Per-server firewall rules, Entra setting and state, by server name. */
  policies: ServerPolicies;
  lookupPrincipal(rolename: string): Promise<Principal | undefined>;
}

/** PostgreSQL's authentication_timeout default. */
const AUTH_TIMEOUT_MS = 60_000;
/** How long a closing session may take to flush its last message before it is cut. */
const CLOSE_GRACE_MS = 2_000;

/** One client connection. `phase` decides how a restart ends it. */
interface Conn {
  raw: Socket;
  /** The raw socket, or the TLS socket over it once encrypted. */
  client: Duplex;
  backend?: Socket;
  phase: 'negotiating' | 'login' | 'relaying';
  /** Ended by the server (restart) while logging in: the login must not go on. */
  ended: boolean;
  /** The server it asked for by SNI (the default server without TLS or SNI). */
  server?: string;
}

export class Frontend {
  private servers: Server[] = [];
  private readonly secureContext: SecureContext;
  private readonly conns = new Set<Conn>();
  port = 0;

  constructor(private readonly deps: FrontendDeps) {
    this.secureContext = createSecureContext({ cert: deps.tls.certPem, key: deps.tls.keyPem, minVersion: 'TLSv1.2' });
  }

  /** Binds every host on one port (port 0: the first bind picks it). */
  async listen(hosts: readonly string[], port: number): Promise<number> {
    let bound = port;
    try {
      for (const host of hosts) {
        const server = createServer((s) => this.accept(s));
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ port: bound, host, exclusive: true }, () => {
            server.off('error', reject);
            resolve();
          });
        });
        this.servers.push(server);
        const addr = server.address();
        if (typeof addr === 'object' && addr) bound = addr.port;
      }
    } catch (e) {
      await this.stopListening();
      throw e;
    }
    this.port = bound;
    return bound;
  }

  /**
   * Stops accepting at once; resolves when every existing connection has ended (Node's
   * server.close semantics), so callers end connections before awaiting it.
   */
  async stopListening(): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    await Promise.all(servers.map((server) => new Promise<void>((r) => server.close(() => r()))));
  }

  get listening(): boolean {
    return this.servers.length > 0;
  }

  connectionCount(): number {
    return this.conns.size;
  }

  /** Cuts every connection without a word (a network drop). */
  async dropAll(): Promise<void> {
    await Promise.all(
      [...this.conns].map((c) => {
        const closed = this.closed(c);
        c.raw.destroy();
        c.backend?.destroy();
        return closed;
      }),
    );
  }

  /**
   * For a restart: sessions still logging in get PostgreSQL's shutdown FATAL (57P01) from the
   * front end; relayed sessions are left to their backend, which the caller terminates.
   */
  endLogins(): void {
    for (const c of this.conns) {
      if (c.phase === 'negotiating') c.raw.destroy();
      if (c.phase !== 'login') continue;
      c.ended = true;
      c.backend?.destroy();
      this.endWith(c, { sqlstate: '57P01', message: MESSAGES.adminShutdown });
    }
  }

  /** Resolves once every connection is closed; any still open after `graceMs` is cut. */
  async drain(graceMs: number): Promise<void> {
    const all = Promise.all([...this.conns].map((c) => this.closed(c)));
    const timer = setTimeout(() => void this.dropAll(), graceMs);
    await all;
    clearTimeout(timer);
  }

  private closed(c: Conn): Promise<void> {
    return new Promise((r) => {
      if (c.raw.closed) return r();
      c.raw.once('close', () => r());
    });
  }

  /** ErrorResponse FATAL, then close; cut if the client does not read it in time. */
  private endWith(c: Conn, r: LoginRejection): void {
    c.client.end(errorResponse({ severity: 'FATAL', sqlstate: r.sqlstate, message: r.message }));
    setTimeout(() => c.raw.destroy(), CLOSE_GRACE_MS).unref();
  }

  private accept(raw: Socket): void {
    raw.setNoDelay(true);
    raw.on('error', () => undefined); // a client vanishing is normal
    raw.setTimeout(AUTH_TIMEOUT_MS, () => raw.destroy());
    const conn: Conn = { raw, client: raw, phase: 'negotiating', ended: false };
    this.conns.add(conn);
    raw.once('close', () => {
      this.conns.delete(conn);
      conn.backend?.destroy();
    });
    this.handle(conn).catch(() => raw.destroy());
  }

  /** SSLRequest / GSSENCRequest negotiation up to the first real packet. */
  private async negotiate(conn: Conn): Promise<{ first: StartupPacket; reader: WireReader; encrypted: boolean }> {
    let reader = new WireReader(conn.raw);
    let encrypted = false;
    for (;;) {
      const first = await reader.startupPacket();
      if (first.kind === 'gssenc') {
        conn.raw.write('N');
        continue;
      }
      if (first.kind !== 'ssl') return { first, reader, encrypted };
      if (encrypted) throw new WireProtocolError('SSL negotiation packet received inside an encrypted connection');
      // Bytes after SSLRequest but before the handshake would be injected plaintext.
      if (reader.buffered > 0) throw new WireProtocolError('received unencrypted data after SSL request');
      reader.release();
      conn.raw.write('S');
      const tlsSock = new TLSSocket(conn.raw, { isServer: true, secureContext: this.secureContext });
      tlsSock.on('error', () => conn.raw.destroy());
      tlsSock.once('secure', () => {
        conn.server = this.deps.policies.serverFor(tlsSock.servername);
        // A stopped server is unreachable: the handshake completes (the gateway answers), then nothing.
        if (this.deps.policies.policyOf(conn.server).state !== 'Ready') conn.raw.destroy();
      });
      conn.client = tlsSock;
      reader = new WireReader(tlsSock);
      encrypted = true;
    }
  }

  private async handle(conn: Conn): Promise<void> {
    const { raw } = conn;
    let negotiated: Awaited<ReturnType<Frontend['negotiate']>>;
    try {
      negotiated = await this.negotiate(conn);
    } catch (e) {
      if (e instanceof WireProtocolError) return this.endWith(conn, { sqlstate: e.sqlstate, message: e.message });
      if (e instanceof ClientGoneError) return;
      throw e;
    }
    const { first, reader, encrypted } = negotiated;

    if (first.kind === 'cancel') {
      // The client quotes the backend's own pid/key (relayed BackendKeyData); PostgreSQL checks it.
      await this.forwardCancel(first.raw);
      conn.client.destroy();
      return;
    }
    if (first.kind !== 'startup') return;
    conn.phase = 'login';
    const fail = (r: LoginRejection): void => this.endWith(conn, r);
    const user = first.params.get('user');
    if (!user) return fail({ sqlstate: '28000', message: 'no PostgreSQL user name specified in startup packet' });
    const database = first.params.get('database') || user;
    // Read now, not at the handshake: rule changes apply to every login from now on.
    const policy = this.deps.policies.policyOf(conn.server ?? this.deps.policies.defaultServer);
    if (policy.state !== 'Ready') return void raw.destroy();
    // pg_hba: hostssl lines only, for the addresses the firewall rules allow.
    const ip = clientAddress(raw.remoteAddress);
    if (!encrypted || !firewallAllows(policy.firewallRules, ip)) {
      return fail({ sqlstate: '28000', message: MESSAGES.noHbaEntry(ip, user, database, encrypted) });
    }

    // Entra auth off: the server does not know Entra roles as such; PostgreSQL asks for their password.
    const principal = policy.entraAuth ? await this.deps.lookupPrincipal(user) : undefined;
    if (conn.ended) return;
    let backend: Socket;
    if (principal) {
      conn.client.write(authCleartextPassword());
      let token: string;
      try {
        token = passwordFromMessage(await reader.message(MAX_PASSWORD_LENGTH));
      } catch (e) {
        if (e instanceof ClientGoneError) return; // e.g. psql asking the user for a password
        if (e instanceof WireProtocolError) return fail({ sqlstate: e.sqlstate, message: e.message });
        throw e;
      }
      const check = await this.deps.validator.validate(token);
      if (conn.ended) return;
      if (!check.ok) return fail(tokenRejection(check.reason, this.deps.resource));
      const denied = checkPrincipal(principal, check.claims);
      if (denied) return fail(denied);
      // Trusted local socket: the role is authenticated already.
      backend = netConnect(this.deps.backendSocketPath);
    } else {
      // Not an Entra principal: PostgreSQL's own password authentication (SCRAM) over TCP.
      backend = netConnect(this.deps.backendPort, '127.0.0.1');
    }
    conn.backend = backend;
    backend.setNoDelay?.(true);
    const opened = await new Promise<boolean>((resolve) => {
      backend.once('connect', () => resolve(true));
      backend.once('error', () => resolve(false));
    });
    if (conn.ended || raw.destroyed) {
      backend.destroy();
      return;
    }
    if (!opened) {
      backend.destroy();
      return fail({ sqlstate: '08006', message: 'the database server is not available' });
    }
    this.relay(conn, backend, first.raw, reader.release());
  }

  private relay(conn: Conn, backend: Socket, startup: Buffer, leftover: Buffer): void {
    const { client, raw } = conn;
    conn.phase = 'relaying';
    raw.setTimeout(0);
    backend.on('error', () => client.destroy());
    backend.write(startup);
    if (leftover.length > 0) backend.write(leftover);
    // pipe() gives backpressure both ways. When the backend ends the session (a FATAL such as
    // 57P01), pipe() ends the client side after the last bytes; cut it only if it lingers.
    client.pipe(backend);
    backend.pipe(client);
    backend.once('close', () => {
      client.end();
      setTimeout(() => raw.destroy(), CLOSE_GRACE_MS).unref();
    });
    client.once('close', () => backend.destroy());
  }

  private forwardCancel(packet: Buffer): Promise<void> {
    return new Promise((resolve) => {
      const s = netConnect(this.deps.backendSocketPath);
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      s.on('connect', () => s.end(packet));
    });
  }
}
