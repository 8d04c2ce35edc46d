// The CLI integration tests' starting point: the simulated Azure, a throwaway PGENTRA_HOME whose
// keychain entry holds the secondary admin ID's sign-in, and a saved profile for the group
// db-admins on the simulated server. stop() signs out, stops the simulator and removes the home.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import { silentLogger } from '../../../electron/log/logger.js';
import { openProfileStore } from '../../../electron/profiles/profileAccess.js';
import { trustCloudFile } from '../../../electron/connect/cloudTrust.js';
import { completeSignInHeadless } from '../../sim/entra/index.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { ACCOUNTS } from '../../sim/types.js';

export interface SignedInProfile {
  sim: SimulatedAzure;
  home: string;
  /** The token the broker cached at sign-in (tests prove it is never printed). */
  token: string;
  stop(): Promise<void>;
}

export async function startSignedInProfile(profileName: string, homePrefix: string): Promise<SignedInProfile> {
  const sim = await startSimulatedAzure({ autoApprove: ACCOUNTS.secondary });
  const home = mkdtempSync(path.join(tmpdir(), homePrefix));
  // The user's consent to the simulator's cloud file, as `pgentra clouds trust` records it.
  await trustCloudFile(home, sim.stateFile);
  const broker = new TokenBroker({ dataDir: home, logger: silentLogger });
  const caCertPem = readFileSync(sim.caFile, 'utf8');
  await broker.signInInteractive(sim.stateFile, { openBrowser: async (url) => void completeSignInHeadless(url, { caCertPem }).catch(() => undefined) });
  const credential = { kind: 'interactive' as const, account: ACCOUNTS.secondary };
  const token = (await broker.getToken({ credential, cloud: sim.stateFile })).token;
  broker.close();
  await openProfileStore(home).create({
    name: profileName,
    host: sim.state.server.host,
    port: sim.state.server.port,
    database: 'postgres',
    username: ACCOUNTS.adminGroup,
    credential,
    cloud: { customFile: sim.stateFile },
  });
  return {
    sim,
    home,
    token,
    async stop() {
      const b = new TokenBroker({ dataDir: home, logger: silentLogger });
      await b.signOut(sim.stateFile, { all: true }).catch(() => undefined);
      b.close();
      await sim.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
