// The local Entra auth proxy: PostgreSQL clients connect to a private Unix socket (or loopback TCP,
// where Linux lets it check that the client is the same OS user) with no password; the proxy signs
// in to the flexible server with a fresh Entra token for each client connection and then relays
// bytes. Modelled on Cloud SQL Auth Proxy's --auto-iam-authn. Only the OS user who started it
// may use it: other users cannot open the socket's folder, are refused on TCP by the owner check
// as the connection is accepted (before it is counted or read), or (where no such check exists, or
// for remote clients) must give the local password, checked with SCRAM-SHA-256 before anything else
// is answered. Limits per OS user / address: admission.ts; password back-off: passwordBackoff.ts.
import { unlink } from 'node:fs/promises';
import type net from 'node:net';
import { resolveCloud } from '../base/cloudLoader.js';
import { preflight } from '../connect/preflight.js';
import type { TokenProvider } from '../auth/tokenProvider.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { buildSslOptions, readCaFile } from '../base/tls.js';
import { checkProfilePolicy, profileErrorsToError } from '../../shared/profile.js';
import { PgEntraError } from '../../shared/errors.js';
import { checkListenAddress, DEFAULT_PROXY_ADDRESS } from './addressPolicy.js';
import { Admission, LOOPBACK_SOURCE, PoliteRefusals, sourceOf, type Admitted } from './admission.js';
import { CancelMap } from './cancelMap.js';
import { ClientSession, NOT_OWNER, tooManyClients, tooManyWaiting } from './clientSession.js';
import { listen, type Listening } from './listener.js';
import { PasswordBackoff } from './passwordBackoff.js';
import { PEER_OWNER_CHECK_SUPPORTED, peerUidNow } from './peerOwner.js';
import { RefusalLog } from './refusalLog.js';
import { scramVerifier } from './scram.js';
import { errorResponse, type ErrorFields } from '../pgwire/index.js';
import { PacketReader } from '../pgwire/packetReader.js';
import { emptyStats, type CancelTarget, type ProxyProfile, type ProxyRoute, type ProxyStats, type RouteRuntime } from './types.js';

export type { ProxyProfile, ProxyRoute, ProxyStats } from './types.js';
export { isLoopbackAddress, checkListenAddress, DEFAULT_PROXY_ADDRESS } from './addressPolicy.js';
export { resolveClientUser } from './userRule.js';
export { PortRegistry, assignPorts, FIRST_PROXY_PORT, PORTS_FILE_NAME } from './portRegistry.js';
export { PEER_OWNER_CHECK_SUPPORTED } from './peerOwner.js';
export { defaultSocketDir, socketPathLimit, unixSocketPathFor, UNIX_SOCKETS_SUPPORTED } from './listener.js';

export const DEFAULT_MAX_CLIENTS = 100;
export const DEFAULT_STARTUP_DEADLINE_MS = 10_000;

export interface ProxyOptions {
  routes: ProxyRoute[];
  /** Default 127.0.0.1. A non-loopback address needs `allowRemote`. */
  address?: string;
  tokenProvider: TokenProvider;
  allowRemote?: boolean;
  /** Clients must give this password, checked with SCRAM-SHA-256 (it never crosses the wire). */
  requirePassword?: string;
  /**
   * On TCP, refuse clients whose socket belongs to another OS user. Default: on where the
   * platform allows the check (Linux); elsewhere TCP needs `requirePassword` or `noPassword`.
   */
  ownerCheck?: boolean;
  /** Explicit opt-out: TCP with neither owner check nor password (any local user gets in). */
  noPassword?: boolean;
  /**
   * At most this many of the owner's and authenticated connections at once (default 100); more are
   * refused with 53300. Clients still to give the password wait outside it (admission.ts).
   */
  maxClients?: number;
  /** From accept to authenticated locally (default 10 s), absolute. */
  startupDeadlineMs?: number;
  logger?: Logger;
  /**
   * pgEntra's data folder: each route then passes the connection pre-flight (custom-cloud consent,
   * host policy, TLS) exactly as sessions and the CLI do. Without it only the host/TLS policy is
   * checked here; the token broker still refuses a custom cloud nobody confirmed.
   */
  dataDir?: string;
  /** Graceful close waits this long for running connections (default 30 s). */
  shutdownTimeoutMs?: number;
  /** From accept to the relay, including the upstream sign-in (default 60 s), absolute. */
  handshakeTimeoutMs?: number;
}

export interface ProxyListener {
  profileId: string;
  profileName: string;
  address: string;
  port: number;
  unixSocketPath?: string;
  /** Whether clients must give the local password. */
  passwordRequired: boolean;
  /** TCP only: other OS users are refused (Linux). */
  ownerCheck: boolean;
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
function routeRuntime(route: ProxyRoute, dataDir: string | undefined): RouteRuntime {
  const p: ProxyProfile = route.profile;
  if (dataDir !== undefined) {
    const checked = preflight(p, { dataDir });
    return {
      profile: p,
      upstream: { host: p.host, port: p.port, ssl: { ...checked.ssl, host: p.host }, connectTimeoutMs: p.connectTimeoutSeconds * 1000 },
      tokenCloud: checked.cloudRef,
      allowedUsers: route.allowedUsers ?? [],
    };
  }
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
  const passwordRequired = opts.requirePassword !== undefined;
  if (!decision.loopback && !passwordRequired) {
    throw new PgEntraError('invalid_input', `Listening on ${decision.address} (not loopback) requires a local password.`, {
      hint: 'Add --require-password (set PGENTRA_PROXY_PASSWORD, or let the proxy print a random one).',
    });
  }
  if (opts.ownerCheck === true && !PEER_OWNER_CHECK_SUPPORTED)
    throw new PgEntraError('invalid_input', `Checking which OS user a TCP client runs as is not possible on ${process.platform}.`, {
      hint: 'Use the Unix socket (the default), or TCP with --require-password.',
    });
  const ownerCheck = opts.ownerCheck ?? PEER_OWNER_CHECK_SUPPORTED;
  const anyTcp = opts.routes.some((r) => !r.unixSocketDir);
  if (anyTcp && !ownerCheck && !passwordRequired && opts.noPassword !== true) {
    throw new PgEntraError('invalid_input', `On ${process.platform} the proxy cannot tell which OS user a TCP client runs as, so TCP needs a local password.`, {
      hint: 'Use the Unix socket (the default), add --require-password, or pass --no-password if every local user may use your Entra identity.',
    });
  }
  const maxClients = opts.maxClients ?? DEFAULT_MAX_CLIENTS;
  if (!Number.isInteger(maxClients) || maxClients < 1) throw new PgEntraError('invalid_input', 'The client limit must be a whole number of at least 1.');
  // Derived once per run (PBKDF2, 4096 rounds); the password itself is not kept.
  const scram = opts.requirePassword !== undefined ? scramVerifier(opts.requirePassword) : undefined;
  const backoff = new PasswordBackoff();
  const admission = new Admission(maxClients);
  // The owner over its own limit is told why as before; others get a few answers, then resets.
  // Loopback clients of unknown OS user (macOS, Windows) may be the owner: a budget of their own,
  // so remote floods cannot use it up.
  const ownerPolite = new PoliteRefusals(maxClients, 1e9);
  const loopbackPolite = new PoliteRefusals();
  const othersPolite = new PoliteRefusals();
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 30_000;
  const handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 60_000;
  const startupDeadlineMs = Math.min(opts.startupDeadlineMs ?? DEFAULT_STARTUP_DEADLINE_MS, handshakeTimeoutMs);
  const runtimes = opts.routes.map((r) => routeRuntime(r, opts.dataDir));
  // After the routes: a profile-policy error above would otherwise leave its timer running.
  const refusals = new RefusalLog(logger);
  const stats = emptyStats();
  const cancelMap = new CancelMap<CancelTarget>();
  const sessions = new Set<ClientSession>();
  const opened: Listening[] = [];
  const listeners: ProxyListener[] = [];
  let closing = false;

  const refuse = (sock: net.Socket, owner: boolean, source: string, fields: ErrorFields): void => {
    const budget = owner ? ownerPolite : source === LOOPBACK_SOURCE ? loopbackPolite : othersPolite;
    if (!budget.take()) return reset(sock);
    void refuseWithError(sock, fields, Math.min(startupDeadlineMs, 2_000)).finally(() => budget.done());
  };

  const accept = (rt: RouteRuntime, tcp: boolean) => (sock: net.Socket) => {
    sock.on('error', () => undefined);
    if (closing) return reset(sock);
    const profile = rt.profile.name;
    // Who connects is decided here, before the connection is counted or read: a Unix socket is the
    // owner's (its folder is 0700); on TCP, Linux names the socket's OS user (also without the
    // owner check, so each user is accounted on its own).
    const peerUid = tcp && PEER_OWNER_CHECK_SUPPORTED ? peerUidNow(sock) : undefined;
    const owner = !tcp || (peerUid !== undefined && peerUid === uid);
    const source = tcp ? sourceOf(sock.remoteAddress, peerUid) : sourceOf(undefined, undefined);
    if (tcp && ownerCheck && !owner) {
      // No local socket (another machine) may go on to the password when listening beyond loopback.
      const remote = peerUid === undefined && !decision.loopback && scram !== undefined;
      if (!remote) {
        stats.failed++;
        refusals.note('proxy refused a connection from another OS user', source, { profile, uid: peerUid ?? null });
        return refuse(sock, false, source, NOT_OWNER);
      }
    }
    // Wrong passwords only slow their own source's answers (passwordBackoff.ts) and never close a
    // connection here. The one refusal: a new remote address while the back-off remembers as many
    // as it may — sharing one entry instead would let them slow down or reset each other.
    if (scram && !owner && !backoff.hasRoomFor(source)) {
      stats.failed++;
      refusals.note('proxy refused a connection: too many addresses with recent wrong passwords', source, { profile });
      return reset(sock);
    }
    // The owner (and anyone, where no authentication is asked for) counts against --max-clients
    // now; a client still to give the password waits in its source's bounded pool.
    const admitted: Admitted = owner || !scram ? admission.admitCounted() : admission.admitPreAuth(source);
    if (!admitted.ok) {
      stats.failed++;
      const limit = admitted.why === 'max-clients' ? { maxClients } : admitted.why === 'source-limit' ? { perSource: admission.preAuthPerSource } : { preAuthTotal: admission.preAuthMax };
      refusals.note(`proxy refused a connection: too many clients${admitted.why === 'max-clients' ? '' : ' waiting to authenticate'}`, source, { profile, ...limit });
      const fields =
        admitted.why === 'max-clients'
          ? tooManyClients(maxClients)
          : admitted.why === 'source-limit'
            ? tooManyWaiting(admission.preAuthPerSource, 'source')
            : tooManyWaiting(admission.preAuthMax, 'all');
      return refuse(sock, owner, source, fields);
    }
    const session = new ClientSession(sock, {
      route: rt,
      tokens: opts.tokenProvider,
      cancelMap,
      logger,
      stats,
      startupDeadlineMs,
      handshakeTimeoutMs,
      backoff,
      source,
      owner,
      ticket: admitted.ticket,
      refusals,
      maxClients,
      ...(scram ? { scram } : {}),
    });
    sessions.add(session);
    void session.done.then(() => sessions.delete(session));
  };

  try {
    for (const [i, route] of opts.routes.entries()) {
      const rt = runtimes[i] as RouteRuntime;
      const l = await listen(
        { address: decision.address, port: route.port ?? (route.unixSocketDir ? 5432 : 0), ...(route.unixSocketDir ? { unixSocketDir: route.unixSocketDir } : {}) },
        accept(rt, !route.unixSocketDir),
      );
      opened.push(l);
      listeners.push({
        profileId: rt.profile.id,
        profileName: rt.profile.name,
        address: l.address,
        port: l.port,
        ...(l.unixSocketPath ? { unixSocketPath: l.unixSocketPath } : {}),
        passwordRequired,
        ownerCheck: !route.unixSocketDir && ownerCheck,
        username: rt.profile.username,
        database: rt.profile.database,
      });
      logger.info('proxy listening', { profile: rt.profile.name, address: l.address, port: l.port, upstream: `${rt.upstream.host}:${rt.upstream.port}`, user: rt.profile.username });
    }
  } catch (e) {
    refusals.close();
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
          await Promise.race([Promise.all([...sessions].map((s) => s.done)), new Promise<void>((r) => (timer = setTimeout(r, shutdownTimeoutMs)))]);
          clearTimeout(timer);
        }
        for (const s of sessions) s.destroy();
        await Promise.all([...sessions].map((s) => s.done));
        await stopped;
        refusals.close();
        // Our socket files go with us (a stale one would only be cleaned up at the next start).
        await Promise.all(opened.flatMap((l) => (l.unixSocketPath ? [unlink(l.unixSocketPath).catch(() => undefined)] : [])));
        logger.info('proxy stopped', { ...stats });
      })();
      return closed;
    },
  };
}

/** Closes a refused connection at once: a reset on TCP, so no TIME_WAIT piles up under a flood. */
function reset(sock: net.Socket): void {
  try {
    if (sock.remoteAddress) sock.resetAndDestroy();
    else sock.destroy();
  } catch {
    sock.destroy();
  }
}

/**
 * A refusal the client can read: its startup packet (answering one SSLRequest) is read and
 * refused the way PostgreSQL does, so the client shows a clear message rather than a reset.
 */
async function refuseWithError(sock: net.Socket, fields: ErrorFields, deadlineMs: number): Promise<void> {
  const timer = setTimeout(() => sock.destroy(), deadlineMs);
  const reader = new PacketReader(sock);
  try {
    let p = await reader.untyped();
    if (p.kind === 'ssl' || p.kind === 'gssenc') {
      sock.write('N');
      p = await reader.untyped();
    }
    if (p.kind !== 'startup') return void sock.destroy();
    reader.detach();
    sock.end(errorResponse(fields));
    await new Promise<void>((r) => sock.once('close', () => r()));
  } catch {
    sock.destroy();
  } finally {
    clearTimeout(timer);
  }
}
