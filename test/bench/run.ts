// `npm run bench`: every benchmark, one after another (they share 2 cores badly if run at once),
// inside a private keychain session. Each starts its own simulated Azure and prints ratios
// measured in one run against a baseline — never absolute thresholds.
//   npm run bench [-- token|session|proxy|servers ...] [-- --duration SECONDS]   (duration: proxy pgbench runs)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ALL = ['token', 'session', 'proxy', 'servers'] as const;
const args = process.argv.slice(2);
const picked = args.filter((a): a is (typeof ALL)[number] => (ALL as readonly string[]).includes(a));
const passThrough = args.filter((a) => !(ALL as readonly string[]).includes(a));

if (process.env.PGENTRA_KEYRING_READY !== '1') {
  const r = spawnSync(path.join(root, 'test/support/with-keyring.sh'), [process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), ...args], { stdio: 'inherit', cwd: root });
  process.exit(r.status ?? 1);
}

let failed = 0;
for (const name of picked.length ? picked : ALL) {
  console.log(`\n=== bench: ${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'test/bench', `${name}.ts`), ...(name === 'proxy' ? passThrough : [])], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${name} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed ? 1 : 0);
