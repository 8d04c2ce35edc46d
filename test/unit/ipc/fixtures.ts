// A valid payload for every contract call and fake services for handler tests.
import type { AzureService } from '../../../electron/azure/azureService.js';
import type { Services, SessionsService } from '../../../electron/ipc/services.js';
import type { AzureServer } from '../../../shared/azure.js';
import { PgEntraError } from '../../../shared/errors.js';
import type { CallInputRaw, CallName } from '../../../shared/contract.js';
import type { SessionInfo } from '../../../shared/ipcSessions.js';
import type { Profile } from '../../../shared/profile.js';
import type { SenderInfo } from '../../../electron/ipc/senderPolicy.js';

export const TRUSTED: SenderInfo = { frameUrl: 'app://pgentra/index.html', isMainFrame: true, windowId: 1 };

export const PROFILE_ID = '0b6f7a36-8f3c-4c4e-9d0e-6a3b0f1f2a11';
export const SESSION_ID = '5d0b1e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
export const QUERY_ID = '9a8b7c6d-5e4f-4a3b-9c1d-0e1f2a3b4c5d';
export const SERVER_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod/providers/Microsoft.DBforPostgreSQL/flexibleServers/prod';

export const PROFILE: Profile = {
  id: PROFILE_ID,
  name: 'Prod',
  folder: '',
  host: 'prod.postgres.database.azure.com',
  port: 5432,
  database: 'postgres',
  username: 'db-admins',
  credential: { kind: 'interactive' },
  cloud: 'public',
  sslmode: 'verify-full',
  applicationName: 'pgEntra',
  connectTimeoutSeconds: 15,
  confirmations: {},
  createdAt: '2024-05-01T12:00:00.000Z',
  updatedAt: '2024-05-01T12:00:00.000Z',
};

/** What sessions.info reports for a fake session opened on PROFILE. */
export const SESSION_INFO: SessionInfo = {
  sessionId: SESSION_ID,
  host: PROFILE.host,
  port: 5432,
  database: 'postgres',
  username: 'db-admins',
  sslmode: 'verify-full',
  state: 'connected',
  currentUser: 'db-admins',
  sessionUser: 'db-admins',
  serverVersion: '16.4',
  backendPid: 42,
  tls: null,
  account: 'adm-alice@contoso.example',
  tokenExpiresOn: null,
  connectedAt: null,
  reconnects: 0,
};

/** A Ready, public, Entra-enabled flexible server as ARM describes it (Browse Azure and pre-flight tests). */
export function azureServer(name: string, subscriptionId = '00000000-0000-0000-0000-000000000001', over: Partial<AzureServer> = {}): AzureServer {
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/rg-prod/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`,
    name,
    subscriptionId,
    resourceGroup: 'rg-prod',
    location: 'westeurope',
    fqdn: `${name}.postgres.database.azure.com`,
    version: '16',
    state: 'Ready',
    sku: 'Standard_D2ds_v5',
    entraAuth: 'enabled',
    passwordAuth: 'disabled',
    entraTenantId: null,
    publicNetworkAccess: 'enabled',
    privateNetwork: false,
    replicationRole: 'Primary',
    administratorLogin: null,
    ...over,
  };
}

export const VALID_INPUTS: { [K in CallName]: CallInputRaw<K> } = {
  'profiles.list': {},
  'profiles.save': { profile: { name: 'Prod', host: 'prod.postgres.database.azure.com', username: 'db-admins' } },
  'profiles.delete': { id: PROFILE_ID },
  'profiles.restore': { profile: PROFILE },
  'profiles.duplicate': { id: PROFILE_ID },
  'profiles.move': { id: PROFILE_ID, folder: 'Production' },
  'profiles.validate': { profile: { name: 'x' } },
  'accounts.list': {},
  'accounts.signIn': { cloud: 'public' },
  'accounts.signInDeviceCode': { tenant: 'contoso.example' },
  'accounts.cancelSignIn': {},
  'accounts.signOut': { account: 'alice@contoso.example' },
  'sessions.open': { profileId: PROFILE_ID },
  'sessions.close': { sessionId: SESSION_ID },
  'sessions.info': { sessionId: SESSION_ID },
  'sessions.query': { sessionId: SESSION_ID, sql: 'select 1' },
  'sessions.fetchMore': { sessionId: SESSION_ID, queryId: QUERY_ID, count: 1000 },
  'sessions.cancel': { sessionId: SESSION_ID, queryId: QUERY_ID },
  'sessions.history': { sessionId: SESSION_ID },
  'admin.listPrincipals': { sessionId: SESSION_ID },
  'admin.createPrincipal': { sessionId: SESSION_ID, by: 'name', roleName: 'vm-app-01' },
  'admin.verifyAccess': { sessionId: SESSION_ID, roleName: 'vm-app-01', credential: { kind: 'managed-identity' } },
  'tokens.copy': { profileId: PROFILE_ID },
  'tokens.describe': { profileId: PROFILE_ID },
  'interop.exportPgAdmin': { profileIds: [PROFILE_ID] },
  'interop.importPgAdmin': { json: '{"Servers":{}}' },
  'app.info': {},
  'app.saveFile': { suggestedName: 'servers.json', text: '{}' },
  'settings.get': {},
  'settings.set': { settings: { version: 1, trustOsCertificates: false, clientIds: { public: '9dc2d27b-0177-4af7-a5fe-f8866c83e5ac' } } },
  'azure.listServers': { account: 'adm-alice@contoso.example' },
  'azure.getServer': { account: 'adm-alice@contoso.example', server: SERVER_ID },
  'azure.proposeProfile': { cloud: 'public', account: 'adm-alice@contoso.example', server: SERVER_ID },
  'azure.checkProfile': { profileId: PROFILE_ID },
  'azure.allowMyIp': { profileId: PROFILE_ID, ip: '203.0.113.7', ruleName: 'pgentra-203-0-113-7' },
  'pim.eligibility': { profileId: PROFILE_ID },
  'pim.activate': { profileId: PROFILE_ID, duration: '2h', reason: 'change 42', ticket: { system: 'ServiceNow', number: 'CHG0042' }, remember: true },
  'pim.cancel': { profileId: PROFILE_ID },
};

/** Structurally wrong payloads every call must refuse. */
export function malformedPayloads(valid: unknown): Array<{ label: string; payload: unknown }> {
  const base = typeof valid === 'object' && valid !== null ? valid : {};
  return [
    { label: 'null', payload: null },
    { label: 'undefined', payload: undefined },
    { label: 'a string', payload: 'select 1' },
    { label: 'a number', payload: 42 },
    { label: 'an array', payload: [valid] },
    { label: 'an unknown extra field', payload: { ...base, injected: '<script>' } },
  ];
}

const notWired = async (): Promise<never> => {
  throw new PgEntraError('internal', 'not used in this test');
};

/** An AzureService for handler tests that make no ARM call. */
export const UNUSED_AZURE: AzureService = { listServers: notWired, getServer: notWired, proposeProfile: notWired, checkProfile: notWired, allowIp: notWired };

/**
 * Services for sessions.open tests: `profile` under PROFILE_ID, a session manager that only opens
 * (and reports SESSION_INFO), and nothing else wired.
 */
export function openOnlyServices(opts: { open: SessionsService['open']; profile?: Profile; azure?: AzureService }): Services {
  const profile = opts.profile ?? PROFILE;
  return {
    profiles: { get: async (id: string) => (id === PROFILE_ID ? profile : Promise.reject(new PgEntraError('not_found', 'No such profile.'))) } as unknown as Services['profiles'],
    sessions: {
      open: opts.open,
      info: () => SESSION_INFO,
      close: notWired,
      query: notWired,
      fetchMore: notWired,
      cancel: notWired,
      history: () => [],
      listPrincipals: notWired,
      createPrincipal: notWired,
      verifyAccess: notWired,
    },
    accounts: {} as Services['accounts'],
    tokens: {} as Services['tokens'],
    interop: {} as Services['interop'],
    appInfo: () => ({ name: 'pgEntra', version: '0', electron: null, chrome: null, node: process.versions.node, platform: process.platform, dataDir: '/tmp/x' }),
    saveFile: notWired,
    confirmTokenCopy: async () => false,
    azure: opts.azure ?? UNUSED_AZURE,
    events: () => undefined,
  };
}
