// /{tenant}/oauth2/v2.0/token: authorization_code (PKCE), refresh_token (rotating, with a grace
// period for used ones) and device_code grants, answering in Entra's JSON shapes. The token is
// for the tenant the grant names: `organizations`/`common` = the account's home tenant. Every grant
// then meets the tenant's checks again (Conditional Access, assignment, consent, the request's
// `claims`): what the sign-in did not do, a redemption cannot do silently.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { obstacleFor, silentRefusal, type AccessRequest } from './access.js';
import { afterStepUp, mergeStepUp, NO_STEP_UP, parseClaims, type AuthState, type StepUp } from './claims.js';
import { clientName, correlationIdOf, sendEntraError, type SimContext } from './context.js';
import { accountById, principalFor, resolveTenant, type Account, type Principal, type TenantAlias } from './directory.js';
import { entraErrorBody, type EntraErrorSpec } from './errors.js';
import { grantedGraphPermissions, graphRequestRefusal } from './graphPermissions.js';
import { readForm, sendJson } from './http.js';
import { GRAPH_APP_ID, parseScope, type ParsedScope } from './scopes.js';
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
  claims: z.string().optional(),
});
type TokenBody = z.infer<typeof TokenBody>;

const GRANT_NAMES: Record<string, string> = {
  authorization_code: 'authorization_code',
  refresh_token: 'refresh_token',
  device_code: 'device_code',
  'urn:ietf:params:oauth:grant-type:device_code': 'device_code',
};

/**
 * `tenant`: where the token is for (an alias resolves to the account's home tenant). `auth`: what the
 * grant's sign-in did; `stepUp`: what it was asked for. `commit` marks the grant used once a token is issued.
 */
type Outcome = { account: Account; tenant: TenantAlias | string; scope: string; nonce?: string; auth: AuthState; stepUp: StepUp; commit?: () => void } | EntraErrorSpec;

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
  const account = accountById(ctx.directory, grant.accountId);
  if (!account) return { error: 'invalid_grant', aadsts: 50034 };
  return { account, tenant: grant.tenant, scope: b.scope ?? grant.scope, nonce: grant.nonce, auth: grant.auth, stepUp: grant.stepUp };
}

const isoTime = (d: Date): string => d.toISOString().replace('Z', '0000Z');

function redeemRefreshToken(ctx: SimContext, b: TokenBody, clientId: string, tenant: TenantAlias | string): Outcome {
  if (!b.refresh_token) return missing('refresh_token');
  const grant = ctx.grants.getRefreshToken(b.refresh_token);
  if (!grant) return { error: 'invalid_grant', aadsts: 9002313, description: 'Invalid request. Request is malformed or invalid.', suberror: 'bad_token' };
  if (grant.revokedAt) {
    return {
      error: 'invalid_grant',
      aadsts: 50173,
      description: `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${isoTime(grant.issuedAt)}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${isoTime(grant.revokedAt)}'.`,
    };
  }
  // Entra does not revoke a used refresh token; the simulator lets it lapse after a grace period.
  const now = Date.now();
  if (grant.redeemedAt !== undefined && now - grant.redeemedAt >= ctx.state.refreshTokenGraceSeconds * 1000) {
    return { error: 'invalid_grant', aadsts: 700082 };
  }
  if (grant.clientId !== clientId) return { error: 'invalid_grant', aadsts: 70000, description: 'The refresh token was issued to a different client.', suberror: 'client_mismatch' };
  const account = accountById(ctx.directory, grant.accountId);
  if (!account) return { error: 'invalid_grant', aadsts: 50034 };
  // Refresh tokens are bound to user and client, not tenant: the request's tenant decides.
  return { account, tenant, scope: b.scope ?? '', auth: grant.auth, stepUp: NO_STEP_UP, commit: () => void (grant.redeemedAt ??= now) };
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
      const account = entry.accountId ? accountById(ctx.directory, entry.accountId) : undefined;
      if (!account) return { error: 'invalid_grant', aadsts: 50034 };
      return { account, tenant: entry.tenant, scope: b.scope ?? entry.scope, auth: entry.auth, stepUp: entry.stepUp, commit: () => void (entry.status = 'redeemed') };
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
  const tenant = resolveTenant(ctx.directory, tenantSegment);
  if (!tenant) return sendEntraError(res, { error: 'invalid_request', aadsts: 90002 }, corr);
  if (!b.grant_type) return sendEntraError(res, missing('grant_type'), corr);
  if (!b.client_id) return sendEntraError(res, missing('client_id'), corr);
  const clientId = b.client_id.toLowerCase();
  if (!clientName(ctx.directory, clientId)) {
    return sendEntraError(
      res,
      { error: 'unauthorized_client', aadsts: 700016, description: `Application with identifier '${b.client_id}' was not found in the directory '${ctx.directory.tenant.displayName}'.` },
      corr,
    );
  }
  let outcome: Outcome;
  if (grantName === 'authorization_code') outcome = redeemCode(ctx, b, clientId);
  else if (grantName === 'refresh_token') outcome = redeemRefreshToken(ctx, b, clientId, tenant);
  else if (grantName === 'device_code') outcome = redeemDeviceCode(ctx, b, clientId);
  else outcome = { error: 'unsupported_grant_type', aadsts: 70003, description: `The app requested an unsupported grant type '${b.grant_type}'.` };
  if ('error' in outcome) return sendEntraError(res, outcome, corr);

  const principal = principalFor(ctx.directory, outcome.account, outcome.tenant);
  if ('error' in principal) return sendEntraError(res, principal, corr);
  const scope = parseScope(ctx.directory, outcome.scope, { tenantName: principal.tenant.displayName, extraResources: ctx.extraResources, graphResources: ctx.graphResources });
  if ('error' in scope) return sendEntraError(res, scope, corr);
  const refused = graphRequestRefusal(ctx, clientId, scope);
  if (refused) return sendEntraError(res, refused, corr);
  // MSAL sends the claims of a step-up on the token request too; they count with the grant's own.
  const wanted = parseClaims(b.claims);
  if ('error' in wanted) return sendEntraError(res, wanted, corr);
  const access: AccessRequest = { principal, clientId, resource: scope.resource, stepUp: mergeStepUp(outcome.stepUp, wanted), done: outcome.auth, permissions: scope.permissions };
  const obstacle = obstacleFor(ctx, access);
  if (obstacle) {
    const refusal = silentRefusal(ctx, access, obstacle);
    ctx.state.record({ kind: 'refusal', aadsts: refusal.aadsts, upn: outcome.account.user.upn, via: 'token', policyIds: 'policies' in obstacle ? obstacle.policies.map((p) => p.id) : [] });
    return sendEntraError(res, refusal, corr);
  }
  outcome.commit?.();
  const auth = afterStepUp(outcome.auth, access.stepUp);
  const lifetime = ctx.state.userTokenLifetime();
  const granted = scope.graph ? graphGrant(ctx, clientId, principal, scope) : { scope: scope.granted, scp: undefined };
  const body: Record<string, string | number> = {
    token_type: 'Bearer',
    scope: granted.scope,
    expires_in: lifetime,
    ext_expires_in: lifetime,
    access_token: ctx.tokens.accessToken(
      { kind: 'user', principal },
      { resource: scope.resource, clientId, lifetimeSeconds: lifetime, mfa: auth.mfa, acrs: auth.acrs, ...(granted.scp ? { scp: granted.scp } : {}) },
    ),
  };
  if (scope.offlineAccess || grantName === 'refresh_token') body.refresh_token = ctx.grants.issueRefreshToken(outcome.account.user.objectId, clientId, auth);
  if (scope.openid) body.id_token = ctx.tokens.idToken(principal, clientId, outcome.nonce, ctx.origin);
  if (b.client_info === '1') body.client_info = clientInfo(outcome.account);
  sendJson(res, 200, body);
}

/**
 * A Graph token carries every permission the app holds for the user (`scp`, with the OpenID
 * scopes asked for), and the answer's `scope` names them under the resource as it was asked for.
 */
function graphGrant(ctx: SimContext, clientId: string, principal: Principal, scope: ParsedScope): { scope: string; scp: string } {
  // Only OpenID scopes: a basic profile token (User.Read), as before.
  if (scope.permissions.length === 0 && !scope.defaultScope) return { scope: scope.granted, scp: ['User.Read', ...scope.oidc].join(' ') };
  const names = grantedGraphPermissions(ctx, clientId, principal, scope.permissions);
  const prefix = scope.resource.toLowerCase() === GRAPH_APP_ID ? '' : `${scope.resource.replace(/\/+$/, '')}/`;
  const answered = [...names, ...(scope.defaultScope ? ['.default'] : [])].map((n) => `${prefix}${n}`);
  return { scope: answered.join(' '), scp: [...names, ...scope.oidc].join(' ') };
}
