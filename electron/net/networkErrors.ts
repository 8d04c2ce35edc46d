// The network failures that need their own message rather than "cannot reach Entra": a proxy
// asking for credentials (407), a proxy that refuses or cannot be reached, and a certificate that
// does not chain to a trusted root (TLS inspection). They are PgEntraErrors from the start; MSAL
// and the Azure SDK wrap what the transport throws, so callers find them in the `cause` chain.
import { PgEntraError, isPgEntraError, type ErrorCode } from '../../shared/errors.js';

export const NETWORK_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['proxy_auth_required', 'proxy_failed', 'tls_untrusted']);

/** The first proxy/TLS PgEntraError in `e` or its causes (6 levels), if any. */
export function networkCauseOf(e: unknown): PgEntraError | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 6 && cur !== null && typeof cur === 'object'; i++) {
    if (isPgEntraError(cur) && NETWORK_ERROR_CODES.has(cur.code)) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
