// The simulated Azure in one call: a per-run CA, the Entra ID simulator and the flexible-server
// simulator wired to each other, and the state file (also a valid pgEntra custom-cloud file).
// `npm run sim` (test/sim/cli.ts) and every test that needs Azure use this.
import { mkdtempSync, writeFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTlsMaterial } from './ca.js';
import { startEntraSim, type EntraSim } from './entra/index.js';
import { startFlexSim, type FlexSim } from './flex/index.js';
import { AZURE_CLI_CLIENT_ID, POSTGRES_RESOURCE, loadDirectory, SimStateSchema, type Directory, type SimState } from './types.js';

export interface SimulatedAzureOptions {
  directory?: Directory;
  tokenLifetimeSeconds?: number;
  autoApprove?: string | null;
  /** Start the flexible-server simulator (a real PostgreSQL) too. Default true. */
  withServer?: boolean;
  /** Where to write the state file; default `<workDir>/state.json`. */
  stateFile?: string;
  /** Directory to create the scratch work dir (CA, PostgreSQL data) in; default the OS temp dir. */
  parentDir?: string;
}

export interface SimulatedAzure {
  state: SimState;
  /** Path of the state file: also usable as `--cloud FILE` / PGENTRA_CLOUD_FILE. */
  stateFile: string;
  /** Path of the CA certificate (PEM) that signed both simulators' certificates. */
  caFile: string;
  entra: EntraSim;
  flex: FlexSim | undefined;
  /** A scratch directory removed by stop(). */
  workDir: string;
  stop(): Promise<void>;
}

export async function startSimulatedAzure(opts: SimulatedAzureOptions = {}): Promise<SimulatedAzure> {
  const directory = opts.directory ?? loadDirectory();
  const workDir = mkdtempSync(path.join(opts.parentDir ?? tmpdir(), 'pgentra-sim-'));
  // The flexible-server simulator's PostgreSQL may run as another OS user (root → postgres).
  chmodSync(workDir, 0o755);
  const tls = await createTlsMaterial();
  const caFile = path.join(workDir, 'ca.pem');
  writeFileSync(caFile, tls.caCertPem, { mode: 0o644 });

  const entra = await startEntraSim({
    directory,
    tls,
    ...(opts.tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds: opts.tokenLifetimeSeconds } : {}),
    ...(opts.autoApprove !== undefined ? { autoApprove: opts.autoApprove } : {}),
  });
  let flex: FlexSim | undefined;
  try {
    if (opts.withServer !== false) {
      flex = await startFlexSim({
        directory,
        tls,
        entra: { jwksUri: entra.jwksUri, tenantId: entra.tenantId, issuer: entra.issuerV1, caCertPem: tls.caCertPem },
        resource: POSTGRES_RESOURCE,
        workDir: path.join(workDir, 'flex'),
      });
    }
  } catch (e) {
    await entra.close();
    rmSync(workDir, { recursive: true, force: true });
    throw e;
  }

  const state: SimState = SimStateSchema.parse({
    authorityHost: entra.authorityHost,
    knownAuthorities: entra.knownAuthorities,
    tenantId: directory.tenant.id,
    tenantDomain: directory.tenant.domain,
    clientId: AZURE_CLI_CLIENT_ID,
    resource: POSTGRES_RESOURCE,
    caFile,
    postgresDomains: ['localhost'],
    server: flex
      ? { host: flex.host, port: flex.port, adminUser: flex.adminUser, adminPassword: flex.adminPassword }
      : { host: 'localhost', port: 0, adminUser: '', adminPassword: '' },
    imdsEndpoint: entra.imdsEndpoint,
    appService: entra.appService,
    accounts: directory.users.map((u) => ({ upn: u.upn, objectId: u.objectId, displayName: u.displayName })),
    groups: directory.groups.map((g) => ({ displayName: g.displayName, objectId: g.objectId })),
    managedIdentities: directory.managedIdentities,
    pid: process.pid,
  });
  const stateFile = opts.stateFile ?? path.join(workDir, 'state.json');
  writeFileSync(stateFile, JSON.stringify(state, null, 2) + '\n', { mode: 0o644 });

  let stopped = false;
  return {
    state,
    stateFile,
    caFile,
    entra,
    flex,
    workDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled([flex?.close(), entra.close()]);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
