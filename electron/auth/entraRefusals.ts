// One table of what Microsoft Entra ID refuses and why, for everything that signs in or renews a
// token (app, CLI, proxy): per AADSTS code, whether it can pass on its own (transient) or needs
// someone to act (permanent), what happened in words, what to do, and the alternatives (another
// credential kind, the organisation's own client id). Codes and meanings: Entra's error-code
// reference and ../shared/reference/azure-entra-postgres.md ("Enterprise tenants").
import type { ErrorCode } from '../../shared/errors.js';

export interface RefusalContext {
  /** The account, when known (UPN). */
  account?: string;
  /** Tenant the request named, when not `organizations`. */
  tenant?: string;
  /** The client id pgEntra signed in with. */
  clientId?: string;
  /** What the token was for: `Azure Resource Manager` or the PostgreSQL resource. */
  resourceName?: string;
  /** `--scope management` when the refusal is for Azure Resource Manager. */
  scopeFlag?: string;
}

export interface Refusal {
  code: ErrorCode;
  /** Passes without anyone acting (retry later); everything else needs the person or an admin. */
  transient: boolean;
  message(ctx: RefusalContext): string;
  /** What to do, then the alternatives. */
  hint(ctx: RefusalContext): string;
}

const who = (ctx: RefusalContext): string => (ctx.account ? ` for ${ctx.account}` : '');
/** The `pgentra login` that signs the context's account in again, for its tenant and scope. */
export const loginCmd = (ctx: RefusalContext): string =>
  `pgentra login${ctx.account ? ` --account ${ctx.account}` : ''}${ctx.tenant ? ` --tenant ${ctx.tenant}` : ''}${ctx.scopeFlag ? ` ${ctx.scopeFlag}` : ''}`;
const OWN_CLIENT_ID =
  'If your organisation blocks the Azure CLI’s client id, ask IT for the organisation’s own app registration (a public client with redirect http://localhost) and set it: pgentra settings set client-id.public <id>, or Settings in the app.';
const ADMIN = (ctx: RefusalContext): string => `Ask your Entra administrator; give them the AADSTS code, the time and the correlation id${ctx.account ? `, and the account ${ctx.account}` : ''}.`;

/** MFA and other "show the person a challenge" answers: a step-up for the scope that failed. */
const mfa = (what: string): Refusal => ({
  code: 'mfa_required',
  transient: false,
  message: (ctx) => `${what}${who(ctx)}${ctx.resourceName ? ` to get a token for ${ctx.resourceName}` : ''}.`,
  hint: (ctx) => `Sign in interactively for that resource and complete the check: ${loginCmd(ctx)}.`,
});

const blocked = (what: string, todo: string): Refusal => ({
  code: 'access_blocked',
  transient: false,
  message: (ctx) => `${what}${who(ctx)}.`,
  hint: (ctx) => `${todo} ${ADMIN(ctx)}`,
});

const appRefused = (what: (ctx: RefusalContext) => string, todo: string): Refusal => ({
  code: 'app_not_permitted',
  transient: false,
  message: (ctx) => `${what(ctx)}.`,
  hint: () => `${todo} ${OWN_CLIENT_ID}`,
});

const appName = (ctx: RefusalContext): string => (ctx.clientId ? `the app ${ctx.clientId}` : 'this app');

export const REFUSALS: Readonly<Record<string, Refusal>> = {
  // Step-up: MFA, MFA registration, an external security challenge.
  AADSTS50076: mfa('Microsoft Entra ID requires multi-factor authentication (AADSTS50076)'),
  AADSTS50079: mfa('Microsoft Entra ID requires you to register for multi-factor authentication first (AADSTS50079)'),
  AADSTS50158: mfa('Microsoft Entra ID requires an external security challenge to be completed (AADSTS50158)'),
  AADSTS50074: mfa('Microsoft Entra ID requires strong authentication (AADSTS50074)'),
  // Conditional Access that no sign-in from here can satisfy.
  AADSTS53000: blocked(
    'A Conditional Access policy requires a compliant (managed) device, and this device is not one (AADSTS53000)',
    'Sign in from a device your organisation manages (enrolled in Intune), or use the Azure CLI credential on such a device.',
  ),
  AADSTS53001: blocked('A Conditional Access policy requires a domain-joined device (AADSTS53001)', 'Sign in from a domain-joined (hybrid-joined) device of your organisation.'),
  AADSTS53002: blocked('A Conditional Access policy allows only approved client apps (AADSTS53002)', 'Use an app your organisation approves for this account.'),
  AADSTS53003: blocked(
    'Access has been blocked by a Conditional Access policy (AADSTS53003)',
    'The policy may depend on your location, network, device or the app: try from the network or device your organisation expects.',
  ),
  AADSTS530003: blocked(
    'A Conditional Access policy requires a device state this device does not have (AADSTS530003)',
    'Sign in from a device your organisation manages, or use the Azure CLI credential on such a device.',
  ),
  AADSTS530084: blocked(
    'A Conditional Access policy requires token protection (device-bound sign-in sessions), which a browser sign-in cannot provide (AADSTS530084)',
    'Use the Azure CLI credential on a Windows device where the broker provides it, or ask IT to exclude this app from token protection.',
  ),
  AADSTS50053: {
    code: 'sign_in_failed',
    transient: true,
    message: (ctx) => `The account${who(ctx)} is locked for now after too many sign-in attempts (AADSTS50053).`,
    hint: () => 'Wait a while, then sign in again.',
  },
  AADSTS50057: blocked('The account is disabled in Microsoft Entra ID (AADSTS50057)', 'An administrator must enable the account.'),
  // The tenant does not let this app sign the person in: the organisation's own client id helps.
  AADSTS50105: appRefused(
    (ctx) => `Your account is not assigned to ${appName(ctx)} in this tenant, and the tenant requires assignment (AADSTS50105)`,
    'Ask an administrator to assign you (Enterprise applications → Users and groups).',
  ),
  AADSTS65001: appRefused(
    (ctx) => `${appName(ctx)} may not act for you: consent is required and you cannot give it yourself (AADSTS65001)`,
    'Ask an administrator to grant admin consent for the app.',
  ),
  AADSTS700016: appRefused(
    (ctx) => `${appName(ctx)} does not exist in the tenant${ctx.tenant ? ` ${ctx.tenant}` : ''} (AADSTS700016)`,
    'Check the client id and the tenant (--tenant) and that you chose the right cloud.',
  ),
  AADSTS7000112: appRefused((ctx) => `${appName(ctx)} is disabled in this tenant (AADSTS7000112)`, 'Ask an administrator to enable it.'),
  AADSTS7000218: appRefused(
    (ctx) => `${appName(ctx)} is not set up as a public client (AADSTS7000218)`,
    'In its app registration, turn on "Allow public client flows" (Authentication) — pgEntra signs in without a client secret.',
  ),
  AADSTS50011: appRefused(
    (ctx) => `${appName(ctx)} does not accept pgEntra's redirect address (AADSTS50011)`,
    'Its app registration needs the redirect URI http://localhost under "Mobile and desktop applications".',
  ),
  AADSTS500011: appRefused(
    (ctx) => `${ctx.resourceName ?? 'The resource'} is not available in this tenant (AADSTS500011)`,
    'Check the tenant (--tenant) and the cloud; a guest must sign in to the resource tenant.',
  ),
  // The account and the tenant do not go together.
  AADSTS50020: {
    code: 'account_not_in_tenant',
    transient: false,
    message: (ctx) => `The account${who(ctx)} does not exist in the tenant${ctx.tenant ? ` ${ctx.tenant}` : ''} (AADSTS50020).`,
    hint: (ctx) =>
      `Sign in with an account of that tenant, or ask its administrator to invite yours as a guest; a guest signs in with --tenant <the resource tenant>. ${ctx.account ? `Or choose another account: ${loginCmd({ ...ctx, account: '' })}` : ''}`.trim(),
  },
  AADSTS50034: {
    code: 'account_not_in_tenant',
    transient: false,
    message: (ctx) => `The account${who(ctx)} does not exist in this directory (AADSTS50034).`,
    hint: () => 'Check the user name, the tenant (--tenant) and the cloud.',
  },
  AADSTS90002: {
    code: 'sign_in_failed',
    transient: false,
    message: (ctx) => `The tenant${ctx.tenant ? ` ${ctx.tenant}` : ''} does not exist in this cloud (AADSTS90002).`,
    hint: () => 'Check --tenant (an id or a verified domain) and --cloud.',
  },
  // Entra itself: try again.
  AADSTS90033: {
    code: 'network_unavailable',
    transient: true,
    message: () => 'Microsoft Entra ID reported a transient error (AADSTS90033).',
    hint: () => 'pgEntra tries again; if it persists, wait a few minutes.',
  },
};

/** The table's entry for an AADSTS code (`AADSTS53003`), if it has one. */
export function refusalFor(aadsts: string | undefined): Refusal | undefined {
  return aadsts ? REFUSALS[aadsts] : undefined;
}
