// Typed errors shared by the main process, the CLI and the renderer. Every error a person can
// see has a code (stable, for scripts and tests) and a message that says what to do next.
// Errors cross IPC as plain objects (`toErrorPayload`), never as Error instances.
import { z } from 'zod';

export const ERROR_CODES = [
  // input and configuration
  'invalid_input', // a payload or argument failed validation
  'not_found', // profile, account or session does not exist
  'conflict', // e.g. a profile with the same name
  'confirmation_required', // non-Azure host, weaker TLS: the user must confirm explicitly
  'cloud_file_invalid',
  'cloud_file_unsafe', // a custom cloud file on a network share, or one another user can change
  // sign-in and tokens
  'sign_in_required', // interaction_required / invalid_grant: sign in again
  'sign_in_cancelled',
  'sign_in_failed',
  'mfa_required', // MFA or another claims challenge: sign in interactively for the scope that failed (the step-up)
  'access_blocked', // a Conditional Access policy refused the sign-in (blocked, device not compliant, location, token protection)
  'app_not_permitted', // the tenant does not let this app (client id) sign the user in: not assigned, consent, app unknown or disabled
  'account_not_in_tenant', // the account does not exist in the tenant asked for (guests: not invited)
  'keychain_unavailable', // no OS keychain; opt into a memory-only cache or start a Secret Service
  'keychain_error',
  'network_unavailable', // Entra or IMDS unreachable and no valid cached token
  'proxy_auth_required', // the HTTP proxy answered 407: its credentials are missing or wrong
  'proxy_failed', // the HTTP proxy could not be reached or refused the tunnel
  'tls_untrusted', // an HTTPS server's certificate does not chain to a trusted root (TLS inspection without its root trusted)
  'managed_identity_unavailable',
  'azure_cli_missing',
  'azure_cli_not_logged_in',
  'azure_cli_failed',
  'token_decode_failed',
  // Privileged Identity Management (PIM for Groups, through Microsoft Graph)
  'pim_not_eligible', // the account has no eligible (or active) membership of that group
  'pim_pending_approval', // the activation waits for an approver
  'pim_denied', // an approver denied the activation (or it was revoked)
  // Azure Resource Manager (discovery, firewall rules)
  'azure_forbidden', // 403 AuthorizationFailed / 401: the account lacks the role (RBAC) or signed in to another tenant
  // database
  'tls_verification_failed',
  'token_expired',
  'token_wrong_audience',
  'token_wrong_kind', // AAD_AUTH_TOKENTYPE…: a user token for a service role, or an app token for a user role
  'token_wrong_tenant', // the token comes from another tenant than the server's (guests: sign in with --tenant)
  'token_invalid',
  'role_not_found_or_not_member', // password authentication failed for an Entra role
  'entra_auth_disabled', // the server asked for a SCRAM/MD5 password: Entra authentication is off (a guess from the protocol)
  'firewall_blocked', // no pg_hba.conf entry for host "<ip>": the server's firewall does not allow this IP
  'login_refused', // any other permanent login refusal (database does not exist, role may not log in …)
  'server_restarting', // 57P01/57P02/57P03: restart, failover, starting up — transient
  'server_unreachable',
  'query_failed',
  'query_cancelled',
  'session_closed',
  // files
  'store_corrupt',
  'store_locked',
  'io_error',
  // the rest
  'ipc_sender_rejected',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const ErrorPayloadSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  /** What the person can do next, when there is more to say than the message. */
  hint: z.string().optional(),
  /** Safe, non-secret details (field names, AADSTS codes, SQLSTATE). Never tokens. */
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type ErrorPayload = z.infer<typeof ErrorPayloadSchema>;

export class PgEntraError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: ErrorPayload['details'];

  constructor(code: ErrorCode, message: string, opts: { hint?: string; details?: ErrorPayload['details']; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PgEntraError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  toPayload(): ErrorPayload {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** `e` and the errors it wraps (its `cause` chain), nearest first, at most `depth` of them. */
export function* causeChain(e: unknown, depth = 6): Generator<object> {
  let cur: unknown = e;
  for (let i = 0; i < depth && cur !== null && typeof cur === 'object'; i++) {
    yield cur;
    cur = (cur as { cause?: unknown }).cause;
  }
}

export function isPgEntraError(e: unknown): e is PgEntraError {
  return e instanceof PgEntraError;
}

/** Any thrown value → a payload safe to show or send across IPC. Unknown errors become `internal`. */
export function toErrorPayload(e: unknown): ErrorPayload {
  if (isPgEntraError(e)) return e.toPayload();
  const parsed = ErrorPayloadSchema.safeParse(e);
  if (parsed.success) return parsed.data;
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

export function fromErrorPayload(p: ErrorPayload): PgEntraError {
  return new PgEntraError(p.code, p.message, { ...(p.hint ? { hint: p.hint } : {}), ...(p.details ? { details: p.details } : {}) });
}
