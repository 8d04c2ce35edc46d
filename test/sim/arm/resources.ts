// Resources as Resource Manager writes them (api-version 2025-08-01 shapes, which the SDK's
// mappers read; older versions carry the same fields used here).
import type { FirewallRule } from '../flex/firewall.js';
import type { ServerPolicy } from '../flex/policy.js';
import { FLEX_TYPE, serverId, subscriptionScope, type Administrator, type FlexServer, type Subscription } from './model.js';

export function subscriptionJson(s: Subscription): Record<string, unknown> {
  return {
    id: subscriptionScope(s.subscriptionId),
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: s.subscriptionId,
    tenantId: s.tenantId,
    displayName: s.displayName,
    state: s.state,
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
  };
}

export function serverJson(s: FlexServer, policy: ServerPolicy, postgresSuffix: string): Record<string, unknown> {
  const entra = policy.entraAuth;
  return {
    sku: { ...s.sku },
    systemData: { createdAt: s.createdAt },
    properties: {
      replica: { role: s.replicationRole, capacity: 5 },
      storage: { type: '', iops: 500, tier: 'P10', storageSizeGB: 128, autoGrow: 'Disabled' },
      network: { ...s.network },
      privateEndpointConnections: [],
      dataEncryption: { type: 'SystemManaged' },
      // Azure leaves tenantId out when Entra authentication is off.
      authConfig: { activeDirectoryAuth: entra ? 'Enabled' : 'Disabled', passwordAuth: s.passwordAuth ? 'Enabled' : 'Disabled', ...(entra ? { tenantId: s.tenantId } : {}) },
      fullyQualifiedDomainName: `${s.name}${postgresSuffix}`,
      version: s.version,
      minorVersion: s.minorVersion,
      administratorLogin: s.administratorLogin,
      state: policy.state,
      availabilityZone: s.availabilityZone,
      backup: { backupRetentionDays: 7, geoRedundantBackup: 'Disabled', earliestRestoreDate: s.createdAt },
      highAvailability: { mode: 'Disabled', state: 'NotEnabled' },
      maintenanceWindow: { customWindow: 'Disabled', dayOfWeek: 0, startHour: 0, startMinute: 0 },
      replicationRole: s.replicationRole,
      replicaCapacity: 5,
    },
    location: s.location,
    tags: { ...s.tags },
    id: serverId(s),
    name: s.name,
    type: FLEX_TYPE,
  };
}

export function administratorJson(s: FlexServer, a: Administrator): Record<string, unknown> {
  return {
    properties: { principalType: a.principalType, principalName: a.principalName, objectId: a.objectId, tenantId: a.tenantId },
    id: `${serverId(s)}/administrators/${a.objectId}`,
    name: a.objectId,
    type: `${FLEX_TYPE}/administrators`,
  };
}

export function firewallRuleJson(s: FlexServer, r: FirewallRule): Record<string, unknown> {
  return {
    properties: { startIpAddress: r.startIpAddress, endIpAddress: r.endIpAddress },
    id: `${serverId(s)}/firewallRules/${r.name}`,
    name: r.name,
    type: `${FLEX_TYPE}/firewallRules`,
  };
}
