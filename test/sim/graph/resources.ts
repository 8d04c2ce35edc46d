// Microsoft Graph v1.0's JSON for PIM for Groups (privilegedAccessGroupEligibilityScheduleInstance,
// …AssignmentScheduleInstance, …AssignmentScheduleRequest), groups, users, and a group's
// unifiedRoleManagementPolicyAssignment with its end-user activation rules — as the v1.0
// reference's examples show them.
import { createHash } from 'node:crypto';
import type { AssignmentInstance, Eligibility, PimRequest } from '../pim/store.js';
import type { Directory, PimPolicy } from '../types.js';

type Group = Directory['groups'][number];
type User = Directory['users'][number];

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
/** Request timestamps carry seven fractional digits in Graph's examples (.NET ticks). */
const ticks = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z'));

export function groupJson(g: Group): Record<string, unknown> {
  return {
    id: g.objectId,
    deletedDateTime: null,
    classification: null,
    createdDateTime: '2024-01-15T09:30:00Z',
    description: null,
    displayName: g.displayName,
    groupTypes: [],
    isAssignableToRole: null,
    mail: null,
    mailEnabled: false,
    mailNickname: g.displayName.replace(/[^A-Za-z0-9]/g, ''),
    securityEnabled: true,
    visibility: null,
  };
}

export function userJson(u: User): Record<string, unknown> {
  return {
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.displayName.split(' ')[0] ?? null,
    jobTitle: null,
    mail: u.mail ?? null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: u.displayName.split(' ').slice(1).join(' ') || null,
    userPrincipalName: u.upn,
    id: u.objectId,
  };
}

export function eligibilityInstanceJson(e: Eligibility, group?: Group): Record<string, unknown> {
  const scheduleId = `${e.groupId}_member_${e.id}`;
  return {
    id: scheduleId,
    startDateTime: iso(e.start),
    endDateTime: iso(e.end),
    accessId: 'member',
    principalId: e.principalId,
    groupId: e.groupId,
    memberType: 'Direct',
    eligibilityScheduleId: scheduleId,
    ...(group ? { group: groupJson(group) } : {}),
  };
}

export function assignmentInstanceJson(a: AssignmentInstance, group?: Group): Record<string, unknown> {
  return {
    id: a.id,
    principalId: a.principalId,
    startDateTime: iso(a.start),
    endDateTime: iso(a.end),
    assignmentType: a.assignmentType,
    accessId: 'member',
    groupId: a.groupId,
    memberType: 'Direct',
    assignmentScheduleId: a.scheduleId,
    ...(group ? { group: groupJson(group) } : {}),
  };
}

export function requestJson(r: PimRequest): Record<string, unknown> {
  return {
    id: r.id,
    status: r.status,
    completedDateTime: ticks(r.completedAt),
    createdDateTime: ticks(r.createdAt),
    approvalId: r.approvalId,
    customData: r.customData,
    createdBy: { user: { id: r.principalId } },
    action: r.action,
    isValidationOnly: r.isValidationOnly,
    justification: r.justification,
    scheduleInfo: {
      startDateTime: ticks(r.schedule.start),
      recurrence: null,
      expiration: { type: r.schedule.expiration.type, endDateTime: iso(r.schedule.expiration.endDateTime), duration: r.schedule.expiration.duration },
    },
    ticketInfo: { ticketNumber: r.ticketNumber, ticketSystem: r.ticketSystem },
    accessId: r.accessId,
    principalId: r.principalId,
    groupId: r.groupId,
    targetScheduleId: r.targetScheduleId,
  };
}

/** A stable GUID-looking id for a group's policy (Graph's are opaque). */
function policyGuid(groupId: string): string {
  const h = createHash('sha256').update(`pim-policy:${groupId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const target = { caller: 'EndUser', operations: ['all'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] };

/** The end-user activation rules of the group's member policy (the ones PIM checks on selfActivate). */
function rulesJson(p: PimPolicy, approvers: readonly User[]): Record<string, unknown>[] {
  const enabled = [...(p.mfaRequired ? ['MultiFactorAuthentication'] : []), ...(p.justificationRequired ? ['Justification'] : []), ...(p.ticketingRequired ? ['Ticketing'] : [])];
  return [
    { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_EndUser_Assignment', isExpirationRequired: true, maximumDuration: p.maximumDuration, target },
    { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment', enabledRules: enabled, target },
    {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
      id: 'Approval_EndUser_Assignment',
      target,
      setting: {
        isApprovalRequired: p.approvalRequired,
        isApprovalRequiredForExtension: false,
        isRequestorJustificationRequired: true,
        approvalMode: 'SingleStage',
        approvalStages: [
          {
            approvalStageTimeOutInDays: 1,
            isApproverJustificationRequired: true,
            escalationTimeInMinutes: 0,
            isEscalationEnabled: false,
            primaryApprovers: approvers.map((u) => ({ '@odata.type': '#microsoft.graph.singleUser', isBackup: false, userId: u.objectId, description: u.displayName })),
            escalationApprovers: [],
          },
        ],
      },
    },
    {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule',
      id: 'AuthenticationContext_EndUser_Assignment',
      isEnabled: p.authenticationContext !== null,
      claimValue: p.authenticationContext,
      target,
    },
  ];
}

/** `expandPolicy`: `$expand=policy($expand=rules)` (or `policy`, without the rules). */
export function policyAssignmentJson(group: Group, p: PimPolicy, approvers: readonly User[], expandPolicy: 'none' | 'policy' | 'rules'): Record<string, unknown> {
  const policyId = `Group_${group.objectId}_${policyGuid(group.objectId)}`;
  const assignment: Record<string, unknown> = { id: `${policyId}_member`, policyId, scopeId: group.objectId, scopeType: 'Group', roleDefinitionId: 'member' };
  if (expandPolicy === 'none') return assignment;
  const policy: Record<string, unknown> = {
    id: policyId,
    displayName: 'Group',
    description: 'Group',
    isOrganizationDefault: false,
    scopeId: group.objectId,
    scopeType: 'Group',
    lastModifiedDateTime: null,
    lastModifiedBy: { displayName: null, id: null },
    ...(expandPolicy === 'rules' ? { rules: rulesJson(p, approvers) } : {}),
  };
  return { ...assignment, policy };
}
