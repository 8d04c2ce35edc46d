// Scopes and resources: which resources the simulated tenant issues tokens for, and how a
// `scope` parameter maps to one resource (Entra allows one per request, AADSTS28000).
import type { Directory } from '../types.js';
import type { EntraErrorSpec } from './errors.js';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

/** The PostgreSQL resource of each national cloud, Azure Resource Manager and Graph. */
const KNOWN_RESOURCES = [
  'https://ossrdbms-aad.database.windows.net',
  'https://ossrdbms-aad.database.usgovcloudapi.net',
  'https://ossrdbms-aad.database.chinacloudapi.cn',
  'https://management.azure.com',
  'https://management.core.windows.net', // the Azure CLI asks for `https://management.core.windows.net//.default`
  'https://management.usgovcloudapi.net',
  'https://management.chinacloudapi.cn',
  GRAPH_RESOURCE,
];

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

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
  /** The `scope` value Entra answers with. */
  granted: string;
  openid: boolean;
  offlineAccess: boolean;
}

export function parseScope(dir: Directory, scope: string, opts: { tenantName?: string; extraResources?: readonly string[] } = {}): ParsedScope | EntraErrorSpec {
  const tenantName = opts.tenantName ?? dir.tenant.displayName;
  const items = scope.split(/\s+/).filter(Boolean);
  const resourceScopes = items.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));
  const resources = new Set(resourceScopes.map((s) => s.replace(/\/[^/]*$/, '')));
  if (resources.size > 1) return { error: 'invalid_scope', aadsts: 28000 };
  const openid = items.includes('openid');
  const offlineAccess = items.includes('offline_access');
  const [resource] = [...resources];
  // Only OpenID scopes: Entra answers with a Microsoft Graph token.
  if (resource === undefined) return { resource: GRAPH_RESOURCE, granted: `${GRAPH_RESOURCE}/User.Read ${GRAPH_RESOURCE}/.default`, openid, offlineAccess };
  if (!/^https?:\/\/[^/]+/.test(resource) && !/^[0-9a-f-]{36}$/i.test(resource)) {
    return { error: 'invalid_scope', aadsts: 70011, description: `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.` };
  }
  if (!isKnownResource(dir, resource, opts.extraResources)) return invalidResource(resource, tenantName);
  const granted = new Set([`${resource}/user_impersonation`, ...resourceScopes]);
  return { resource, granted: [...granted].join(' '), openid, offlineAccess };
}
