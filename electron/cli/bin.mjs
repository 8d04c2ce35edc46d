#!/usr/bin/env node
// Launcher for the `pgentra` command from a source checkout or an npm install: runs the
// bundled CLI (dist/cli/pgentra.mjs), which starts much faster than compiling TypeScript.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const bundle = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/pgentra.mjs');
if (!existsSync(bundle)) {
  process.stderr.write('pgentra: the CLI is not built. Run `npm run build` in the pgEntra checkout.\n');
  process.exit(64);
}
await import(pathToFileURL(bundle).href);
