// The profile store as the CLI, sessions and the proxy open it (aware of custom clouds'
// PostgreSQL domains), and the last check before a profile's token leaves this process.
import { resolveCloud } from '../base/cloudLoader.js';
import { checkProfilePolicy, profileErrorsToError, type Profile } from '../../shared/profile.js';
import { ProfileStore } from './profileStore.js';

/** For ProfileStore's `customCloudDomains`: an unreadable file yields undefined (the store then asks for confirmation). */
export function customCloudDomains(file: string): readonly string[] | undefined {
  try {
    return resolveCloud(file).postgresDomains;
  } catch {
    return undefined;
  }
}

/** What a session needs from a custom cloud file: the CA to trust and the hosts tokens may go to. Throws cloud_file_invalid. */
export function customCloudFacts(file: string): { caFile?: string; postgresDomains: readonly string[] } {
  const c = resolveCloud(file);
  return { ...(c.caFile ? { caFile: c.caFile } : {}), postgresDomains: c.postgresDomains };
}

export function openProfileStore(dataDir: string): ProfileStore {
  return new ProfileStore({ dataDir, customCloudDomains });
}

/**
 * Profiles are re-checked when used, not only when saved: the file may have been edited by hand
 * or a custom cloud file changed since. A token must not go to a host the user never confirmed.
 * Host/TLS policy only: with the data folder, use electron/connect/preflight.ts, which also
 * checks the custom cloud consent (the token broker checks that consent too, as a backstop).
 * @deprecated Call `preflight(profile, { dataDir })`.
 */
export function assertTokenMayBeSent(profile: Profile): void {
  const domains = typeof profile.cloud === 'string' ? undefined : customCloudDomains(profile.cloud.customFile);
  const errors = checkProfilePolicy(profile, domains);
  if (errors.length) throw profileErrorsToError(errors, `The profile "${profile.name}"`);
}
