// The seed's connection against the simulated flexible server: db-admins with the secondary
// admin ID's token, verify-full against the simulator's CA (the custom cloud file).
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
