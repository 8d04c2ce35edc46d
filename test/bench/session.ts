// Session performance against the simulated flexible server (run: npx tsx test/bench/session.ts).
// Prints figures, asserts nothing:
//  1. open session + first `select 1` with a cached token, vs a raw pg.Client using the same
//     token as a static password (ratio);
//  2. 1,000,000 rows × 5 columns: time to the first 1,000 rows and total, via the session's
//     fetchMore pages vs raw pg-cursor (ratio), and RSS growth.
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { AccessToken, TokenProvider } from '../../electron/auth/tokenProvider.js';
import { SessionManager } from '../../electron/sessions/manager.js';
import type { SessionTarget } from '../../electron/sessions/types.js';
import { startSimulatedAzure } from '../sim/index.js';
import { simSessionTarget, trustedSimCloud } from '../integration/sessions/simTarget.js';

const ROWS_SQL = "select g, g * 2, md5(g::text), now(), 'const' from generate_series(1, 1000000) g";
const OPEN_RUNS = 15;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (x: number): string => `${x.toFixed(1)} ms`;

const azure = await startSimulatedAzure();
try {
  const token = azure.entra.control.mintAccessToken({ upn: 'adm-alice@contoso.example' }, { lifetimeSeconds: 3600 });
  const cached: AccessToken = { token, expiresOn: new Date(Date.now() + 3600_000), account: 'adm-alice@contoso.example' };
  // A broker with a warm cache: hands out the same token at once.
  const tokens: TokenProvider = { getToken: async () => cached };
  const target: SessionTarget = simSessionTarget(azure, { applicationName: 'pgEntra-bench' });
  const ca = readFileSync(azure.caFile, 'utf8');
  const trusted = await trustedSimCloud(azure); // the user's consent to the simulator's cloud file
  const sessions = new SessionManager({ tokens, dataDir: trusted.dataDir, tuning: { pageSize: 1000 } });

  // 1. open + select 1
  const sessionTimes: number[] = [];
  const rawTimes: number[] = [];
  for (let i = 0; i < OPEN_RUNS; i++) {
    let t0 = performance.now();
    const id = await sessions.open(target);
    await sessions.query(id, 'select 1');
    sessionTimes.push(performance.now() - t0);
    await sessions.close(id);

    t0 = performance.now();
    const raw = new pg.Client({ host: target.host, port: target.port, database: 'postgres', user: 'db-admins', password: token, ssl: { ca, servername: target.host } });
    await raw.connect();
    await raw.query('select 1');
    rawTimes.push(performance.now() - t0);
    await raw.end();
  }
  const s1 = median(sessionTimes.slice(1));
  const r1 = median(rawTimes.slice(1));
  console.log(`open + first select 1 (median of ${OPEN_RUNS - 1}, warm token): session ${ms(s1)} vs raw pg.Client ${ms(r1)} → ratio ${(s1 / r1).toFixed(2)}`);
  console.log('  (the session also reads current_user, session_user and the server version on connect)');
  console.log('  (streaming: the session keeps cells as PostgreSQL text, raw pg parses them — hence session < raw)');

  // 2. 1M rows: session fetchMore pages
  const id = await sessions.open(target);
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  let t0 = performance.now();
  const first = await sessions.query(id, ROWS_SQL);
  const sFirst = performance.now() - t0;
  let rows = first.statements[0]?.rows.length ?? 0;
  let more = first.statements[0]?.hasMore ?? false;
  while (more) {
    const page = await sessions.fetchMore(id, first.queryId, 5000);
    rows += page.rows.length;
    more = page.hasMore;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const sTotal = performance.now() - t0;
  await sessions.closeAll();
  console.log(`1M rows × 5 cols via session: first 1,000 rows ${ms(sFirst)}, total ${ms(sTotal)} (${rows} rows), RSS growth ${mb(peak - rss0)}`);

  // raw pg-cursor with the same page sizes
  const raw = new pg.Client({ host: target.host, port: target.port, database: 'postgres', user: 'db-admins', password: token, ssl: { ca, servername: target.host } });
  await raw.connect();
  global.gc?.();
  const rss1 = process.memoryUsage().rss;
  let peakRaw = rss1;
  t0 = performance.now();
  const cursor = raw.query(new Cursor(ROWS_SQL, undefined, { rowMode: 'array' }));
  let got = (await cursor.read(1000)).length;
  const rFirst = performance.now() - t0;
  for (;;) {
    const page = await cursor.read(5000);
    if (page.length === 0) break;
    got += page.length;
    peakRaw = Math.max(peakRaw, process.memoryUsage().rss);
  }
  const rTotal = performance.now() - t0;
  await cursor.close();
  await raw.end();
  console.log(`1M rows × 5 cols via raw pg-cursor: first 1,000 rows ${ms(rFirst)}, total ${ms(rTotal)} (${got} rows), RSS growth ${mb(peakRaw - rss1)}`);
  console.log(`ratios session/raw: first page ${(sFirst / rFirst).toFixed(2)}, total ${(sTotal / rTotal).toFixed(2)}`);
} finally {
  await azure.stop();
}
