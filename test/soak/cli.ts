// `npm run soak -- [--minutes N] [--seed S] [--token-seconds T] [--clients C] [--json]`: the
// reliability soak (test/soak/soak.ts) with its figures on stdout; exit code 1 when a fault was
// not survived. It runs inside a keychain session of its own (test/support/with-keyring.sh).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatReport, runSoak } from './soak.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
if (process.env.PGENTRA_KEYRING_READY !== '1') {
  const r = spawnSync(path.join(root, 'test/support/with-keyring.sh'), [process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    cwd: root,
  });
  process.exit(r.status ?? 1);
}

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    seed: { type: 'string', default: '20261129' },
    'token-seconds': { type: 'string', default: '20' },
    clients: { type: 'string', default: '16' },
    json: { type: 'boolean', default: false },
  },
});
const num = (name: string, v: string | undefined, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be a whole number ≥ ${min}`);
    process.exit(2);
  }
  return n;
};
const report = await runSoak({
  minutes: num('minutes', values.minutes, 1),
  seed: num('seed', values.seed, 0),
  tokenSeconds: num('token-seconds', values['token-seconds'], 5),
  clients: num('clients', values.clients, 1),
  log: (l) => console.error(l),
});
console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
process.exit(report.problems.length ? 1 : 0);
