// What a client sees when the proxy cannot sign it in: upstream refusals keep the server's
// severity, SQLSTATE and message, with pgEntra's advice appended in the Hint field; failures of
// our own (token, network, TLS) become a FATAL ErrorResponse that says what to run next.
// Pure functions: no I/O. Never put a token in any field.
import { isPgEntraError } from '../../shared/errors.js';
import type { ErrorFields } from '../pgwire/index.js';

export interface AuthContext {
  /** The role the proxy signed in as. */
  role: string;
  /** UPN / identity of the credential, when known (never the token). */
  account?: string;
  host: string;
  port: number;
}

export type UpstreamAuthFailure = 'expired' | 'not_member' | 'audience' | 'token_invalid' | 'other';

export function classifyUpstreamAuthError(f: Pick<ErrorFields, 'message' | 'code'>): UpstreamAuthFailure {
  const m = f.message;
  if (/access token has expired/i.test(m)) return 'expired';
  if (/password authentication failed for user/i.test(m)) return 'not_member';
  if (/valid audience claim/i.test(m)) return 'audience';
  if (/access token|AAD_AUTH_TOKENTYPE|oid claim/i.test(m)) return 'token_invalid';
  return 'other';
}

function appendHint(f: ErrorFields, ours: string): ErrorFields {
  return { ...f, hint: f.hint ? `${f.hint}\n${ours}` : ours };
}

function loginCommand(account: string | undefined): string {
  return account ? `pgentra login --account ${account}` : 'pgentra login';
}

/** The upstream's ErrorResponse during login, with our hint appended. `retried`: a forced-fresh token was already tried. */
export function upstreamAuthError(f: ErrorFields, ctx: AuthContext, retried: boolean): ErrorFields {
  const account = ctx.account ?? 'the profile\'s account';
  const at = `${ctx.host}:${ctx.port}`;
  switch (classifyUpstreamAuthError(f)) {
    case 'expired':
      return appendHint(
        f,
        retried
          ? `pgEntra proxy: the server refused a freshly fetched token as expired too — check this computer's clock, or sign in again: ${loginCommand(ctx.account)}`
          : `pgEntra proxy: the token expired on the way; reconnect to get a fresh one.`,
      );
    case 'not_member':
      return appendHint(
        f,
        `pgEntra proxy: Account ${account} is not a member of group "${ctx.role}" or the role "${ctx.role}" does not exist on ${at} — ask an Entra admin to add the account to the group or to run pgaadauth_create_principal('${ctx.role}', false, false) in the postgres database. Role names are case-sensitive.`,
      );
    case 'audience':
      return appendHint(f, `pgEntra proxy: the token is for another cloud than ${at} — check the profile's cloud setting.`);
    case 'token_invalid':
      return appendHint(
        f,
        `pgEntra proxy: ${at} refused the token of ${account} for role "${ctx.role}" — check that the profile's credential matches the kind of role (a user token cannot log in as a managed identity or service principal).`,
      );
    case 'other':
      return appendHint(f, `pgEntra proxy: signing in to ${at} as "${ctx.role}" failed.`);
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
      return { severity: 'FATAL', code: '28000', message: `pgEntra proxy: sign-in required for ${ctx.account ?? 'the profile\'s account'}: ${what}`, hint: `Run \`${login}\`, then reconnect (the proxy keeps running).` };
    case 'network_unavailable':
      return { severity: 'FATAL', code: '08006', message: `pgEntra proxy: Microsoft Entra ID is unreachable and no valid token is cached: ${what}`, hint: 'Check the network/VPN, then reconnect.' };
    case 'keychain_unavailable':
      return { severity: 'FATAL', code: '28000', message: `pgEntra proxy: the OS keychain is unavailable: ${what}`, hint: `Start a Secret Service (gnome-keyring), or run the proxy with --memory-cache and ${login}.` };
    default:
      return {
        severity: 'FATAL',
        code: '28000',
        message: `pgEntra proxy: could not get an access token for ${ctx.account ?? 'the profile\'s account'}: ${what}`,
        hint: isPgEntraError(e) && e.hint ? e.hint : `Try \`${login}\`, then reconnect.`,
      };
  }
}

/** Opening the upstream connection failed before any token was sent. */
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
