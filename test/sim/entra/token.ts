// /{tenant}/oauth2/v2.0/token: authorization_code (PKCE), refresh_token (rotating) and
// device_code grants, answering in Entra's JSON shapes.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { clientName, correlationIdOf, findUserById, parseScope, resolveTenant, sendEntraError, type SimContext, type User } from './context.js';
import { entraErrorBody, type EntraErrorSpec } from './errors.js';
import { readForm, sendJson } from './http.js';
import { isStatusFailure } from './state.js';
import { clientInfo } from './tokens.js';

const TokenBody = z.object({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  scope: z.string().optional(),
  code: z.string().optional(),
  redirect_uri: z.string().optional(),
  code_verifier: z.string().optional(),
  refresh_token: z.string().optional(),
  device_code: z.string().optional(),
  client_info: z.string().optional(),
});
type TokenBody = z.infer<typeof TokenBody>;

const GRANT_NAMES: Record<string, string> = {
  authorization_code: 'authorization_code',
  refresh_token: 'refresh_token',
  device_code: 'device_code',
  'urn:ietf:params:oauth:grant-type:device_code': 'device_code',
};

type Outcome = { user: User; scope: string; nonce?: string } | EntraErrorSpec;

const missing = (name: string): EntraErrorSpec => ({
  error: 'invalid_request',
  aadsts: 900144,
  description: `The request body must contain the following parameter: '${name}'.`,
});

function redeemCode(ctx: SimContext, b: TokenBody, clientId: string): Outcome {
  if (!b.code) return missing('code');
  const grant = ctx.grants.getCode(b.code);
  if (!grant) return { error: 'invalid_grant', aadsts: 9002313, description: 'Invalid request. Request is malformed or invalid: the authorization code is not valid.' };
  if (grant.redeemed) return { error: 'invalid_grant', aadsts: 54005 };
  if (grant.expiresAt < Date.now()) return { error: 'invalid_grant', aadsts: 70008 };
  if (grant.clientId !== clientId) return { error: 'invalid_grant', aadsts: 70000, description: 'The authorization code was issued to a different client.' };
  if (b.redirect_uri !== grant.redirectUri) {
    return { error: 'invalid_grant', aadsts: 50011, description: `The redirect URI '${b.redirect_uri ?? ''}' does not match the redirect URI used to request the authorization code.` };
  }
  if (!b.code_verifier) return missing('code_verifier');
  const challenge = createHash('sha256').update(b.code_verifier).digest('base64url');
  if (challenge !== grant.codeChallenge) return { error: 'invalid_grant', aadsts: 501481 };
  grant.redeemed = true;
  const user = findUserById(ctx.directory, grant.userObjectId);
  if (!user) return { error: 'invalid_grant', aadsts: 50034 };
  return { user, scope: b.scope ?? grant.scope, nonce: grant.nonce };
}

function redeemRefreshToken(ctx: SimContext, b: TokenBody, clientId: string): Outcome {
  if (!b.refresh_token) return missing('refresh_token');
  const grant = ctx.grants.getRefreshToken(b.refresh_token);
  if (!grant) return { error: 'invalid_grant', aadsts: 9002313, description: 'Invalid request. Request is malformed or invalid: the refresh token is not valid.', suberror: 'bad_token' };
  if (grant.revoked) return { error: 'invalid_grant', aadsts: 700082 };
  // The simulator rotates strictly: a redeemed refresh token is dead (Entra keeps old ones valid).
  if (grant.redeemed) return { error: 'invalid_grant', aadsts: 70000, description: 'The refresh token was already redeemed; use the one returned with it.', suberror: 'bad_token' };
  if (grant.clientId !== clientId) return { error: 'invalid_grant', aadsts: 70000, description: 'The refresh token was issued to a different client.', suberror: 'client_mismatch' };
  const user = findUserById(ctx.directory, grant.userObjectId);
  if (!user) return { error: 'invalid_grant', aadsts: 50034 };
  grant.redeemed = true;
  return { user, scope: b.scope ?? '' };
}

function redeemDeviceCode(ctx: SimContext, b: TokenBody, clientId: string): Outcome {
  if (!b.device_code) return missing('device_code');
  const entry = ctx.devices.byDeviceCode(b.device_code);
  if (!entry || entry.clientId !== clientId) return { error: 'invalid_grant', aadsts: 70000, description: "The provided value for the input parameter 'device_code' is not valid." };
  if (entry.expiresAt < Date.now()) return { error: 'expired_token', aadsts: 70020 };
  switch (entry.status) {
    case 'pending':
      return { error: 'authorization_pending', aadsts: 70016 };
    case 'declined':
      return { error: 'authorization_declined', aadsts: 70000, description: 'The user declined the authentication request.' };
    case 'redeemed':
      return { error: 'invalid_grant', aadsts: 54005, description: 'The device code was already redeemed.' };
    case 'approved': {
      const user = entry.userObjectId ? findUserById(ctx.directory, entry.userObjectId) : undefined;
      if (!user) return { error: 'invalid_grant', aadsts: 50034 };
      entry.status = 'redeemed';
      return { user, scope: b.scope ?? entry.scope };
    }
  }
}

export async function handleToken(ctx: SimContext, req: IncomingMessage, res: ServerResponse, tenantSegment: string): Promise<void> {
  const raw = await readForm(req);
  const b = TokenBody.parse(raw);
  const grantName = GRANT_NAMES[b.grant_type ?? ''];
  ctx.state.count('token', grantName ?? b.grant_type ?? 'none');
  const corr = correlationIdOf(req, raw);
  const injected = ctx.state.takeFailure('token');
  if (injected) {
    if (isStatusFailure(injected)) return sendJson(res, injected.status, entraErrorBody({ error: 'temporarily_unavailable', aadsts: 90033 }, corr));
    return sendEntraError(res, injected, corr);
  }
  if (!resolveTenant(ctx.directory, tenantSegment)) return sendEntraError(res, { error: 'invalid_request', aadsts: 90002 }, corr);
  if (!b.grant_type) return sendEntraError(res, missing('grant_type'), corr);
  if (!b.client_id) return sendEntraError(res, missing('client_id'), corr);
  const clientId = b.client_id.toLowerCase();
  if (!clientName(ctx.directory, clientId)) {
    return sendEntraError(res, { error: 'unauthorized_client', aadsts: 700016, description: `Application with identifier '${b.client_id}' was not found in the directory '${ctx.directory.tenant.displayName}'.` }, corr);
  }
  let outcome: Outcome;
  if (grantName === 'authorization_code') outcome = redeemCode(ctx, b, clientId);
  else if (grantName === 'refresh_token') outcome = redeemRefreshToken(ctx, b, clientId);
  else if (grantName === 'device_code') outcome = redeemDeviceCode(ctx, b, clientId);
  else outcome = { error: 'unsupported_grant_type', aadsts: 70003, description: `The app requested an unsupported grant type '${b.grant_type}'.` };
  if ('error' in outcome) return sendEntraError(res, outcome, corr);

  const scope = parseScope(outcome.scope);
  if ('error' in scope) return sendEntraError(res, scope, corr);
  const lifetime = ctx.state.tokenLifetimeSeconds;
  const tid = ctx.directory.tenant.id;
  const body: Record<string, string | number> = {
    token_type: 'Bearer',
    scope: scope.granted,
    expires_in: lifetime,
    ext_expires_in: lifetime,
    access_token: ctx.tokens.accessToken({ kind: 'user', user: outcome.user }, { resource: scope.resource, clientId, lifetimeSeconds: lifetime }),
  };
  if (scope.offlineAccess || grantName === 'refresh_token') body.refresh_token = ctx.grants.issueRefreshToken(outcome.user.objectId, clientId);
  if (scope.openid) body.id_token = ctx.tokens.idToken(outcome.user, clientId, outcome.nonce);
  if (b.client_info === '1') body.client_info = clientInfo(outcome.user.objectId, tid);
  sendJson(res, 200, body);
}
