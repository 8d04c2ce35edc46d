// MSAL (and network) failures → PgEntraError with an actionable message: Entra's refusals through
// the one table (entraRefusals.ts), a cancel only when someone cancelled. Only safe facts (AADSTS
// code, MSAL error code, correlation id) go into details; MSAL messages are redacted.
import { PgEntraError, causeChain } from '../../shared/errors.js';
import { redact } from '../log/redact.js';
import { networkCauseOf } from '../net/networkErrors.js';
import { loginCmd, refusalFor } from './entraRefusals.js';

interface MsalLikeError {
  errorCode?: string;
  errorMessage?: string;
  subError?: string;
  correlationId?: string;
  errorNo?: string | number;
  status?: number;
  message?: string;
  name?: string;
  cause?: unknown;
}

function asMsal(e: unknown): MsalLikeError {
  return typeof e === 'object' && e !== null ? (e as MsalLikeError) : { message: String(e) };
}

export function aadstsCode(e: MsalLikeError): string | undefined {
  if (e.errorNo !== undefined && String(e.errorNo) !== '') return `AADSTS${String(e.errorNo).replace(/^AADSTS/, '')}`;
  const m = /AADSTS(\d+)/.exec(`${e.errorMessage ?? ''} ${e.message ?? ''}`);
  return m ? `AADSTS${m[1]}` : undefined;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** True when the failure means "could not reach Entra/IMDS" rather than "Entra said no". */
export function isNetworkFailure(e: unknown): boolean {
  let cur: unknown = e;
  for (let i = 0; i < 6 && cur; i++) {
    const m = asMsal(cur);
    const code = (cur as NodeJS.ErrnoException).code;
    if (m.name === 'NetworkFailure' || m.errorCode === 'network_error' || m.errorCode === 'endpoints_resolution_error') return true;
    if (code && NETWORK_CODES.has(code)) return true;
    if (typeof m.status === 'number' && m.status >= 500) return true;
    if (/network request|request timeout|ECONNREFUSED|temporarily_unavailable|service unavailable/i.test(`${m.errorCode ?? ''} ${m.errorMessage ?? ''} ${m.message ?? ''}`)) return true;
    if (/\b50[234]\b/.test(m.errorCode ?? '')) return true;
    cur = m.cause;
  }
  return false;
}

export interface MapContext {
  account?: string;
  tenant?: string;
  authorityHost?: string;
  /** The client id signed in with (named in app refusals). */
  clientId?: string;
  /** What the token was for, in words: `Azure Resource Manager` (default: the PostgreSQL resource, unnamed). */
  resourceName?: string;
  /** The `pgentra login` flag that signs in for that resource: `--scope management`. */
  scopeFlag?: string;
  /** pgEntra itself cancelled the flow (its Cancel button, Ctrl+C): a cancel, whatever Entra answered. */
  cancelledHere?: boolean;
  /**
   * The network client's last proxy/TLS failure: MSAL reports a failed metadata GET only as
   * `endpoints_resolution_error`, dropping why (NodeNetworkClient.recentFailure).
   */
  recentNetworkFailure?: () => PgEntraError | undefined;
}

/** MSAL's own "the user closed or cancelled" codes; `access_denied` is Entra's and may be a policy. */
const USER_CANCEL_CODES = new Set(['user_cancelled', 'user_canceled']);

export function mapMsalError(e: unknown, ctx: MapContext = {}): PgEntraError {
  if (e instanceof PgEntraError) return e;
  // A proxy or certificate problem says so itself ("cannot reach Entra" would send people looking elsewhere).
  const net = networkCauseOf(e);
  if (net) return net;
  const m = asMsal(e);
  if (m.errorCode === 'endpoints_resolution_error') {
    const recent = ctx.recentNetworkFailure?.();
    if (recent) return recent;
  }
  const aadsts = aadstsCode(m);
  const details: Record<string, string> = {};
  if (aadsts) details.aadsts = aadsts;
  if (m.errorCode) details.msalError = m.errorCode;
  if (m.subError) details.subError = m.subError;
  if (m.correlationId) details.correlationId = m.correlationId;
  if (ctx.account) details.account = ctx.account;
  const who = ctx.account ? ` for ${ctx.account}` : '';
  const raw = redact(m.errorMessage || m.message || String(e)).split('\n')[0] ?? '';
  const login = loginCmd(ctx);

  if (ctx.cancelledHere || (m.errorCode && USER_CANCEL_CODES.has(m.errorCode))) {
    return new PgEntraError('sign_in_cancelled', 'Sign-in was cancelled.', { details, cause: e });
  }
  // The table first: a Conditional Access block must never read as "cancelled" or "sign in again".
  const refusal = refusalFor(aadsts);
  if (refusal) {
    return new PgEntraError(refusal.code, refusal.message(ctx), { hint: refusal.hint(ctx), details: { ...details, transient: refusal.transient }, cause: e });
  }
  if (m.errorCode === 'access_denied' || m.subError === 'cancel') {
    // Entra posts access_denied (error_subcode=cancel) both when a person cancels on its pages —
    // then with AADSTS65004 (declined) — and, with no reason at all, when a Conditional Access
    // policy such as "require a compliant device" refused on the page (Azure/azure-cli#30575).
    if (aadsts === 'AADSTS65004') {
      return new PgEntraError('sign_in_cancelled', `The sign-in was cancelled in the browser (${aadsts}).`, { hint: `Sign in again when you are ready: ${login}.`, details, cause: e });
    }
    if (aadsts === undefined) {
      return new PgEntraError(
        'access_blocked',
        `Microsoft Entra ID ended the sign-in${who} with access_denied and no reason. It answers this way when a Conditional Access policy refused on its page — for example one that requires a compliant (managed) device — and the page said which.`,
        {
          hint: `If you closed or cancelled that page yourself, sign in again: ${login}. Otherwise sign in from a device your organisation manages, or ask your Entra administrator (with the time of the sign-in).`,
          details,
          cause: e,
        },
      );
    }
    return new PgEntraError('access_blocked', `Microsoft Entra ID refused the sign-in${who} (${aadsts}: ${raw}).`, {
      hint: 'The browser page shows the reason. Ask your Entra administrator, with the code, the time and the correlation id.',
      details,
      cause: e,
    });
  }
  if (
    m.errorCode === 'interaction_required' ||
    m.errorCode === 'invalid_grant' ||
    m.errorCode === 'consent_required' ||
    m.errorCode === 'login_required' ||
    m.errorCode === 'no_tokens_found' ||
    m.errorCode === 'bad_token' ||
    m.name === 'InteractionRequiredAuthError'
  ) {
    return new PgEntraError(
      'sign_in_required',
      `Sign-in required${who}${ctx.resourceName ? ` for ${ctx.resourceName}` : ''}: ${aadsts ?? m.errorCode ?? 'the session expired'}${m.subError ? ` (${m.subError})` : ''}.`,
      {
        hint: `Run: ${login}`,
        details,
        cause: e,
      },
    );
  }
  if (isNetworkFailure(e)) {
    return new PgEntraError('network_unavailable', `Cannot reach Microsoft Entra ID${ctx.authorityHost ? ` at ${ctx.authorityHost}` : ''} and no valid cached token is available: ${raw}`, {
      hint: 'Check the network connection or proxy (HTTPS_PROXY); pgEntra retries automatically when it returns.',
      details,
      cause: e,
    });
  }
  return new PgEntraError('sign_in_failed', `Sign-in failed${who}: ${raw}`, { details, cause: e });
}

/** The claims an Entra refusal asked for (`InteractionRequiredAuthError.claims`), when it carried any. */
export function claimsOf(e: unknown): string | undefined {
  for (const cur of causeChain(e)) {
    const claims = (cur as { claims?: unknown }).claims;
    if (typeof claims === 'string' && claims.trim()) return claims;
  }
  return undefined;
}
