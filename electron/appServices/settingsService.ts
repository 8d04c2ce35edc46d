// The app's side of settings.json (shared with the CLI): read it, write what the settings dialog
// saved, and apply it to this process at once — the trust list is rebuilt (the next connection
// uses it), and the client ids are read on every sign-in and token request.
import type { SettingsView } from '../../shared/contract.js';
import type { Settings } from '../../shared/settings.js';
import { configureTrust, describeTrust, trustSummary } from '../base/trustedRoots.js';
import type { SettingsService } from '../ipc/services.js';
import { applySettings } from '../settings/applySettings.js';
import { readSettings, settingsPath, writeSettings } from '../settings/settingsStore.js';

export interface AppSettings extends SettingsService {
  /** The settings in effect (what was read at start or saved since). */
  current(): Settings;
}

/** Reads the settings now (a broken file fails the start with its message) and applies them. */
export function createSettingsService(dataDir: string): AppSettings {
  let current = readSettings(dataDir);
  configureTrust({ osCertificates: current.trustOsCertificates });
  const view = (): SettingsView => ({ settings: current, file: settingsPath(dataDir), osCertificates: trustSummary(describeTrust()) });
  return {
    current: () => current,
    get: async () => view(),
    async set(next) {
      current = await writeSettings(dataDir, next);
      await applySettings(dataDir, current);
      return view();
    },
  };
}
