#!/usr/bin/env node
// The README's test command runs this: every Vitest project (unit, integration, packaging,
// public-cloud, e2e) inside a real keychain session (public-cloud: inside its own network namespace too), then one closing line "tests: N passed, N failed, N skipped" so CI
// can read the outcome. Exit code is non-zero if anything failed or nothing ran.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (process.env.PGENTRA_KEYRING_READY !== '1') {
  const r = spawnSync(path.join(root, 'test/support/with-keyring.sh'), [process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
  process.exit(r.status ?? 1);
}

const projects = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration', 'packaging', 'public-cloud', 'e2e'];
const outDir = path.join(root, 'test-artifacts');
mkdirSync(outDir, { recursive: true });
let passed = 0,
  failed = 0,
  skipped = 0,
  runFailed = false;
for (const project of projects) {
  const report = path.join(outDir, `vitest-${project}.json`);
  const vitest = path.join(root, 'node_modules/vitest/vitest.mjs');
  const vitestArgs = [vitest, 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
  let r;
  if (project === 'public-cloud') {
    // Azure's real host names exist only inside a private network namespace; its D-Bus socket
    // (abstract) cannot be reached from outside it, so the keychain session starts inside too.
    const { env, why } = publicCloudEnv();
    if (why) {
      console.log(`\npublic-cloud: SKIPPED — ${why}`);
      skipped++;
      continue;
    }
    rmSync(report, { force: true });
    r = spawnSync(process.execPath, ['--import', 'tsx', 'test/sim/namespace.ts', '--', 'test/support/with-keyring.sh', process.execPath, ...vitestArgs], { stdio: 'inherit', cwd: root, env });
  } else {
    r = spawnSync(process.execPath, vitestArgs, { stdio: 'inherit', cwd: root });
  }
  if (r.status !== 0) runFailed = true;
  if (existsSync(report)) {
    const j = JSON.parse(readFileSync(report, 'utf8'));
    passed += j.numPassedTests ?? 0;
    failed += j.numFailedTests ?? 0;
    skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  } else {
    runFailed = true;
  }
}
/** The environment for the namespace run, or why it cannot run here (never acceptable in CI). */
function publicCloudEnv() {
  const probe = spawnSync('unshare', ['--net', '--mount', '--pid', '--fork', '--kill-child', '--mount-proc', 'ip', 'link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const why = `this machine cannot create a network namespace (unshare: ${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()}); run the tests as root`;
    if (process.env.CI) {
      console.error(`public-cloud: ${why}. CI runs as root and must run these tests.`);
      process.exit(1);
    }
    return { why };
  }
  const env = { ...process.env };
  delete env.PGENTRA_KEYRING_READY;
  delete env.DBUS_SESSION_BUS_ADDRESS;
  return { env };
}

console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(runFailed || failed > 0 || passed === 0 ? 1 : 0);
