// Managed identity endpoints on a plain-HTTP listener, like the real ones: IMDS
// (/metadata/identity/oauth2/token, api-version 2018-02-01, header Metadata: true) and
// App Service (/msi/token, api-version 2019-08-01, header X-IDENTITY-HEADER). Both answer
// with numbers as strings, as the real services do. Managed-identity tokens live about 24 h,
// independent of the user-token lifetime.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Directory } from '../types.js';
import type { SimContext } from './context.js';
import { entraErrorBody } from './errors.js';
import { header, queryObject, sendJson } from './http.js';
import { invalidResource, isKnownResource } from './scopes.js';
import { isStatusFailure } from './state.js';

type Identity = Directory['managedIdentities'][number];

export const IMDS_PATH = '/metadata/identity/oauth2/token';
export const APP_SERVICE_PATH = '/msi/token';

const MiQuery = z.object({
  'api-version': z.string().optional(),
  resource: z.string().optional(),
  client_id: z.string().optional(),
  object_id: z.string().optional(),
  principal_id: z.string().optional(),
  msi_res_id: z.string().optional(),
  mi_res_id: z.string().optional(),
});
type MiQuery = z.infer<typeof MiQuery>;

/** No selector = the system-assigned identity; otherwise exactly one selector must match. */
function selectIdentity(dir: Directory, q: MiQuery): Identity | 'ambiguous' | undefined {
  const selectors = [q.client_id, q.object_id ?? q.principal_id, q.msi_res_id ?? q.mi_res_id].filter((s) => s !== undefined);
  if (selectors.length > 1) return 'ambiguous';
  const eq = (a: string, b: string | undefined): boolean => b !== undefined && a.toLowerCase() === b.toLowerCase();
  if (q.client_id !== undefined) return dir.managedIdentities.find((m) => eq(m.clientId, q.client_id));
  const oid = q.object_id ?? q.principal_id;
  if (oid !== undefined) return dir.managedIdentities.find((m) => eq(m.objectId, oid));
  const rid = q.msi_res_id ?? q.mi_res_id;
  if (rid !== undefined) return dir.managedIdentities.find((m) => eq(m.resourceId, rid));
  return dir.managedIdentities.find((m) => m.kind === 'system');
}

function mint(ctx: SimContext, identity: Identity, resource: string): { token: string; now: number; lifetime: number } {
  const lifetime = ctx.state.managedIdentityTokenLifetimeSeconds;
  const token = ctx.tokens.accessToken({ kind: 'managedIdentity', identity }, { resource, clientId: identity.clientId, lifetimeSeconds: lifetime });
  return { token, now: Math.floor(Date.now() / 1000), lifetime };
}

function imds(ctx: SimContext, req: IncomingMessage, res: ServerResponse, q: MiQuery): void {
  const injected = ctx.state.takeFailure('imds');
  if (injected) {
    if (isStatusFailure(injected)) return sendJson(res, injected.status, { error: 'service_unavailable', error_description: `Simulated HTTP ${injected.status}` });
    const e = entraErrorBody(injected);
    return sendJson(res, 400, { error: e.error, error_description: e.error_description, error_codes: e.error_codes, timestamp: e.timestamp, trace_id: e.trace_id, correlation_id: e.correlation_id });
  }
  if (header(req, 'x-forwarded-for') !== undefined) return sendJson(res, 400, { error: 'invalid_request', error_description: 'Request contains X-Forwarded-For header' });
  // IMDS wants exactly `Metadata: true` (lower case), a guard against server-side request forgery.
  if (header(req, 'metadata') !== 'true') return sendJson(res, 400, { error: 'bad_request_102', error_description: 'Required metadata header not specified' });
  if (!q['api-version']) return sendJson(res, 400, { error: 'invalid_request', error_description: 'Required queryparameter api-version not specified' });
  if (!q.resource) return sendJson(res, 400, { error: 'invalid_request', error_description: "Required query variable 'resource' is missing" });
  const identity = selectIdentity(ctx.directory, q);
  if (identity === 'ambiguous') return sendJson(res, 400, { error: 'invalid_request', error_description: 'Multiple identity selectors specified' });
  if (!identity) return sendJson(res, 400, { error: 'invalid_request', error_description: 'Identity not found' });
  // IMDS passes Entra's own error through.
  if (!isKnownResource(ctx.directory, q.resource, ctx.extraResources)) return sendJson(res, 400, entraErrorBody(invalidResource(q.resource, ctx.directory.tenant.displayName)));
  const { token, now, lifetime } = mint(ctx, identity, q.resource);
  sendJson(res, 200, {
    access_token: token,
    client_id: identity.clientId,
    expires_in: String(lifetime),
    expires_on: String(now + lifetime),
    ext_expires_in: String(lifetime),
    not_before: String(now),
    resource: q.resource,
    token_type: 'Bearer',
  });
}

function appService(ctx: SimContext, req: IncomingMessage, res: ServerResponse, q: MiQuery, secret: string): void {
  const injected = ctx.state.takeFailure('appservice');
  if (injected) {
    if (isStatusFailure(injected)) return sendJson(res, injected.status, { statusCode: injected.status, message: `Simulated HTTP ${injected.status}` });
    const e = entraErrorBody(injected);
    return sendJson(res, 400, { statusCode: 400, message: e.error_description, correlationId: e.correlation_id });
  }
  if (header(req, 'x-identity-header') !== secret) return sendJson(res, 401, { statusCode: 401, message: 'Unauthorized: the X-IDENTITY-HEADER header is missing or wrong.' });
  if (q['api-version'] !== '2019-08-01') return sendJson(res, 400, { statusCode: 400, message: `Unsupported api-version '${q['api-version'] ?? ''}'.` });
  if (!q.resource) return sendJson(res, 400, { statusCode: 400, message: "Required query parameter 'resource' is missing." });
  const identity = selectIdentity(ctx.directory, q);
  if (identity === 'ambiguous' || !identity) return sendJson(res, 400, { statusCode: 400, message: 'No managed identity found for the specified parameters.' });
  if (!isKnownResource(ctx.directory, q.resource, ctx.extraResources)) {
    const e = entraErrorBody(invalidResource(q.resource, ctx.directory.tenant.displayName));
    return sendJson(res, 400, { statusCode: 400, message: e.error_description, correlationId: e.correlation_id });
  }
  const { token, now, lifetime } = mint(ctx, identity, q.resource);
  sendJson(res, 200, {
    access_token: token,
    expires_on: String(now + lifetime),
    resource: q.resource,
    token_type: 'Bearer',
    client_id: identity.clientId,
  });
}

export function handleManagedIdentity(ctx: SimContext, secret: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  // MSAL canonicalises the IMDS URL with a trailing slash before the query.
  const path = url.pathname.replace(/\/+$/, '').toLowerCase();
  const q = MiQuery.parse(queryObject(url));
  if (req.method === 'GET' && path === IMDS_PATH) {
    ctx.state.count('imds');
    if (ctx.state.outage === '503') return sendJson(res, 503, { error: 'service_unavailable', error_description: 'Simulated outage' });
    return imds(ctx, req, res, q);
  }
  if (req.method === 'GET' && path === APP_SERVICE_PATH) {
    ctx.state.count('appservice');
    if (ctx.state.outage === '503') return sendJson(res, 503, { statusCode: 503, message: 'Simulated outage' });
    return appService(ctx, req, res, q, secret);
  }
  ctx.state.count('other');
  sendJson(res, 404, { error: 'not_found', error_description: 'Unknown path' });
}
