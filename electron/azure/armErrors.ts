// What Azure Resource Manager's refusals mean for a person, as PgEntraErrors: RBAC (403
// AuthorizationFailed) names the missing permission and where, 401 the tenant, 404 what is
// missing, transport failures say the network. Used by every ARM call, so the CLI and the app
// say the same thing. Messages carry ARM's own text (never a token: ARM does not echo it).
import { isRestError } from '@azure/core-rest-pipeline';
import { PgEntraError, isPgEntraError, type ErrorCode } from '../../shared/errors.js';
import { NETWORK_ERROR_CODES, networkCauseOf } from '../net/networkErrors.js';
import { armClaimsChallenge } from './armChallenge.js';
import { claimsAskForMfa } from '../auth/stepUp.js';

/** What the failed call was for, in words and where: "list the flexible servers of Contoso Production". */
export interface ArmCallContext {
  /** e.g. `list the flexible servers`, `add the firewall rule pgentra-203-0-113-7 to lockedserver`. */
  action: string;
  subscriptionId?: string;
  /** The subscription's display name, when known (messages name both). */
  subscriptionName?: string;
  /** The account (UPN) or identity the token was for, when known. */
  account?: string;
}

const TLS_CODES =
  /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_UNTRUSTED|ERR_TLS_CERT_ALTNAME_INVALID)$/;
const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ESOCKETTIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|REQUEST_SEND_ERROR)$/;

/** `does not have authorization to perform action 'X' over scope 'Y'` → X and Y. */
export function parseAuthorizationFailed(message: string): { permission?: string; scope?: string } {
  const permission = /perform action '([^']+)'/i.exec(message)?.[1];
  const scope = /over scope '([^']+)'/i.exec(message)?.[1];
  return { ...(permission ? { permission } : {}), ...(scope ? { scope } : {}) };
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim()) ?? s).trim().slice(0, 500);
}

/** Any failure of an ARM call → a PgEntraError that says what to do. PgEntraErrors pass through. */
export function mapArmError(e: unknown, ctx: ArmCallContext): PgEntraError {
  if (isPgEntraError(e)) return e;
  // A proxy or certificate failure (net/httpsTransport.ts) says so itself, never "ARM is unreachable".
  const net = networkCauseOf(e);
  if (net) return net;
  if (isRestError(e) && e.statusCode === undefined && NETWORK_ERROR_CODES.has(e.code as ErrorCode)) return new PgEntraError(e.code as ErrorCode, e.message, { cause: e });
  if (e instanceof Error && e.name === 'AbortError') return new PgEntraError('sign_in_cancelled', `Cancelled: ${ctx.action}.`, { cause: e });
  const who = ctx.account ?? 'The account';
  const where = ctx.subscriptionId ? ` in subscription ${ctx.subscriptionName ? `${ctx.subscriptionName} (${ctx.subscriptionId})` : ctx.subscriptionId}` : '';
  if (!isRestError(e)) return new PgEntraError('internal', `Could not ${ctx.action}${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  const status = e.statusCode;
  const armCode = e.code ?? '';
  const text = firstLine(e.message);
  if (status === undefined) {
    if (TLS_CODES.test(armCode)) {
      return new PgEntraError('tls_verification_failed', `Could not ${ctx.action}: the TLS certificate of Azure Resource Manager could not be verified (${armCode}); no token was sent.`, {
        hint: 'A TLS-inspecting proxy needs its root in the OS certificate store (pgentra settings set trust-os-certificates on) or in NODE_EXTRA_CA_CERTS; a private cloud needs caFile in its custom cloud file.',
        details: { armCode },
        cause: e,
      });
    }
    return new PgEntraError('network_unavailable', `Could not ${ctx.action}: Azure Resource Manager is unreachable (${NETWORK_CODES.test(armCode) ? armCode : text}).`, {
      hint: 'Check your network, VPN or proxy, then try again.',
      details: { armCode: armCode || null },
      cause: e,
    });
  }
  const details = { status, armCode: armCode || null, ...(ctx.subscriptionId ? { subscriptionId: ctx.subscriptionId } : {}) };
  if (status === 403) {
    const { permission, scope } = parseAuthorizationFailed(e.message);
    return new PgEntraError(
      'azure_forbidden',
      `${who} may not ${ctx.action}${where}: Azure Resource Manager refused it (403 ${armCode || 'Forbidden'}${permission ? `, missing permission ${permission}` : ''}${scope ? ` on ${scope}` : ''}).`,
      {
        hint: `Ask an owner of the subscription for a role that grants ${permission ?? 'this permission'} (for example Contributor on the server or its resource group), or use an account that has it. Role changes reach a token only after it is renewed.`,
        details: { ...details, ...(permission ? { permission } : {}) },
        cause: e,
      },
    );
  }
  const claims = status === 401 ? armClaimsChallenge(e) : undefined;
  if (claims !== undefined) {
    // Not the tenant: Azure asks for more — MFA (its mandatory MFA for writes) or, under Continuous
    // Access Evaluation, a new sign-in after a password reset or a change of network.
    const login = `pgentra login${ctx.account ? ` --account ${ctx.account}` : ''} --scope management`;
    const whose = ctx.account ? ` of ${ctx.account}` : '';
    return claimsAskForMfa(claims)
      ? new PgEntraError('mfa_required', `Azure requires multi-factor authentication (a stronger sign-in${whose}) to ${ctx.action}${where} (401 ${armCode || 'Unauthorized'}).`, {
          hint: `Sign in again for Azure Resource Manager with MFA: ${login}, then try again.`,
          details,
          cause: e,
        })
      : new PgEntraError('sign_in_required', `Azure no longer accepts the sign-in${whose} to ${ctx.action}${where} (401 ${armCode || 'Unauthorized'}, a claims challenge).`, {
          hint: `Sign in again for Azure Resource Manager: ${login}, then try again.`,
          details,
          cause: e,
        });
  }
  if (status === 401) {
    return new PgEntraError(
      'azure_forbidden',
      `Azure Resource Manager did not accept the token of ${ctx.account ?? 'the account'} to ${ctx.action}${where} (401 ${armCode || 'Unauthorized'}): ${text}`,
      {
        hint: 'The subscription may belong to another tenant than the one you signed in to: sign in with --tenant <its tenant> and pass that account with --account.',
        details,
        cause: e,
      },
    );
  }
  if (status === 404) {
    return new PgEntraError('not_found', `Could not ${ctx.action}${where}: Azure Resource Manager says it does not exist (404 ${armCode || 'NotFound'}): ${text}`, {
      hint: 'Check the server name or resource id and the subscription (pgentra servers list).',
      details,
      cause: e,
    });
  }
  if (status === 429) {
    return new PgEntraError('network_unavailable', `Could not ${ctx.action}${where}: Azure Resource Manager is throttling requests (429), even after waiting as it asked.`, {
      hint: 'Wait a minute and try again.',
      details,
      cause: e,
    });
  }
  return new PgEntraError('internal', `Could not ${ctx.action}${where}: Azure Resource Manager answered ${status} ${armCode}: ${text}`, { details, cause: e });
}
