// What a session needs from a profile. A saved Profile satisfies it structurally, so the
// session layer does not depend on how profiles are stored.
import type { Profile } from '../../shared/profile.js';

export type SessionTarget = Pick<Profile, 'host' | 'port' | 'database' | 'username' | 'credential' | 'cloud' | 'sslmode' | 'applicationName' | 'connectTimeoutSeconds' | 'confirmations'> & {
  /** The saved profile's id and name, when the session was opened from one (for the UI). */
  id?: string;
  name?: string;
};
