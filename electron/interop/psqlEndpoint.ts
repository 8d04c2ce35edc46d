// The private endpoint `pgentra psql` points psql at: a one-shot instance of the local auth proxy
// (electron/proxy) bound to the profile's server and role, started in-process for one psql run.
// psql never holds the Entra token — not in its environment, not in a file, not in memory — so no
// libpq route a psql script can take (\connect with hostaddr, host lists, service files,
// PGHOSTADDR via \setenv, -reuse-previous, sslmode overrides, \! …) can carry the token anywhere:
// the proxy alone sends it, for each connection, to the profile's host over verified TLS.
//
// Transport: a Unix socket in a fresh owner-only (0700) folder where the OS has them (other users
// cannot open the folder) — under $XDG_RUNTIME_DIR, else <data dir>/run, else the temporary
// folder, the first whose socket path fits the OS limit; on Windows loopback TCP on an ephemeral
// port with a random per-launch password, checked with SCRAM-SHA-256 (never sent in clear to the
// proxy) and given to psql in a pgpass file for that local endpoint only — usable only against it,
// only while psql runs. On Linux the TCP endpoint also refuses sockets of other OS users (the
// proxy's owner check).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PgEntraError } from '../../shared/errors.js';
import type { TokenProvider } from '../auth/tokenProvider.js';
import { silentLogger, type LogFields, type Logger } from '../log/logger.js';
import { startProxy, type ProxyProfile, type RunningProxy } from '../proxy/index.js';
import { preparePrivateDir, socketPathLimit, unixSocketPathFor } from '../proxy/listener.js';
import type { PgpassTarget } from './psqlLauncher.js';

export type PsqlTransport = 'unix' | 'tcp';

/** Unix sockets everywhere but Windows, where libpq and Node have no usable equivalent. */
export function defaultPsqlTransport(platform: NodeJS.Platform = process.platform): PsqlTransport {
  return platform === 'win32' ? 'tcp' : 'unix';
}

/** The socket file's name is `.s.PGSQL.<port>` in the folder; the port number only names it. */
const SOCKET_PORT = 5432;
/** psql plus its \connects; a script opening more at once is refused with "too many clients". */
const MAX_CLIENTS = 16;

export interface PsqlEndpointOptions {
  profile: ProxyProfile;
  tokenProvider: TokenProvider;
  /** pgEntra's data folder: the proxy runs the connection pre-flight (consent, host, TLS) as everywhere. */
  dataDir: string;
  transport: PsqlTransport;
  /** Roles other than the profile's that psql may log in as (what the person gave with -U). */
  allowedUsers?: string[];
  logger?: Logger;
  /** Folder for the private temporary folder (default: the OS temp folder). */
  tmpDir?: string;
  /** For $XDG_RUNTIME_DIR (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** The OS, for the socket path limit (default: this one). */
  platform?: NodeJS.Platform;
}

export interface PsqlEndpoint {
  transport: PsqlTransport;
  /** libpq variables that point psql at the endpoint (PGHOST, PGPORT, PGSSLMODE). */
  env: Record<string, string>;
  /** TCP only: the per-launch password and the one endpoint it is for (for psql's pgpass file). */
  localPassword?: { target: PgpassTarget; value: string };
  /** The owner-only folder (the Unix socket lives in it). */
  dir: string;
  /** The server refused a login for not being a member of the role (the PIM case), as the proxy saw it. */
  membershipRefused(): boolean;
  /** Stops the proxy (open connections are cut) and removes the folder; idempotent. */
  close(): Promise<void>;
  /** Removes the folder synchronously (an exit handler's last resort; the process takes the listener with it). */
  removeSync(): void;
}

/**
 * The proxy logs each final refusal as `server refused the login` with its kind; reading it here
 * lets pgentra psql say exactly why psql was refused without widening the proxy's interface.
 */
function observingLogger(base: Logger, onRefusal: (fields: LogFields | undefined) => void): Logger {
  return {
    debug: (m, f) => base.debug(m, f),
    info: (m, f) => base.info(m, f),
    warn: (m, f) => {
      if (m === 'server refused the login') onRefusal(f);
      base.warn(m, f);
    },
    error: (m, f) => base.error(m, f),
    child: (s) => observingLogger(base.child(s), onRefusal),
  };
}

const DIR_PREFIX = 'pgentra-psql-';

/** The socket's path in a folder mkdtemp would create under `parent` (six random characters). */
function socketPathUnder(parent: string): string {
  return unixSocketPathFor(path.join(parent, `${DIR_PREFIX}XXXXXX`), SOCKET_PORT);
}

/**
 * Where the socket's private folder goes: a long TMPDIR (macOS's own is ~50 bytes already) would
 * make the socket path longer than sun_path holds. The first folder whose socket path fits, in the
 * proxy's order: $XDG_RUNTIME_DIR (per user, 0700), <data dir>/run (created 0700), the temporary
 * folder. None: an error saying what to change — never a silent switch to TCP, whose one-time
 * password is the weaker protection (README: attacks tried).
 */
async function socketParent(opts: PsqlEndpointOptions, tmp: string): Promise<string> {
  const limit = socketPathLimit(opts.platform);
  const fits = (dir: string): boolean => Buffer.byteLength(socketPathUnder(dir)) <= limit;
  const xdg = (opts.env ?? process.env).XDG_RUNTIME_DIR;
  if (xdg && path.isAbsolute(xdg) && fits(xdg) && existsSync(xdg)) return xdg;
  const run = path.join(opts.dataDir, 'run');
  if (fits(run)) {
    try {
      await preparePrivateDir(run);
      return run;
    } catch {
      // Not ours or not creatable: the temporary folder may still do.
    }
  }
  if (fits(tmp)) return tmp;
  throw new PgEntraError(
    'invalid_input',
    `No folder is short enough for psql's Unix socket: under ${tmp} its path would be ${Buffer.byteLength(socketPathUnder(tmp))} bytes, more than the ${limit} a Unix socket name may have.`,
    { hint: 'Set TMPDIR to a shorter folder (e.g. TMPDIR=/tmp pgentra psql …), or use loopback TCP with a one-time password: pgentra psql PROFILE --tcp.' },
  );
}

export async function startPsqlEndpoint(opts: PsqlEndpointOptions): Promise<PsqlEndpoint> {
  const tmp = opts.tmpDir ?? os.tmpdir();
  const parent = opts.transport === 'unix' ? await socketParent(opts, tmp) : tmp;
  let dir: string;
  try {
    dir = mkdtempSync(path.join(parent, DIR_PREFIX));
    chmodSync(dir, 0o700);
  } catch (e) {
    throw new PgEntraError('io_error', `Could not create a private temporary folder for psql's connection: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  let removed = false;
  const removeSync = (): void => {
    if (removed) return;
    removed = true;
    rmSync(dir, { recursive: true, force: true });
  };
  let refused = false;
  const logger = observingLogger(opts.logger ?? silentLogger, (f) => {
    if (f?.kind === 'not_member') refused = true;
  });
  const password = opts.transport === 'tcp' ? randomBytes(32).toString('base64url') : undefined;
  let running: RunningProxy;
  try {
    running = await startProxy({
      routes: [
        {
          profile: opts.profile,
          ...(opts.transport === 'unix' ? { unixSocketDir: dir, port: SOCKET_PORT } : { port: 0 }),
          ...(opts.allowedUsers?.length ? { allowedUsers: opts.allowedUsers } : {}),
        },
      ],
      address: '127.0.0.1',
      tokenProvider: opts.tokenProvider,
      dataDir: opts.dataDir,
      logger,
      maxClients: MAX_CLIENTS,
      // psql has exited when this closes: nothing to wait for.
      shutdownTimeoutMs: 0,
      ...(password !== undefined ? { requirePassword: password } : {}),
    });
  } catch (e) {
    removeSync();
    throw e;
  }
  const l = running.listeners[0];
  if (!l) {
    await running.close(false);
    removeSync();
    throw new PgEntraError('internal', 'The local endpoint for psql did not start.');
  }
  let closed: Promise<void> | undefined;
  return {
    transport: opts.transport,
    // The proxy does the TLS to Azure and answers psql's SSLRequest with "no" (a private socket or
    // loopback); libpq's default `prefer` (not an inherited verify-full) accepts that.
    env: { PGHOST: l.address, PGPORT: String(l.port), PGSSLMODE: 'prefer' },
    ...(password !== undefined ? { localPassword: { target: { host: l.address, port: String(l.port), database: '*', user: '*' }, value: password } } : {}),
    dir,
    membershipRefused: () => refused,
    removeSync,
    close() {
      closed ??= running.close(false).finally(removeSync);
      return closed;
    },
  };
}
