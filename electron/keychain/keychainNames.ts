// Names of the keychain entry holding the MSAL cache. The account name includes a hash of the
// data dir so two pgEntra homes (tests, portable installs) never share or clobber a cache.
import { createHash } from 'node:crypto';

export const KEYCHAIN_SERVICE = 'pgEntra';

export function keychainAccountFor(dataDir: string): string {
  return `msal-token-cache-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
}
