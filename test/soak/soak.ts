// The reliability soak (`npm run soak`, a 2-minute run in `npm test`): the simulated Azure with
// short-lived tokens; the built `pgentra proxy` in its own process with 16 clients doing short
// transactions and reconnecting; two app sessions (the app's SessionManager) running queries;
// a seeded schedule of faults — server restart/failover, Entra outages (refused, 503), network
// resets between pgEntra and the server (faultRelay.ts), the proxy stopped longer than a token
// lifetime ("laptop sleep"), three token lifetimes without traffic. Everything uses the real
// token broker on the real keychain. It returns figures and a list of problems (empty = passed).
import 'reflect-metadata'; // the simulator CA (@peculiar/x509) needs it first
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { TokenBroker } from '../../electron/auth/tokenBroker.js';
import { trustCloudFile } from '../../electron/connect/cloudTrust.js';
import { silentLogger } from '../../electron/log/logger.js';
import { openProfileStore } from '../../electron/profiles/profileAccess.js';
import { SessionManager } from '../../electron/sessions/manager.js';
import type { SessionTarget } from '../../electron/sessions/types.js';
import type { SessionStateEvent } from '../../shared/ipcSessions.js';
import { adminQuery } from '../integration/proxy/helpers.js';
import { completeSignInHeadless } from '../sim/entra/index.js';
import { startSimulatedAzure } from '../sim/index.js';
import { ACCOUNTS } from '../sim/types.js';
import { startWatchdog } from '../sim/watchdog.js';
import { startFaultRelay, type FaultRelay } from './faultRelay.js';
import { footprint, isAlive, processesMentioning } from './procStats.js';
import { checkFigures, rssByMinute, type SoakReport, type Window } from './report.js';
import { planFaults, prng } from './schedule.js';

export { formatReport, type SoakReport } from './report.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI_BUNDLE = path.join(repoRoot, 'dist/cli/pgentra.mjs');
const PROFILE = 'soak';
/** After a restart, reset or sleep ends, failures may still surface this long (a client noticing its cut connection). */
const GRACE_MS = 3_000;
/** Client-side limits: longer than a sleep, so a connection made while the proxy sleeps completes after it wakes. */
const CLIENT_TIMEOUT_MS = 60_000;
const PROXY_HEAP_MB = 96;

export interface SoakOptions {
  minutes: number;
  seed: number;
  tokenSeconds: number;
  clients: number;
  /** Progress lines (one per fault). */
  log?: (line: string) => void;
}

interface Attempt {
  start: number;
  end: number;
  ok: boolean;
  transactions: number;
  error?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';

/** The built CLI's `pgentra proxy` in its own process (signals go to it alone). */
async function startProxyProcess(home: string): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  if (!existsSync(CLI_BUNDLE)) throw new Error('build the CLI first: npm run build');
  // A bounded heap turns a leak into a crash the run reports, instead of RSS that only grows
  // (with 24 GiB the default limit is far away and V8 collects lazily).
  const env: NodeJS.ProcessEnv = { ...process.env, PGENTRA_HOME: home, NODE_OPTIONS: `--max-old-space-size=${PROXY_HEAP_MB}` };
  delete env.PGENTRA_CLOUD_FILE;
  const child = spawn(process.execPath, [CLI_BUNDLE, 'proxy', PROFILE, '--tcp', '--port', '0', '--max-clients', '64', '--shutdown-timeout', '5'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = /host=127\.0\.0\.1 port=(\d+)/.exec(out);
    if (m?.[1]) return { child, port: Number(m[1]), output: () => out };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`pgentra proxy did not start: ${out}`);
    }
    await sleep(50);
  }
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGCONT'); // a stopped process cannot handle SIGTERM
    child.kill(signal);
  });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const log = opts.log ?? ((): void => undefined);
  const runMs = opts.minutes * 60_000;
  const tokenMs = opts.tokenSeconds * 1000;
  const plan = planFaults({ runMs, tokenMs, seed: opts.seed, warmUpMs: 6_000, minGapMs: Math.max(5_000, tokenMs / 3), tailMs: 6_000 });
  const problems: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const childrenBefore = new Set(childPids());

  const azure = await startSimulatedAzure({ tokenLifetimeSeconds: opts.tokenSeconds, autoApprove: ACCOUNTS.secondary });
  cleanups.push(() => azure.stop());
  const home = mkdtempSync(path.join(tmpdir(), 'pgentra-soak-'));
  let relay: FaultRelay | undefined;
  let proxy: Awaited<ReturnType<typeof startProxyProcess>> | undefined;
  let manager: SessionManager | undefined;
  let appBroker: TokenBroker | undefined;
  const markers = [home, azure.workDir];
  try {
    await adminQuery(azure, `GRANT CREATE ON SCHEMA public TO "${ACCOUNTS.adminGroup}"`);
    await adminQuery(azure, `SELECT pgaadauth_create_principal('${ACCOUNTS.secondary}', false, false)`);
    relay = await startFaultRelay({ host: azure.state.server.host, port: azure.state.server.port });

    // The user's consent to the simulator's cloud, a sign-in into the keychain, one profile that
    // reaches the server through the relay (TLS is end to end: the relay only moves bytes).
    await trustCloudFile(home, azure.stateFile);
    appBroker = new TokenBroker({ dataDir: home, logger: silentLogger });
    const caCertPem = readFileSync(azure.caFile, 'utf8');
    await appBroker.signInInteractive(azure.stateFile, { openBrowser: async (url) => void completeSignInHeadless(url, { caCertPem }).catch(() => undefined) });
    const credential = { kind: 'interactive' as const, account: ACCOUNTS.secondary };
    await openProfileStore(home).create({
      name: PROFILE,
      host: azure.state.server.host,
      port: relay.port,
      database: 'postgres',
      username: ACCOUNTS.adminGroup,
      credential,
      cloud: { customFile: azure.stateFile },
    });

    proxy = await startProxyProcess(home);
    const proxyPid = proxy.child.pid ?? 0;
    // Whatever happens to this process, the proxy and the data folder do not outlive it.
    const watchdog = startWatchdog({ pids: [proxyPid], paths: [home] });
    cleanups.push(async () => watchdog.dismiss());
    const proxyPort = proxy.port;
    const clientConfig = (name: string): pg.ClientConfig => ({
      host: '127.0.0.1',
      port: proxyPort,
      user: ACCOUNTS.adminGroup,
      database: 'postgres',
      application_name: name,
      connectionTimeoutMillis: CLIENT_TIMEOUT_MS,
      query_timeout: CLIENT_TIMEOUT_MS,
    });
    const probe = async (name: string): Promise<{ ok: boolean; ms: number; error?: string }> => {
      const t0 = Date.now();
      const c = new pg.Client(clientConfig(name));
      c.on('error', () => undefined);
      try {
        await c.connect();
        await c.query('select 1');
        return { ok: true, ms: Date.now() - t0 };
      } catch (e) {
        return { ok: false, ms: Date.now() - t0, error: message(e) };
      } finally {
        await c.end().catch(() => undefined);
      }
    };
    const first = await probe('soak-setup');
    if (!first.ok) throw new Error(`the first connection through the proxy failed: ${first.error ?? ''}`);
    {
      const c = new pg.Client(clientConfig('soak-setup'));
      await c.connect();
      await c.query('CREATE TABLE soak_events (id bigserial PRIMARY KEY, worker int NOT NULL, at timestamptz NOT NULL DEFAULT now())');
      await c.end();
    }
    await sleep(500);
    const before = footprint(proxyPid);

    // The app's two sessions: the admin group and the admin's own role, through the same relay.
    manager = new SessionManager({ tokens: appBroker, dataDir: home });
    const sessions = manager;
    const target = (username: string): SessionTarget => ({
      host: azure.state.server.host,
      port: relay?.port ?? 0,
      database: 'postgres',
      username,
      credential,
      cloud: { customFile: azure.stateFile },
      sslmode: 'verify-full',
      applicationName: 'pgEntra-soak',
      connectTimeoutSeconds: 10,
      confirmations: {},
    });
    const sessionEvents: (SessionStateEvent & { t: number })[] = [];
    manager.subscribe((e) => void sessionEvents.push({ ...e, t: Date.now() }));
    const sessionIds = [await manager.open(target(ACCOUNTS.adminGroup)), await manager.open(target(ACCOUNTS.secondary))];
    const sessionSql = ['INSERT INTO soak_events (worker) VALUES (-1) RETURNING id', 'SELECT current_user, now()'];

    // ---- traffic
    const attempts: Attempt[] = [];
    const queries: { session: number; start: number; end: number; ok: boolean; error?: string }[] = [];
    let stopping = false;
    let paused = false;
    let activeClients = 0;
    let transactions = 0;
    /** What each worker and session loop is doing (named when the run cannot stop). */
    const phase = new Map<string, { what: string; since: number }>();
    const worker = async (id: number): Promise<void> => {
      const rand = prng(opts.seed * 1000 + id);
      let failedJustNow = false;
      while (!stopping) {
        if (paused) {
          await sleep(100);
          continue;
        }
        if (failedJustNow) await sleep(250 + rand() * 250); // as a client library's retry would
        failedJustNow = false;
        const a: Attempt = { start: Date.now(), end: 0, ok: false, transactions: 0 };
        const c = new pg.Client(clientConfig(`soak-${id}`));
        c.on('error', () => undefined); // the failing query reports it
        activeClients++;
        try {
          phase.set(`client ${id}`, { what: 'connecting', since: Date.now() });
          await c.connect();
          phase.set(`client ${id}`, { what: 'querying', since: Date.now() });
          const n = 1 + Math.floor(rand() * 6);
          for (let i = 0; i < n && !stopping && !paused; i++) {
            await c.query('BEGIN');
            await c.query('INSERT INTO soak_events (worker) VALUES ($1)', [id]);
            await c.query('SELECT count(*) FROM soak_events WHERE worker = $1', [id]);
            await c.query('COMMIT');
            a.transactions++;
            transactions++;
            await sleep(20 + rand() * 180);
          }
          a.ok = true;
        } catch (e) {
          a.error = message(e);
          failedJustNow = true;
        } finally {
          a.end = Date.now();
          attempts.push(a);
          phase.set(`client ${id}`, { what: 'disconnecting', since: Date.now() });
          await c.end().catch(() => undefined);
          phase.delete(`client ${id}`);
          activeClients--;
        }
      }
    };
    const sessionLoop = async (idx: number): Promise<void> => {
      const rand = prng(opts.seed * 7919 + idx);
      const id = sessionIds[idx] ?? '';
      while (!stopping) {
        if (paused) {
          await sleep(100);
          continue;
        }
        const start = Date.now();
        phase.set(`session ${idx}`, { what: 'querying', since: Date.now() });
        try {
          const r = await sessions.query(id, sessionSql[idx] ?? 'select 1');
          queries.push({ session: idx, start, end: Date.now(), ok: r.status === 'ok', ...(r.status === 'ok' ? {} : { error: `${r.error?.code ?? ''}: ${r.error?.message ?? ''}` }) });
        } catch (e) {
          queries.push({ session: idx, start, end: Date.now(), ok: false, error: message(e) });
        }
        phase.delete(`session ${idx}`);
        await sleep(200 + rand() * 200);
      }
    };
    const t0 = Date.now();
    // The proxy's memory over the run: a leak keeps climbing; a heap that is only lazily collected levels off.
    const rssSamples: { t: number; rssKiB: number }[] = [];
    const sampler = setInterval(() => {
      try {
        rssSamples.push({ t: Date.now() - t0, rssKiB: footprint(proxyPid).rssKiB });
      } catch {
        // the proxy is gone; the run reports that elsewhere
      }
    }, 5_000);
    const traffic = [...Array.from({ length: opts.clients }, (_, i) => worker(i)), ...sessionIds.map((_, i) => sessionLoop(i))];
    log(`soak: seed ${opts.seed}, ${opts.minutes} min, ${opts.tokenSeconds}-s tokens, ${opts.clients} proxy clients + ${sessionIds.length} app sessions; ${plan.length} faults planned`);

    // ---- faults
    const windows: Window[] = [];
    /** Long idles: the sessions ran no queries then, so that time does not count against their recovery. */
    const pausedIntervals: [number, number][] = [];
    const afterSleep: SoakReport['afterSleep'] = [];
    const afterIdle: SoakReport['afterIdle'] = [];
    const refreshes = (): number => azure.entra.control.requestCount('token:refresh_token');
    const firstSuccessAfter = async (from: number, limitMs: number): Promise<number | undefined> => {
      const deadline = Date.now() + limitMs;
      while (Date.now() < deadline) {
        const ok = attempts.filter((a) => a.ok && a.start >= from).sort((x, y) => x.end - y.end)[0];
        if (ok) return ok.end - from;
        await sleep(100);
      }
      return undefined;
    };
    for (const f of plan) {
      await sleep(t0 + f.atMs - Date.now());
      const start = Date.now();
      const w: Window = { kind: f.kind, start, end: start, excuses: { proxy: true, sessions: true }, detail: '' };
      switch (f.kind) {
        case 'server-restart':
          await azure.flex?.control.restart();
          w.end = Date.now();
          w.detail = `restart/failover took ${w.end - start} ms`;
          w.recoveryMs = await firstSuccessAfter(w.end, 30_000);
          break;
        case 'network-reset':
          w.detail = `${relay.resetAll()} connections reset`;
          w.end = Date.now();
          w.recoveryMs = await firstSuccessAfter(w.end, 30_000);
          break;
        case 'entra-refused':
        case 'entra-503': {
          w.excuses = { proxy: false, sessions: false };
          await azure.entra.control.setOutage(f.kind === 'entra-refused' ? 'refused' : '503');
          await sleep(f.durationMs);
          await azure.entra.control.setOutage('none');
          w.end = Date.now();
          const count = refreshes();
          const deadline = Date.now() + 30_000;
          while (refreshes() === count && Date.now() < deadline) await sleep(50);
          w.recoveryMs = refreshes() > count ? Date.now() - w.end : undefined;
          w.detail = `Entra ${f.kind === 'entra-refused' ? 'refused connections' : 'answered 503'} for ${w.end - start} ms`;
          break;
        }
        case 'laptop-sleep': {
          w.excuses = { proxy: true, sessions: false };
          process.kill(proxyPid, 'SIGSTOP');
          await sleep(f.durationMs);
          const count = refreshes();
          process.kill(proxyPid, 'SIGCONT');
          w.end = Date.now();
          const p = await probe('soak-after-sleep');
          afterSleep.push({ ...p, freshTokens: refreshes() - count });
          w.recoveryMs = p.ok ? p.ms : undefined;
          w.detail = `proxy stopped for ${w.end - start} ms`;
          break;
        }
        case 'long-idle': {
          w.excuses = { proxy: false, sessions: false };
          paused = true;
          while (activeClients > 0) await sleep(50);
          const idleFrom = Date.now();
          await sleep(f.durationMs);
          const p = await probe('soak-after-idle');
          const s0 = Date.now();
          const results = await Promise.all(
            sessionIds.map((id, i) => sessions.query(id, sessionSql[i] ?? 'select 1').catch((e: unknown) => ({ status: 'error' as const, error: { message: message(e) } }))),
          );
          const sessionsOk = results.every((r) => r.status === 'ok');
          afterIdle.push({
            proxyOk: p.ok,
            proxyMs: p.ms,
            sessionsOk,
            sessionMs: Date.now() - s0,
            ...(p.error ? { error: p.error } : {}),
            ...(sessionsOk ? {} : { error: results.map((r) => r.error?.message).join('; ') }),
          });
          paused = false;
          w.end = Date.now();
          pausedIntervals.push([idleFrom, w.end]);
          w.detail = `no traffic for ${idleFrom ? Date.now() - idleFrom : 0} ms`;
          w.recoveryMs = p.ok ? p.ms : undefined;
          break;
        }
      }
      windows.push(w);
      log(`  +${((start - t0) / 1000).toFixed(0).padStart(4)} s  ${f.kind.padEnd(14)} ${w.detail}${w.recoveryMs !== undefined ? `; recovered in ${w.recoveryMs} ms` : '; NOT recovered'}`);
    }
    await sleep(t0 + runMs - Date.now());
    stopping = true;
    // Every loop ends within a client timeout; one that does not is a hang worth naming.
    const stuck = await Promise.race([Promise.all(traffic).then(() => false), sleep(CLIENT_TIMEOUT_MS + 10_000).then(() => true)]);
    if (stuck) {
      const rel = (t: number): string => `+${((t - t0) / 1000).toFixed(1)} s`;
      const sessionTrail = sessionIds.map((id, i) => {
        const events = sessionEvents
          .filter((e) => e.sessionId === id)
          .slice(-6)
          .map((e) => `${e.state}@${rel(e.t)}${e.error ? ` (${e.error.code})` : ''}`);
        return `session ${i} is ${sessions.info(id).state ?? '?'}; last events ${events.join(', ')}`;
      });
      problems.push(`traffic did not stop: ${[...phase].map(([k, v]) => `${k} ${v.what} since ${rel(v.since)}`).join(', ')}; ${sessionTrail.join('; ')}`);
    }
    log(`  traffic stopped${stuck ? ' (some loops hung)' : ''}`);
    const elapsedMs = Date.now() - t0;
    clearInterval(sampler);
    await sleep(1_000);
    const after = footprint(proxyPid);

    // ---- accounting
    const overlaps = (s: number, e: number, w: Window): boolean => s <= w.end + GRACE_MS && e >= w.start;
    const excused = (s: number, e: number, who: 'proxy' | 'sessions'): boolean => windows.some((w) => w.excuses[who] && overlaps(s, e, w));
    const outside = attempts.filter((a) => !excused(a.start, a.end, 'proxy'));
    const outsideFailed = outside.filter((a) => !a.ok);
    const entraWindows = windows.filter((w) => w.kind === 'entra-refused' || w.kind === 'entra-503');
    const duringEntra = attempts.filter((a) => entraWindows.some((w) => a.start >= w.start && a.start <= w.end));
    const sessionOutsideFailed = queries.filter((q) => !q.ok && !excused(q.start, q.end, 'sessions'));
    const restarts = windows.filter((w) => w.kind === 'server-restart');
    const recoveryMs: number[] = [];
    let recovered = 0;
    let failoversSeen = 0;
    for (const w of restarts) {
      for (const [i, id] of sessionIds.entries()) {
        if (sessionEvents.some((e) => e.sessionId === id && e.state === 'reconnecting' && e.t >= w.start && e.t <= w.end + 15_000)) failoversSeen++;
        const ok = queries.filter((q) => q.session === i && q.ok && q.start >= w.end).sort((x, y) => x.end - y.end)[0];
        const paused = ok ? pausedIntervals.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, ok.end) - Math.max(a, w.end)), 0) : 0;
        if (ok && ok.end - w.end - paused <= 30_000) {
          recovered++;
          recoveryMs.push(ok.end - w.end - paused);
        }
      }
    }

    // ---- stop: the proxy (graceful), the sessions, the sign-in, then leftovers
    const code = await stopProcess(proxy.child, 'SIGTERM', 15_000);
    log(`  proxy stopped (exit ${code ?? 'signal'})`);
    if (code !== 0) problems.push(`the proxy exited with ${code ?? 'a signal'} on SIGTERM`);
    await manager.closeAll();
    manager = undefined;
    const output =
      proxy.output() +
      filesUnder(home)
        .filter((f) => f.endsWith('.log'))
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
    const tokensInOutput = (output.match(/eyJ[\w-]{10,}\.eyJ[\w-]{10,}/g) ?? []).length;

    const distinct = (xs: (string | undefined)[]): string[] => [...new Set(xs.map((x) => x ?? '?'))].slice(0, 5);
    const report: SoakReport = {
      seed: opts.seed,
      minutes: opts.minutes,
      tokenSeconds: opts.tokenSeconds,
      clients: opts.clients,
      elapsedS: Math.round(elapsedMs / 1000),
      faults: windows.map((w) => {
        const proxyFailures = attempts.filter((a) => !a.ok && overlaps(a.start, a.end, w));
        const sessionFailures = queries.filter((q) => !q.ok && overlaps(q.start, q.end, w));
        return {
          kind: w.kind,
          atS: Math.round((w.start - t0) / 1000),
          durationS: Math.round((w.end - w.start) / 100) / 10,
          detail: w.detail,
          ...(w.recoveryMs !== undefined ? { recoveryMs: w.recoveryMs } : {}),
          proxyFailed: proxyFailures.length,
          sessionFailed: sessionFailures.length,
          errors: distinct([...proxyFailures.map((a) => a.error), ...sessionFailures.map((q) => q.error)]),
        };
      }),
      proxy: {
        attempted: attempts.length,
        failed: attempts.filter((a) => !a.ok).length,
        outsideFaults: { attempted: outside.length, failed: outsideFailed.length },
        duringEntraOutage: { attempted: duringEntra.length, failed: duringEntra.filter((a) => !a.ok).length },
        transactions,
        errorsOutsideFaults: distinct(outsideFailed.map((a) => a.error)),
      },
      sessions: {
        queries: queries.length,
        failed: queries.filter((q) => !q.ok).length,
        failedOutsideFaults: sessionOutsideFailed.length,
        errorsOutsideFaults: distinct(sessionOutsideFailed.map((q) => q.error)),
        failoversSeen,
        recoveredAfterFailover: `${recovered}/${restarts.length * sessionIds.length}`,
        recoveryMs,
      },
      afterSleep,
      afterIdle,
      footprint: { before, after, rssByMinuteKiB: rssByMinute(rssSamples) },
      entraTokenRequests: refreshes(),
      leftoverProcesses: [],
      tokensInOutput,
      problems,
    };
    checkFigures(report, restarts.length * sessionIds.length, windows, plan);
    await finish();
    report.leftoverProcesses = [
      ...processesMentioning(markers).map((p) => `${p.pid} ${p.cmdline}`),
      ...(isAlive(proxyPid) ? [`${proxyPid} pgentra proxy`] : []),
      ...childPids()
        .filter((p) => !childrenBefore.has(p))
        .map((p) => `${p} (child of the soak)`),
    ];
    if (report.leftoverProcesses.length) problems.push(`processes left behind: ${report.leftoverProcesses.join(', ')}`);
    return report;
  } finally {
    await finish();
  }

  async function finish(): Promise<void> {
    if (proxy) await stopProcess(proxy.child, 'SIGKILL', 5_000);
    await manager?.closeAll().catch(() => undefined);
    manager = undefined;
    if (appBroker) {
      await appBroker.signOut(azure.stateFile, { all: true }).catch(() => undefined);
      appBroker.close();
      appBroker = undefined;
    }
    await relay?.close();
    relay = undefined;
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  }
}

function childPids(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (/^PPid:\s+(\d+)$/m.exec(status)?.[1] === String(process.pid) && /^State:\s+(\S)/m.exec(status)?.[1] !== 'Z') out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}
