// What PIM decides about a self-service assignment request for a group membership: self-activation
// (eligibility, then the group policy's rules — expiration, justification, ticketing, MFA — then
// its authentication context; approval or an activation at once) and self-deactivation; and the
// approver's decisions. Failures are kinds; Graph (test/sim/graph/) words them.
import { randomUUID } from 'node:crypto';
import { durationMs } from './duration.js';
import type { ExpirationType, PimRequest, PimStore } from './store.js';

/** Who asks, as the request's token says. */
export interface Caller {
  objectId: string;
  /** The token's amr names mfa. */
  mfa: boolean;
  /** The token's acrs (authentication contexts met). */
  acrs: readonly string[];
}

/** The request body's fields PIM reads (Graph validated their types). */
export interface RequestInput {
  action: string;
  accessId: string;
  principalId: string;
  groupId: string;
  justification?: string | null | undefined;
  customData?: string | null | undefined;
  ticketInfo?: { ticketNumber?: string | null | undefined; ticketSystem?: string | null | undefined } | null | undefined;
  isValidationOnly?: boolean | undefined;
  scheduleInfo?:
    | {
        startDateTime?: string | null | undefined;
        expiration?: { type?: string | undefined; duration?: string | null | undefined; endDateTime?: string | null | undefined } | null | undefined;
      }
    | null
    | undefined;
}

/** A policy rule PIM names when it refuses (Graph's "The following policy rules failed: […]"). */
export type PolicyRule = 'EligibilityRule' | 'ExpirationRule' | 'JustificationRule' | 'TicketingRule' | 'MfaRule';

export type PimFailure =
  /** A request PIM cannot make sense of (unknown action, another principal, no such group, bad schedule). */
  | { kind: 'invalid' }
  | { kind: 'exists' }
  | { kind: 'pending' }
  | { kind: 'rules'; rules: PolicyRule[] }
  /** The token lacks the policy's authentication context. */
  | { kind: 'acrs'; claimValue: string }
  | { kind: 'notActive' };

export type SubmitResult = { ok: true; request: PimRequest } | { ok: false; failure: PimFailure };

const fail = (failure: PimFailure): SubmitResult => ({ ok: false, failure });
const blank = (s: string | null | undefined): boolean => !s?.trim();
const EXPIRATION_TYPES: readonly string[] = ['afterDuration', 'afterDateTime', 'noExpiration'];

function newRequest(input: RequestInput, action: PimRequest['action'], now: number, groupId: string): PimRequest {
  return {
    id: randomUUID(),
    action,
    accessId: 'member',
    principalId: input.principalId.toLowerCase(),
    groupId,
    status: 'Granted',
    createdAt: now,
    completedAt: null,
    approvalId: null,
    justification: input.justification ?? null,
    customData: input.customData ?? null,
    ticketNumber: input.ticketInfo?.ticketNumber ?? null,
    ticketSystem: input.ticketInfo?.ticketSystem ?? null,
    isValidationOnly: input.isValidationOnly ?? false,
    schedule: { start: now, expiration: { type: 'noExpiration', duration: null, endDateTime: null } },
    durationMs: 0,
    targetScheduleId: null,
  };
}

/** Decides a request; on success the store holds it (unless validation-only) and any activation it made. */
export function submitRequest(store: PimStore, input: RequestInput, caller: Caller): SubmitResult {
  const now = store.now();
  const group = store.groupById(input.groupId);
  const self = input.principalId.toLowerCase() === caller.objectId.toLowerCase();
  if (!group || !self || (input.action !== 'selfActivate' && input.action !== 'selfDeactivate') || (input.accessId !== 'member' && input.accessId !== 'owner')) {
    return fail({ kind: 'invalid' });
  }
  if (input.action === 'selfDeactivate') {
    if (input.accessId !== 'member' || !store.activeActivation(caller.objectId, group.objectId, now)) return fail({ kind: 'notActive' });
    const request = newRequest(input, 'selfDeactivate', now, group.objectId);
    if (request.isValidationOnly) return { ok: true, request };
    store.endActivation(caller.objectId, group.objectId, now);
    Object.assign(request, { status: 'Revoked', completedAt: now, targetScheduleId: `${group.objectId}_member_${request.id}` });
    store.addRequest(request);
    return { ok: true, request };
  }

  // selfActivate
  if (input.accessId === 'member' && store.isMember(caller.objectId, group.objectId, now)) return fail({ kind: 'exists' });
  if (store.pendingRequest(caller.objectId, group.objectId)) return fail({ kind: 'pending' });
  const schedule = input.scheduleInfo;
  if (!schedule) return fail({ kind: 'invalid' });
  let start = now;
  if (schedule.startDateTime) {
    const t = Date.parse(schedule.startDateTime);
    if (Number.isNaN(t)) return fail({ kind: 'invalid' });
    start = Math.max(t, now);
  }
  const exp = schedule.expiration ?? undefined;
  const type = (exp?.type ?? 'noExpiration') as ExpirationType;
  if (!EXPIRATION_TYPES.includes(type)) return fail({ kind: 'invalid' });
  let length = Number.POSITIVE_INFINITY;
  if (type === 'afterDuration') {
    const ms = exp?.duration ? durationMs(exp.duration) : undefined;
    if (ms === undefined) return fail({ kind: 'invalid' });
    length = ms;
  } else if (type === 'afterDateTime') {
    const end = exp?.endDateTime ? Date.parse(exp.endDateTime) : Number.NaN;
    if (Number.isNaN(end)) return fail({ kind: 'invalid' });
    length = end - start;
  }

  const policy = store.policyOf(group.objectId);
  const eligibility = input.accessId === 'member' ? store.eligibilityOf(caller.objectId, group.objectId, now) : undefined;
  const rules: PolicyRule[] = [];
  if (!eligibility) rules.push('EligibilityRule');
  const maximum = durationMs(policy.maximumDuration) ?? 0;
  // PIM requires an end for end-user activations (isExpirationRequired) no later than the policy allows.
  if (!(length > 0 && length <= maximum) || (eligibility?.end != null && start + length > eligibility.end)) rules.push('ExpirationRule');
  if (policy.justificationRequired && blank(input.justification)) rules.push('JustificationRule');
  if (policy.ticketingRequired && (blank(input.ticketInfo?.ticketNumber) || blank(input.ticketInfo?.ticketSystem))) rules.push('TicketingRule');
  if (policy.mfaRequired && !caller.mfa) rules.push('MfaRule');
  if (rules.length) return fail({ kind: 'rules', rules });
  if (policy.authenticationContext && !caller.acrs.includes(policy.authenticationContext)) return fail({ kind: 'acrs', claimValue: policy.authenticationContext });

  const request = newRequest(input, 'selfActivate', now, group.objectId);
  request.schedule = { start, expiration: { type, duration: type === 'afterDuration' ? (exp?.duration ?? null) : null, endDateTime: type === 'afterDateTime' ? start + length : null } };
  request.durationMs = length;
  if (request.isValidationOnly) return { ok: true, request };
  if (policy.approvalRequired) {
    Object.assign(request, { status: 'PendingApproval', approvalId: randomUUID() });
  } else {
    Object.assign(request, { status: 'Provisioned', completedAt: now });
    store.activate(request, start);
  }
  store.addRequest(request);
  return { ok: true, request };
}

function pendingOrThrow(store: PimStore, id: string): PimRequest {
  const r = store.request(id);
  if (!r) throw new Error(`no PIM request ${id}`);
  if (r.status !== 'PendingApproval') throw new Error(`PIM request ${id} is ${r.status}, not PendingApproval`);
  return r;
}

/** An approver approves: the activation starts now (or at the requested start) for the requested length. */
export function approveRequest(store: PimStore, id: string): PimRequest {
  const r = pendingOrThrow(store, id);
  const now = store.now();
  Object.assign(r, { status: 'Provisioned', completedAt: now });
  store.activate(r, Math.max(now, r.schedule.start));
  return r;
}

export function denyRequest(store: PimStore, id: string): PimRequest {
  const r = pendingOrThrow(store, id);
  Object.assign(r, { status: 'Denied', completedAt: store.now() });
  return r;
}

/** The requester withdraws a pending request (Graph's cancel); false when it is not theirs or not pending. */
export function cancelRequest(store: PimStore, id: string, callerId: string): boolean {
  const r = store.request(id);
  if (!r || r.principalId !== callerId.toLowerCase() || r.status !== 'PendingApproval') return false;
  Object.assign(r, { status: 'Canceled', completedAt: store.now() });
  return true;
}
