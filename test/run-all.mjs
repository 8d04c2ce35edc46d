#!/usr/bin/env node
// The README's test command runs this: every Vitest project (unit, integration, e2e) inside a
// real keychain session, then one closing line "tests: N passed, N failed, N skipped" so CI
// can read the outcome. Exit code is non-zero if anything failed or nothing ran.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (process.env.PGENTRA_KEYRING_READY !== '1') {
  const r = spawnSync(path.join(root, 'test/support/with-keyring.sh'), [process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
  process.exit(r.status ?? 1);
}

const projects = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration', 'e2e'];
const outDir = path.join(root, 'test-artifacts');
mkdirSync(outDir, { recursive: true });
let passed = 0, failed = 0, skipped = 0, runFailed = false;
for (const project of projects) {
  const report = path.join(outDir, `vitest-${project}.json`);
  const vitest = path.join(root, 'node_modules/vitest/vitest.mjs');
  const r = spawnSync(process.execPath, [vitest, 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], { stdio: 'inherit', cwd: root });
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
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(runFailed || failed > 0 || passed === 0 ? 1 : 0);
