// Benchmark of the local Entra auth proxy against the simulated flexible server. Run:
//   npx tsx test/bench/proxy.ts [--duration 20]
// Reports ratios from one run (no assertions): pgbench -S TPS and pgbench -S -C TPS through the
// proxy vs directly (same TLS, same token), added latency per simple query (p50/p99), and the
// proxy's RSS with 500 idle client connections. The proxy runs in its own process (forked), so
// it does not share an event loop with the simulators.
import 'reflect-metadata';
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startProxy } from '../../electron/proxy/index.js';
import type { ProxyProfile } from '../../electron/proxy/types.js';
import { MessageBuffer, authenticationCleartextPassword, authenticationOk, backendKeyData, parameterStatus, readyForQuery } from '../../electron/pgwire/index.js';
import { createTlsMaterial } from '../sim/ca.js';
import { startSimulatedAzure } from '../sim/index.js';

const ADMIN_UPN = 'adm-alice@contoso.example';

// ------------------------------------------------------------------------------ child: the proxy
interface ChildConfig {
  token: string;
  profiles: ProxyProfile[];
  /** Room for the idle-connection test (the default cap is 100). */
  maxClients: number;
}

async function child(): Promise<void> {
  const cfg = await new Promise<ChildConfig>((r) => process.once('message', (m) => r(m as ChildConfig)));
  const expiresOn = new Date(Date.now() + 3600_000);
  const proxy = await startProxy({
    routes: cfg.profiles.map((profile) => ({ profile })),
    tokenProvider: { getToken: async () => ({ token: cfg.token, expiresOn, account: ADMIN_UPN }) },
    shutdownTimeoutMs: 1000,
    // Loopback TCP as `pgentra proxy --tcp` runs it: on Linux each client's OS user is checked
    // (/proc/net/tcp) — the owner check is startProxy's default where the platform has it.
    maxClients: cfg.maxClients,
  });
  process.on('message', (m) => {
    if (m === 'rss') process.send?.({ rss: process.memoryUsage().rss, stats: proxy.stats() });
    if (m === 'stop') void proxy.close(false).then(() => process.exit(0));
  });
  if (!proxy.listeners.every((l) => l.ownerCheck || process.platform !== 'linux')) throw new Error('the bench proxy must run with the owner check');
  process.send?.({ ports: proxy.listeners.map((l) => l.port) });
}

// ----------------------------------------------------------------------------- parent: the bench
function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : def;
  return Number.isFinite(v) && v > 0 ? v : def;
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
  });
}

function tps(out: string): number {
  return Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? NaN);
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function latencies(config: pg.ClientConfig, n: number): Promise<number[]> {
  const c = new pg.Client(config);
  await c.connect();
  const out: number[] = [];
  for (let i = 0; i < 100; i++) await c.query('select 1'); // warm-up
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await c.query('select 1');
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  await c.end();
  return out.sort((a, b) => a - b);
}

/** A stand-in flexible server for the idle-connection memory test (the simulator allows 60 backends). */
async function stubUpstream(material: Awaited<ReturnType<typeof createTlsMaterial>>): Promise<net.Server> {
  const ctx = tls.createSecureContext({ cert: material.certPem, key: material.keyPem });
  const server = net.createServer((raw) => {
    raw.on('error', () => undefined);
    raw.once('data', () => {
      raw.write('S');
      const s = new tls.TLSSocket(raw, { isServer: true, secureContext: ctx });
      s.on('error', () => undefined);
      const buf = new MessageBuffer();
      let started = false;
      s.on('data', (c: Buffer) => {
        buf.push(c);
        if (!started && buf.nextUntyped(10_000)) {
          started = true;
          s.write(authenticationCleartextPassword());
        } else if (started && buf.nextTyped(65_535)) {
          s.write(Buffer.concat([authenticationOk(), parameterStatus('server_version', '16.0'), backendKeyData(1, Buffer.from([1, 2, 3, 4])), readyForQuery('I')]));
        }
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

async function main(): Promise<void> {
  const duration = arg('duration', 20);
  const idle = arg('idle', 500);
  const azure = await startSimulatedAzure();
  let proc: ChildProcess | undefined;
  let stubServer: net.Server | undefined;
  try {
    const { host, port } = azure.state.server;
    const caPem = readFileSync(azure.caFile, 'utf8');
    const adminClient = new pg.Client({ host, port, user: azure.state.server.adminUser, password: azure.state.server.adminPassword, database: 'postgres', ssl: { ca: caPem, servername: host } });
    await adminClient.connect();
    await adminClient.query('GRANT CREATE ON SCHEMA public TO "db-admins"');
    await adminClient.end();
    const token = azure.entra.control.mintAccessToken({ upn: ADMIN_UPN }, { lifetimeSeconds: 7200 });

    // The stub upstream trusts its own CA: a cloud file like the simulator's with that CA.
    const stubMaterial = await createTlsMaterial();
    stubServer = await stubUpstream(stubMaterial);
    const stubCa = path.join(azure.workDir, 'stub-ca.pem');
    writeFileSync(stubCa, stubMaterial.caCertPem);
    const stubCloud = path.join(azure.workDir, 'stub-cloud.json');
    writeFileSync(stubCloud, JSON.stringify({ ...JSON.parse(readFileSync(azure.stateFile, 'utf8')), caFile: stubCa }));

    const base: Omit<ProxyProfile, 'id' | 'name' | 'port' | 'cloud'> = {
      host,
      database: 'postgres',
      username: 'db-admins',
      credential: { kind: 'interactive', account: ADMIN_UPN },
      sslmode: 'verify-full',
      applicationName: 'pgEntra-bench',
      connectTimeoutSeconds: 10,
      confirmations: { nonAzureHost: true },
    };
    const stubPort = (stubServer.address() as net.AddressInfo).port;
    const profiles: ProxyProfile[] = [
      { ...base, id: '11111111-1111-4111-8111-111111111111', name: 'sim', port, cloud: { customFile: azure.stateFile } },
      { ...base, id: '22222222-2222-4222-8222-222222222222', name: 'stub', port: stubPort, cloud: { customFile: stubCloud } },
    ];
    proc = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = new Promise<{ ports: number[] }>((r) => proc?.once('message', (m) => r(m as { ports: number[] })));
    proc.send({ token, profiles, maxClients: idle + 100 } satisfies ChildConfig);
    const [proxyPort, stubProxyPort] = (await ready).ports as [number, number];

    const direct = { PGHOST: host, PGPORT: String(port), PGUSER: 'db-admins', PGPASSWORD: token, PGSSLMODE: 'verify-full', PGSSLROOTCERT: azure.caFile };
    const viaProxy = { PGHOST: '127.0.0.1', PGPORT: String(proxyPort), PGUSER: 'db-admins', PGSSLMODE: 'disable' };
    const env = (e: Record<string, string>): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, PGPASSFILE: '/nonexistent', PGDATABASE: 'postgres', ...e });
    const init = await sh('/usr/bin/pgbench', ['-i', '-s', '1', '-q'], env(viaProxy), 300_000);
    if (init.code !== 0) throw new Error(`pgbench -i failed: ${init.stderr}`);

    const rss = (): Promise<{ rss: number; stats: { relaying: number } }> =>
      new Promise((r) => {
        proc?.once('message', (m) => r(m as { rss: number; stats: { relaying: number } }));
        proc?.send('rss');
      });
    const atStart = await rss();
    const T = String(duration);
    const results: Record<string, string> = {};
    const s1d = await sh('/usr/bin/pgbench', ['-S', '-c', '8', '-j', '2', '-T', T], env(direct), (duration + 60) * 1000);
    const s1p = await sh('/usr/bin/pgbench', ['-S', '-c', '8', '-j', '2', '-T', T], env(viaProxy), (duration + 60) * 1000);
    results['pgbench -S -c 8 -j 2'] = `direct ${tps(s1d.stdout).toFixed(0)} tps, proxy ${tps(s1p.stdout).toFixed(0)} tps, ratio ${(tps(s1p.stdout) / tps(s1d.stdout)).toFixed(2)} (target >= 0.90)`;
    const s2d = await sh('/usr/bin/pgbench', ['-S', '-C', '-c', '4', '-T', T], env(direct), (duration + 60) * 1000);
    const s2p = await sh('/usr/bin/pgbench', ['-S', '-C', '-c', '4', '-T', T], env(viaProxy), (duration + 60) * 1000);
    results['pgbench -S -C -c 4'] = `direct ${tps(s2d.stdout).toFixed(0)} tps, proxy ${tps(s2p.stdout).toFixed(0)} tps, ratio ${(tps(s2p.stdout) / tps(s2d.stdout)).toFixed(2)} (target >= 0.80)`;
    for (const [name, r] of [
      ['s1d', s1d],
      ['s1p', s1p],
      ['s2d', s2d],
      ['s2p', s2p],
    ] as const)
      if (r.code !== 0) results[`${name} failed`] = r.stderr.slice(0, 300);

    const n = Math.max(500, duration * 100);
    const d = await latencies({ host, port, user: 'db-admins', password: token, database: 'postgres', ssl: { ca: caPem, servername: host } }, n);
    const p = await latencies({ host: '127.0.0.1', port: proxyPort, user: 'db-admins', database: 'postgres', ssl: false }, n);
    results['simple query latency'] =
      `direct p50 ${pct(d, 50).toFixed(3)} ms p99 ${pct(d, 99).toFixed(3)} ms; proxy p50 ${pct(p, 50).toFixed(3)} ms p99 ${pct(p, 99).toFixed(3)} ms; added p50 ${(pct(p, 50) - pct(d, 50)).toFixed(3)} ms p99 ${(pct(p, 99) - pct(d, 99)).toFixed(3)} ms`;

    const before = await rss();
    const idleClients: pg.Client[] = [];
    for (let i = 0; i < idle; i += 25) {
      const batch = Array.from({ length: Math.min(25, idle - i) }, () => new pg.Client({ host: '127.0.0.1', port: stubProxyPort, user: 'db-admins', database: 'postgres', ssl: false }));
      await Promise.all(batch.map((c) => c.connect()));
      idleClients.push(...batch);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const after = await rss();
    results[`proxy RSS with ${idle} idle clients`] =
      `${(after.rss / 2 ** 20).toFixed(1)} MB (at start ${(atStart.rss / 2 ** 20).toFixed(1)} MB, after the pgbench runs ${(before.rss / 2 ** 20).toFixed(1)} MB, so +${((after.rss - before.rss) / 2 ** 20).toFixed(1)} MB for the idle clients; relaying ${after.stats.relaying}; target < 150 MB; upstream = stub server, the simulator allows 60 backends)`;
    await Promise.all(idleClients.map((c) => c.end().catch(() => undefined)));

    console.log(`\npgEntra proxy benchmark (duration ${duration} s, ${new Date().toISOString()})`);
    for (const [k, v] of Object.entries(results)) console.log(`  ${k}: ${v}`);
  } finally {
    proc?.send('stop');
    await new Promise((r) => setTimeout(r, 300));
    proc?.kill();
    stubServer?.close();
    await azure.stop();
  }
}

if (process.argv.includes('--child')) void child();
else
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
