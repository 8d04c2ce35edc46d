// What the Resource Manager simulator knows: subscriptions, role assignments and flexible servers.
// A server's live behaviour (state, Entra auth on/off, firewall rules) is not here but in the
// flexible-server simulator's ServerPolicies, so ARM and the server never disagree.

export const SUBSCRIPTION_STATES = ['Enabled', 'Warned', 'PastDue', 'Disabled', 'Deleted'] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

export interface Subscription {
  subscriptionId: string;
  displayName: string;
  state: SubscriptionState;
  tenantId: string;
}

export interface Administrator {
  principalType: 'User' | 'Group' | 'ServicePrincipal';
  principalName: string;
  objectId: string;
  tenantId: string;
}

export interface FlexServer {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  /** Azure's location name (`westeurope`), as the resource provider returns it. */
  location: string;
  tags: Record<string, string>;
  version: string;
  minorVersion: string;
  sku: { name: string; tier: 'Burstable' | 'GeneralPurpose' | 'MemoryOptimized' };
  administratorLogin: string;
  passwordAuth: boolean;
  /** authConfig.tenantId: the tenant whose principals may be Entra admins. */
  tenantId: string;
  network: { publicNetworkAccess: 'Enabled' | 'Disabled'; delegatedSubnetResourceId?: string; privateDnsZoneArmResourceId?: string };
  replicationRole: 'Primary' | 'AsyncReplica' | 'GeoAsyncReplica' | 'None';
  availabilityZone: string;
  administrators: Administrator[];
  createdAt: string;
}

/** Built-in roles the simulator knows (their real Actions/NotActions, abridged: rbac.ts). */
export const ROLE_NAMES = ['Owner', 'Contributor', 'Reader', 'Billing Reader'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export interface RoleAssignment {
  /** A user's, service principal's or group's object id (a group's role applies to its members). */
  principalId: string;
  roleName: RoleName;
  /** `/subscriptions/{id}` or `/subscriptions/{id}/resourceGroups/{rg}` (case-insensitive). */
  scope: string;
}

export const FLEX_TYPE = 'Microsoft.DBforPostgreSQL/flexibleServers';

export function subscriptionScope(subscriptionId: string): string {
  return `/subscriptions/${subscriptionId}`;
}

export function serverId(s: Pick<FlexServer, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `${subscriptionScope(s.subscriptionId)}/resourceGroups/${s.resourceGroup}/providers/${FLEX_TYPE}/${s.name}`;
}
