// A valid payload for every contract call and fake services for handler tests.
import type { CallInputRaw, CallName } from '../../../shared/contract.js';
import type { Profile } from '../../../shared/profile.js';
import type { SenderInfo } from '../../../electron/ipc/senderPolicy.js';

export const TRUSTED: SenderInfo = { frameUrl: 'app://pgentra/index.html', isMainFrame: true, windowId: 1 };

export const PROFILE_ID = '0b6f7a36-8f3c-4c4e-9d0e-6a3b0f1f2a11';
export const SESSION_ID = '5d0b1e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
export const QUERY_ID = '9a8b7c6d-5e4f-4a3b-9c1d-0e1f2a3b4c5d';

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
  'tokens.copy': { profileId: PROFILE_ID, confirmed: true },
  'tokens.describe': { profileId: PROFILE_ID },
  'interop.exportPgAdmin': { profileIds: [PROFILE_ID] },
  'interop.importPgAdmin': { json: '{"Servers":{}}' },
  'app.info': {},
  'app.saveFile': { suggestedName: 'servers.json', text: '{}' },
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
