// The Resource Manager simulator's default, deterministic state (also in FIDELITY.md). People
// come from the directory (test/sim/directory.json):
//
//   Contoso Production 66baffc8-23ba-4e81-b4f0-d92a26c9d95d  (adm-alice Contributor, alice Reader)
//     rg-data, westeurope: myserver (16, Entra admin db-admins), otherserver (17, admins db-admins +
//     adm-alice), lockedserver (firewall: office 203.0.113.0–255 only), entraoffserver (Entra auth
//     off, no admins), stoppedserver (Stopped)
//   Contoso Dev 0b1f6471-1bf0-4dda-aec3-cb9272f09590  (adm-alice Contributor)
//     rg-dev, northeurope: devserver (VNet-integrated, public access Disabled, private DNS zone)
//   Fabrikam Shared a8c2f0e1-5d4b-4c6a-9e2f-3b7d1c9e8f40  (adm-alice Billing Reader: listed by
//     /subscriptions, but reading its servers is 403 AuthorizationFailed)
//     rg-shared, eastus: sharedserver
//
// Every public server is Ready, Entra + password auth on, tenant = the resource tenant, admin login
// azure_admin, Standard_D2ds_v5 GeneralPurpose, Primary, and has the portal's AllowAll rule
// (0.0.0.0–255.255.255.255) unless said otherwise. Anyone else sees no subscriptions.
import type { FirewallRule } from '../flex/firewall.js';
import type { ServerPolicy } from '../flex/policy.js';
import { ACCOUNTS, type Directory } from '../types.js';
import type { Administrator, FlexServer, RoleAssignment, Subscription } from './model.js';

export const SUBSCRIPTIONS = {
  production: '66baffc8-23ba-4e81-b4f0-d92a26c9d95d',
  dev: '0b1f6471-1bf0-4dda-aec3-cb9272f09590',
  shared: 'a8c2f0e1-5d4b-4c6a-9e2f-3b7d1c9e8f40',
} as const;

/** What the portal's "Allow public access from any Azure service … / 0.0.0.0–255.255.255.255" creates. */
export const ALLOW_ALL: FirewallRule = { name: 'AllowAll', startIpAddress: '0.0.0.0', endIpAddress: '255.255.255.255' };

export interface SeedServer {
  server: FlexServer;
  policy: ServerPolicy;
}

export interface ArmSeed {
  subscriptions: Subscription[];
  resourceGroups: { subscriptionId: string; name: string; location: string }[];
  servers: SeedServer[];
  assignments: RoleAssignment[];
}

const MINOR: Record<string, string> = { '13': '21', '14': '18', '15': '13', '16': '9', '17': '5' };

export interface ServerTemplate {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  version?: string;
  tags?: Record<string, string>;
  administrators?: Administrator[];
  network?: FlexServer['network'];
  passwordAuth?: boolean;
}

/** A server as the portal creates it with "PostgreSQL and Microsoft Entra authentication". */
export function newServer(dir: Directory, t: ServerTemplate): FlexServer {
  const version = t.version ?? '16';
  return {
    name: t.name,
    subscriptionId: t.subscriptionId,
    resourceGroup: t.resourceGroup,
    location: t.location,
    tags: t.tags ?? {},
    version,
    minorVersion: MINOR[version] ?? '0',
    sku: { name: 'Standard_D2ds_v5', tier: 'GeneralPurpose' },
    administratorLogin: 'azure_admin',
    passwordAuth: t.passwordAuth ?? true,
    tenantId: dir.tenant.id,
    network: t.network ?? { publicNetworkAccess: 'Enabled' },
    replicationRole: 'Primary',
    availabilityZone: '1',
    administrators: t.administrators ?? [],
    createdAt: '2025-03-14T09:26:53.589793Z',
  };
}

function objectIdOf(dir: Directory, kind: 'user' | 'group', name: string): string {
  const id = kind === 'user' ? dir.users.find((u) => u.upn === name)?.objectId : dir.groups.find((g) => g.displayName === name)?.objectId;
  if (!id) throw new Error(`the directory has no ${kind} ${name}`);
  return id;
}

export function groupAdmin(dir: Directory, group: string): Administrator {
  return { principalType: 'Group', principalName: group, objectId: objectIdOf(dir, 'group', group), tenantId: dir.tenant.id };
}

export function userAdmin(dir: Directory, upn: string): Administrator {
  return { principalType: 'User', principalName: upn, objectId: objectIdOf(dir, 'user', upn), tenantId: dir.tenant.id };
}

const ready = (firewallRules: FirewallRule[] = [ALLOW_ALL]): ServerPolicy => ({ firewallRules, entraAuth: true, state: 'Ready' });

export function defaultArmSeed(dir: Directory): ArmSeed {
  const tenantId = dir.tenant.id;
  const admins = groupAdmin(dir, ACCOUNTS.adminGroup);
  const prod = { subscriptionId: SUBSCRIPTIONS.production, resourceGroup: 'rg-data', location: 'westeurope' };
  const dev = { subscriptionId: SUBSCRIPTIONS.dev, resourceGroup: 'rg-dev', location: 'northeurope' };
  const shared = { subscriptionId: SUBSCRIPTIONS.shared, resourceGroup: 'rg-shared', location: 'eastus' };
  const devNet = `/subscriptions/${SUBSCRIPTIONS.dev}/resourceGroups/rg-dev/providers/Microsoft.Network`;
  const servers: SeedServer[] = [
    { server: newServer(dir, { ...prod, name: 'myserver', administrators: [admins], tags: { environment: 'production' } }), policy: ready() },
    { server: newServer(dir, { ...prod, name: 'otherserver', version: '17', administrators: [admins, userAdmin(dir, ACCOUNTS.secondary)] }), policy: ready() },
    {
      server: newServer(dir, { ...prod, name: 'lockedserver', administrators: [admins] }),
      policy: ready([{ name: 'office', startIpAddress: '203.0.113.0', endIpAddress: '203.0.113.255' }]),
    },
    { server: newServer(dir, { ...prod, name: 'entraoffserver' }), policy: { ...ready(), entraAuth: false } },
    { server: newServer(dir, { ...prod, name: 'stoppedserver', administrators: [admins] }), policy: { ...ready(), state: 'Stopped' } },
    {
      server: newServer(dir, {
        ...dev,
        name: 'devserver',
        administrators: [admins],
        tags: { environment: 'dev' },
        network: {
          publicNetworkAccess: 'Disabled',
          delegatedSubnetResourceId: `${devNet}/virtualNetworks/vnet-dev/subnets/snet-postgres`,
          privateDnsZoneArmResourceId: `${devNet}/privateDnsZones/devserver.private.postgres.database.azure.com`,
        },
      }),
      // Private access: no firewall rules; the name does not resolve from outside the VNet anyway.
      policy: ready([]),
    },
    { server: newServer(dir, { ...shared, name: 'sharedserver', administrators: [admins] }), policy: ready() },
  ];
  const user = (upn: string): string => objectIdOf(dir, 'user', upn);
  return {
    subscriptions: [
      { subscriptionId: SUBSCRIPTIONS.production, displayName: 'Contoso Production', state: 'Enabled', tenantId },
      { subscriptionId: SUBSCRIPTIONS.dev, displayName: 'Contoso Dev', state: 'Enabled', tenantId },
      { subscriptionId: SUBSCRIPTIONS.shared, displayName: 'Fabrikam Shared', state: 'Enabled', tenantId },
    ],
    resourceGroups: [
      { subscriptionId: prod.subscriptionId, name: prod.resourceGroup, location: prod.location },
      { subscriptionId: dev.subscriptionId, name: dev.resourceGroup, location: dev.location },
      { subscriptionId: shared.subscriptionId, name: shared.resourceGroup, location: shared.location },
    ],
    servers,
    assignments: [
      { principalId: user(ACCOUNTS.secondary), roleName: 'Contributor', scope: `/subscriptions/${SUBSCRIPTIONS.production}` },
      { principalId: user(ACCOUNTS.secondary), roleName: 'Contributor', scope: `/subscriptions/${SUBSCRIPTIONS.dev}` },
      { principalId: user(ACCOUNTS.secondary), roleName: 'Billing Reader', scope: `/subscriptions/${SUBSCRIPTIONS.shared}` },
      { principalId: user(ACCOUNTS.primary), roleName: 'Reader', scope: `/subscriptions/${SUBSCRIPTIONS.production}` },
    ],
  };
}
