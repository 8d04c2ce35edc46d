// Request routing for the HTTPS (login.microsoftonline.com-like) listener: discovery
// documents, JWKS, the OAuth endpoints and the logout page. `ctx.origin` is the request's.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleAuthorize } from './authorize.js';
import type { SimContext } from './context.js';
import { handleDeviceCode } from './devicecode.js';
import { handleDeviceLogin } from './devicelogin.js';
import { resolveTenant } from './directory.js';
import { instanceDiscovery, openIdConfiguration, openIdConfigurationV1 } from './discovery.js';
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

/** Counter key for a path, so requests answered by a '503' outage are still counted per endpoint. */
function endpointOf(first: string, tail: string): CountedEndpoint {
  if (first.toLowerCase() === 'devicelogin' && !tail) return 'devicelogin';
  if (tail.endsWith('openid-configuration')) return 'openid';
  if (tail === 'discovery/instance') return 'discovery';
  if (tail.endsWith('keys')) return 'jwks';
  const last = tail.split('/').pop() ?? '';
  return last === 'authorize' || last === 'token' || last === 'devicecode' || last === 'logout' ? last : 'other';
}

const JSON_404 = { error: 'not_found', error_description: 'The simulator does not serve this path.' };

export async function route(ctx: SimContext, opts: RouteOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', ctx.origin);
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

  if (tail === 'discovery/instance' && method === 'GET') {
    ctx.state.count('discovery');
    const { status, body } = instanceDiscovery(ctx, url.searchParams.get('authorization_endpoint') ?? undefined);
    return sendJson(res, status, body);
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
