// Discovery documents: v2 and v1 OpenID configurations (written for the host the request came
// to) and instance discovery (`/common/discovery/instance`), which MSAL calls only for hosts it
// has no built-in metadata for.
import type { SimContext } from './context.js';
import { entraErrorBody, type EntraErrorBody } from './errors.js';
import { cloudOf } from './hosts.js';

const isAlias = (tenant: string): boolean => tenant === 'organizations' || tenant === 'common';

/** v2 discovery document; tenant aliases keep their name in endpoints and use {tenantid} in the issuer. */
export function openIdConfiguration(ctx: SimContext, tenant: string): Record<string, unknown> {
  const base = `${ctx.origin}/${tenant}`;
  const cloud = cloudOf(new URL(ctx.origin).hostname);
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${ctx.origin}/${isAlias(tenant) ? '{tenantid}' : tenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `https://${cloud.msgraphHost}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    tenant_region_scope: 'EU',
    cloud_instance_name: cloud.instance,
    cloud_graph_host_name: cloud.graphHost,
    msgraph_host: cloud.msgraphHost,
    rbac_url: 'https://pas.windows.net',
  };
}

/** v1 discovery document, whose issuer is the one in the (v1) access tokens. */
export function openIdConfigurationV1(ctx: SimContext, tenant: string): Record<string, unknown> {
  const base = `${ctx.origin}/${tenant}`;
  return {
    token_endpoint: `${base}/oauth2/token`,
    jwks_uri: `${ctx.origin}/${isAlias(tenant) ? 'common' : tenant}/discovery/keys`,
    issuer: `https://sts.windows.net/${isAlias(tenant) ? '{tenantid}' : tenant}/`,
    authorization_endpoint: `${base}/oauth2/authorize`,
    id_token_signing_alg_values_supported: ['RS256'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
  };
}

/** Entra's answer for api-version 1.1: every Microsoft cloud's network host, cache host and aliases. */
const CLOUDS = [
  { preferred_network: 'login.microsoftonline.com', preferred_cache: 'login.windows.net', aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'] },
  { preferred_network: 'login.partner.microsoftonline.cn', preferred_cache: 'login.partner.microsoftonline.cn', aliases: ['login.partner.microsoftonline.cn', 'login.chinacloudapi.cn'] },
  { preferred_network: 'login.microsoftonline.de', preferred_cache: 'login.microsoftonline.de', aliases: ['login.microsoftonline.de'] },
  { preferred_network: 'login.microsoftonline.us', preferred_cache: 'login.microsoftonline.us', aliases: ['login.microsoftonline.us', 'login.usgovcloudapi.net'] },
  { preferred_network: 'login-us.microsoftonline.com', preferred_cache: 'login-us.microsoftonline.com', aliases: ['login-us.microsoftonline.com'] },
];

/**
 * `authorization_endpoint` names the authority being validated. A Microsoft host gets the
 * metadata and its tenant's discovery URL; any other host is `invalid_instance` (AADSTS50049),
 * which MSAL turns into untrusted_authority.
 */
export function instanceDiscovery(ctx: SimContext, authorizationEndpoint: string | undefined): { status: number; body: Record<string, unknown> | EntraErrorBody } {
  let tenant = 'common';
  let host = new URL(ctx.origin).host;
  if (authorizationEndpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(authorizationEndpoint);
    } catch {
      return { status: 400, body: entraErrorBody({ error: 'invalid_instance', aadsts: 50049, description: 'Unknown or invalid instance.' }) };
    }
    if (!CLOUDS.some((c) => c.aliases.includes(url.host.toLowerCase()))) {
      return { status: 400, body: entraErrorBody({ error: 'invalid_instance', aadsts: 50049, description: 'Unknown or invalid instance.' }) };
    }
    host = url.host.toLowerCase();
    tenant = url.pathname.split('/').filter(Boolean)[0] ?? 'common';
  }
  return {
    status: 200,
    body: { tenant_discovery_endpoint: `https://${host}/${tenant}/v2.0/.well-known/openid-configuration`, 'api-version': '1.1', metadata: CLOUDS },
  };
}
