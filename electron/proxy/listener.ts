// One local listening endpoint: a TCP port on a (normally loopback) address, or a Unix socket
// `.s.PGSQL.<port>` in a private directory — the name libpq looks for with host=<dir>.
import { lstat, mkdir, chmod, unlink } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PgEntraError } from '../../shared/errors.js';

export interface ListenSpec {
  address: string;
  port: number;
  unixSocketDir?: string;
}

export interface Listening {
  server: net.Server;
  address: string;
  port: number;
  unixSocketPath?: string;
}

export function unixSocketPathFor(dir: string, port: number): string {
  return path.join(dir, `.s.PGSQL.${port}`);
}

/** The default endpoint is a Unix socket everywhere but Windows. */
export const UNIX_SOCKETS_SUPPORTED = process.platform !== 'win32';

/** sun_path holds 108 bytes on Linux (104 on macOS and the BSDs), including the final NUL. */
export function socketPathLimit(platform: NodeJS.Platform = process.platform): number {
  return platform === 'linux' ? 107 : 103;
}

function fits(dir: string): boolean {
  return Buffer.byteLength(unixSocketPathFor(dir, 65535)) <= socketPathLimit();
}

/**
 * Where the socket goes by default: `$XDG_RUNTIME_DIR/pgentra` (per-user, on tmpfs), else
 * `<data dir>/run`, else — when those paths are too long for sun_path — `<tmp>/pgentra-<uid>`
 * (created 0700; one that belongs to someone else is refused, never used).
 */
export function defaultSocketDir(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_RUNTIME_DIR;
  const candidates = [
    ...(xdg && path.isAbsolute(xdg) ? [path.join(xdg, 'pgentra')] : []),
    path.join(dataDir, 'run'),
    path.join(os.tmpdir(), `pgentra-${typeof process.getuid === 'function' ? process.getuid() : 'user'}`),
  ];
  return candidates.find(fits) ?? (candidates[candidates.length - 1] as string);
}

/** Creates the socket directory 0700 or checks an existing one is ours, a real directory, and private. */
export async function preparePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new PgEntraError('invalid_input', `${dir} is not a directory (a symbolic link is not accepted for the proxy's socket directory).`);
  if (process.platform === 'win32') return;
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new PgEntraError('invalid_input', `${dir} belongs to another user; the proxy's socket directory must be your own.`, {
      hint: 'Choose a directory of your own, e.g. $XDG_RUNTIME_DIR/pgentra.',
    });
  }
  if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

/** Removes a socket file left by a proxy that died, but never one that still answers. */
async function removeStaleSocket(file: string): Promise<void> {
  let st;
  try {
    st = await lstat(file);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new PgEntraError('conflict', `${file} exists and is not a socket.`);
  const alive = await new Promise<boolean>((resolve) => {
    const s = net.connect(file);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) throw new PgEntraError('conflict', `Another process is already listening on ${file}.`, { hint: 'Stop the other proxy or choose another --port / --unix-socket directory.' });
  await unlink(file).catch(() => undefined);
}

export async function listen(spec: ListenSpec, onConnection: (s: net.Socket) => void): Promise<Listening> {
  const server = net.createServer({ noDelay: true }, onConnection);
  let unixSocketPath: string | undefined;
  const start = (opts: net.ListenOptions): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    if (spec.unixSocketDir) {
      unixSocketPath = unixSocketPathFor(spec.unixSocketDir, spec.port);
      if (Buffer.byteLength(unixSocketPath) > socketPathLimit()) {
        throw new PgEntraError('invalid_input', `The socket path ${unixSocketPath} is longer than the ${socketPathLimit()} bytes a Unix socket name may have.`, {
          hint: 'Choose a shorter folder with --unix-socket DIR.',
        });
      }
      await preparePrivateDir(spec.unixSocketDir);
      await removeStaleSocket(unixSocketPath);
      await start({ path: unixSocketPath, exclusive: true });
      await chmod(unixSocketPath, 0o600);
    } else {
      await start({ host: spec.address, port: spec.port, exclusive: true });
    }
  } catch (e) {
    server.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      // Never silently move to another port: saved connection strings would reach whoever holds it.
      throw new PgEntraError(
        'conflict',
        `Port ${spec.port} on ${spec.address} is already in use by another program — maybe another proxy or PostgreSQL, maybe another user waiting for your clients. Your clients' saved connection strings point there: do not use them until this is sorted out.`,
        {
          hint: `Find the program (ss -ltnp 'sport = :${spec.port}') and stop it, or choose another port with --port N (it is remembered for this profile), or use the Unix socket (drop --tcp/--port).`,
          details: { port: spec.port, address: spec.address },
          cause: e,
        },
      );
    }
    if (code === 'EADDRNOTAVAIL') throw new PgEntraError('invalid_input', `${spec.address} is not an address of this computer.`, { cause: e });
    if (code === 'EACCES')
      throw new PgEntraError('invalid_input', `Not allowed to listen on ${spec.address}:${spec.port}${spec.port < 1024 ? ' (ports below 1024 need privileges)' : ''}.`, { cause: e });
    throw e;
  }
  server.on('error', () => undefined); // e.g. EMFILE on accept: keep serving the connections we have
  const addr = server.address();
  const port = !spec.unixSocketDir && typeof addr === 'object' && addr ? addr.port : spec.port;
  return { server, address: spec.unixSocketDir ?? spec.address, port, ...(unixSocketPath ? { unixSocketPath } : {}) };
}
