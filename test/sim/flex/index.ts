// The simulated Azure Database for PostgreSQL flexible server: a real PostgreSQL behind a
// TLS-only front end that authenticates Microsoft Entra principals with access tokens.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';
import type { TlsMaterial } from '../ca.js';
import { POSTGRES_RESOURCE, type Directory } from '../types.js';
import type { FirewallRule } from './firewall.js';
import { Frontend } from './frontend.js';
import type { Principal } from './login.js';
import { ServerPolicies } from './policy.js';
import { startBackend } from './postgres.js';
import { PRINCIPAL_LOOKUP_SQL, SCHEMA_SQL, TERMINATE_CLIENT_SESSIONS_SQL, directoryRows } from './schema.js';
import { TokenValidator } from './tokens.js';

export type { FirewallRule } from './firewall.js';
export { DEFAULT_SERVER, ServerPolicies, type ServerPolicy, type ServerState } from './policy.js';

export interface FlexSimOptions {
  directory: Directory;
  /** The server certificate (e.g. one for `*.postgres.database.azure.com`). */
  tls: TlsMaterial;
  entra: { jwksUri: string; tenantId: string; issuer: string /* https://sts.windows.net/{tid}/ */; caCertPem: string };
  /** Default https://ossrdbms-aad.database.windows.net */
  resource?: string;
  /** Default: a fresh temp dir. A private subdirectory is created in it and removed on close. */
  workDir?: string;
  /**
   * Where the public endpoint listens: every host (address or name) on one port, e.g. Azure's
   * host names resolving to 127.0.1.1 on 5432 in a private network namespace.
   * Default: 127.0.0.1 on a random port, reached as `localhost`.
   */
  listen?: { hosts: string[]; port: number };
  /**
   * Per-server behaviour (by SNI name): firewall rules, Entra auth, state. Shared with the
   * Resource Manager simulator. Default: only the default server, allowing every address.
   */
  policies?: ServerPolicies;
}

export interface FlexSim {
  /** The name clients connect to: the first listen host, or 'localhost'. */
  host: string;
  port: number;
  /**
   * The server admin login (password auth) as Azure creates it: NOSUPERUSER INHERIT CREATEDB
   * CREATEROLE, member of azure_pg_admin. Test setup uses what a real admin could do.
   */
  adminUser: string;
  adminPassword: string;
  control: {
    /** Every client connection is cut without a word (a network drop). */
    dropAllConnections(): Promise<void>;
    /** Listener closed (connection refused) and open connections dropped / reopened on the same port. */
    setOutage(on: boolean): Promise<void>;
    /**
     * Like a restart or planned failover: every session gets FATAL 57P01 "terminating connection
     * due to administrator command" and is closed; new connections are refused meanwhile and
     * accepted again on the same hosts and port when this resolves.
     */
    restart(): Promise<void>;
    /**
     * The default server's firewall rules (IPv4 ranges; the server a connection without SNI, or as
     * `localhost`, is for). null = allow every address (the default without ARM).
     */
    setFirewallRules(rules: readonly FirewallRule[] | null): void;
    connectionCount(): number;
  };
  /** Stops PostgreSQL; no postgres process is left. */
  close(): Promise<void>;
}

/** Internals exposed for the simulator's own tests. */
export interface FlexSimInternals {
  dataDir: string;
  postmasterPid: number;
}

const ADMIN_USER = 'azure_admin';
/** Azure's internal superuser; only the simulator itself logs in as it (private socket). */
const INTERNAL_SUPERUSER = 'azuresu';
const DEFAULT_LISTEN = { hosts: ['127.0.0.1'], port: 0 };
/** How long terminated sessions get to read their FATAL before they are cut. */
const RESTART_GRACE_MS = 5_000;

const PrincipalRow = z.object({
  principal_type: z.enum(['user', 'group', 'service']),
  object_id: z.string(),
  is_mfa: z.boolean(),
});

export async function startFlexSim(opts: FlexSimOptions): Promise<FlexSim & { internals: FlexSimInternals }> {
  const resource = opts.resource ?? POSTGRES_RESOURCE;
  const listen = opts.listen ?? DEFAULT_LISTEN;
  const policies = opts.policies ?? new ServerPolicies();
  if (listen.hosts.length === 0) throw new Error('listen.hosts must name at least one host');
  const backend = await startBackend(opts.workDir, INTERNAL_SUPERUSER);
  const pool = new pg.Pool({ host: backend.socketDir, port: backend.port, user: INTERNAL_SUPERUSER, database: 'postgres', max: 2 });
  pool.on('error', () => undefined);
  const adminPassword = randomBytes(18).toString('base64url');
  let frontend: Frontend | undefined;
  try {
    await pool.query(SCHEMA_SQL);
    await pool.query('SELECT pgaadauth.create_password_admin($1, $2)', [ADMIN_USER, adminPassword]);
    await pool.query('INSERT INTO pgaadauth.settings VALUES ($1)', [opts.entra.tenantId]);
    await pool.query('INSERT INTO pgaadauth.directory SELECT * FROM json_populate_recordset(NULL::pgaadauth.directory, $1::json)', [JSON.stringify(directoryRows(opts.directory))]);
    // The portal's "Microsoft Entra admin" step.
    for (const g of opts.directory.groups.filter((x) => x.entraAdmin)) {
      await pool.query('SELECT pg_catalog.pgaadauth_create_principal($1, true, false)', [g.displayName]);
    }
    const validator = new TokenValidator({
      jwksUri: opts.entra.jwksUri,
      caCertPem: opts.entra.caCertPem,
      tenantId: opts.entra.tenantId,
      issuer: opts.entra.issuer,
      resource,
    });
    frontend = new Frontend({
      tls: opts.tls,
      validator,
      resource,
      backendSocketPath: backend.socketPath,
      backendPort: backend.port,
      policies,
      async lookupPrincipal(rolename: string): Promise<Principal | undefined> {
        const { rows } = await pool.query(PRINCIPAL_LOOKUP_SQL, [rolename]);
        const row = rows[0] === undefined ? undefined : PrincipalRow.parse(rows[0]);
        return row && { rolename, principalType: row.principal_type, objectId: row.object_id, isMfa: row.is_mfa };
      },
    });
    await frontend.listen(listen.hosts, listen.port);
  } catch (e) {
    await frontend?.stopListening();
    await pool.end().catch(() => undefined);
    await backend.stop();
    throw e;
  }
  const fe = frontend;
  // Restarts reopen the same hosts and port.
  const port = fe.port;
  const reopen = async (): Promise<void> => {
    if (!fe.listening) await fe.listen(listen.hosts, port);
  };
  let closed: Promise<void> | undefined;
  return {
    host: opts.listen ? (listen.hosts[0] ?? 'localhost') : 'localhost',
    port,
    adminUser: ADMIN_USER,
    adminPassword,
    internals: { dataDir: backend.dataDir, postmasterPid: backend.postmasterPid },
    control: {
      dropAllConnections: () => fe.dropAll(),
      async setOutage(on: boolean) {
        if (on) {
          const stopped = fe.stopListening();
          await fe.dropAll();
          await stopped;
        } else {
          await reopen();
        }
      },
      async restart() {
        const stopped = fe.stopListening();
        fe.endLogins();
        // PostgreSQL itself sends each session its 57P01 FATAL at a message boundary.
        await pool.query(TERMINATE_CLIENT_SESSIONS_SQL, [INTERNAL_SUPERUSER]);
        await fe.drain(RESTART_GRACE_MS);
        await stopped;
        await reopen();
      },
      setFirewallRules(rules: readonly FirewallRule[] | null) {
        policies.set(policies.defaultServer, { firewallRules: rules });
      },
      connectionCount: () => fe.connectionCount(),
    },
    close() {
      closed ??= (async () => {
        const stopped = fe.stopListening();
        await fe.dropAll();
        await stopped;
        await pool.end().catch(() => undefined);
        await backend.stop();
      })();
      return closed;
    },
  };
}
