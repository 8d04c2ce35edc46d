// Scopes and resources: which resources the simulated tenant issues tokens for, and how a
// `scope` parameter maps to one resource (Entra allows one per request, AADSTS28000). Microsoft
// Graph is named by its URI in each cloud, by its app id, or not at all (a bare `User.Read`).
import type { Directory } from '../types.js';
import type { EntraErrorSpec } from './errors.js';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** Microsoft Graph's app id: what a bare permission name (`User.Read`) asks a token for. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** Graph's resource URIs in the public, US Government and China clouds. */
export const GRAPH_RESOURCES = [GRAPH_RESOURCE, 'https://graph.microsoft.us', 'https://microsoftgraph.chinacloudapi.cn', GRAPH_APP_ID] as const;

/** The PostgreSQL resource of each national cloud, Azure Resource Manager and Graph. */
const KNOWN_RESOURCES = [
  'https://ossrdbms-aad.database.windows.net',
  'https://ossrdbms-aad.database.usgovcloudapi.net',
  'https://ossrdbms-aad.database.chinacloudapi.cn',
  'https://management.azure.com',
  'https://management.core.windows.net', // the Azure CLI asks for `https://management.core.windows.net//.default`
  'https://management.usgovcloudapi.net',
  'https://management.chinacloudapi.cn',
  ...GRAPH_RESOURCES,
];

export const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

const canonical = (resource: string): string => resource.replace(/\/+$/, '').toLowerCase();

/**
 * Resources by URI, and the directory's service principals by app id. `extra`: more resource URIs
 * (a custom cloud's Resource Manager, e.g. the localhost simulator's `https://localhost:PORT`).
 */
export function isKnownResource(dir: Directory, resource: string, extra: readonly string[] = []): boolean {
  const r = canonical(resource.replace(/\/\.default$/, ''));
  return [...KNOWN_RESOURCES, ...extra.map(canonical)].some((k) => k === r) || dir.servicePrincipals.some((p) => p.appId.toLowerCase() === r);
}

export function invalidResource(resource: string, tenantName: string): EntraErrorSpec {
  return {
    error: 'invalid_resource',
    aadsts: 500011,
    description: `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  };
}

export interface ParsedScope {
  resource: string;
  /** The `scope` value Entra answers with (for Graph: what the token endpoint grants, see graphPermissions.ts). */
  granted: string;
  openid: boolean;
  offlineAccess: boolean;
  /** The resource is Microsoft Graph (in any cloud, or a custom cloud's Graph endpoint). */
  graph: boolean;
  /** Graph: the delegated permissions asked for by name (`PrivilegedEligibilitySchedule.Read.AzureADGroup`), without `.default`. */
  permissions: string[];
  /** The OpenID scopes asked for (Graph tokens list openid/profile/email in `scp`). */
  oidc: string[];
  /** `<resource>/.default` was asked for: everything the app was granted. */
  defaultScope: boolean;
}

export interface ScopeOptions {
  tenantName?: string;
  /** More resource URIs the tenant issues tokens for. */
  extraResources?: readonly string[];
  /** More resource URIs that are Microsoft Graph (the localhost simulator's origin). */
  graphResources?: readonly string[];
}

export function isGraphResource(resource: string, graphResources: readonly string[] = []): boolean {
  const r = canonical(resource);
  return [...GRAPH_RESOURCES, ...graphResources].some((g) => canonical(g) === r);
}

/** `https://graph.microsoft.com/User.Read` → its resource; a bare `User.Read` is Graph's (by app id). */
function resourceOf(item: string): string {
  return item.includes('/') ? item.replace(/\/[^/]*$/, '') : GRAPH_APP_ID;
}

export function parseScope(dir: Directory, scope: string, opts: ScopeOptions = {}): ParsedScope | EntraErrorSpec {
  const tenantName = opts.tenantName ?? dir.tenant.displayName;
  const items = scope.split(/\s+/).filter(Boolean);
  const resourceScopes = items.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));
  const resources = new Set(resourceScopes.map(resourceOf));
  if (resources.size > 1) return { error: 'invalid_scope', aadsts: 28000 };
  const openid = items.includes('openid');
  const offlineAccess = items.includes('offline_access');
  const oidc = items.filter((s) => OIDC_SCOPES.has(s) && s !== 'offline_access');
  const [resource] = [...resources];
  // Only OpenID scopes: Entra answers with a Microsoft Graph token.
  if (resource === undefined)
    return { resource: GRAPH_RESOURCE, granted: `${GRAPH_RESOURCE}/User.Read ${GRAPH_RESOURCE}/.default`, openid, offlineAccess, graph: true, permissions: [], oidc, defaultScope: false };
  if (!/^https?:\/\/[^/]+/.test(resource) && !/^[0-9a-f-]{36}$/i.test(resource)) {
    return { error: 'invalid_scope', aadsts: 70011, description: `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.` };
  }
  const graph = isGraphResource(resource, opts.graphResources);
  if (!graph && !isKnownResource(dir, resource, opts.extraResources)) return invalidResource(resource, tenantName);
  if (graph) {
    const permissions = [...new Set(resourceScopes.map((s) => s.slice(s.lastIndexOf('/') + 1)).filter((p) => p !== '.default' && p !== ''))];
    const defaultScope = resourceScopes.some((s) => s.endsWith('/.default') || s === '.default');
    return { resource, granted: resourceScopes.join(' '), openid, offlineAccess, graph, permissions, oidc, defaultScope };
  }
  const granted = new Set([`${resource}/user_impersonation`, ...resourceScopes]);
  return { resource, granted: [...granted].join(' '), openid, offlineAccess, graph, permissions: [], oidc, defaultScope: resourceScopes.some((s) => s.endsWith('/.default')) };
}
