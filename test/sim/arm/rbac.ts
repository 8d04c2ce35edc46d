// Azure RBAC, as far as the simulator needs it: built-in roles with their real Actions and
// NotActions (abridged to what can matter here), assignments at subscription or resource-group
// scope inherited downwards, roles of a group applying to its members (by the token's `groups`),
// and ARM's AuthorizationFailed answer.
import type { RoleAssignment, RoleName } from './model.js';

const ROLES: Record<RoleName, { actions: string[]; notActions: string[] }> = {
  Owner: { actions: ['*'], notActions: [] },
  Contributor: {
    actions: ['*'],
    notActions: [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Subscription/cancel/action',
      'Microsoft.Subscription/enable/action',
    ],
  },
  Reader: { actions: ['*/read'], notActions: [] },
  'Billing Reader': {
    actions: [
      'Microsoft.Authorization/*/read',
      'Microsoft.Billing/*/read',
      'Microsoft.Commerce/*/read',
      'Microsoft.Consumption/*/read',
      'Microsoft.Management/managementGroups/read',
      'Microsoft.CostManagement/*/read',
      'Microsoft.Support/*',
    ],
    notActions: [],
  },
};

export const ACTIONS = {
  serverRead: 'Microsoft.DBforPostgreSQL/flexibleServers/read',
  administratorsRead: 'Microsoft.DBforPostgreSQL/flexibleServers/administrators/read',
  firewallRead: 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/read',
  firewallWrite: 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/write',
  firewallDelete: 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/delete',
  asyncOperationRead: 'Microsoft.DBforPostgreSQL/locations/azureAsyncOperation/read',
  operationResultsRead: 'Microsoft.DBforPostgreSQL/locations/operationResults/read',
} as const;

/** RBAC wildcards: `*` matches any run of characters, `/` included; case-insensitive. */
function matches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return re.test(action);
}

function grants(role: RoleName, action: string): boolean {
  const r = ROLES[role];
  return r.actions.some((a) => matches(a, action)) && !r.notActions.some((a) => matches(a, action));
}

const within = (scope: string, assignmentScope: string): boolean => {
  const s = scope.toLowerCase();
  const a = assignmentScope.toLowerCase().replace(/\/+$/, '');
  return s === a || s.startsWith(`${a}/`);
};

export interface Caller {
  objectId: string;
  groups: readonly string[];
  /** How ARM names the caller in AuthorizationFailed: the UPN (users) or app id (apps). */
  displayName: string;
  tenantId: string;
}

const isFor = (a: RoleAssignment, caller: Caller): boolean => {
  const id = a.principalId.toLowerCase();
  return id === caller.objectId.toLowerCase() || caller.groups.some((g) => g.toLowerCase() === id);
};

export function isAuthorized(assignments: readonly RoleAssignment[], caller: Caller, action: string, scope: string): boolean {
  return assignments.some((a) => isFor(a, caller) && within(scope, a.scope) && grants(a.roleName, action));
}

/** Subscriptions /subscriptions lists: those where the caller holds any role, at any scope in them. */
export function hasAnyRoleIn(assignments: readonly RoleAssignment[], caller: Caller, subscriptionScope: string): boolean {
  const sub = subscriptionScope.toLowerCase();
  return assignments.some((a) => isFor(a, caller) && (within(a.scope, sub) || within(sub, a.scope)));
}

export function authorizationFailed(caller: Caller, action: string, scope: string): { code: string; message: string } {
  return {
    code: 'AuthorizationFailed',
    message: `The client '${caller.displayName}' with object id '${caller.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  };
}
