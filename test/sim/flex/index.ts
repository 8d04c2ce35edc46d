// The simulated Azure Database for PostgreSQL flexible server: a real PostgreSQL behind a
// TLS-only front end that authenticates Microsoft Entra principals with access tokens.
import pg from 'pg';
import { z } from 'zod';
import type { TlsMaterial } from '../ca.js';
import { POSTGRES_RESOURCE, type Directory } from '../types.js';
import { Frontend } from './frontend.js';
import type { Principal } from './login.js';
import { startBackend } from './postgres.js';
import { PRINCIPAL_LOOKUP_SQL, SCHEMA_SQL, directoryRows } from './schema.js';
import { TokenValidator } from './tokens.js';

export interface FlexSimOptions {
  directory: Directory;
  tls: TlsMaterial;
  entra: { jwksUri: string; tenantId: string; issuer: string /* https://sts.windows.net/{tid}/ */; caCertPem: string };
  /** Default https://ossrdbms-aad.database.windows.net */
  resource?: string;
  /** Default: a fresh temp dir. A private subdirectory is created in it and removed on close. */
  workDir?: string;
}

export interface FlexSim {
  host: 'localhost';
  port: number;
  /** A non-Entra superuser with password auth (for test setup). */
  adminUser: string;
  adminPassword: string;
  control: {
    /** Like a failover: every client connection is closed. */
    dropAllConnections(): Promise<void>;
    /** Listener closed (connection refused) and open connections dropped / reopened on the same port. */
    setOutage(on: boolean): Promise<void>;
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

const PrincipalRow = z.object({
  principal_type: z.enum(['user', 'group', 'service']),
  object_id: z.string(),
  is_mfa: z.boolean(),
});

export async function startFlexSim(opts: FlexSimOptions): Promise<FlexSim & { internals: FlexSimInternals }> {
  const resource = opts.resource ?? POSTGRES_RESOURCE;
  const backend = await startBackend(opts.workDir, ADMIN_USER);
  // The sim's own superuser connections, over the private socket.
  const pool = new pg.Pool({ host: backend.socketDir, port: backend.port, user: ADMIN_USER, database: 'postgres', max: 2 });
  pool.on('error', () => undefined);
  let frontend: Frontend | undefined;
  try {
    await pool.query(SCHEMA_SQL);
    await pool.query('INSERT INTO pgaadauth.settings VALUES ($1)', [opts.entra.tenantId]);
    await pool.query(
      'INSERT INTO pgaadauth.directory SELECT * FROM json_populate_recordset(NULL::pgaadauth.directory, $1::json)',
      [JSON.stringify(directoryRows(opts.directory))],
    );
    // The portal's "Microsoft Entra admin" step.
    for (const g of opts.directory.groups.filter((x) => x.entraAdmin)) {
      await pool.query('SELECT pgaadauth_create_principal($1, true, false)', [g.displayName]);
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
      async lookupPrincipal(rolename: string): Promise<Principal | undefined> {
        const { rows } = await pool.query(PRINCIPAL_LOOKUP_SQL, [rolename]);
        const row = rows[0] === undefined ? undefined : PrincipalRow.parse(rows[0]);
        return row && { rolename, principalType: row.principal_type, objectId: row.object_id, isMfa: row.is_mfa };
      },
    });
    await frontend.listen();
  } catch (e) {
    await pool.end().catch(() => undefined);
    await backend.stop();
    throw e;
  }
  const fe = frontend;
  const port = fe.port;
  let closed: Promise<void> | undefined;
  return {
    host: 'localhost',
    port,
    adminUser: ADMIN_USER,
    adminPassword: backend.password,
    internals: { dataDir: backend.dataDir, postmasterPid: backend.postmasterPid },
    control: {
      dropAllConnections: () => fe.dropAll(),
      async setOutage(on: boolean) {
        if (on) {
          const stopped = fe.stopListening();
          await fe.dropAll();
          await stopped;
        } else if (!fe.listening) {
          await fe.listen(port);
        }
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
