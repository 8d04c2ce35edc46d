// The local Entra auth proxy: PostgreSQL clients connect to 127.0.0.1 (or a Unix socket) with no
// password; the proxy signs in to the flexible server with a fresh Entra token for each client
// connection and then relays bytes. Modelled on Cloud SQL Auth Proxy's --auto-iam-authn.
import type net from 'node:net';
import { resolveCloud } from '../auth/cloudLoader.js';
import type { TokenProvider } from '../auth/tokenProvider.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { buildSslOptions, readCaFile } from '../sessions/tls.js';
import { checkProfilePolicy, profileErrorsToError } from '../../shared/profile.js';
import { PgEntraError } from '../../shared/errors.js';
import { checkListenAddress, DEFAULT_PROXY_ADDRESS } from './addressPolicy.js';
import { CancelMap } from './cancelMap.js';
import { ClientSession, digestPassword } from './clientSession.js';
import { listen, type Listening } from './listener.js';
import { emptyStats, type CancelTarget, type ProxyProfile, type ProxyRoute, type ProxyStats, type RouteRuntime } from './types.js';

export type { ProxyProfile, ProxyRoute, ProxyStats } from './types.js';
export { isLoopbackAddress, checkListenAddress, DEFAULT_PROXY_ADDRESS } from './addressPolicy.js';
export { resolveClientUser } from './userRule.js';
export { PortRegistry, assignPorts, FIRST_PROXY_PORT, PORTS_FILE_NAME } from './portRegistry.js';

export interface ProxyOptions {
  routes: ProxyRoute[];
  /** Default 127.0.0.1. A non-loopback address needs `allowRemote`. */
  address?: string;
  tokenProvider: TokenProvider;
  allowRemote?: boolean;
  /** Clients must give this password (cleartext over loopback, compared in constant time). */
  requirePassword?: string;
  logger?: Logger;
  /** Graceful close waits this long for running connections (default 30 s). */
  shutdownTimeoutMs?: number;
  /** A client must complete its startup in this time (default 60 s, PostgreSQL's authentication_timeout). */
  handshakeTimeoutMs?: number;
}

export interface ProxyListener {
  profileId: string;
  profileName: string;
  address: string;
  port: number;
  unixSocketPath?: string;
  /** The user name clients should connect as (the profile's). */
  username: string;
  database: string;
}

export interface RunningProxy {
  listeners: ProxyListener[];
  /** Set when listening on a non-loopback address. */
  warning?: string;
  stats(): ProxyStats;
  /** Stops accepting. Graceful: waits for open connections up to the shutdown timeout, then closes them. */
  close(graceful?: boolean): Promise<void>;
}

/** Upstream TLS: the profile's sslmode (verify-full unless the user confirmed weaker) with the custom cloud's CA. */
function routeRuntime(route: ProxyRoute): RouteRuntime {
  const p: ProxyProfile = route.profile;
  let customDomains: readonly string[] | undefined;
  let extraCaPem: string | undefined;
  if (typeof p.cloud !== 'string') {
    const cloud = resolveCloud(p.cloud.customFile);
    customDomains = cloud.postgresDomains;
    if (cloud.caFile) extraCaPem = readCaFile(cloud.caFile);
  }
  const policy = checkProfilePolicy({ host: p.host, cloud: p.cloud, sslmode: p.sslmode, confirmations: p.confirmations }, customDomains);
  if (policy.length > 0) throw profileErrorsToError(policy, `The profile "${p.name}"`);
  const ssl = buildSslOptions({ sslmode: p.sslmode, host: p.host, weakerTlsConfirmed: p.confirmations.weakerTls === true, ...(extraCaPem ? { extraCaPem } : {}) });
  return {
    profile: p,
    upstream: { host: p.host, port: p.port, ssl: { ...ssl, host: p.host }, connectTimeoutMs: p.connectTimeoutSeconds * 1000 },
    tokenCloud: typeof p.cloud === 'string' ? p.cloud : p.cloud.customFile,
    allowedUsers: route.allowedUsers ?? [],
  };
}

export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  if (opts.routes.length === 0) throw new PgEntraError('invalid_input', 'Give at least one profile to proxy.');
  const decision = checkListenAddress(opts.address ?? DEFAULT_PROXY_ADDRESS, opts.allowRemote === true);
  const logger = opts.logger ?? silentLogger;
  if (opts.requirePassword !== undefined && opts.requirePassword.length === 0) throw new PgEntraError('invalid_input', 'The proxy password must not be empty.');
  const passwordDigest = opts.requirePassword !== undefined ? digestPassword(opts.requirePassword) : undefined;
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 30_000;
  const handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 60_000;
  const runtimes = opts.routes.map(routeRuntime);
  const stats = emptyStats();
  const cancelMap = new CancelMap<CancelTarget>();
  const sessions = new Set<ClientSession>();
  const opened: Listening[] = [];
  const listeners: ProxyListener[] = [];
  let closing = false;

  const accept = (rt: RouteRuntime) => (sock: net.Socket) => {
    if (closing) {
      sock.destroy();
      return;
    }
    const session = new ClientSession(sock, { route: rt, tokens: opts.tokenProvider, cancelMap, logger, stats, handshakeTimeoutMs, ...(passwordDigest ? { passwordDigest } : {}) });
    sessions.add(session);
    void session.done.then(() => sessions.delete(session));
  };

  try {
    for (const [i, route] of opts.routes.entries()) {
      const rt = runtimes[i] as RouteRuntime;
      const l = await listen(
        { address: decision.address, port: route.port ?? (route.unixSocketDir ? 5432 : 0), ...(route.unixSocketDir ? { unixSocketDir: route.unixSocketDir } : {}) },
        accept(rt),
      );
      opened.push(l);
      listeners.push({
        profileId: rt.profile.id,
        profileName: rt.profile.name,
        address: l.address,
        port: l.port,
        ...(l.unixSocketPath ? { unixSocketPath: l.unixSocketPath } : {}),
        username: rt.profile.username,
        database: rt.profile.database,
      });
      logger.info('proxy listening', { profile: rt.profile.name, address: l.address, port: l.port, upstream: `${rt.upstream.host}:${rt.upstream.port}`, user: rt.profile.username });
    }
  } catch (e) {
    await Promise.all(opened.map((l) => new Promise<void>((r) => l.server.close(() => r()))));
    throw e;
  }
  if (decision.warning) logger.warn(decision.warning);

  let closed: Promise<void> | undefined;
  return {
    listeners,
    ...(decision.warning ? { warning: decision.warning } : {}),
    stats: () => ({ ...stats }),
    close(graceful = true) {
      closed ??= (async () => {
        closing = true;
        const stopped = Promise.all(opened.map((l) => new Promise<void>((r) => l.server.close(() => r()))));
        if (graceful && sessions.size > 0) {
          logger.info('proxy shutting down: waiting for open connections', { open: sessions.size, timeoutMs: shutdownTimeoutMs });
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            Promise.all([...sessions].map((s) => s.done)),
            new Promise<void>((r) => (timer = setTimeout(r, shutdownTimeoutMs))),
          ]);
          clearTimeout(timer);
        }
        for (const s of sessions) s.destroy();
        await Promise.all([...sessions].map((s) => s.done));
        await stopped;
        logger.info('proxy stopped', { ...stats });
      })();
      return closed;
    },
  };
}
