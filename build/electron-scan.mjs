#!/usr/bin/env node
// Part of `npm run lint`: Doyensec's Electronegativity (an Electron security scanner) over the
// sources of the main process, the preload and the renderer (electron/, renderer/, TypeScript
// parsed by the scanner's Babel TypeScript parser), all in one scan so its global checks (CSP,
// navigation limits, permission handler) see the whole app. Every finding must be accepted in
// build/electron-scan.json by file, check id and count, with a one-line reason; a new finding, a
// file the scanner cannot parse, or an accepted finding that went away fails (exit 1). Silent
// when all is as accepted.
//   node build/electron-scan.mjs            scan and compare
//   node build/electron-scan.mjs --list     also print every finding (to write the reasons)
// Offline and deterministic: the scanner's translations come from its own files (its library
// entry point would download them), the check that downloads Electron's release list is off
// (Electron's version is pinned in package.json and updated through it), and Electron's version
// is given, not guessed.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = 'build/electron-scan.json';
const SCANNED = ['electron', 'renderer'];
// Network: the release list from GitHub, and the package.json version check that feeds it.
const EXCLUDED_CHECKS = ['availablesecurityfixesglobalcheck', 'electronversionjsoncheck'];
const list = process.argv.includes('--list');

function fail(message) {
  console.error(`electron-scan: ${message}`);
  process.exit(1);
}

const requireFromRoot = createRequire(path.join(root, 'package.json'));
let runnerPath;
try {
  runnerPath = requireFromRoot.resolve('@doyensec/electronegativity/dist/runner.js');
} catch {
  fail('@doyensec/electronegativity is missing: run `npm ci` first.');
}
const requireFromScanner = createRequire(runnerPath);

// The scanner's i18n module fetches translations from S3 before every run (and prints when it
// cannot). Put an offline one in its place in the module cache: the same library and settings,
// with the en-US messages the package ships.
const i18nPath = requireFromScanner.resolve('./locales/i18n.js');
const i18n = requireFromScanner('i18n');
const offlineI18n = async () => {
  i18n.configure({ locales: ['en-US'], defaultLocale: 'en-US', directory: path.dirname(i18nPath), updateFiles: false, objectNotation: true, retryInDefaultLocale: true, register: globalThis });
  i18n.setLocale('en-US');
};
requireFromScanner.cache[i18nPath] = { id: i18nPath, filename: i18nPath, loaded: true, exports: offlineI18n };
const runScan = requireFromScanner(runnerPath);

const electronVersion = JSON.parse(readFileSync(requireFromRoot.resolve('electron/package.json'), 'utf8')).version;

// One input folder holding electron/ and renderer/ as they are in the repository (paths in the
// report are relative to it, so they read as repository paths).
const work = mkdtempSync(path.join(tmpdir(), 'pgentra-electron-scan-'));
let result;
try {
  for (const dir of SCANNED) {
    cpSync(path.join(root, dir), path.join(work, dir), { recursive: true, filter: (src) => !/[\\/](node_modules|dist)([\\/]|$)/.test(path.relative(root, src)) });
  }
  result = await runScan({
    input: work,
    customScan: [],
    excludeFromScan: EXCLUDED_CHECKS,
    isRelative: true,
    electronVersionOverride: electronVersion,
    parserPlugins: [],
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}

const problems = [];
// A file the scanner could not parse was not checked at all.
for (const e of result.errors) problems.push(`could not parse ${path.relative(work, e.file) || e.file}: ${e.message}`);

const key = (file, check) => `${file}\u0000${check}`;
const found = new Map();
for (const issue of result.issues) {
  const file = issue.file.split(path.sep).join('/');
  const k = key(file, issue.id);
  if (!found.has(k)) found.set(k, { file, check: issue.id, issues: [] });
  found.get(k).issues.push(issue);
}

const config = JSON.parse(readFileSync(path.join(root, CONFIG), 'utf8'));
const accepted = new Map();
for (const entry of config.accepted ?? []) {
  if (typeof entry.file !== 'string' || typeof entry.check !== 'string' || !Number.isInteger(entry.count) || typeof entry.why !== 'string' || entry.why.trim() === '') {
    problems.push(`${CONFIG}: every accepted entry needs file, check, count and a reason (why): ${JSON.stringify(entry)}`);
    continue;
  }
  accepted.set(key(entry.file, entry.check), entry);
}

const where = (i) => `${i.location.line}:${i.location.column}`;
for (const [k, f] of [...found].sort(([a], [b]) => a.localeCompare(b))) {
  const entry = accepted.get(k);
  const detail = f.issues.map((i) => `    ${f.file}:${where(i)}${i.manualReview ? ' (manual review)' : ''} ${i.description} ${i.shortenedURL}`).join('\n');
  if (list) console.log(`${f.check} ${f.file} ×${f.issues.length}\n${detail}`);
  if (!entry) problems.push(`new finding ${f.check} in ${f.file} (×${f.issues.length}): fix it, or accept it in ${CONFIG} with the reason\n${detail}`);
  else if (entry.count !== f.issues.length)
    problems.push(`${f.check} in ${f.file}: ${f.issues.length} finding(s), ${CONFIG} accepts ${entry.count}: fix the new one, or update the count and reason\n${detail}`);
}
for (const [k, entry] of accepted) {
  if (!found.has(k)) problems.push(`${CONFIG} accepts ${entry.check} in ${entry.file}, which the scan no longer reports: remove the entry`);
}

if (problems.length > 0) {
  for (const p of problems) console.error(`electron-scan: ${p}`);
  console.error(`electron-scan: ${problems.length} problem(s) (Electronegativity ${requireFromScanner('../package.json').version}, ${result.atomicChecks + result.globalChecks} checks)`);
  process.exit(1);
}
