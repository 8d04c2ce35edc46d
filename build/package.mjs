#!/usr/bin/env node
// Packages the desktop app with electron-builder (build/electron-builder.yml) into release/.
//   npm run package                          build, then the current platform's installers
//   npm run package -- --linux dir           any electron-builder option passes through
//   npm run package -- --win dir -c.win.signAndEditExecutable=false
//   PGENTRA_ELECTRON_DIST=DIR npm run package -- --linux dir
//                                            package against an unpacked Electron directory
//                                            (config.electronDist) instead of downloading one
//   --skip-build                             (ours) package the existing dist/ without rebuilding
// A `--config FILE` replaces build/electron-builder.yml; `-c.KEY=VALUE` overrides one setting.
// Nothing is published unless `--publish` says so.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const DEFAULT_CONFIG = 'build/electron-builder.yml';

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

const argv = process.argv.slice(2);
const skipBuild = argv.includes('--skip-build');
const builderArgv = argv.filter((a) => a !== '--skip-build');

let builder;
try {
  // electron-builder's own argument parser, so its options and `-c.key=value` work as on its CLI.
  builder = require('electron-builder/out/builder.js');
} catch (e) {
  fail(`electron-builder is missing (${e instanceof Error ? e.message : String(e)}): run \`npm ci\` first.`);
}

const args = builder.configureBuildCommand(builder.createYargs()).strict().parse(builderArgv);

// The config: our YAML (or --config FILE) as the base, then overrides from the command line and
// PGENTRA_ELECTRON_DIST on top (electron-builder merges `extends` under the object given here).
const overrides = {};
let base = DEFAULT_CONFIG;
for (const item of [args.config ?? []].flat()) {
  if (typeof item === 'string') base = item;
  else if (item && typeof item === 'object') Object.assign(overrides, item);
}
const electronDist = process.env.PGENTRA_ELECTRON_DIST;
if (electronDist) {
  const dir = path.resolve(electronDist);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`PGENTRA_ELECTRON_DIST is not a directory: ${dir}`);
  overrides.electronDist = dir;
}
if (!existsSync(path.resolve(root, base))) fail(`electron-builder config not found: ${base}`);

if (!skipBuild) {
  const r = spawnSync(process.execPath, [path.join(root, 'build/build.mjs')], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) fail('the build (node build/build.mjs) failed.');
}
for (const bundle of ['dist/electron/main.cjs', 'dist/electron/preload.cjs', 'dist/renderer/index.html']) {
  if (!existsSync(path.join(root, bundle))) fail(`${bundle} is missing: run \`node build/build.mjs\` first.`);
}

const options = {
  ...args,
  projectDir: args.projectDir ?? root,
  publish: args.publish ?? 'never',
  config: { ...overrides, extends: base },
};

try {
  const artifacts = await builder.build(options);
  const shown = (p) => (path.relative(process.cwd(), p).startsWith('..') ? p : path.relative(process.cwd(), p) || '.');
  console.log(`package: done, output in ${shown(path.resolve(root, overrides.directories?.output ?? 'release'))}`);
  for (const a of artifacts) console.log(`  ${shown(a)}`);
} catch (e) {
  const message = e instanceof Error ? e.message : String(e);
  const hints = [];
  if (/electron-v[\d.]+-|download|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|getaddrinfo|socket hang up|status code 40\d/i.test(message)) {
    hints.push(
      electronDist
        ? 'electron-builder could not download an installer tool (NSIS, fpm, appimagetool). `--linux dir` or `--win dir` ' +
            'packages without them; build installers where they can be downloaded (the release workflow).'
        : 'electron-builder could not download Electron (or an installer tool). Set PGENTRA_ELECTRON_DIST to an unpacked ' +
            'Electron directory (e.g. node_modules/electron/dist where `npm ci` could download it) and, without installer ' +
            'tools, package with `-- --linux dir` or `-- --win dir`.',
    );
  }
  if (/maintainer|author 'email'|project homepage/i.test(message)) {
    hints.push('the deb target needs package.json `homepage` (or `repository`) and `author` with an email (or `deb.maintainer`).');
  }
  console.error(`package: electron-builder failed: ${message}`);
  for (const h of hints) console.error(`package: ${h}`);
  process.exit(1);
}
