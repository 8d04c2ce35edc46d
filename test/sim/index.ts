// The simulated Azure in one call: a per-run CA, the Entra ID simulator, Azure Resource Manager,
// Microsoft Graph (PIM for Groups) and the flexible-server simulator wired to each other (ARM and
// Graph check Entra's tokens in process; ARM shares the servers' firewall rules, Entra setting and
// state with the flexible-server simulator; Graph's PIM activations are the group memberships
// Entra's tokens carry), and the state file (also a valid pgEntra custom-cloud file). With
// `publicCloud`, inside the namespace of test/sim/namespace.ts, they answer as Azure's real host
// names instead of localhost.
// With `corporateProxy` / `tlsInspection` a corporate proxy (test/sim/proxy/) stands between the
// clients and Entra + Resource Manager + Graph; in the namespace it is then the only way to them.
// `npm run sim` (test/sim/cli.ts) and every test that needs Azure use this.
import { mkdtempSync, writeFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ARM_HOSTS, createArmService, mountOnLoginListener, startArmListener, type ArmControl, type ArmListener } from './arm/index.js';
import { createCertificateAuthority, loadCertificateAuthority, type TlsMaterial } from './ca.js';
import { startEntraSim, type EntraSim } from './entra/index.js';
import { ServerPolicies, startFlexSim, type FlexSim } from './flex/index.js';
import { GRAPH_HOSTS, createGraphService, mountOnLoginListener as mountGraphOnLoginListener, startGraphListener, type GraphControl, type GraphListener } from './graph/index.js';
import { PimStore } from './pim/store.js';
import { startJwksMirror, type JwksMirror } from './jwksMirror.js';
import { startCorporateProxy, type CorporateProxy, type ProxyCredentials } from './proxy/corporateProxy.js';
import { TLS_INSPECTION_ROOT_DN } from './proxy/tlsInspection.js';
import { startWatchdog } from './watchdog.js';
import {
  DEFAULT_NETWORK,
  ENTRA_ADDRESS,
  ENTRA_HOSTS,
  ENTRA_PORT,
  FLEX_ADDRESS,
  FLEX_PORT,
  IMDS_ADDRESS,
  IMDS_PORT,
  POSTGRES_CERT_NAME,
  PROXY_ADDRESS,
  PROXY_HOST,
  PROXY_PORT,
  PUBLIC_SERVER,
  currentNamespace,
  resolveAsTheInternet,
  setNamespaceNetwork,
} from './publicCloud.js';
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
  /**
   * A corporate HTTP proxy (CONNECT to port 443 only; `auth`: Basic proxy credentials, 407
   * otherwise). In the public-cloud namespace it is `http://proxy.contoso.example:3128` and the
   * only way to Entra, Resource Manager and Graph (their names lead nowhere in /etc/hosts); IMDS
   * and PostgreSQL stay direct. On localhost it listens on 127.0.0.1 (random port) beside the
   * direct routes, and lets CONNECT reach the Entra, Resource Manager and Graph ports.
   */
  corporateProxy?: boolean | { auth?: ProxyCredentials };
  /**
   * The proxy (implied) inspects TLS to Entra, Resource Manager and Graph with certificates from the
   * "Contoso TLS Inspection Root". In the namespace that root and the simulator CA are put in the
   * OS trust store (/etc/ssl/certs/ca-certificates.crt) for as long as this simulator runs.
   */
  tlsInspection?: boolean;
  /**
   * Azure's mandatory MFA for Resource Manager writes: Entra issues tokens without the MFA claim
   * unless the sign-in asked for MFA, and Resource Manager answers create/update/delete with such a
   * token with a 401 insufficient_claims challenge.
   */
  mfaForArmWrites?: boolean;
  /**
   * PIM for Groups: these users become eligible for these groups (the group's PIM policy, by
   * default 8 hours and a justification) and stop being permanent members of them — they must
   * activate through Graph before tokens carry the group. The directory's `pim` section adds more.
   */
  pimEligible?: { upn: string; group: string }[];
  /** How long a PIM activation takes to reach tokens' `groups` (ms). Default 3000. */
  pimActivationDelayMs?: number;
  /**
   * Entra refuses the Azure CLI's client id Graph permissions Microsoft did not preauthorize it for
   * (AADSTS65002, PIM's among them), as real tenants do. Default false: the CLI's id gets them.
   */
  graphRefusesCliClient?: boolean;
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
  /** Microsoft Graph (PIM for Groups): `endpoint` is the state file's graphEndpoint. */
  graph: { endpoint: string; control: GraphControl };
  /** The corporate proxy of `corporateProxy` / `tlsInspection` (its control has the CONNECT log). */
  proxy: CorporateProxy | undefined;
  /** The TLS inspection root's certificate (PEM) and its file in workDir, with `tlsInspection`. */
  inspectionCaPem: string | undefined;
  inspectionCaFile: string | undefined;
  /** A scratch directory removed by stop(). */
  workDir: string;
  stop(): Promise<void>;
}

export async function startSimulatedAzure(opts: SimulatedAzureOptions = {}): Promise<SimulatedAzure> {
  // A copy: PIM eligibilities change group memberships for this run only.
  const directory = structuredClone(opts.directory ?? loadDirectory());
  const pim = new PimStore(directory, {
    ...(opts.pimEligible ? { eligible: opts.pimEligible } : {}),
    ...(opts.pimActivationDelayMs !== undefined ? { activationDelayMs: opts.pimActivationDelayMs } : {}),
  });
  const namespace = opts.publicCloud ? currentNamespace() : undefined;
  if (opts.publicCloud && !namespace) {
    throw new Error('the public-cloud mode runs inside its namespace: npm run sim -- --public-cloud …, or node --import tsx test/sim/namespace.ts -- COMMAND');
  }
  const withProxy = Boolean(opts.corporateProxy || opts.tlsInspection);
  const proxyAuth = typeof opts.corporateProxy === 'object' ? opts.corporateProxy.auth : undefined;
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
  // What stop() (or a failed start) undoes, in reverse order of starting.
  const closers: (() => Promise<void> | void)[] = [];
  const cleanUp = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await Promise.resolve(close()).catch(() => undefined);
    watchdog.dismiss();
    rmSync(workDir, { recursive: true, force: true });
  };

  try {
    // On localhost ARM and Graph listen first: their origins are resources Entra must issue tokens for.
    const armListener: ArmListener | undefined = namespace ? undefined : await startArmListener(entraTls);
    if (armListener) closers.push(() => armListener.close());
    const graphListener: GraphListener | undefined = namespace ? undefined : await startGraphListener(entraTls);
    if (graphListener) closers.push(() => graphListener.close());
    const entra = await startEntraSim({
      directory,
      tls: entraTls,
      ...(opts.tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds: opts.tokenLifetimeSeconds } : {}),
      ...(opts.autoApprove !== undefined ? { autoApprove: opts.autoApprove } : {}),
      mfaByDefault: !opts.mfaForArmWrites,
      ...(namespace ? { listen: { https: { hosts: [ENTRA_ADDRESS], port: ENTRA_PORT }, imds: { host: IMDS_ADDRESS, port: IMDS_PORT } } } : {}),
      ...(armListener ? { extraResources: [armListener.origin] } : {}),
      ...(graphListener ? { graphResources: [graphListener.origin] } : {}),
      refuseFirstPartyGraphScopes: opts.graphRefusesCliClient ?? false,
      groupsOf: (oid) => pim.groupsOf(oid),
    });
    closers.push(() => entra.close());
    const policies = new ServerPolicies();
    const arm = createArmService({ directory, policies, signingKeys: entra.signingKeys, requireMfaForWrites: opts.mfaForArmWrites ?? false });
    if (armListener) armListener.serve(arm);
    else mountOnLoginListener(entra, arm);
    const armEndpoint = armListener?.origin ?? `https://${ARM_HOSTS[0] ?? ''}`;
    const graph = createGraphService({ store: pim, signingKeys: entra.signingKeys });
    if (graphListener) graphListener.serve(graph);
    else mountGraphOnLoginListener(entra, graph);
    const graphEndpoint = graphListener?.origin ?? `https://${GRAPH_HOSTS[0]}`;

    // Behind the proxy the namespace's names for Entra lead nowhere; Azure's servers still reach it.
    let jwksMirror: JwksMirror | undefined;
    if (namespace && withProxy) {
      jwksMirror = await startJwksMirror(entra.signingKeys, await ca.issue({ dns: [], ip: ['127.0.0.1'] }));
      closers.push(() => jwksMirror?.close());
    }
    let flex: FlexSim | undefined;
    if (opts.withServer !== false) {
      flex = await startFlexSim({
        directory,
        tls: flexTls,
        entra: { jwksUri: jwksMirror?.jwksUri ?? entra.jwksUri, tenantId: entra.tenantId, issuer: entra.issuerV1, caCertPem: ca.caCertPem },
        resource: POSTGRES_RESOURCE,
        workDir: path.join(workDir, 'flex'),
        policies,
        ...(namespace ? { listen: { hosts: [FLEX_ADDRESS], port: FLEX_PORT } } : {}),
      });
      const started = flex;
      closers.push(() => started.close());
    }

    const inspectionCa = opts.tlsInspection ? await createCertificateAuthority({ name: TLS_INSPECTION_ROOT_DN }) : undefined;
    const inspectionCaFile = inspectionCa ? path.join(workDir, 'tls-inspection-root.pem') : undefined;
    if (inspectionCa && inspectionCaFile) writeFileSync(inspectionCaFile, inspectionCa.caCertPem, { mode: 0o644 });
    let proxy: CorporateProxy | undefined;
    if (withProxy) {
      // On localhost the proxy lets CONNECT reach the simulators' own HTTPS ports (no 443 there).
      const localPorts = [entra.loginListener.port, ...[armListener, graphListener].flatMap((l) => (l ? [Number(new URL(l.origin).port)] : []))];
      const localhostNames = ['localhost', '127.0.0.1'];
      proxy = await startCorporateProxy({
        ...(namespace ? { listen: { host: PROXY_ADDRESS, port: PROXY_PORT }, name: PROXY_HOST } : {}),
        ...(proxyAuth ? { auth: proxyAuth } : {}),
        realm: 'Contoso corporate proxy',
        resolve: namespace ? resolveAsTheInternet : (host, port) => (localhostNames.includes(host) ? { host: '127.0.0.1', port } : undefined),
        ...(namespace ? {} : { allowedPorts: localPorts }),
        ...(inspectionCa ? { inspection: { ca: inspectionCa, upstreamCaPem: ca.caCertPem, hosts: namespace ? ENTRA_HOSTS : localhostNames } } : {}),
      });
      const started = proxy;
      closers.push(() => started.close());
    }
    if (namespace) {
      // Every start sets its mode (the default too); stop puts the default back.
      setNamespaceNetwork(namespace, { corporateProxy: withProxy, osTrust: inspectionCa ? [ca.caCertPem, inspectionCa.caCertPem] : [] });
      closers.push(() => setNamespaceNetwork(namespace, DEFAULT_NETWORK));
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
      graphEndpoint,
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
      graph: { endpoint: graphEndpoint, control: graph.control },
      proxy,
      inspectionCaPem: inspectionCa?.caCertPem,
      inspectionCaFile,
      workDir,
      async stop() {
        if (stopped) return;
        stopped = true;
        await cleanUp();
      },
    };
  } catch (e) {
    await cleanUp();
    throw e;
  }
}
