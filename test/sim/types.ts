// The contract of the simulated Azure: the directory fixture both simulators read, and the
// state file `npm run sim -- --state FILE` writes (also accepted by the app as a custom cloud
// file). Everything read from disk is validated here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');

export const DirectorySchema = z.object({
  tenant: z.object({ id: uuid, domain: z.string().min(1), displayName: z.string().min(1) }),
  users: z.array(
    z.object({
      objectId: uuid,
      upn: z.string().min(3),
      displayName: z.string().min(1),
      mail: z.string().optional(),
      guest: z.boolean().optional(),
    }),
  ),
  groups: z.array(
    z.object({
      objectId: uuid,
      displayName: z.string().min(1),
      members: z.array(uuid),
      /** The group set as the server's Microsoft Entra admin (exists as a principal at start). */
      entraAdmin: z.boolean().optional(),
    }),
  ),
  managedIdentities: z.array(
    z.object({
      name: z.string().min(1),
      kind: z.enum(['system', 'user']),
      objectId: uuid,
      clientId: uuid,
      resourceId: z.string().min(1),
    }),
  ),
  servicePrincipals: z.array(z.object({ displayName: z.string().min(1), objectId: uuid, appId: uuid })),
  /** Public client applications registered in the tenant (the Azure CLI id is always accepted). */
  clients: z.array(z.object({ clientId: uuid, displayName: z.string().min(1) })),
});
export type Directory = z.infer<typeof DirectorySchema>;

export const DEFAULT_DIRECTORY_FILE = fileURLToPath(new URL('./directory.json', import.meta.url));

export function loadDirectory(file: string = DEFAULT_DIRECTORY_FILE): Directory {
  return DirectorySchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** Well-known ids the tests use by name. */
export const ACCOUNTS = {
  primary: 'alice@contoso.example',
  secondary: 'adm-alice@contoso.example',
  guest: 'bob_fabrikam.example#EXT#@contoso.example',
  nonMember: 'carol@contoso.example',
  adminGroup: 'db-admins',
  readerGroup: 'db-readers',
  systemIdentity: 'vm-app-01',
  userIdentity: 'id-reporting',
  servicePrincipal: 'sp-etl',
} as const;

export const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
export const POSTGRES_RESOURCE = 'https://ossrdbms-aad.database.windows.net';

/**
 * The state file. It is also a valid pgEntra custom-cloud file: authorityHost, resource,
 * caFile, knownAuthorities and postgresDomains are what the app reads from it.
 */
export const SimStateSchema = z.object({
  authorityHost: z.string().url(),
  knownAuthorities: z.array(z.string().min(1)),
  tenantId: uuid,
  tenantDomain: z.string(),
  clientId: uuid,
  resource: z.string().url(),
  caFile: z.string().min(1),
  /** Host names (or suffixes) the simulated PostgreSQL servers live under. */
  postgresDomains: z.array(z.string().min(1)),
  server: z.object({
    host: z.string(),
    port: z.number().int(),
    /** A non-Entra superuser with password auth, for test setup only. */
    adminUser: z.string(),
    adminPassword: z.string(),
  }),
  /** Value for AZURE_POD_IDENTITY_AUTHORITY_HOST (plain HTTP, like the real IMDS). */
  imdsEndpoint: z.string().url(),
  /** App Service managed identity: IDENTITY_ENDPOINT and IDENTITY_HEADER values. */
  appService: z.object({ endpoint: z.string().url(), header: z.string() }),
  accounts: z.array(z.object({ upn: z.string(), objectId: uuid, displayName: z.string() })),
  groups: z.array(z.object({ displayName: z.string(), objectId: uuid })),
  managedIdentities: z.array(z.object({ name: z.string(), kind: z.enum(['system', 'user']), objectId: uuid, clientId: uuid, resourceId: z.string() })),
  pid: z.number().int(),
});
export type SimState = z.infer<typeof SimStateSchema>;
