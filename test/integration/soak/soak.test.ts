// The 2-minute reliability soak in every test run (test/soak/soak.ts; `npm run soak` runs longer
// ones): 16 proxy clients and two app sessions through a server restart, Entra outages, network
// resets, the proxy stopped longer than a token lifetime and three token lifetimes of idle.
// Needs the built CLI (npm test builds first) and the keychain.
import { expect, it } from 'vitest';
import { formatReport, runSoak } from '../../soak/soak.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';

it.skipIf(!keyring)('survives every fault of a 2-minute seeded schedule', { timeout: 300_000 }, async () => {
  const seed = Number(process.env.PGENTRA_SOAK_SEED ?? 20261129);
  const report = await runSoak({ minutes: 2, seed, tokenSeconds: 15, clients: 16, log: (l) => console.log(l) });
  console.log(formatReport(report));
  expect(report.problems).toEqual([]);
  // The run really exercised what it claims.
  expect(report.faults.map((f) => f.kind).sort()).toEqual(['entra-503', 'entra-refused', 'laptop-sleep', 'long-idle', 'network-reset', 'server-restart']);
  expect(report.proxy.transactions).toBeGreaterThan(500);
  expect(report.entraTokenRequests).toBeGreaterThan(20);
});
