// The interactive steps after a person picks an account, shared by the browser sign-in and the
// device-code page: MFA (asked by the request's claims, a policy, or the person), consent, or a
// refusal, and the refusal pages Entra shows. What a refusal does next (post back to the app or
// leave the person on the page) is the caller's: /authorize and /devicelogin differ.
import { notAssignedError, obstacleFor, type AccessRequest, type Obstacle } from './access.js';
import type { AuthState, StepUp } from './claims.js';
import { clientName, type SimContext } from './context.js';
import type { Principal } from './directory.js';
import { entraErrorBody } from './errors.js';
import type { EventPlace } from './state.js';
import { troublePage, type Carry } from './stepPages.js';

export type Next = { next: 'done'; auth: AuthState } | { next: 'mfa' } | { next: 'consent'; permissions: string[] } | { next: 'refused'; obstacle: Obstacle };

/** What a fresh sign-in has done: everything MFA-backed when the tenant does MFA at every sign-in. */
export function initialAuth(ctx: SimContext, stepUp: StepUp): AuthState {
  return ctx.state.mfaByDefault ? approvedAuth(stepUp) : { mfa: false, acrs: [] };
}

/** After the person approved MFA: it meets every authentication context the request named. */
export function approvedAuth(stepUp: StepUp): AuthState {
  return { mfa: true, acrs: [...stepUp.acrs] };
}

export function nextStep(ctx: SimContext, r: AccessRequest & { wantsMfa: boolean }): Next {
  const o = obstacleFor(ctx, r);
  if (!r.done.mfa && (r.wantsMfa || o?.kind === 'mfa')) return { next: 'mfa' };
  if (!o) return { next: 'done', auth: r.done };
  if (o.kind === 'consent' && o.userConsentAllowed) return { next: 'consent', permissions: o.permissions };
  return { next: 'refused', obstacle: o };
}

const CODES: Record<Obstacle['kind'], number> = { notAssigned: 50105, blocked: 53003, deviceNotCompliant: 53000, mfa: 50076, consent: 90094 };

/** The AADSTS code a refusal is known by (on a page, in the control API's errors). */
export function obstacleCode(o: Obstacle): number {
  return CODES[o.kind];
}

export function recordRefusal(ctx: SimContext, via: EventPlace, upn: string, o: Obstacle): void {
  const policyIds = 'policies' in o ? o.policies.map((p) => p.id) : [];
  ctx.state.record({ kind: 'refusal', aadsts: CODES[o.kind], upn, via, policyIds });
}

export interface RefusalPageInput {
  principal: Principal;
  clientId: string;
  /** A button that posts the refusal back (browser sign-in), or none (device code: nothing to go back to). */
  back?: { action: string; carry: Carry };
  correlationId?: string;
}

/** The page Entra shows for a refusal the person stays on (or leaves by its "back" button). */
export function refusalPage(ctx: SimContext, o: Obstacle, p: RefusalPageInput): string {
  const appName = clientName(ctx.directory, p.clientId) ?? p.clientId;
  const common = { appName, appId: p.clientId, correlationId: p.correlationId };
  switch (o.kind) {
    case 'blocked':
      return troublePage({
        ...common,
        title: "You don't have access to this",
        message:
          'Your sign-in was successful but does not meet the criteria to access this resource. For example, you might be signing in from a browser, app, location, or an authentication flow that is restricted by your admin.',
        errorCode: 53003,
      });
    case 'deviceNotCompliant':
      return troublePage({
        ...common,
        title: 'Help us keep your device secure',
        message: `Your sign-in was successful, but your admin requires the device that's requesting access to be managed by ${ctx.directory.tenant.displayName} to access this resource.`,
        errorCode: 53000,
        extra: { 'Device identifier': 'Not available', 'Device state': 'Unregistered' },
        ...(p.back ? { back: { ...p.back, step: 'device', label: 'Back to the application' } } : {}),
      });
    case 'consent':
      return troublePage({
        ...common,
        title: 'Need admin approval',
        message: `${appName} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.`,
        errorCode: 90094,
        ...(p.back ? { back: { ...p.back, step: 'adminApproval', label: 'Return to the application without granting consent' } } : {}),
      });
    case 'notAssigned':
    case 'mfa':
      return troublePage({ ...common, title: "You can't get there from here", message: describeObstacle(ctx, o, p), errorCode: CODES[o.kind] });
  }
}

function describeObstacle(ctx: SimContext, o: Obstacle, p: RefusalPageInput): string {
  const spec = o.kind === 'notAssigned' ? notAssignedError(ctx, p) : { error: 'interaction_required', aadsts: CODES[o.kind] };
  return entraErrorBody(spec, p.correlationId).error_description;
}
