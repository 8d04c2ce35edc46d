// The one table of the ways a flexible server refuses a login, shared by sessions, the proxy and
// the CLI. A refusal is classified once, from its SQLSTATE and text, into:
//   permanent    — needs a person (firewall rule, group membership, profile fix): never retried,
//                  never enters a session's reconnect loop or the proxy's retry;
//   transient    — restart, failover, "starting up", too many connections: retried with backoff;
//   retry-fresh  — the token expired on the way: retried once with a forced-fresh token.
// Texts come from Azure where they are documented or were observed (see the reference notes);
// rows marked `guess` are plausible readings of undocumented behaviour. Pure functions, no I/O.
// Messages never contain a token.
import type { ErrorCode, ErrorPayload } from '../../shared/errors.js';

export type RefusalDisposition = 'permanent' | 'transient' | 'retry-fresh';

export type RefusalKind =
  'firewall' | 'expired' | 'wrong_token_kind' | 'wrong_audience' | 'wrong_tenant' | 'token_invalid' | 'not_member' | 'entra_disabled' | 'server_restarting' | 'server_busy' | 'refused';

export interface RefusalRule {
  kind: RefusalKind;
  code: ErrorCode;
  disposition: RefusalDisposition;
  /** SQLSTATEs this row matches by itself (any text). */
  sqlstates?: readonly string[];
  /** Text this row matches (any SQLSTATE). */
  text?: RegExp;
  /** True when no primary source confirms Azure's behaviour: the row is a plausible reading. */
  guess?: boolean;
  /** One line for documentation and the report. */
  summary: string;
}

/**
 * First match wins; text rows come before SQLSTATE-only rows. `entra_disabled` is not matched
 * from the error text: it is decided from the password method the server asked for (see
 * classifyLoginRefusal's `authMethod`).
 */
export const LOGIN_REFUSAL_RULES: readonly RefusalRule[] = [
  {
    kind: 'firewall',
    code: 'firewall_blocked',
    disposition: 'permanent',
    text: /no pg_hba\.conf entry for host "/i,
    summary: 'FATAL 28000 no pg_hba.conf entry for host "<ip>" …: the firewall has no rule for the client IP (Azure firewall docs)',
  },
  {
    kind: 'expired',
    code: 'token_expired',
    disposition: 'retry-fresh',
    text: /access token has expired/i,
    summary: 'The access token has expired …: retried once with a forced-fresh token',
  },
  {
    kind: 'wrong_token_kind',
    code: 'token_wrong_kind',
    disposition: 'permanent',
    text: /AAD_AUTH_TOKENTYPE/,
    summary: 'AAD_AUTH_TOKENTYPE_APP_USER / _APP_OBO texts: a user token for a service role, or a service principal / identity token for a user role',
  },
  {
    kind: 'wrong_audience',
    code: 'token_wrong_audience',
    disposition: 'permanent',
    text: /valid audience claim/i,
    summary: 'The access token does not have a valid audience claim …: a token for another cloud/resource',
  },
  {
    kind: 'wrong_tenant',
    code: 'token_wrong_tenant',
    disposition: 'permanent',
    text: /(access token|token)\b[^.]*\b(tenant|issuer)\b|\b(tenant|issuer)\b[^.]*\baccess token/i,
    guess: true,
    summary: 'a token text naming the tenant or issuer: the token is from another tenant (text unconfirmed)',
  },
  {
    kind: 'token_invalid',
    code: 'token_invalid',
    disposition: 'permanent',
    text: /access token|oid claim|invalid format/i,
    summary: "The access token has invalid format / doesn't have a valid oid claim …",
  },
  {
    kind: 'not_member',
    code: 'role_not_found_or_not_member',
    disposition: 'permanent',
    sqlstates: ['28P01'],
    text: /password authentication failed for user "/i,
    summary: '28P01 password authentication failed for user "<role>": the role does not exist or the account is not a member of the group',
  },
  {
    kind: 'server_restarting',
    code: 'server_restarting',
    disposition: 'transient',
    sqlstates: ['57P01', '57P02', '57P03'],
    text: /terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)/i,
    summary: '57P01 admin shutdown (restart, failover), 57P02 crash shutdown, 57P03 cannot connect now',
  },
  {
    kind: 'server_busy',
    code: 'server_unreachable',
    disposition: 'transient',
    sqlstates: ['53000', '53100', '53200', '53300', '53400'],
    summary: '53xxx insufficient resources (too many connections, out of memory): retried',
  },
];

/** Classes of SQLSTATE that are worth retrying when no row above matched (connection exception, resources, operator intervention, system error). */
const TRANSIENT_SQLSTATE_CLASSES = /^(08|53|57|58|XX)/;

export interface ServerRefusal {
  /** SQLSTATE, when the server sent one. */
  code?: string | undefined;
  message: string;
}

export interface LoginRefusal {
  kind: RefusalKind;
  code: ErrorCode;
  disposition: RefusalDisposition;
  guess: boolean;
  /** The IP address the firewall refused. */
  ip?: string;
  /** The role named by the server (password authentication failed for user "…", role[…]). */
  role?: string;
  /** The resource an audience error names. */
  resource?: string;
  sqlstate?: string;
}

/**
 * Classifies a server's refusal of a login. `authMethod`: the password method the server asked
 * for, when known — an Entra role always asks for a cleartext password, so a SCRAM or MD5 request
 * means the role is not an Entra role or Entra authentication is off.
 */
export function classifyLoginRefusal(f: ServerRefusal, opts: { authMethod?: AuthMethod | undefined } = {}): LoginRefusal {
  const sqlstate = f.code && /^[0-9A-Z]{5}$/.test(f.code) ? f.code : undefined;
  const base = (rule: Pick<RefusalRule, 'kind' | 'code' | 'disposition' | 'guess'>): LoginRefusal => ({
    kind: rule.kind,
    code: rule.code,
    disposition: rule.disposition,
    guess: rule.guess === true,
    ...(sqlstate ? { sqlstate } : {}),
  });
  if (opts.authMethod && opts.authMethod !== 'cleartext' && !/no pg_hba\.conf entry/i.test(f.message)) {
    return { ...base({ kind: 'entra_disabled', code: 'entra_auth_disabled', disposition: 'permanent', guess: true }), ...roleOf(f.message) };
  }
  const rule = LOGIN_REFUSAL_RULES.find((r) => r.text?.test(f.message)) ?? (sqlstate ? LOGIN_REFUSAL_RULES.find((r) => r.sqlstates?.includes(sqlstate)) : undefined);
  if (rule) {
    const out = { ...base(rule), ...roleOf(f.message) };
    if (rule.kind === 'firewall') {
      const ip = /no pg_hba\.conf entry for host "([^"]*)"/i.exec(f.message)?.[1];
      if (ip) out.ip = ip;
    }
    if (rule.kind === 'wrong_audience') {
      const resource = /resource "([^"]+)"/.exec(f.message)?.[1];
      if (resource) out.resource = resource;
    }
    return out;
  }
  if (sqlstate && TRANSIENT_SQLSTATE_CLASSES.test(sqlstate)) {
    return base({ kind: 'server_busy', code: 'server_unreachable', disposition: 'transient' });
  }
  return { ...base({ kind: 'refused', code: 'login_refused', disposition: 'permanent' }), ...roleOf(f.message) };
}

function roleOf(message: string): { role?: string } {
  const m = /password authentication failed for user "(.*)"/i.exec(message) ?? /role\[([^\]]*)\]/.exec(message) ?? /for role "([^"]*)"/i.exec(message) ?? /\buser "([^"]*)"/i.exec(message);
  return m && m[1] !== undefined ? { role: m[1] } : {};
}

/** True for error codes a session may retry with backoff, or the proxy once more. */
export function isTransientCode(code: ErrorCode): boolean {
  return code === 'server_unreachable' || code === 'network_unavailable' || code === 'server_restarting' || code === 'token_expired';
}

export type AuthMethod = 'cleartext' | 'md5' | 'sasl' | 'other';

export interface RefusalContext {
  host: string;
  port: number;
  /** The role the login asked for (the profile's username). */
  role: string;
  database?: string | undefined;
  /** UPN / identity the token was issued for, when known (never the token). */
  account?: string | undefined;
  /** Kind of the profile's credential: PIM advice applies to people, not to identities. */
  credentialKind?: string | undefined;
  /** True when a forced-fresh token was already tried. */
  retriedFresh?: boolean | undefined;
  /** How this caller gets a fresh token, for the advice (e.g. "pgentra psql prod --fresh"). */
  freshHow?: string | undefined;
}

const PERSON_CREDENTIALS = new Set(['interactive', 'device-code', 'azure-cli']);
const isGuestName = (s: string): boolean => /#EXT#@/i.test(s);

/** The role is an Entra group the account is meant to belong to (not the person's own UPN, not an identity). */
export function isGroupLogin(ctx: Pick<RefusalContext, 'role' | 'account' | 'credentialKind'>): boolean {
  if (ctx.credentialKind !== undefined && !PERSON_CREDENTIALS.has(ctx.credentialKind)) return false;
  if (ctx.role.includes('@')) return false;
  return ctx.account === undefined || ctx.account.toLowerCase() !== ctx.role.toLowerCase();
}

/** The PIM advice for a refused group login. */
export function pimAdvice(group: string, freshHow?: string): string {
  return `If your membership in ${group} is eligible rather than active (Privileged Identity Management), activate it, then retry with a fresh token${freshHow ? ` (${freshHow})` : ''} — a cached token predates the activation.`;
}

/** Advice when a guest's database role (…#EXT#…) is refused for a token of their home tenant. */
export function guestTenantAdvice(role: string, account: string | undefined): string | undefined {
  if (!isGuestName(role) || (account !== undefined && isGuestName(account))) return undefined;
  return `"${role}" is a guest (#EXT#) role: sign in to the server's tenant, not your home tenant — pgentra login --tenant <server's tenant id or domain>${account ? ` --account ${account}` : ''}, and use that account in the profile.`;
}

/** User-facing text (message, hint, safe details) for a classified refusal. */
export function describeRefusal(r: LoginRefusal, f: ServerRefusal, ctx: RefusalContext): Omit<ErrorPayload, 'code'> & { code: ErrorCode } {
  const at = `${ctx.host}:${ctx.port}`;
  const role = r.role ?? ctx.role;
  const account = ctx.account ?? 'your account';
  const sqlstate = r.sqlstate ?? null;
  const serverMessage = f.message;
  switch (r.kind) {
    case 'firewall': {
      const ip = r.ip ?? "this computer's IP address";
      return {
        code: r.code,
        message: `The firewall of ${at} does not allow connections from ${ip}: the server refused it before any sign-in (no pg_hba.conf entry for host "${ip}").`,
        hint: `Add a firewall rule for ${ip} to the server (Azure portal → the server → Networking → Firewall rules, "Add current client IP address"), or ask the server's admin to add it. Behind a VPN or proxy the address the server sees can change. pgEntra does not retry this.`,
        details: { ip: r.ip ?? null, role, sqlstate, host: ctx.host, port: ctx.port, disposition: r.disposition },
      };
    }
    case 'expired':
      return {
        code: r.code,
        message: ctx.retriedFresh ? `The server at ${at} refused a freshly fetched token as expired too.` : `The server at ${at} refused an expired access token.`,
        hint: ctx.retriedFresh ? "Check this computer's clock, or sign in again." : 'pgEntra fetches a fresh token and retries once; if this persists, sign in again.',
        details: { sqlstate, disposition: r.disposition },
      };
    case 'wrong_token_kind':
      return {
        code: r.code,
        message: `The server at ${at} refused the token of ${account} for role "${role}": the role was created for another kind of principal (${/AAD_AUTH_TOKENTYPE_\w+/.exec(serverMessage)?.[0] ?? 'token type'}).`,
        hint:
          'A user token cannot log in as a role created for a service principal or managed identity, and a service principal or managed identity cannot log in as a role created for a user. ' +
          "Use the credential that matches the role, or ask an Entra admin to recreate the role with the right type (pgaadauth_create_principal_with_oid … 'user' or 'service').",
        details: { role, account: ctx.account ?? null, sqlstate, serverMessage, disposition: r.disposition },
      };
    case 'wrong_audience':
      return {
        code: r.code,
        message: `The token was issued for the wrong cloud/resource for this server: check the profile's cloud.`,
        hint: `${at} expects a token for its own cloud's PostgreSQL resource (${r.resource ?? 'see the server message'}).`,
        details: { serverMessage, sqlstate, disposition: r.disposition },
      };
    case 'wrong_tenant':
      return {
        code: r.code,
        message: `The server at ${at} refused the token of ${account}: it was issued by another tenant than the server's.`,
        hint: "Sign in to the server's tenant: pgentra login --tenant <tenant id or domain> (in the app: sign in with that tenant). Guests sign in to their home tenant by default; their role on the server is their …#EXT#… name in the server's tenant.",
        details: { serverMessage, sqlstate, guess: true, disposition: r.disposition },
      };
    case 'token_invalid':
      return {
        code: r.code,
        message: `The server at ${at} refused the access token: ${serverMessage}`,
        hint: [
          "Check that the profile's credential matches the kind of role (a user token cannot log in as a managed identity or service principal).",
          guestTenantAdvice(role, ctx.account) ?? "If the server belongs to another tenant than your account's home tenant (for example as a guest), sign in with --tenant <server's tenant>.",
        ].join(' '),
        details: { serverMessage, sqlstate, disposition: r.disposition },
      };
    case 'not_member': {
      const group = isGroupLogin({ role, account: ctx.account, credentialKind: ctx.credentialKind });
      const hints = [
        guestTenantAdvice(role, ctx.account),
        group ? pimAdvice(role, ctx.freshHow) : undefined,
        `Users log in with their UPN (guests: their full …#EXT#… UPN in the server's tenant), group members with the group's exact display name. Server: ${at}.`,
      ].filter((h): h is string => h !== undefined);
      return {
        code: r.code,
        message: `Account ${account} is not a member of group ${role}, or the role ${role} does not exist on the server — ask an Entra admin to run pgaadauth_create_principal, or check the exact (case-sensitive) display name.`,
        hint: hints.join(' '),
        details: { role, account: ctx.account ?? null, sqlstate, group, retryFresh: group, disposition: r.disposition },
      };
    }
    case 'entra_disabled':
      return {
        code: r.code,
        message: `${at} asked for a hashed (SCRAM/MD5) password for "${role}" instead of the cleartext password Entra roles use: Microsoft Entra authentication looks disabled on this server (password-only), or "${role}" is a PostgreSQL password role. pgEntra did not send your token.`,
        hint: `An admin can turn on "Microsoft Entra authentication" in the server's Authentication settings (Azure portal) and create the principal ${role}. This reading is inferred from the password method the server asked for.`,
        details: { role, sqlstate, guess: true, disposition: r.disposition },
      };
    case 'server_restarting':
      return {
        code: r.code,
        message: `The server ${at} restarted or is failing over (${serverMessage}); reconnecting.`,
        hint: 'Planned maintenance, a restart or a failover closes every session; pgEntra reconnects by itself. A statement that was running did not complete — run it again once connected.',
        details: { sqlstate, disposition: r.disposition },
      };
    case 'server_busy':
      return {
        code: r.code,
        message: `The server at ${at} cannot take the connection right now: ${serverMessage}`,
        hint: 'This is usually temporary (too many connections, low resources); pgEntra retries.',
        details: { sqlstate, host: ctx.host, port: ctx.port, disposition: r.disposition },
      };
    case 'refused':
      return {
        code: r.code,
        message: `The server at ${at} refused the login as "${role}": ${serverMessage}`,
        hint:
          sqlstate === '3D000'
            ? `Check the database name${ctx.database ? ` ("${ctx.database}")` : ''} in the profile.`
            : 'This is not a temporary problem; pgEntra does not retry it. Check the profile and the role on the server.',
        details: { sqlstate, role, disposition: r.disposition },
      };
  }
}
