// What stands between a signed-in person and a token for one client and resource, in Entra's
// order: the app's user assignment, Conditional Access (block, compliant device, MFA), then
// consent (to the app, and to each Microsoft Graph permission it asks for). The interactive pages
// and the token endpoint share this; each answers in its own way (a page, a post back to the app,
// or the token endpoint's JSON error, see silentRefusal).
import type { ConditionalAccessPolicy } from '../types.js';
import { satisfies, type AuthState, type StepUp } from './claims.js';
import { applicablePolicies, capolidsClaims, namesAny } from './conditionalAccess.js';
import { clientName, type SimContext } from './context.js';
import type { Principal } from './directory.js';
import type { EntraErrorSpec } from './errors.js';
import { missingGraphConsent, needsAdminConsent, recordGraphConsent } from './graphPermissions.js';

export type Obstacle =
  | { kind: 'notAssigned' }
  | { kind: 'blocked'; policies: ConditionalAccessPolicy[] }
  | { kind: 'deviceNotCompliant'; policies: ConditionalAccessPolicy[] }
  /** `policies` empty: the request's own `claims` asked for MFA. */
  | { kind: 'mfa'; policies: ConditionalAccessPolicy[] }
  /** `permissions`: the Graph permissions not consented yet (empty: consent to the app itself). */
  | { kind: 'consent'; userConsentAllowed: boolean; permissions: string[] };

export interface AccessRequest {
  principal: Principal;
  clientId: string;
  resource: string;
  /** What the request's `claims` asks for. */
  stepUp: StepUp;
  /** What the sign-in (or the grant being redeemed) did. */
  done: AuthState;
  /** Microsoft Graph: the delegated permissions asked for (consent is per permission). */
  permissions?: readonly string[];
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function clientOf(ctx: SimContext, clientId: string) {
  return ctx.directory.clients.find((c) => same(c.clientId, clientId));
}

export function consentKey(clientId: string, p: Principal): string {
  return `${clientId.toLowerCase()}:${p.account.user.objectId}`;
}

/** The first thing that keeps this request from a token, or undefined. */
export function obstacleFor(ctx: SimContext, r: AccessRequest): Obstacle | undefined {
  const client = clientOf(ctx, r.clientId);
  if (client?.assignmentRequired && !namesAny(ctx.directory, client.assignedUsers ?? [], r.principal, ctx.groupsOf)) return { kind: 'notAssigned' };
  const policies = applicablePolicies(ctx.directory, ctx.state.conditionalAccess, r, ctx.extraResources, ctx.groupsOf);
  const blocking = policies.filter((p) => p.grant === 'block');
  if (blocking.length) return { kind: 'blocked', policies: blocking };
  const device = policies.filter((p) => p.grant === 'compliantDevice');
  if (device.length) return { kind: 'deviceNotCompliant', policies: device };
  const mfa = policies.filter((p) => p.grant === 'mfa');
  if (!r.done.mfa && mfa.length) return { kind: 'mfa', policies: mfa };
  if (!satisfies(r.done, r.stepUp)) return { kind: 'mfa', policies: [] };
  const appConsent = client?.adminConsented === false && !ctx.state.consents.has(consentKey(r.clientId, r.principal));
  const permissions = missingGraphConsent(ctx, r.clientId, r.principal, r.permissions ?? []);
  if (appConsent || permissions.length) {
    // Permissions only an administrator may grant leave the person a "Need admin approval" page.
    return { kind: 'consent', userConsentAllowed: (client?.userConsentAllowed ?? true) && !needsAdminConsent(permissions), permissions };
  }
  return undefined;
}

/** The person accepted the consent page: the app, and the Graph permissions it asked for. */
export function grantConsent(ctx: SimContext, r: Pick<AccessRequest, 'clientId' | 'principal' | 'permissions'>): void {
  ctx.state.consents.add(consentKey(r.clientId, r.principal));
  recordGraphConsent(ctx, r.clientId, r.principal, r.permissions ?? []);
}

/** Well-known resources Entra names by their app id in its texts. */
const APP_IDS: Record<string, string> = {
  'https://management.azure.com': '797f4846-ba00-4fd7-ba43-dac1f8f63013',
  'https://management.core.windows.net': '797f4846-ba00-4fd7-ba43-dac1f8f63013',
  'https://graph.microsoft.com': '00000003-0000-0000-c000-000000000000',
};

function resourceName(resource: string): string {
  const r = resource.replace(/\/+$/, '').toLowerCase();
  return APP_IDS[r] ?? r;
}

export function notAssignedError(ctx: SimContext, r: Pick<AccessRequest, 'principal' | 'clientId'>, error = 'invalid_grant'): EntraErrorSpec {
  const app = clientName(ctx.directory, r.clientId) ?? r.clientId;
  return {
    error,
    aadsts: 50105,
    description: `Your administrator has configured the application ${app} ('${r.clientId}') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '${r.principal.upn}' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application.`,
  };
}

export function consentError(ctx: SimContext, clientId: string): EntraErrorSpec {
  const app = clientName(ctx.directory, clientId) ?? clientId;
  return {
    error: 'invalid_grant',
    aadsts: 65001,
    description: `The user or administrator has not consented to use the application with ID '${clientId}' named '${app}'. Send an interactive authorization request for this user and resource.`,
  };
}

export function mfaError(resource: string, policies: readonly ConditionalAccessPolicy[]): EntraErrorSpec {
  return {
    error: 'invalid_grant',
    aadsts: 50076,
    description: `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resourceName(resource)}'.`,
    suberror: 'basic_action',
    ...(policies.length ? { claims: capolidsClaims(policies) } : {}),
  };
}

/** The token endpoint's answer to a redemption the obstacle stops (refresh token, device code, code). */
export function silentRefusal(ctx: SimContext, r: AccessRequest, o: Obstacle): EntraErrorSpec {
  switch (o.kind) {
    case 'notAssigned':
      return notAssignedError(ctx, r);
    case 'blocked':
      return { error: 'invalid_grant', aadsts: 53003, claims: capolidsClaims(o.policies) };
    case 'deviceNotCompliant':
      return { error: 'invalid_grant', aadsts: 530003, claims: capolidsClaims(o.policies) };
    case 'mfa':
      return mfaError(r.resource, o.policies);
    case 'consent':
      return consentError(ctx, r.clientId);
  }
}
