// Shapes shared by the proxy's modules.
import type { Profile } from '../../shared/profile.js';
import type { BackendKey } from './cancelMap.js';
import type { UpstreamTarget } from './upstream.js';

/** What the proxy needs from a saved profile (a Profile satisfies it). */
export type ProxyProfile = Pick<
  Profile,
  'id' | 'name' | 'host' | 'port' | 'database' | 'username' | 'credential' | 'cloud' | 'sslmode' | 'applicationName' | 'connectTimeoutSeconds' | 'confirmations'
>;

export interface ProxyRoute {
  profile: ProxyProfile;
  /** Local TCP port; 0 or absent = any free port. With `unixSocketDir` it only names the socket (`.s.PGSQL.<port>`, default 5432). */
  port?: number;
  /** Listen on a Unix socket in this private directory instead of TCP. */
  unixSocketDir?: string;
  /** Usernames other than the profile's that clients may ask for (see userRule.ts). */
  allowedUsers?: string[];
}

/** A route ready to serve: the profile plus its resolved upstream target. */
export interface RouteRuntime {
  profile: ProxyProfile;
  upstream: UpstreamTarget;
  /** The `cloud` string for TokenProvider.getToken. */
  tokenCloud: string;
  allowedUsers: readonly string[];
}

export interface CancelTarget {
  upstream: UpstreamTarget;
  key: BackendKey;
}

export interface ProxyStats {
  /** Client connections accepted since start. */
  accepted: number;
  /** Client connections open now. */
  active: number;
  /** Connections relaying to the server now. */
  relaying: number;
  /** Logins that reached the relay. */
  succeeded: number;
  /** Connections refused or failed before the relay (bad user, password, token, server). */
  failed: number;
  cancelRequests: number;
  /** Logins retried with a fresh token after "The access token has expired". */
  expiredRetries: number;
  /** Group logins the server refused, tried again with a token fetched from Entra (a PIM activation since the cached one). */
  groupRetries: number;
  /** Logins tried again after a transient refusal (restart, failover, too many connections). */
  transientRetries: number;
  tokenRequests: number;
  bytesFromClients: number;
  bytesToClients: number;
}

export function emptyStats(): ProxyStats {
  return {
    accepted: 0,
    active: 0,
    relaying: 0,
    succeeded: 0,
    failed: 0,
    cancelRequests: 0,
    expiredRetries: 0,
    groupRetries: 0,
    transientRetries: 0,
    tokenRequests: 0,
    bytesFromClients: 0,
    bytesToClients: 0,
  };
}
