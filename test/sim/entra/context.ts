// What every handler needs: the directory, runtime state, token factory and the stores,
// plus lookups (tenant aliases, clients, users, scopes) shared by several endpoints.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AZURE_CLI_CLIENT_ID, type Directory } from '../types.js';
import { entraErrorBody, statusFor, type EntraErrorSpec } from './errors.js';
import { header, sendJson } from './http.js';
import type { SimState } from './state.js';
import type { TokenFactory } from './tokens.js';
import type { GrantStore } from './grants.js';
import type { DeviceCodeStore } from './devicecode.js';

export interface SimContext {
  directory: Directory;
  state: SimState;
  tokens: TokenFactory;
  grants: GrantStore;
  devices: DeviceCodeStore;
  authorityHost: string;
}

export type User = Directory['users'][number];

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

/** Path segment → the tenant segment used in endpoint URLs, or null when unknown. */
export function resolveTenant(dir: Directory, segment: string): string | null {
  const s = decodeURIComponent(segment).toLowerCase();
  if (s === 'organizations' || s === 'common') return s;
  if (s === dir.tenant.id.toLowerCase() || s === dir.tenant.domain.toLowerCase()) return dir.tenant.id;
  return null;
}

export function clientName(dir: Directory, clientId: string): string | null {
  const known = dir.clients.find((c) => c.clientId.toLowerCase() === clientId.toLowerCase());
  if (known) return known.displayName;
  return clientId.toLowerCase() === AZURE_CLI_CLIENT_ID ? 'Microsoft Azure CLI' : null;
}

export function findUser(dir: Directory, upn: string): User | undefined {
  const wanted = upn.trim().toLowerCase();
  return dir.users.find((u) => u.upn.toLowerCase() === wanted || (u.mail !== undefined && u.mail.toLowerCase() === wanted));
}

export function findUserById(dir: Directory, objectId: string): User | undefined {
  return dir.users.find((u) => u.objectId === objectId);
}

export interface ParsedScope {
  resource: string;
  /** The `scope` value Entra answers with. */
  granted: string;
  openid: boolean;
  offlineAccess: boolean;
}

/** One resource per request, as Entra enforces (AADSTS28000). */
export function parseScope(scope: string): ParsedScope | EntraErrorSpec {
  const items = scope.split(/\s+/).filter(Boolean);
  const resourceScopes = items.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));
  const resources = new Set(resourceScopes.map((s) => s.replace(/\/[^/]*$/, '')));
  if (resources.size > 1) return { error: 'invalid_scope', aadsts: 28000 };
  const [resource] = [...resources];
  if (resource === undefined) {
    return {
      resource: GRAPH_RESOURCE,
      granted: `${GRAPH_RESOURCE}/User.Read ${GRAPH_RESOURCE}/.default`,
      openid: items.includes('openid'),
      offlineAccess: items.includes('offline_access'),
    };
  }
  if (!/^https?:\/\/[^/]+/.test(resource) && !/^[0-9a-f-]{36}$/i.test(resource)) {
    return { error: 'invalid_scope', aadsts: 70011, description: `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.` };
  }
  const granted = new Set([`${resource}/user_impersonation`, ...resourceScopes]);
  return { resource, granted: [...granted].join(' '), openid: items.includes('openid'), offlineAccess: items.includes('offline_access') };
}

export function correlationIdOf(req: IncomingMessage, params?: Record<string, string>): string | undefined {
  return header(req, 'client-request-id') ?? params?.['client-request-id'];
}

export function sendEntraError(res: ServerResponse, spec: EntraErrorSpec, correlationId?: string): void {
  sendJson(res, statusFor(spec.error), entraErrorBody(spec, correlationId));
}
