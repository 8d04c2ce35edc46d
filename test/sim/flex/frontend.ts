// The flexible server's public endpoint: TLS-only PostgreSQL protocol. It authenticates Entra
// roles itself (cleartext password = access token) and then hands the client a real backend
// session opened over the private Unix socket; other roles are relayed to the backend's TCP
// port where PostgreSQL does its own password (SCRAM) exchange.
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import {
  ProtocolError,
  authenticationCleartextPassword,
  buildCancelRequest,
  buildStartupMessage,
  errorResponse,
  parsePasswordMessage,
  type StartupPacket,
} from '../../../electron/pgwire/index.js';
import { MESSAGES, checkPrincipal, tokenRejection, type LoginRejection, type Principal } from './login.js';
import type { TokenValidator } from './tokens.js';
import type { TlsMaterial } from '../ca.js';
import { ConnectionClosedError, PacketReader } from '../../../electron/pgwire/packetReader.js';

export interface FrontendDeps {
  tls: TlsMaterial;
  validator: TokenValidator;
  resource: string;
  backendSocketPath: string;
  backendPort: number;
  lookupPrincipal(rolename: string): Promise<Principal | undefined>;
}

/** PostgreSQL's authentication_timeout default. */
const AUTH_TIMEOUT_MS = 60_000;

export class Frontend {
  private server: Server | undefined;
  private readonly secureContext: SecureContext;
  /** Every open client-side socket (raw TCP), with its backend once relaying. */
  private readonly conns = new Map<Socket, { backend?: Socket }>();
  port = 0;

  constructor(private readonly deps: FrontendDeps) {
    this.secureContext = createSecureContext({ cert: deps.tls.certPem, key: deps.tls.keyPem, minVersion: 'TLSv1.2' });
  }

  async listen(port = 0): Promise<number> {
    const server = createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : port;
    this.server = server;
    return this.port;
  }

  /**
   * Stops accepting at once; resolves when every existing connection has ended (Node's
   * server.close semantics), so callers drop connections before awaiting it.
   */
  async stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  connectionCount(): number {
    return this.conns.size;
  }

  async dropAll(): Promise<void> {
    const closing = [...this.conns.keys()].map(
      (s) =>
        new Promise<void>((r) => {
          if (s.destroyed && s.closed) return r();
          s.once('close', () => r());
          s.destroy();
          this.conns.get(s)?.backend?.destroy();
        }),
    );
    await Promise.all(closing);
  }

  private accept(raw: Socket): void {
    raw.setNoDelay(true);
    raw.on('error', () => undefined); // a client vanishing is normal
    raw.setTimeout(AUTH_TIMEOUT_MS, () => raw.destroy());
    const entry: { backend?: Socket } = {};
    this.conns.set(raw, entry);
    raw.once('close', () => {
      this.conns.delete(raw);
      entry.backend?.destroy();
    });
    this.handle(raw, entry).catch(() => raw.destroy());
  }

  private async handle(raw: Socket, entry: { backend?: Socket }): Promise<void> {
    let client: Duplex = raw;
    let reader = new PacketReader(raw);
    let encrypted = false;
    let first: StartupPacket;
    try {
      for (;;) {
        first = await reader.untyped();
        if (first.kind === 'gssenc') {
          raw.write('N');
          continue;
        }
        if (first.kind === 'ssl') {
          if (encrypted) throw new ProtocolError('SSLRequest inside TLS');
          // Bytes after SSLRequest but before the handshake would be injected plaintext.
          if (reader.pending > 0) throw new ProtocolError('received unencrypted data after SSL request');
          reader.detach();
          raw.write('S');
          const tlsSock = new TLSSocket(raw, { isServer: true, secureContext: this.secureContext });
          tlsSock.on('error', () => raw.destroy());
          client = tlsSock;
          reader = new PacketReader(tlsSock);
          encrypted = true;
          continue;
        }
        break;
      }
    } catch (e) {
      if (e instanceof ProtocolError) {
        raw.end(errorResponse({ severity: 'FATAL', code: '08P01', message: e.message }));
        return;
      }
      throw e;
    }

    if (first.kind === 'cancel') {
      // The client quotes the backend's own pid/key (relayed BackendKeyData); PostgreSQL checks it.
      await this.forwardCancel(first.processId, first.secretKey);
      client.destroy();
      return;
    }
    if (first.kind !== 'startup') return;
    const user = first.params.get('user') ?? '';
    const database = first.params.get('database') ?? user;
    const fail = (r: LoginRejection): void => {
      client.end(errorResponse({ severity: 'FATAL', code: r.sqlstate, message: r.message }));
    };
    if (!encrypted) {
      fail({ sqlstate: '28000', message: MESSAGES.noEncryption(user, database) });
      return;
    }

    const principal = await this.deps.lookupPrincipal(user);
    let backend: Socket;
    if (principal) {
      client.write(authenticationCleartextPassword());
      let token: string;
      try {
        token = parsePasswordMessage(await reader.typed());
      } catch (e) {
        if (e instanceof ConnectionClosedError) return; // e.g. psql asking the user for a password
        if (e instanceof ProtocolError) return fail({ sqlstate: '08P01', message: e.message });
        throw e;
      }
      const check = await this.deps.validator.validate(token);
      if (!check.ok) return fail(tokenRejection(check.reason, this.deps.resource));
      const denied = checkPrincipal(principal, check.claims);
      if (denied) return fail(denied);
      // Trusted local socket: the role is authenticated already.
      backend = netConnect(this.deps.backendSocketPath);
    } else {
      // Not an Entra principal: PostgreSQL's own password authentication (SCRAM) over TCP.
      backend = netConnect(this.deps.backendPort, '127.0.0.1');
    }
    entry.backend = backend;
    backend.setNoDelay?.(true);
    const opened = await new Promise<boolean>((resolve) => {
      backend.once('connect', () => resolve(true));
      backend.once('error', () => resolve(false));
    });
    if (!opened || raw.destroyed) {
      backend.destroy();
      if (!raw.destroyed) fail({ sqlstate: '08006', message: 'the database server is not available' });
      return;
    }
    backend.on('error', () => client.destroy());
    backend.write(buildStartupMessage(first.params, (first.majorVersion << 16) | first.minorVersion));
    const leftover = reader.detach();
    if (leftover.length > 0) backend.write(leftover);
    raw.setTimeout(0);
    // pipe() gives backpressure both ways; either side closing closes the other.
    client.pipe(backend);
    backend.pipe(client);
    backend.once('close', () => client.destroy());
    client.once('close', () => backend.destroy());
  }

  private forwardCancel(processId: number, secretKey: Buffer): Promise<void> {
    return new Promise((resolve) => {
      const s = netConnect(this.deps.backendSocketPath);
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      s.on('connect', () => s.end(buildCancelRequest(processId, secretKey)));
    });
  }
}
