// Microsoft Graph's delegated permissions as Entra grants them: which names exist (and need an
// administrator's consent), what an app registration was granted tenant-wide, what each user
// consented to since (incremental consent), and the Azure CLI's first-party case: Graph accepts
// only the permissions Microsoft preauthorized it for, anything else is AADSTS65002 — unless the
// simulator is told to be permissive (its default, so journeys run with the CLI's client id).
import { AZURE_CLI_CLIENT_ID } from '../types.js';
import { clientName, type SimContext } from './context.js';
import type { Principal } from './directory.js';
import type { EntraErrorSpec } from './errors.js';
import { GRAPH_APP_ID, type ParsedScope } from './scopes.js';

/** Graph's delegated permissions the simulator knows, and whether only an administrator may consent (Graph's permissions reference). */
const PERMISSIONS: Record<string, { adminOnly: boolean; description: string }> = {
  'User.Read': { adminOnly: false, description: 'Sign you in and read your profile' },
  'User.ReadBasic.All': { adminOnly: false, description: "Read all users' basic profiles" },
  'User.Read.All': { adminOnly: true, description: "Read all users' full profiles" },
  'User.ReadWrite.All': { adminOnly: true, description: "Read and write all users' full profiles" },
  'Group.Read.All': { adminOnly: true, description: 'Read all groups' },
  'Group.ReadWrite.All': { adminOnly: true, description: 'Read and write all groups' },
  'GroupMember.Read.All': { adminOnly: true, description: 'Read group memberships' },
  'Directory.Read.All': { adminOnly: true, description: 'Read directory data' },
  'Directory.AccessAsUser.All': { adminOnly: true, description: 'Access the directory as you' },
  'Application.ReadWrite.All': { adminOnly: true, description: 'Read and write all applications' },
  'AppRoleAssignment.ReadWrite.All': { adminOnly: true, description: 'Manage app permission grants and app role assignments' },
  'AuditLog.Read.All': { adminOnly: true, description: 'Read audit log data' },
  'DelegatedPermissionGrant.ReadWrite.All': { adminOnly: true, description: 'Manage all delegated permission grants' },
  'PrivilegedEligibilitySchedule.Read.AzureADGroup': { adminOnly: true, description: 'Read eligible assignments for privileged access to groups' },
  'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup': { adminOnly: true, description: 'Read, create, and delete eligible assignments for privileged access to groups' },
  'PrivilegedAssignmentSchedule.Read.AzureADGroup': { adminOnly: true, description: 'Read assignment schedules for privileged access to groups' },
  'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup': { adminOnly: true, description: 'Read, create, and delete time-bound assignments for privileged access to groups' },
  'PrivilegedAssignmentSchedule.Remove.AzureADGroup': { adminOnly: true, description: 'Delete time-bound assignments for privileged access to groups' },
  'PrivilegedAccess.Read.AzureADGroup': { adminOnly: true, description: 'Read privileged access to Microsoft Entra groups' },
  'PrivilegedAccess.ReadWrite.AzureADGroup': { adminOnly: true, description: 'Read and write privileged access to Microsoft Entra groups' },
  'RoleManagementPolicy.Read.AzureADGroup': { adminOnly: true, description: 'Read PIM policies for groups' },
  'RoleManagementPolicy.ReadWrite.AzureADGroup': { adminOnly: true, description: 'Read, update, and delete PIM policies for groups' },
};

/**
 * What Microsoft preauthorized the Azure CLI for on Graph (the `scp` of its Graph tokens, as
 * decoded ones show it): none of PIM's permissions (Azure/azure-cli#30149).
 */
export const AZURE_CLI_GRAPH_PREAUTHORIZED = [
  'Application.ReadWrite.All',
  'AppRoleAssignment.ReadWrite.All',
  'AuditLog.Read.All',
  'DelegatedPermissionGrant.ReadWrite.All',
  'Directory.AccessAsUser.All',
  'Group.ReadWrite.All',
  'User.Read',
  'User.Read.All',
  'User.ReadWrite.All',
] as const;

const canonicalName = (name: string): string | undefined => Object.keys(PERMISSIONS).find((k) => k.toLowerCase() === name.toLowerCase());

export function permissionDescription(name: string): string {
  const known = canonicalName(name);
  return known ? (PERMISSIONS[known]?.description ?? name) : name;
}

const isFirstParty = (clientId: string): boolean => clientId.toLowerCase() === AZURE_CLI_CLIENT_ID;

/**
 * A Graph request Entra refuses whoever signs in: a permission Graph does not have (AADSTS650053),
 * or one Microsoft did not preauthorize the Azure CLI for (AADSTS65002, when the simulator refuses
 * first-party consent as real tenants do).
 */
export function graphRequestRefusal(ctx: SimContext, clientId: string, scope: ParsedScope): EntraErrorSpec | undefined {
  if (!scope.graph) return undefined;
  const unknown = scope.permissions.find((p) => canonicalName(p) === undefined);
  if (unknown !== undefined) {
    const app = clientName(ctx.directory, clientId) ?? clientId;
    return {
      error: 'invalid_client',
      aadsts: 650053,
      description: `The application '${app}' asked for scope '${unknown}' that doesn't exist on the resource '${GRAPH_APP_ID}'. Contact the app vendor.`,
    };
  }
  if (isFirstParty(clientId) && ctx.state.refuseFirstPartyGraphScopes) {
    const allowed = new Set(AZURE_CLI_GRAPH_PREAUTHORIZED.map((p) => p.toLowerCase()));
    if (scope.permissions.some((p) => !allowed.has(p.toLowerCase()))) {
      return {
        error: 'invalid_request',
        aadsts: 65002,
        description: `Consent between first party application '${AZURE_CLI_CLIENT_ID}' and first party resource '${GRAPH_APP_ID}' must be configured via preauthorization - applications owned and operated by Microsoft must get approval from the API owner before requesting tokens for that API.`,
      };
    }
  }
  return undefined;
}

const consentKeyOf = (clientId: string, p: Principal): string => `${clientId.toLowerCase()}:${p.account.user.objectId}`;

/** What the app may use on the user's behalf now: tenant-wide grants plus the user's own consents. */
function consented(ctx: SimContext, clientId: string, p: Principal): Set<string> {
  const client = ctx.directory.clients.find((c) => c.clientId.toLowerCase() === clientId.toLowerCase());
  const tenantWide = client && client.adminConsented !== false ? (client.graphPermissions ?? []) : [];
  const own = ctx.state.graphConsents.get(consentKeyOf(clientId, p)) ?? new Set<string>();
  return new Set([...tenantWide, ...own].map((x) => canonicalName(x) ?? x));
}

/** The requested permissions nobody consented to yet for this app and user (the first-party CLI needs none). */
export function missingGraphConsent(ctx: SimContext, clientId: string, p: Principal, requested: readonly string[]): string[] {
  if (isFirstParty(clientId)) return [];
  const have = consented(ctx, clientId, p);
  return requested.map((r) => canonicalName(r) ?? r).filter((r) => !have.has(r));
}

export function needsAdminConsent(permissions: readonly string[]): boolean {
  return permissions.some((p) => PERMISSIONS[canonicalName(p) ?? '']?.adminOnly ?? true);
}

export function recordGraphConsent(ctx: SimContext, clientId: string, p: Principal, permissions: readonly string[]): void {
  if (permissions.length === 0) return;
  const key = consentKeyOf(clientId, p);
  const set = ctx.state.graphConsents.get(key) ?? new Set<string>();
  for (const x of permissions) set.add(canonicalName(x) ?? x);
  ctx.state.graphConsents.set(key, set);
}

/**
 * The token's permissions (`scp`): everything the app holds for Graph on the user's behalf, as
 * Entra issues them (not only what this request named). The CLI holds its preauthorized set —
 * plus what it asked for while the simulator is permissive.
 */
export function grantedGraphPermissions(ctx: SimContext, clientId: string, p: Principal, requested: readonly string[]): string[] {
  const names = isFirstParty(clientId) ? [...AZURE_CLI_GRAPH_PREAUTHORIZED, ...(ctx.state.refuseFirstPartyGraphScopes ? [] : requested)] : [...consented(ctx, clientId, p), ...requested];
  return [...new Set(names.map((x) => canonicalName(x) ?? x))].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}
