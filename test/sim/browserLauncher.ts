// $BROWSER names one program, so a TypeScript browser (simBrowser.ts, or the public-cloud tests'
// own) is started through a small shell script: absolute paths throughout (pgentra starts it in
// its own working directory) and its output appended to a log (pgentra ignores a browser's output).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SIM_BROWSER_SCRIPT = path.join(ROOT, 'test/sim/simBrowser.ts');

/** Writes the launcher to `file` (mode 755) and returns its path. */
export function writeBrowserLauncher(file: string, opts: { script?: string; log: string }): string {
  const loader = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  const script = opts.script ?? SIM_BROWSER_SCRIPT;
  writeFileSync(file, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} --import ${JSON.stringify(loader)} ${JSON.stringify(script)} "$1" >>${JSON.stringify(opts.log)} 2>&1\n`, { mode: 0o755 });
  return file;
}
