// The simulated Azure in one call: a per-run CA, the Entra ID simulator, Azure Resource Manager
// and the flexible-server simulator wired to each other (ARM checks Entra's tokens in process and
// shares the servers' firewall rules, Entra setting and state with the flexible-server simulator),
// and the state file (also a valid pgEntra custom-cloud file). With `publicCloud`, inside the
// namespace of test/sim/namespace.ts, they answer as Azure's real host names instead of localhost.
// `npm run sim` (test/sim/cli.ts) and every test that needs Azure use this.
import { mkdtempSync, writeFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ARM_HOSTS, createArmService, mountOnLoginListener, startArmListener, type ArmControl, type ArmListener } from './arm/index.js';
import { createCertificateAuthority, loadCertificateAuthority, type TlsMaterial } from './ca.js';
import { startEntraSim, type EntraSim } from './entra/index.js';
import { ServerPolicies, startFlexSim, type FlexSim } from './flex/index.js';
import { startWatchdog } from './watchdog.js';
import { ENTRA_ADDRESS, ENTRA_HOSTS, ENTRA_PORT, FLEX_ADDRESS, FLEX_PORT, IMDS_ADDRESS, IMDS_PORT, POSTGRES_CERT_NAME, PUBLIC_SERVER, currentNamespace } from './publicCloud.js';
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
  /**
   * Answer as Azure's real host names (login.microsoftonline.com:443, NAME.postgres.database.azure.com:5432,
   * IMDS at 169.254.169.254:80) with certificates from the namespace's CA. Only inside the namespace
   * test/sim/namespace.ts makes (which maps those names to loopback and trusts the CA).
   */
  publicCloud?: boolean;
}

export interface SimulatedAzure {
  state: SimState;
  /** Path of the state file: also usable as `--cloud FILE` / PGENTRA_CLOUD_FILE. */
  stateFile: string;
  /** Path of the CA certificate (PEM) that signed both simulators' certificates. */
  caFile: string;
  entra: EntraSim;
  flex: FlexSim | undefined;
  /** Azure Resource Manager: `endpoint` is the state file's managementEndpoint. */
  arm: { endpoint: string; control: ArmControl };
  /** A scratch directory removed by stop(). */
  workDir: string;
  stop(): Promise<void>;
}

export async function startSimulatedAzure(opts: SimulatedAzureOptions = {}): Promise<SimulatedAzure> {
  const directory = opts.directory ?? loadDirectory();
  const namespace = opts.publicCloud ? currentNamespace() : undefined;
  if (opts.publicCloud && !namespace) {
    throw new Error('the public-cloud mode runs inside its namespace: npm run sim -- --public-cloud …, or node --import tsx test/sim/namespace.ts -- COMMAND');
  }
  const workDir = mkdtempSync(path.join(opts.parentDir ?? namespace?.dir ?? tmpdir(), 'pgentra-sim-'));
  // The flexible-server simulator's PostgreSQL may run as another OS user (root → postgres).
  chmodSync(workDir, 0o755);
  const ca = namespace ? await loadCertificateAuthority(namespace.caCertPem, namespace.caKeyPem) : await createCertificateAuthority();
  // Azure's certificates carry DNS names only; the localhost simulators also answer on IPs, and
  // as any server's FQDN (a client may connect to localhost with the FQDN as SNI, libpq's hostaddr).
  const [entraTls, flexTls]: TlsMaterial[] = namespace
    ? await Promise.all([ca.issue({ dns: [...ENTRA_HOSTS] }), ca.issue({ dns: [POSTGRES_CERT_NAME] })])
    : await ca.issue({ dns: ['localhost', POSTGRES_CERT_NAME], ip: ['127.0.0.1', '::1'] }).then((t) => [t, t]);
  if (!entraTls || !flexTls) throw new Error('no certificate issued');
  const caFile = path.join(workDir, 'ca.pem');
  writeFileSync(caFile, ca.caCertPem, { mode: 0o644 });
  // Removes the work dir (and the state file) if this process dies without stop().
  const watchdog = startWatchdog({ paths: [workDir, ...(opts.stateFile ? [opts.stateFile] : [])] });
  const cleanUp = async (...closers: (() => Promise<void>)[]): Promise<void> => {
    await Promise.allSettled(closers.map((c) => c()));
    watchdog.dismiss();
    rmSync(workDir, { recursive: true, force: true });
  };

  // On localhost ARM listens first: its origin is a resource Entra must issue tokens for.
  let armListener: ArmListener | undefined;
  try {
    armListener = namespace ? undefined : await startArmListener(entraTls);
  } catch (e) {
    await cleanUp();
    throw e;
  }
  const entra = await startEntraSim({
    directory,
    tls: entraTls,
    ...(opts.tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds: opts.tokenLifetimeSeconds } : {}),
    ...(opts.autoApprove !== undefined ? { autoApprove: opts.autoApprove } : {}),
    ...(namespace ? { listen: { https: { hosts: [ENTRA_ADDRESS], port: ENTRA_PORT }, imds: { host: IMDS_ADDRESS, port: IMDS_PORT } } } : {}),
    ...(armListener ? { extraResources: [armListener.origin] } : {}),
  }).catch(async (e: unknown) => {
    await cleanUp(async () => armListener?.close());
    throw e;
  });
  const policies = new ServerPolicies();
  const arm = createArmService({ directory, policies, signingKeys: entra.signingKeys });
  if (armListener) armListener.serve(arm);
  else mountOnLoginListener(entra, arm);
  const armEndpoint = armListener?.origin ?? `https://${ARM_HOSTS[0] ?? ''}`;
  let flex: FlexSim | undefined;
  try {
    if (opts.withServer !== false) {
      flex = await startFlexSim({
        directory,
        tls: flexTls,
        entra: { jwksUri: entra.jwksUri, tenantId: entra.tenantId, issuer: entra.issuerV1, caCertPem: ca.caCertPem },
        resource: POSTGRES_RESOURCE,
        workDir: path.join(workDir, 'flex'),
        policies,
        ...(namespace ? { listen: { hosts: [FLEX_ADDRESS], port: FLEX_PORT } } : {}),
      });
    }
  } catch (e) {
    await cleanUp(
      () => entra.close(),
      async () => armListener?.close(),
    );
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
    postgresDomains: namespace ? ['.postgres.database.azure.com'] : ['localhost'],
    server: flex
      ? { host: namespace ? PUBLIC_SERVER : flex.host, port: flex.port, adminUser: flex.adminUser, adminPassword: flex.adminPassword }
      : { host: namespace ? PUBLIC_SERVER : 'localhost', port: 0, adminUser: '', adminPassword: '' },
    managementEndpoint: armEndpoint,
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
    arm: { endpoint: armEndpoint, control: arm.control },
    workDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled([flex?.close(), entra.close(), armListener?.close()]);
      watchdog.dismiss();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
