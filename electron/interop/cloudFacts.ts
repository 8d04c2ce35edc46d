// What interop needs to know about a profile's cloud: the `--cloud` value for the token broker and
// the CLI, the custom cloud's CA file (the server certificate's root in private/test clouds) and
// its PostgreSQL domains. Custom cloud files are read with the auth stack's loader, not a second one.
import { resolveCloud } from '../base/cloudLoader.js';
import type { Profile } from '../../shared/profile.js';

/** The custom cloud's CA file (absolute), if the profile uses a custom cloud that names one. Throws cloud_file_invalid. */
export function customCaFileFor(profile: Pick<Profile, 'cloud'>): string | undefined {
  if (typeof profile.cloud === 'string') return undefined;
  return resolveCloud(profile.cloud.customFile).caFile;
}

/** The profile `cloud` value for the global --cloud option: a built-in name or { customFile }. */
export function profileCloudFromGlobal(cloud: string, resolvePath: (p: string) => string): Profile['cloud'] {
  if (cloud === 'public' || cloud === 'usgov' || cloud === 'china') return cloud;
  // Validates the file now so a typo fails here rather than at connect time.
  const abs = resolvePath(cloud);
  resolveCloud(abs);
  return { customFile: abs };
}
