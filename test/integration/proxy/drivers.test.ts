// Drivers other than libpq's psql through the proxy with its default security: psycopg 3 (Debian's
// python3-psycopg) on the private Unix socket and over TCP with the SCRAM-SHA-256 local password;
// pgjdbc (Debian's libpostgresql-jdbc-java, run as a single-file Java program) over TCP with
// SCRAM — pgjdbc needs junixsocket for Unix sockets, which Debian does not ship.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../../electron/proxy/index.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { CachingSimTokenProvider, libpqEnv, prepareServer, run, simProfile } from './helpers.js';

const PGJDBC = '/usr/share/java/postgresql.jar';
const PASSWORD = 'local-proxy-pw';
let azure: SimulatedAzure;
let dir: string;
let socketProxy: RunningProxy;
let scramProxy: RunningProxy;

beforeAll(async () => {
  azure = await startSimulatedAzure();
  await prepareServer(azure);
  dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-drivers-'));
  const tokens = new CachingSimTokenProvider(azure);
  socketProxy = await startProxy({ routes: [{ profile: simProfile(azure), port: 6432, unixSocketDir: path.join(dir, 'run') }], tokenProvider: tokens, shutdownTimeoutMs: 500 });
  scramProxy = await startProxy({ routes: [{ profile: simProfile(azure) }], tokenProvider: tokens, requirePassword: PASSWORD, shutdownTimeoutMs: 500 });
});

afterAll(async () => {
  await Promise.allSettled([socketProxy?.close(false), scramProxy?.close(false)]);
  await azure?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const PSYCOPG = `
import sys, psycopg
with psycopg.connect(sys.argv[1]) as c:
    print(c.execute("select current_user").fetchone()[0])
`;

describe('psycopg 3', () => {
  it('connects on the Unix socket with no password', async () => {
    const r = await run('/usr/bin/python3', ['-c', PSYCOPG, `host=${path.join(dir, 'run')} port=6432 dbname=postgres user=db-admins`], libpqEnv());
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('db-admins');
  });

  it('connects over TCP with the SCRAM password; a wrong one is refused', async () => {
    const port = scramProxy.listeners[0]?.port as number;
    const ok = await run('/usr/bin/python3', ['-c', PSYCOPG, `host=127.0.0.1 port=${port} dbname=postgres user=db-admins password=${PASSWORD} sslmode=disable`], libpqEnv());
    expect(ok.stderr).toBe('');
    expect(ok.stdout.trim()).toBe('db-admins');
    const bad = await run('/usr/bin/python3', ['-c', PSYCOPG, `host=127.0.0.1 port=${port} dbname=postgres user=db-admins password=nope sslmode=disable`], libpqEnv());
    expect(bad.stderr).toContain('password authentication failed');
  });
});

describe('pgjdbc', () => {
  it('connects over TCP with the SCRAM password', async () => {
    expect(existsSync(PGJDBC), `${PGJDBC} missing: run build/install-prereqs.sh (libpostgresql-jdbc-java)`).toBe(true);
    const src = path.join(dir, 'Probe.java');
    writeFileSync(
      src,
      `import java.sql.*;
public class Probe {
  public static void main(String[] a) throws Exception {
    try (Connection c = DriverManager.getConnection(a[0], a[1], a[2]); ResultSet r = c.createStatement().executeQuery("select current_user")) {
      r.next();
      System.out.println(r.getString(1));
    }
  }
}
`,
    );
    const port = scramProxy.listeners[0]?.port as number;
    const r = await run('java', ['-cp', PGJDBC, src, `jdbc:postgresql://127.0.0.1:${port}/postgres?sslmode=disable`, 'db-admins', PASSWORD], libpqEnv(), 120_000);
    expect(r.stdout.trim(), r.stderr).toBe('db-admins');
  }, 120_000);
});
