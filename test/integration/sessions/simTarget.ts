// The seed's connection against the simulated flexible server: db-admins with the secondary
// admin ID's token, verify-full against the simulator's CA (the custom cloud file).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { trustCloudFile } from '../../../electron/connect/cloudTrust.js';
import type { SessionTarget } from '../../../electron/sessions/types.js';
import type { SimulatedAzure } from '../../sim/index.js';
import { ACCOUNTS } from '../../sim/types.js';

export function simSessionTarget(azure: SimulatedAzure, overrides: Partial<SessionTarget> = {}): SessionTarget {
  return {
    host: azure.state.server.host,
    port: azure.state.server.port,
    database: 'postgres',
    username: ACCOUNTS.adminGroup,
    credential: { kind: 'interactive', account: ACCOUNTS.secondary },
    cloud: { customFile: azure.stateFile },
    sslmode: 'verify-full',
    applicationName: 'pgEntra-test',
    connectTimeoutSeconds: 10,
    // The simulator serves `localhost`, outside Azure's domains unless the cloud file says so.
    confirmations: { nonAzureHost: true },
    ...overrides,
  };
}

/**
 * A pgEntra data folder in which `cloudFile` — the simulator's state file, or a copy with other
 * `caFile`/`postgresDomains` — is trusted the way a user trusts one (`pgentra clouds trust`).
 */
export async function trustedSimCloud(azure: SimulatedAzure, overrides: { caFile?: string; postgresDomains?: string[] } = {}): Promise<{ dataDir: string; cloudFile: string; cleanup(): void }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pgentra-trust-'));
  let cloudFile = azure.stateFile;
  if (overrides.caFile || overrides.postgresDomains) {
    cloudFile = path.join(dataDir, 'cloud.json');
    writeFileSync(cloudFile, JSON.stringify({ ...azure.state, caFile: overrides.caFile ?? azure.caFile, ...(overrides.postgresDomains ? { postgresDomains: overrides.postgresDomains } : {}) }), {
      mode: 0o600,
    });
  }
  await trustCloudFile(dataDir, cloudFile);
  return { dataDir, cloudFile, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}
