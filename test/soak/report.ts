// The soak's figures: the report's shape, what a run must show (each miss is a problem that
// fails the run) and the text the README and the CI log show.
import type { ProcessFootprint } from './procStats.js';
import type { FaultKind, PlannedFault } from './schedule.js';

/** A fault as it happened: failures overlapping [start, end + grace] are its own. */
export interface Window {
  kind: FaultKind;
  start: number;
  end: number;
  /** Failures overlapping [start, end + grace] are the fault's; Entra outages excuse nothing. */
  excuses: { proxy: boolean; sessions: boolean };
  detail: string;
  recoveryMs?: number;
}

export interface SoakReport {
  seed: number;
  minutes: number;
  tokenSeconds: number;
  clients: number;
  elapsedS: number;
  faults: { kind: FaultKind; atS: number; durationS: number; detail: string; recoveryMs?: number; proxyFailed: number; sessionFailed: number; errors: string[] }[];
  proxy: {
    attempted: number;
    failed: number;
    outsideFaults: { attempted: number; failed: number };
    duringEntraOutage: { attempted: number; failed: number };
    transactions: number;
    errorsOutsideFaults: string[];
  };
  sessions: {
    queries: number;
    failed: number;
    failedOutsideFaults: number;
    errorsOutsideFaults: string[];
    failoversSeen: number;
    recoveredAfterFailover: string;
    recoveryMs: number[];
  };
  afterSleep: { ok: boolean; ms: number; freshTokens: number; error?: string }[];
  afterIdle: { proxyOk: boolean; proxyMs: number; sessionsOk: boolean; sessionMs: number; error?: string }[];
  /** rssByMinuteKiB: the proxy's highest RSS in each minute of the run. */
  footprint: { before: ProcessFootprint; after: ProcessFootprint; rssByMinuteKiB: number[] };
  entraTokenRequests: number;
  leftoverProcesses: string[];
  tokensInOutput: number;
  problems: string[];
}

/** What the run must show; each miss is a problem (the CLI exits non-zero, the test fails). */
export function checkFigures(r: SoakReport, expectedRecoveries: number, windows: Window[], plan: PlannedFault[]): void {
  const p = r.problems;
  if (windows.length !== plan.length) p.push(`${plan.length - windows.length} planned faults did not run`);
  if (r.proxy.outsideFaults.attempted === 0) p.push('no proxy connections outside fault windows');
  if (r.proxy.outsideFaults.failed > 0) p.push(`${r.proxy.outsideFaults.failed} proxy connections failed outside fault windows: ${r.proxy.errorsOutsideFaults.join(' | ')}`);
  if (r.proxy.duringEntraOutage.attempted === 0) p.push('no proxy connections were attempted during Entra outages');
  if (r.proxy.duringEntraOutage.failed > 0) p.push(`${r.proxy.duringEntraOutage.failed} proxy connections failed during Entra outages although a cached token was valid`);
  if (r.sessions.failedOutsideFaults > 0) p.push(`${r.sessions.failedOutsideFaults} session queries failed outside fault windows: ${r.sessions.errorsOutsideFaults.join(' | ')}`);
  if (r.sessions.failoversSeen < expectedRecoveries) p.push(`sessions saw ${r.sessions.failoversSeen} of ${expectedRecoveries} failovers (no reconnecting event)`);
  if (r.sessions.recoveredAfterFailover !== `${expectedRecoveries}/${expectedRecoveries}`) p.push(`sessions recovered after failover: ${r.sessions.recoveredAfterFailover}`);
  for (const w of windows) if (w.recoveryMs === undefined) p.push(`${w.kind} at +${Math.round((w.start - (windows[0]?.start ?? 0)) / 1000)} s: not recovered`);
  for (const s of r.afterSleep) {
    if (!s.ok) p.push(`the first connection after the proxy slept failed: ${s.error ?? ''}`);
    if (s.freshTokens < 1) p.push('after the sleep no fresh token was fetched');
  }
  for (const i of r.afterIdle) if (!i.proxyOk || !i.sessionsOk) p.push(`after the long idle: ${i.error ?? 'failed'}`);
  const { before, after } = r.footprint;
  if (after.fds > before.fds + 2) p.push(`proxy file descriptors grew from ${before.fds} to ${after.fds}`);
  if (after.sockets > before.sockets + 1) p.push(`proxy sockets grew from ${before.sockets} to ${after.sockets}`);
  if (r.tokensInOutput > 0) p.push(`${r.tokensInOutput} tokens in the proxy's output or logs`);
}

export function rssByMinute(samples: { t: number; rssKiB: number }[]): number[] {
  const out: number[] = [];
  for (const s of samples) {
    const m = Math.floor(s.t / 60_000);
    out[m] = Math.max(out[m] ?? 0, s.rssKiB);
  }
  return out.map((x) => x ?? 0);
}

/** The figures as the README and the CI log show them. */
export function formatReport(r: SoakReport): string {
  const kib = (n: number): string => `${(n / 1024).toFixed(1)} MiB`;
  const ms = (xs: number[]): string => (xs.length ? `${Math.min(...xs)}–${Math.max(...xs)} ms` : 'n/a');
  const recovery = (kind: FaultKind): string => ms(r.faults.filter((f) => f.kind === kind && f.recoveryMs !== undefined).map((f) => f.recoveryMs ?? 0));
  const count = (kind: FaultKind): number => r.faults.filter((f) => f.kind === kind).length;
  return [
    `soak: ${r.elapsedS} s, seed ${r.seed}, ${r.tokenSeconds}-s tokens, ${r.clients} proxy clients, 2 app sessions`,
    `  faults: ${(['server-restart', 'entra-refused', 'entra-503', 'network-reset', 'laptop-sleep', 'long-idle'] as const).map((k) => `${k} ×${count(k)}`).join(', ')}`,
    `  proxy connections: ${r.proxy.attempted} attempted, ${r.proxy.failed} failed (all inside fault windows unless below); ${r.proxy.transactions} transactions`,
    `  outside fault windows: ${r.proxy.outsideFaults.attempted} attempted, ${r.proxy.outsideFaults.failed} failed`,
    `  during Entra outages: ${r.proxy.duringEntraOutage.attempted} attempted, ${r.proxy.duringEntraOutage.failed} failed`,
    `  app sessions: ${r.sessions.queries} queries, ${r.sessions.failedOutsideFaults} failed outside fault windows; recovered after failover ${r.sessions.recoveredAfterFailover} in ${ms(r.sessions.recoveryMs)}`,
    `  recovery: restart ${recovery('server-restart')}, Entra refused ${recovery('entra-refused')}, Entra 503 ${recovery('entra-503')}, reset ${recovery('network-reset')}, sleep ${recovery('laptop-sleep')}, idle ${recovery('long-idle')}`,
    `  after sleep: ${r.afterSleep.map((s) => `${s.ok ? 'ok' : 'FAILED'} in ${s.ms} ms (${s.freshTokens} fresh token requests)`).join(', ') || 'n/a'}`,
    `  after idle: ${r.afterIdle.map((i) => `proxy ${i.proxyOk ? 'ok' : 'FAILED'} in ${i.proxyMs} ms, sessions ${i.sessionsOk ? 'ok' : 'FAILED'} in ${i.sessionMs} ms`).join(', ') || 'n/a'}`,
    `  proxy fds ${r.footprint.before.fds} → ${r.footprint.after.fds}, sockets ${r.footprint.before.sockets} → ${r.footprint.after.sockets}, RSS ${kib(r.footprint.before.rssKiB)} → ${kib(r.footprint.after.rssKiB)} (highest per minute: ${r.footprint.rssByMinuteKiB.map((k) => (k / 1024).toFixed(0)).join(', ')} MiB)`,
    `  Entra refresh-token requests: ${r.entraTokenRequests}; tokens in proxy output/logs: ${r.tokensInOutput}; processes left: ${r.leftoverProcesses.length}`,
    ...r.faults.map(
      (f) =>
        `  +${String(f.atS).padStart(4)} s ${f.kind.padEnd(14)} ${f.proxyFailed} proxy connections, ${f.sessionFailed} session queries failed${f.errors.length ? `: ${f.errors.join(' | ')}` : ''}`,
    ),
    r.problems.length ? `  PROBLEMS:\n${r.problems.map((p) => `   - ${p}`).join('\n')}` : '  result: passed',
  ].join('\n');
}
