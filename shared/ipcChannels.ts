// The names of every IPC call and event, as plain data (no zod) so the sandboxed preload can
// build `window.pgentra` from them without bundling the schemas. shared/contract.ts holds the
// schemas and is checked (at compile time) to cover exactly these names.

export const CALL_NAMES = [
  'profiles.list',
  'profiles.save',
  'profiles.delete',
  'profiles.restore',
  'profiles.duplicate',
  'profiles.move',
  'profiles.validate',
  'accounts.list',
  'accounts.signIn',
  'accounts.signInDeviceCode',
  'accounts.cancelSignIn',
  'accounts.signOut',
  'sessions.open',
  'sessions.close',
  'sessions.info',
  'sessions.query',
  'sessions.fetchMore',
  'sessions.cancel',
  'sessions.history',
  'admin.listPrincipals',
  'admin.createPrincipal',
  'admin.verifyAccess',
  'tokens.copy',
  'tokens.describe',
  'interop.exportPgAdmin',
  'interop.importPgAdmin',
  'app.info',
  'app.saveFile',
  'settings.get',
  'settings.set',
  'azure.listServers',
  'azure.getServer',
  'azure.proposeProfile',
  'azure.checkProfile',
  'azure.allowMyIp',
  'pim.eligibility',
  'pim.activate',
  'pim.cancel',
] as const;
export type CallName = (typeof CALL_NAMES)[number];

export const EVENT_NAMES = [
  'session.state',
  'session.connectProgress',
  'session.preflight',
  'accounts.changed',
  'profiles.changed',
  'signIn.deviceCode',
  'signIn.progress',
  'auth.signInRequired',
  'pim.progress',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** The Electron IPC channel carrying a call (ipcRenderer.invoke / ipcMain.handle). */
export function callChannel(name: CallName): `pgentra:call:${CallName}` {
  return `pgentra:call:${name}`;
}

/** The Electron IPC channel carrying an event (webContents.send / ipcRenderer.on). */
export function eventChannel(name: EventName): `pgentra:event:${EventName}` {
  return `pgentra:event:${name}`;
}

export function isCallName(s: string): s is CallName {
  return (CALL_NAMES as readonly string[]).includes(s);
}
