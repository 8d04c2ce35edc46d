// A corporate HTTP proxy, as enterprise networks force on their workstations: clients reach HTTPS
// sites only with `CONNECT host:443` through it (answered `200 Connection established`, then a
// byte pipe), optionally after Basic proxy authentication, and optionally with TLS inspection
// (tlsInspection.ts). Refusals are Squid's (squidReplies.ts), in the order of Squid's default
// `http_access` rules: a port other than the allowed ones is 403 before anything else, then a
// missing or wrong `Proxy-Authorization` 407, then an unknown name or a refused connection 503.
// Plain-HTTP requests (absolute-form `GET http://…`) are refused with 403: the simulated
// network has no plain-HTTP site a client should reach through the proxy, and a product that
// sends IMDS (169.254.169.254, link-local to the VM) through a proxy should see it fail.
//
// The proxy names hosts with its own table (`resolve`), not /etc/hosts: in the public-cloud
// namespace /etc/hosts sends Entra's and Resource Manager's names nowhere while the proxy mode is
// on, as a locked-down network does. It also runs on localhost for tests without a namespace.
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { basicCredentials, parseConnectTarget, parseRequestHead, type RequestHead } from './requestHead.js';
import { accessDenied, authenticationRequired, connectFailure, dnsFailure, errnoOf, invalidRequest, invalidUrl, secureConnectFailure, squidReply, type SquidError } from './squidReplies.js';
import { TlsInspector, type TlsInspectionOptions } from './tlsInspection.js';

export interface ProxyCredentials {
  user: string;
  password: string;
}

export interface ProxyTarget {
  host: string;
  port: number;
}

export interface CorporateProxyOptions {
  /** Where to listen. Default 127.0.0.1, a random port. */
  listen?: { host: string; port: number };
  /** The host name clients use for the proxy (its URL). Default: the listening address. */
  name?: string;
  /** Require Basic proxy authentication with these credentials (407 otherwise). */
  auth?: ProxyCredentials;
  /** The realm of `Proxy-Authenticate: Basic realm="…"`. */
  realm?: string;
  /** The proxy's own name table: where a CONNECT target really is; undefined = the name does not resolve. */
  resolve: (host: string, port: number) => ProxyTarget | undefined;
  /** Ports a CONNECT may name (Squid's `SSL_ports`). Default [443]. */
  allowedPorts?: readonly number[];
  /** TLS inspection of the CONNECTs to `inspection.hosts`. */
  inspection?: TlsInspectionOptions;
}

export interface ConnectRecord {
  host: string;
  port: number;
  /** What the proxy answered: 200, 400, 403, 407, 503. */
  status: number;
  /** Whether the CONNECT carried the right credentials (always false when no auth is required). */
  authenticated: boolean;
  /** Whether the tunnel was TLS-inspected. */
  inspected: boolean;
}

export interface CorporateProxyControl {
  /** Every CONNECT in order, with the proxy's answer. */
  connects(): ConnectRecord[];
  /** Requests of any kind (CONNECT or not, refused or not) since start or reset(). */
  requestCount(): number;
  reset(): void;
  /** Require these credentials from now on (undefined: no authentication). */
  setAuth(auth?: ProxyCredentials): void;
}

export interface CorporateProxy {
  /** `http://host:port` as clients name the proxy (no credentials). */
  url: string;
  address: { host: string; port: number };
  control: CorporateProxyControl;
  /** Stops listening and destroys every open tunnel. */
  close(): Promise<void>;
}

/** A request head larger than this is refused (Squid's request_header_max_size is 64 KB). */
const MAX_HEAD_BYTES = 64 * 1024;
const CONNECT_TIMEOUT_MS = 10_000;
const HEAD_END = Buffer.from('\r\n\r\n');

export async function startCorporateProxy(opts: CorporateProxyOptions): Promise<CorporateProxy> {
  const allowedPorts = new Set(opts.allowedPorts ?? [443]);
  const inspector = opts.inspection ? new TlsInspector(opts.inspection) : undefined;
  let auth = opts.auth;
  let records: ConnectRecord[] = [];
  let requests = 0;
  const sockets = new Set<Socket | TLSSocket>();
  const track = <S extends Socket | TLSSocket>(s: S): S => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    return s;
  };

  const listen = opts.listen ?? { host: '127.0.0.1', port: 0 };
  let proxyName = opts.name ?? listen.host;

  const server: Server = createServer((socket) => serveClient(track(socket)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  if (!bound || typeof bound === 'string') throw new Error('proxy: no TCP address');
  const address = { host: listen.host, port: bound.port };
  if (!opts.name) proxyName = isIP(address.host) === 6 ? `[${address.host}]` : address.host;

  function serveClient(socket: Socket): void {
    socket.on('error', () => undefined); // a client that resets is not the proxy's problem
    let buffered = Buffer.alloc(0);
    let busy = false;
    let done = false;
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      void drain(); // errors end in socket.destroy() inside
    };
    socket.on('data', onData);

    /** Handles every complete request head buffered so far, one at a time. */
    async function drain(): Promise<void> {
      if (busy || done) return;
      busy = true;
      try {
        for (;;) {
          while (buffered.subarray(0, 2).equals(Buffer.from('\r\n'))) buffered = buffered.subarray(2); // RFC 9112 §2.2
          const end = buffered.indexOf(HEAD_END);
          if (end < 0) {
            if (buffered.length > MAX_HEAD_BYTES) refuse(invalidRequest(), '', false);
            return;
          }
          const head = parseRequestHead(buffered.subarray(0, end).toString('latin1'));
          buffered = buffered.subarray(end + HEAD_END.length);
          requests++;
          if (!head) return refuse(invalidRequest(), '', false);
          if (head.method !== 'CONNECT') return handlePlain(head);
          const tunnel = await handleConnect(head);
          if (tunnel) return;
        }
      } catch {
        done = true;
        socket.destroy();
      } finally {
        busy = false;
      }
    }

    function refuse(err: SquidError, target: string, keepAlive: boolean): void {
      socket.write(squidReply(err, { target, proxyName, keepAlive, ...(opts.realm ? { realm: opts.realm } : {}) }));
      if (!keepAlive) {
        done = true;
        socket.end();
      }
    }

    function authenticated(head: RequestHead): boolean {
      const given = basicCredentials(head.headers.get('proxy-authorization'));
      return auth !== undefined && given !== undefined && given.user === auth.user && given.password === auth.password;
    }

    function handlePlain(head: RequestHead): void {
      // Anything but CONNECT may carry a body: answer and close rather than parse it.
      if (auth && !authenticated(head)) return refuse(authenticationRequired(head.target), head.target, false);
      return refuse(/^[a-z][a-z0-9+.-]*:\/\//i.test(head.target) ? accessDenied() : invalidUrl(head.target), head.target, false);
    }

    /** True when the socket became a tunnel (no more requests are read from it). */
    async function handleConnect(head: RequestHead): Promise<boolean> {
      const target = parseConnectTarget(head.target);
      if (!target) {
        records.push({ host: head.target, port: 0, status: 400, authenticated: false, inspected: false });
        refuse(invalidUrl(head.target), head.target, true);
        return false;
      }
      const isAuthenticated = authenticated(head);
      const record = (status: number, inspected = false): void => void records.push({ ...target, status, authenticated: isAuthenticated, inspected });
      const authority = `${target.host}:${target.port}`;
      if (!allowedPorts.has(target.port)) {
        record(403);
        refuse(accessDenied(), authority, true);
        return false;
      }
      if (auth && !isAuthenticated) {
        record(407);
        refuse(authenticationRequired(authority), authority, true);
        return false;
      }
      const to = opts.resolve(target.host, target.port);
      if (!to) {
        record(503);
        refuse(dnsFailure(target.host), authority, true);
        return false;
      }
      const inspected = inspector?.inspects(target.host) ?? false;
      let upstream: Socket | TLSSocket;
      let inspection: Awaited<ReturnType<TlsInspector['connectUpstream']>> | undefined;
      try {
        if (inspector && inspected) {
          inspection = await inspector.connectUpstream(target.host, to);
          upstream = inspection.upstream;
        } else {
          upstream = await dial(to);
        }
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        record(503);
        const tlsFailure = inspected && !['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code ?? '');
        const { errno, message } = errnoOf(code);
        refuse(tlsFailure ? secureConnectFailure(target.host, e instanceof Error ? e.message : String(e)) : connectFailure(`${to.host}:${to.port}`, errno, message), authority, true);
        return false;
      }
      track(upstream);
      if (done || socket.destroyed) {
        upstream.destroy();
        return true;
      }
      done = true;
      record(200, inspected);
      // Stop reading requests: from here on the socket carries the tunnel's bytes.
      socket.pause();
      socket.removeListener('data', onData);
      if (buffered.length) socket.unshift(buffered);
      buffered = Buffer.alloc(0);
      socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
      const client: Socket | TLSSocket = inspection && inspector ? track(inspector.terminateClient(socket, inspection.context)) : socket;
      pipeBothWays(client, upstream, socket);
      return true;
    }
  }

  function dial(to: ProxyTarget): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = netConnect({ host: to.host, port: to.port });
      s.setTimeout(CONNECT_TIMEOUT_MS, () => s.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })));
      s.once('connect', () => {
        s.setTimeout(0);
        s.removeListener('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
  }

  return {
    url: `http://${proxyName}:${address.port}`,
    address,
    control: {
      connects: () => records.map((r) => ({ ...r })),
      requestCount: () => requests,
      reset() {
        records = [];
        requests = 0;
      },
      setAuth(next) {
        auth = next;
      },
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/** Bytes both ways; when either side ends or fails, the whole tunnel goes (and `raw` with it). */
function pipeBothWays(client: Socket | TLSSocket, upstream: Socket | TLSSocket, raw: Socket): void {
  const teardown = (): void => {
    client.destroy();
    upstream.destroy();
    raw.destroy();
  };
  for (const s of [client, upstream, raw]) {
    s.on('error', teardown);
    s.once('close', teardown);
  }
  client.pipe(upstream);
  upstream.pipe(client);
}
