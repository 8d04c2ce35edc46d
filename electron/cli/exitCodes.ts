// Exit codes of `pgentra`. Scripts (pgAdmin's PasswordExecCommand, PGPASSWORD=$(…)) and tests
// rely on them; values follow BSD sysexits where one fits. Never renumber.
import type { ErrorCode } from '../../shared/errors.js';

export const EXIT = {
  ok: 0,
  /** Anything not listed below. */
  failure: 1,
  /** Bad arguments or unknown command (EX_USAGE). */
  usage: 64,
  /** Bad input data: invalid cloud file, undecodable token (EX_DATAERR). */
  dataError: 65,
  /** No OS keychain: start a Secret Service or pass --memory-cache (EX_UNAVAILABLE). */
  keychainUnavailable: 69,
  /** Entra / IMDS unreachable and no valid cached token (EX_TEMPFAIL: retry later). */
  networkUnavailable: 75,
  /** Sign-in (or MFA) needed: run `pgentra login`; or a tenant policy refused the sign-in (EX_NOPERM). */
  signInRequired: 77,
  /** Azure CLI missing or not logged in, managed identity not available on this host; proxy credentials or a trusted root missing (EX_CONFIG). */
  credentialUnavailable: 78,
  /** PIM: the activation waits for an approver (try again once approved). */
  pimPendingApproval: 80,
  /** PIM: an approver denied the activation. */
  pimDenied: 81,
  /** PIM: the account is not eligible for that group. */
  pimNotEligible: 82,
  /** Interrupted (Ctrl+C) or cancelled. */
  cancelled: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitCodeFor(code: ErrorCode): ExitCode {
  switch (code) {
    case 'invalid_input':
      return EXIT.usage;
    case 'cloud_file_invalid':
    case 'cloud_file_unsafe':
    case 'token_decode_failed':
      return EXIT.dataError;
    case 'keychain_unavailable':
      return EXIT.keychainUnavailable;
    case 'network_unavailable':
    case 'proxy_failed':
      return EXIT.networkUnavailable;
    case 'sign_in_required':
    case 'mfa_required':
    case 'access_blocked':
    case 'app_not_permitted':
    case 'account_not_in_tenant':
      return EXIT.signInRequired;
    case 'azure_cli_missing':
    case 'azure_cli_not_logged_in':
    case 'managed_identity_unavailable':
    case 'proxy_auth_required':
    case 'tls_untrusted':
      return EXIT.credentialUnavailable;
    case 'sign_in_cancelled':
      return EXIT.cancelled;
    case 'pim_pending_approval':
      return EXIT.pimPendingApproval;
    case 'pim_denied':
      return EXIT.pimDenied;
    case 'pim_not_eligible':
      return EXIT.pimNotEligible;
    default:
      return EXIT.failure;
  }
}

export const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    other failure
  64   bad arguments or unknown command
  65   invalid input data (cloud file, token to decode)
  69   OS keychain unavailable (start a Secret Service such as gnome-keyring, or use --memory-cache)
  75   network unavailable: Entra ID / IMDS / the HTTP proxy unreachable and no valid cached token
  77   sign-in required (run: pgentra login), or refused by a tenant policy (the message says which)
  78   credential or configuration unavailable (Azure CLI missing / not logged in, no managed
       identity, proxy credentials, a certificate root that is not trusted)
  80   PIM: the activation waits for an approver
  81   PIM: the activation was denied
  82   PIM: not eligible for that group
  130  cancelled`;
