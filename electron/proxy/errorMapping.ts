// What a client sees when the proxy cannot sign it in: upstream refusals keep the server's
// severity, SQLSTATE and message, with pgEntra's advice appended in the Hint field; failures of
// our own (token, network, TLS) become a FATAL ErrorResponse that says what to run next.
// Pure functions: no I/O. Never put a token in any field.
import { isPgEntraError } from '../../shared/errors.js';
import type { ErrorFields } from '../pgwire/index.js';
import { possiblePimHint } from '../pim/pimAdvice.js';
import { classifyLoginRefusal, describeRefusal, guestTenantAdvice, isGroupLogin, type AuthMethod, type LoginRefusal } from '../sessions/loginRefusal.js';

export interface AuthContext {
  /** The role the proxy signed in as. */
  role: string;
  /** UPN / identity of the credential, when known (never the token). */
  account?: string;
  host: string;
  port: number;
  /** The profile's name, for commands in the advice. */
  profile?: string;
  /** Kind of the profile's credential (PIM advice is for people, not identities). */
  credentialKind?: string;
}

/** The shared classification (sessions/loginRefusal.ts): the proxy retries exactly what sessions retry. */
export function classifyUpstreamAuthError(f: Pick<ErrorFields, 'message' | 'code'>, authMethod?: AuthMethod): LoginRefusal {
  return classifyLoginRefusal({ code: f.code, message: f.message }, { authMethod });
}

function appendHint(f: ErrorFields, ours: string): ErrorFields {
  return { ...f, hint: f.hint ? `${f.hint}\n${ours}` : ours };
}

function loginCommand(account: string | undefined): string {
  return account ? `pgentra login --account ${account}` : 'pgentra login';
}

/**
 * The upstream's ErrorResponse during login, with our hint appended. `retried`: a forced-fresh
 * token was already tried. `authMethod`: the password method the server asked for.
 */
export function upstreamAuthError(f: ErrorFields, ctx: AuthContext, retried: boolean, authMethod?: AuthMethod): ErrorFields {
  const account = ctx.account ?? "the profile's account";
  const at = `${ctx.host}:${ctx.port}`;
  const refusal = classifyUpstreamAuthError(f, authMethod);
  const fresh = ctx.profile ? `run \`pgentra token ${ctx.profile} --fresh\`, then reconnect` : 'get a fresh token with `pgentra token PROFILE --fresh`, then reconnect';
  switch (refusal.kind) {
    case 'expired':
      return appendHint(
        f,
        retried
          ? `pgEntra proxy: the server refused a freshly fetched token as expired too — check this computer's clock, or sign in again: ${loginCommand(ctx.account)}`
          : `pgEntra proxy: the token expired on the way; reconnect to get a fresh one.`,
      );
    case 'not_member': {
      // A group login was already tried again with a token fetched from Entra (upstreamSignIn.ts): PIM is the likely reason left.
      const group = isGroupLogin({ role: ctx.role, account: ctx.account, credentialKind: ctx.credentialKind });
      const extra = [guestTenantAdvice(ctx.role, ctx.account), group ? possiblePimHint(ctx.role) : undefined].filter((x): x is string => x !== undefined);
      return appendHint(
        f,
        `pgEntra proxy: Account ${account} is not a member of group "${ctx.role}" or the role "${ctx.role}" does not exist on ${at}${group && retried ? ' (a token fetched just now was refused too)' : ''} — ask an Entra admin to add the account to the group or to run pgaadauth_create_principal('${ctx.role}', false, false) in the postgres database. Role names are case-sensitive.${extra.length ? ` ${extra.join(' ')}` : ''}`,
      );
    }
    case 'refused':
      if (!refusal.sqlstate) return appendHint(f, `pgEntra proxy: signing in to ${at} as "${ctx.role}" failed.`);
    // falls through: a refusal with a SQLSTATE gets the shared advice
    default: {
      const d = describeRefusal(refusal, f, { host: ctx.host, port: ctx.port, role: ctx.role, account: ctx.account, credentialKind: ctx.credentialKind, retriedFresh: retried, freshHow: fresh });
      return appendHint(f, `pgEntra proxy: ${d.message}${d.hint ? ` ${d.hint}` : ''}`);
    }
  }
}

/** A TokenProvider failure (sign-in needed, Entra unreachable …) as the client sees it. */
export function tokenFailureError(e: unknown, ctx: AuthContext): ErrorFields {
  const code = isPgEntraError(e) ? e.code : 'internal';
  const what = isPgEntraError(e) ? e.message : 'the access token could not be fetched';
  const login = loginCommand(ctx.account);
  switch (code) {
    case 'sign_in_required':
    case 'mfa_required':
      return {
        severity: 'FATAL',
        code: '28000',
        message: `pgEntra proxy: sign-in required for ${ctx.account ?? "the profile's account"}: ${what}`,
        hint: `Run \`${login}\`, then reconnect (the proxy keeps running).`,
      };
    case 'network_unavailable':
      return { severity: 'FATAL', code: '08006', message: `pgEntra proxy: Microsoft Entra ID is unreachable and no valid token is cached: ${what}`, hint: 'Check the network/VPN, then reconnect.' };
    case 'proxy_failed':
      // The HTTP proxy in front of Entra, not the database: its message names it.
      return { severity: 'FATAL', code: '08006', message: `pgEntra proxy: no token: ${what}`, hint: isPgEntraError(e) && e.hint ? e.hint : 'Check HTTPS_PROXY and the proxy, then reconnect.' };
    case 'keychain_unavailable':
      return {
        severity: 'FATAL',
        code: '28000',
        message: `pgEntra proxy: the OS keychain is unavailable: ${what}`,
        hint: `Start a Secret Service (gnome-keyring), or run the proxy with --memory-cache and ${login}.`,
      };
    default:
      return {
        severity: 'FATAL',
        code: '28000',
        message: `pgEntra proxy: could not get an access token for ${ctx.account ?? "the profile's account"}: ${what}`,
        hint: isPgEntraError(e) && e.hint ? e.hint : `Try \`${login}\`, then reconnect.`,
      };
  }
}

/** Opening the upstream connection failed before any token was sent. */
/**
 * Refused, reset or closed before the login completed: what a server does for a moment while it
 * restarts or fails over. Not TLS verification (ours, typed), DNS or a timeout (already waited).
 */
export function isMomentaryUpstreamFailure(e: unknown): boolean {
  if (isPgEntraError(e)) return false;
  const errno = typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string' ? (e as { code: string }).code : undefined;
  if (errno === 'ECONNREFUSED' || errno === 'ECONNRESET' || errno === 'EPIPE') return true;
  return errno === undefined && e instanceof Error && e.name === 'ConnectionClosedError';
}

export function upstreamConnectError(e: unknown, ctx: AuthContext): ErrorFields {
  const at = `${ctx.host}:${ctx.port}`;
  const errno = typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string' ? (e as { code: string }).code : undefined;
  const message = e instanceof Error ? e.message : String(e);
  if (isPgEntraError(e) && e.code === 'tls_verification_failed') {
    return { severity: 'FATAL', code: '08006', message: `pgEntra proxy: ${e.message}`, ...(e.hint ? { hint: e.hint } : {}) };
  }
  const reason =
    errno === 'ECONNREFUSED'
      ? 'the connection was refused'
      : errno === 'ENOTFOUND' || errno === 'EAI_AGAIN'
        ? 'the host name does not resolve'
        : errno === 'ETIMEDOUT' || /timed out/i.test(message)
          ? 'the connection timed out'
          : errno === 'ECONNRESET' || /closed/i.test(message)
            ? 'the server closed the connection'
            : message;
  return {
    severity: 'FATAL',
    code: '08006',
    message: `pgEntra proxy: cannot reach the server ${at}: ${reason}`,
    hint: "Check the server is running, your network/VPN and the server's firewall rules; the proxy keeps running, so just reconnect.",
  };
}
