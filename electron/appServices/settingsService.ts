// The app's side of settings.json (shared with the CLI): read it — again whenever the file
// changed, so a `pgentra settings set` made meanwhile is seen — write what the settings dialog
// saved, and apply it to this process at once (the trust list is rebuilt for the next connection;
// the client ids are read on every sign-in and token request). A change of who gets the sign-in
// (a client id) or of what is trusted (the OS store, off → on) needs the person's confirmation in
// the main process's own dialog.
import { statSync } from 'node:fs';
import type { SettingsView } from '../../shared/contract.js';
import { PgEntraError } from '../../shared/errors.js';
import { BUILTIN_CLOUD_NAMES } from '../../shared/clouds.js';
import type { Settings } from '../../shared/settings.js';
import { configureTrust, describeTrust, trustSummary } from '../base/trustedRoots.js';
import type { SettingsChange, SettingsService } from '../ipc/services.js';
import { applySettings } from '../settings/applySettings.js';
import { readSettings, settingsPath, writeSettings } from '../settings/settingsStore.js';

export interface AppSettings extends SettingsService {
  /** The settings in effect: the file as it is now (re-read when it changed), or the last good copy. */
  current(): Settings;
}

/** What in `next` needs the person's confirmation (undefined: nothing does). */
export function riskyChange(prev: Settings, next: Settings): SettingsChange | undefined {
  const clientIds = BUILTIN_CLOUD_NAMES.flatMap((cloud) => {
    const to = next.clientIds[cloud];
    const from = prev.clientIds[cloud];
    return to && to.toLowerCase() !== from?.toLowerCase() ? [{ cloud, to, ...(from ? { from } : {}) }] : [];
  });
  const trustOsCertificates = next.trustOsCertificates && !prev.trustOsCertificates;
  return clientIds.length || trustOsCertificates ? { clientIds, trustOsCertificates } : undefined;
}

/** Reads the settings now (a broken file fails the start with its message) and applies them. */
export function createSettingsService(dataDir: string, confirm?: (change: SettingsChange) => Promise<boolean>): AppSettings {
  const file = settingsPath(dataDir);
  const mtime = (): number => {
    try {
      return statSync(file).mtimeMs;
    } catch {
      return 0;
    }
  };
  let seen = mtime();
  let current = readSettings(dataDir);
  configureTrust({ osCertificates: current.trustOsCertificates });
  const fresh = (): Settings => {
    const now = mtime();
    if (now === seen) return current;
    seen = now;
    try {
      const read = readSettings(dataDir);
      if (read.trustOsCertificates !== current.trustOsCertificates) configureTrust({ osCertificates: read.trustOsCertificates });
      current = read;
    } catch {
      // A file broken meanwhile: the last good settings stay in effect (pgentra settings says what is wrong).
    }
    return current;
  };
  const view = (): SettingsView => ({ settings: fresh(), file, osCertificates: trustSummary(describeTrust()) });
  return {
    current: fresh,
    get: async () => view(),
    async set(next) {
      const change = riskyChange(fresh(), next);
      if (change && !(confirm && (await confirm(change)))) {
        throw new PgEntraError('confirmation_required', 'The settings were not changed: the change was not confirmed.', {
          hint: 'Confirm it in pgEntra’s own dialog, or change it with pgentra settings set.',
        });
      }
      current = await writeSettings(dataDir, next);
      seen = mtime();
      await applySettings(dataDir, current);
      return view();
    },
  };
}
