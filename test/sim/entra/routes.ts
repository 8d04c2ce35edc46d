// Request routing for the HTTPS (login.microsoftonline.com-like) listener, plus the
// discovery documents (OpenID configuration, JWKS) and the logout page.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleAuthorize } from './authorize.js';
import { resolveTenant, type SimContext } from './context.js';
import { handleDeviceCode, handleDeviceLogin } from './devicecode.js';
import { entraErrorBody } from './errors.js';
import { queryObject, sendHtml, sendJson } from './http.js';
import type { Jwk } from './keys.js';
import { errorPage, messagePage } from './pages.js';
import type { CountedEndpoint } from './state.js';
import { handleToken } from './token.js';

export interface RouteOptions {
  jwks: Jwk[];
  deviceCodeIntervalSeconds: number;
}

/** v2 discovery document; tenant aliases keep their name in endpoints and use {tenantid} in the issuer. */
export function openIdConfiguration(ctx: SimContext, tenant: string): Record<string, unknown> {
  const base = `${ctx.authorityHost}/${tenant}`;
  const issuerTenant = tenant === 'organizations' || tenant === 'common' ? '{tenantid}' : tenant;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${ctx.authorityHost}/${issuerTenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

/** v1 discovery document, whose issuer is the one in the (v1) access tokens. */
function openIdConfigurationV1(ctx: SimContext, tenant: string): Record<string, unknown> {
  const base = `${ctx.authorityHost}/${tenant}`;
  const tid = tenant === 'organizations' || tenant === 'common' ? '{tenantid}' : tenant;
  return {
    token_endpoint: `${base}/oauth2/token`,
    jwks_uri: `${ctx.authorityHost}/${tenant === tid ? tenant : 'common'}/discovery/keys`,
    issuer: `https://sts.windows.net/${tid}/`,
    authorization_endpoint: `${base}/oauth2/authorize`,
    id_token_signing_alg_values_supported: ['RS256'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
  };
}

/** Counter key for a path, so requests answered by a '503' outage are still counted per endpoint. */
function endpointOf(first: string, tail: string): CountedEndpoint {
  if (first.toLowerCase() === 'devicelogin' && !tail) return 'devicelogin';
  if (tail.endsWith('openid-configuration')) return 'openid';
  if (tail.endsWith('keys')) return 'jwks';
  const last = tail.split('/').pop() ?? '';
  return last === 'authorize' || last === 'token' || last === 'devicecode' || last === 'logout' ? last : 'other';
}

const JSON_404 = { error: 'not_found', error_description: 'The simulator does not serve this path.' };

export async function route(ctx: SimContext, opts: RouteOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', ctx.authorityHost);
  const segments = url.pathname.split('/').filter(Boolean);
  const [first = '', ...rest] = segments;
  const tail = rest.join('/').toLowerCase();
  const method = req.method ?? 'GET';

  if (ctx.state.outage === '503') {
    ctx.state.count(endpointOf(first, tail));
    // No Retry-After: MSAL would throttle for its value (it throttles 60 s on any 5xx anyway).
    if ((req.headers.accept ?? '').includes('text/html')) return sendHtml(res, 503, errorPage('Service unavailable (simulated outage).'));
    return sendJson(res, 503, entraErrorBody({ error: 'temporarily_unavailable', aadsts: 90033 }));
  }

  if (segments.length === 1 && first.toLowerCase() === 'devicelogin') return handleDeviceLogin(ctx, req, res);
  if ((first === 'discovery' && tail === 'keys') || tail === 'discovery/keys' || tail === 'discovery/v2.0/keys') {
    ctx.state.count('jwks');
    return sendJson(res, 200, { keys: opts.jwks });
  }

  const tenant = resolveTenant(ctx.directory, first);
  switch (tail) {
    case 'v2.0/.well-known/openid-configuration':
    case '.well-known/openid-configuration': {
      ctx.state.count('openid');
      if (!tenant) return sendJson(res, 400, entraErrorBody({ error: 'invalid_tenant', aadsts: 90002, description: `Tenant '${first}' not found.` }));
      return sendJson(res, 200, tail.startsWith('v2.0') ? openIdConfiguration(ctx, tenant) : openIdConfigurationV1(ctx, tenant));
    }
    case 'oauth2/v2.0/authorize':
      if (method !== 'GET' && method !== 'POST') break;
      return handleAuthorize(ctx, req, res, url, first);
    case 'oauth2/v2.0/token':
      if (method !== 'POST') break;
      return handleToken(ctx, req, res, first);
    case 'oauth2/v2.0/devicecode':
      if (method !== 'POST') break;
      return handleDeviceCode(ctx, req, res, first, opts.deviceCodeIntervalSeconds);
    case 'oauth2/v2.0/logout': {
      ctx.state.count('logout');
      const back = queryObject(url).post_logout_redirect_uri;
      if (back && /^http:\/\/localhost(:\d+)?(\/|$)/.test(back)) {
        res.writeHead(302, { location: back });
        res.end();
        return;
      }
      return sendHtml(res, 200, messagePage('You signed out of your account', "It's a good idea to close all browser windows."));
    }
    default:
      break;
  }
  ctx.state.count('other');
  if (method === 'GET' && (req.headers.accept ?? '').includes('text/html')) return sendHtml(res, 404, errorPage('The page you are looking for does not exist.'));
  sendJson(res, 404, JSON_404);
}
