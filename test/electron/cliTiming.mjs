#!/usr/bin/env node
// Whole-process time of `<app> --pgentra-cli token PROFILE` — what pgAdmin pays per password-command
// run (PasswordExecExpiration, electron/interop/passwordExecTiming.ts). Signs in against the
// simulated Azure with the app's own CLI, then times N runs answered from the keychain (no
// network) and prints min / median / max; with GITHUB_STEP_SUMMARY set, appends a table row
// there too. Skips (exit 0) like smoke.mjs where there is no app to run.
//   PGENTRA_APP_PATH=<packaged executable> node test/electron/cliTiming.mjs [--runs N]
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { locateApp, startSignedInApp } from './appCli.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('cliTiming: --runs must be a whole number ≥ 1');
  process.exit(64);
}
const app = locateApp();
if (!app.cli) {
  console.log(`skipped: ${app.reason}`);
  process.exit(0);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const session = await startSignedInApp(app.cli);
let failed = false;
try {
  const times = [];
  // The first run warms the OS file cache and the keychain access; it is reported apart.
  const first = await session.cli(['token', 'sim']);
  if (first.code !== 0 || !/^eyJ/.test(first.stdout)) throw new Error(`token failed (${first.code}): ${first.stderr}`);
  for (let i = 0; i < runs; i++) {
    const r = await session.cli(['token', 'sim']);
    if (r.code !== 0 || !/^eyJ/.test(r.stdout)) throw new Error(`token run ${i + 1} failed (${r.code}): ${r.stderr}`);
    times.push(r.ms);
  }
  const fmt = (ms) => `${Math.round(ms)} ms`;
  const line = `${app.kind} ${process.platform}/${process.arch}: token whole-process time over ${runs} runs — median ${fmt(median(times))}, min ${fmt(Math.min(...times))}, max ${fmt(Math.max(...times))} (first run ${fmt(first.ms)})`;
  console.log(line);
  if (process.env.GITHUB_STEP_SUMMARY) {
    appendFileSync(
      process.env.GITHUB_STEP_SUMMARY,
      [
        `### \`pgentra token\` through the ${app.kind === 'packaged' ? 'installed app' : app.kind} (${process.platform}/${process.arch}, ${os.cpus().length} CPUs)`,
        '',
        '| runs | median | min | max | first run |',
        '| ---: | ---: | ---: | ---: | ---: |',
        `| ${runs} | ${fmt(median(times))} | ${fmt(Math.min(...times))} | ${fmt(Math.max(...times))} | ${fmt(first.ms)} |`,
        '',
        'pgAdmin pays this per password-command run; with PasswordExecExpiration 240 once per 4 minutes per server instead of per connection.',
        '',
      ].join('\n'),
    );
  }
} catch (e) {
  failed = true;
  console.error(`cliTiming: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  await session.stop();
}
process.exit(failed ? 1 : 0);
