// The tenant's Privileged Identity Management for Groups state: group policies, who is eligible,
// the assignment requests and the activations they made. Group membership is the permanent
// members plus the active activations; Entra's tokens see an activation only once it has
// propagated (`activationDelayMs` after it starts, as Entra's group claims lag PIM), Graph's own
// listings see it at once. Graph (test/sim/graph/) is its API; Entra reads `groupsOf` for the
// `groups` claim. An eligible principal is not a member: declaring one drops a permanent membership.
import { createHash, randomUUID } from 'node:crypto';
import { PimPolicySchema, type Directory, type PimPolicy, type PimPolicyInput } from '../types.js';

/** Entra propagates a PIM activation to group claims after a while (seconds to minutes in real tenants). */
export const DEFAULT_ACTIVATION_DELAY_MS = 3_000;

export interface Eligibility {
  id: string;
  principalId: string;
  groupId: string;
  start: number;
  /** null: permanently eligible. */
  end: number | null;
}

export interface Activation {
  /** The request that made it (its targetScheduleId names it). */
  requestId: string;
  principalId: string;
  groupId: string;
  start: number;
  end: number;
  /** From when new tokens carry the group (start + the propagation delay then in force). */
  visibleAt: number;
}

/** Graph's privilegedAccessGroupAssignmentScheduleRequest status values the simulator uses. */
export type RequestStatus = 'PendingApproval' | 'Provisioned' | 'Denied' | 'Revoked' | 'Canceled' | 'Granted';
export type ExpirationType = 'afterDuration' | 'afterDateTime' | 'noExpiration';

export interface PimRequest {
  id: string;
  action: 'selfActivate' | 'selfDeactivate';
  accessId: 'member';
  principalId: string;
  groupId: string;
  status: RequestStatus;
  createdAt: number;
  completedAt: number | null;
  approvalId: string | null;
  justification: string | null;
  customData: string | null;
  ticketNumber: string | null;
  ticketSystem: string | null;
  isValidationOnly: boolean;
  /** As requested (start defaults to the request's time). */
  schedule: { start: number; expiration: { type: ExpirationType; duration: string | null; endDateTime: number | null } };
  /** Requested length of an activation (ms); 0 for deactivations. */
  durationMs: number;
  targetScheduleId: string | null;
}

/** A permanent or activated membership, as Graph lists assignment schedule instances. */
export interface AssignmentInstance {
  id: string;
  principalId: string;
  groupId: string;
  start: number | null;
  end: number | null;
  assignmentType: 'Assigned' | 'Activated';
  scheduleId: string;
}

export interface PimStoreOptions {
  /** More eligibilities (UPN and group name) than the directory declares, with the default policy. */
  eligible?: readonly { upn: string; group: string }[];
  activationDelayMs?: number;
  now?: () => number;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** A stable id for a permanent membership's schedule (Graph's ids are opaque). */
const stableId = (...parts: string[]): string => {
  const h = createHash('sha256').update(parts.join(':')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export class PimStore {
  readonly eligibilities: Eligibility[] = [];
  readonly activations: Activation[] = [];
  private readonly requests = new Map<string, PimRequest>();
  private readonly policies = new Map<string, PimPolicy>();
  activationDelayMs: number;
  readonly now: () => number;

  /** Applies the directory's PIM section to `directory` itself (give it a copy the store may change). */
  constructor(
    readonly directory: Directory,
    opts: PimStoreOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.activationDelayMs = nonNegative(opts.activationDelayMs ?? DEFAULT_ACTIVATION_DELAY_MS, 'activation delay');
    for (const p of directory.pim.policies) {
      const { group, ...policy } = p;
      this.policies.set(this.group(group).objectId.toLowerCase(), PimPolicySchema.parse(policy));
    }
    for (const e of directory.pim.eligibilities) this.addEligibility(e.principal, e.group, e.endDateTime === undefined ? null : Date.parse(e.endDateTime));
    for (const e of opts.eligible ?? []) this.addEligibility(e.upn, e.group);
  }

  user(upn: string): Directory['users'][number] {
    const u = this.directory.users.find((x) => same(x.upn, upn));
    if (!u) throw new Error(`no user ${upn} in the resource tenant`);
    return u;
  }

  userById(objectId: string): Directory['users'][number] | undefined {
    return this.directory.users.find((x) => same(x.objectId, objectId));
  }

  group(name: string): Directory['groups'][number] {
    const g = this.directory.groups.find((x) => x.displayName === name || same(x.objectId, name));
    if (!g) throw new Error(`no group ${name}`);
    return g;
  }

  groupById(objectId: string): Directory['groups'][number] | undefined {
    return this.directory.groups.find((x) => same(x.objectId, objectId));
  }

  /** `upn` becomes eligible for `group` and stops being a permanent member of it. */
  addEligibility(upn: string, groupName: string, end: number | null = null): Eligibility {
    const user = this.user(upn);
    const group = this.group(groupName);
    group.members = group.members.filter((m) => !same(m, user.objectId));
    const existing = this.eligibilities.find((e) => same(e.principalId, user.objectId) && same(e.groupId, group.objectId));
    if (existing) {
      existing.end = end;
      return existing;
    }
    const e: Eligibility = { id: randomUUID(), principalId: user.objectId, groupId: group.objectId, start: this.now(), end };
    this.eligibilities.push(e);
    return e;
  }

  policyOf(groupId: string): PimPolicy {
    return this.policies.get(groupId.toLowerCase()) ?? PimPolicySchema.parse({});
  }

  /** Changes a group's policy: `policy` over the current one (validated; approvers must exist). */
  setPolicy(groupName: string, policy: PimPolicyInput): PimPolicy {
    const group = this.group(groupName);
    const next = PimPolicySchema.parse({ ...this.policyOf(group.objectId), ...policy });
    for (const a of next.approvers) this.user(a);
    this.policies.set(group.objectId.toLowerCase(), next);
    return next;
  }

  setActivationDelay(ms: number): void {
    this.activationDelayMs = nonNegative(ms, 'activation delay');
  }

  /** Eligibilities in force now. */
  currentEligibilities(at = this.now()): Eligibility[] {
    return this.eligibilities.filter((e) => e.start <= at && (e.end === null || at < e.end));
  }

  eligibilityOf(principalId: string, groupId: string, at = this.now()): Eligibility | undefined {
    return this.currentEligibilities(at).find((e) => same(e.principalId, principalId) && same(e.groupId, groupId));
  }

  activeActivation(principalId: string, groupId: string, at = this.now()): Activation | undefined {
    return this.activations.find((a) => same(a.principalId, principalId) && same(a.groupId, groupId) && a.start <= at && at < a.end);
  }

  isPermanentMember(principalId: string, groupId: string): boolean {
    return this.groupById(groupId)?.members.some((m) => same(m, principalId)) ?? false;
  }

  /** PIM's own view (Graph's listings): a member now, propagated or not. */
  isMember(principalId: string, groupId: string, at = this.now()): boolean {
    return this.isPermanentMember(principalId, groupId) || this.activeActivation(principalId, groupId, at) !== undefined;
  }

  /** What Entra puts in a token's `groups` at `at`: permanent groups and activations that have propagated. */
  groupsOf(objectId: string, at = this.now()): string[] {
    const permanent = this.directory.groups.filter((g) => g.members.some((m) => same(m, objectId))).map((g) => g.objectId);
    const activated = this.activations.filter((a) => same(a.principalId, objectId) && a.visibleAt <= at && at < a.end).map((a) => a.groupId);
    return [...new Set([...permanent, ...activated])];
  }

  /** Current memberships, permanent and activated, as assignment schedule instances. */
  assignmentInstances(at = this.now()): AssignmentInstance[] {
    const permanent = this.directory.groups.flatMap((g) =>
      g.members.map((m) => {
        const scheduleId = `${g.objectId}_member_${stableId(g.objectId, m)}`;
        return { id: scheduleId, principalId: m, groupId: g.objectId, start: null, end: null, assignmentType: 'Assigned' as const, scheduleId };
      }),
    );
    const activated = this.activations
      .filter((a) => a.start <= at && at < a.end)
      .map((a) => {
        const scheduleId = `${a.groupId}_member_${a.requestId}`;
        return { id: scheduleId, principalId: a.principalId, groupId: a.groupId, start: a.start, end: a.end, assignmentType: 'Activated' as const, scheduleId };
      });
    return [...permanent, ...activated];
  }

  /** An activation from `start` for `durationMs` (propagated to tokens after the delay). */
  activate(request: PimRequest, start: number): Activation {
    const a: Activation = {
      requestId: request.id,
      principalId: request.principalId,
      groupId: request.groupId,
      start,
      end: start + request.durationMs,
      visibleAt: start + this.activationDelayMs,
    };
    this.activations.push(a);
    request.targetScheduleId = `${request.groupId}_member_${request.id}`;
    return a;
  }

  /** Ends the active activation of `principalId` in `groupId` now; false when there is none. */
  endActivation(principalId: string, groupId: string, at = this.now()): boolean {
    const a = this.activeActivation(principalId, groupId, at);
    if (!a) return false;
    a.end = at;
    return true;
  }

  addRequest(r: PimRequest): void {
    this.requests.set(r.id.toLowerCase(), r);
  }

  request(id: string): PimRequest | undefined {
    return this.requests.get(id.toLowerCase());
  }

  allRequests(): PimRequest[] {
    return [...this.requests.values()];
  }

  pendingRequest(principalId: string, groupId: string): PimRequest | undefined {
    return this.allRequests().find((r) => r.status === 'PendingApproval' && same(r.principalId, principalId) && same(r.groupId, groupId));
  }
}

function nonNegative(ms: number, what: string): number {
  if (!(Number.isFinite(ms) && ms >= 0)) throw new Error(`${what} must be a number of milliseconds ≥ 0`);
  return ms;
}
