// /{tenant}/oauth2/v2.0/authorize: validates the request like Entra, shows the account chooser
// (or signs in the auto-approve user), then the steps a tenant may add (MFA approval, consent) or
// its refusals, and answers with a form_post page to the loopback URI.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { grantConsent as consentTo, notAssignedError } from './access.js';
import { parseClaims } from './claims.js';
import { clientName, type SimContext } from './context.js';
import { accountById, findAccount, principalFor, resolveTenant, signInAccounts, tenantById, type Account, type Principal } from './directory.js';
import { entraErrorBody, type EntraErrorSpec } from './errors.js';
import type { AuthorizeParams, PendingSignIn } from './grants.js';
import { graphRequestRefusal } from './graphPermissions.js';
import { queryObject, readForm, sendHtml } from './http.js';
import { chooserPage, errorPage, formPostPage } from './pages.js';
import { parseScope } from './scopes.js';
import { approvedAuth, initialAuth, nextStep, recordRefusal, refusalPage } from './signin.js';
import { isStatusFailure } from './state.js';
import { consentPage, mfaPage } from './stepPages.js';
import { clientInfo } from './tokens.js';

const AuthorizeQuery = z.object({
  client_id: z.string().optional(),
  redirect_uri: z.string().optional(),
  response_type: z.string().optional(),
  response_mode: z.string().optional(),
  scope: z.string().optional(),
  state: z.string().optional(),
  nonce: z.string().optional(),
  code_challenge: z.string().optional(),
  code_challenge_method: z.string().optional(),
  prompt: z.string().optional(),
  login_hint: z.string().optional(),
  claims: z.string().optional(),
  'client-request-id': z.string().optional(),
});

/** The chooser's POST, or a later step's (`step` + `decision`). */
const SignInForm = z.object({
  ctx: z.string().min(1),
  upn: z.string().optional(),
  mfa: z.string().optional(),
  cancel: z.string().optional(),
  step: z.enum(['mfa', 'consent', 'device', 'adminApproval']).optional(),
  decision: z.string().optional(),
});

/** MSAL's loopback redirect: http://localhost:<port>, nothing else (no path, query or fragment). */
const LOOPBACK = /^http:\/\/localhost:(\d{1,5})\/?$/;

function describe(spec: EntraErrorSpec, correlationId?: string): string {
  return entraErrorBody(spec, correlationId).error_description;
}

function errorHtml(res: ServerResponse, spec: EntraErrorSpec): void {
  sendHtml(res, 400, errorPage(describe(spec)));
}

/** Posts fields back to the client with the request's state, as Entra's form_post does. */
function postBack(res: ServerResponse, params: Pick<AuthorizeParams, 'redirectUri' | 'state'>, fields: Record<string, string>): void {
  sendHtml(res, 200, formPostPage(params.redirectUri, { ...fields, ...(params.state === undefined ? {} : { state: params.state }) }));
}

/** Posts an OAuth error back to the client, as Entra does once the redirect URI is trusted. */
function postError(res: ServerResponse, params: Pick<AuthorizeParams, 'redirectUri' | 'state'>, spec: EntraErrorSpec): void {
  const body = entraErrorBody(spec);
  const fields: Record<string, string> = { error: body.error, error_description: body.error_description };
  if (body.suberror) fields.suberror = body.suberror; // the field MSAL's loopback reads
  postBack(res, params, fields);
}

/** A person leaving Entra's page by its "back"/"cancel" link: Entra's own fields (Azure/azure-cli#30575), no description. */
function postCancel(res: ServerResponse, params: AuthorizeParams, description?: EntraErrorSpec): void {
  postBack(res, params, { error: 'access_denied', error_subcode: 'cancel', ...(description ? { error_description: describe(description) } : {}) });
}

function issueCode(ctx: SimContext, res: ServerResponse, params: AuthorizeParams, account: Account, signIn: PendingSignIn): void {
  const code = ctx.grants.issueCode(params, account.user.objectId, signIn.auth);
  postBack(res, params, { code, client_info: clientInfo(account), session_state: randomUUID() });
}

function showChooser(ctx: SimContext, res: ServerResponse, action: string, id: string, params: AuthorizeParams, error?: string, prefill?: string): void {
  const hinted = params.loginHint ? findAccount(ctx.directory, params.loginHint) : undefined;
  // login_hint narrows the list to that account unless the app asked to pick one.
  const accounts = hinted && params.prompt !== 'select_account' ? [hinted] : signInAccounts(ctx.directory);
  sendHtml(
    res,
    200,
    chooserPage({
      action,
      ctx: id,
      tenantName: tenantById(ctx.directory, params.tenant)?.displayName ?? 'your organization',
      clientName: clientName(ctx.directory, params.clientId) ?? params.clientId,
      accounts: accounts.map((a) => ({ upn: a.user.upn, displayName: a.user.displayName })),
      prefillUpn: prefill ?? (hinted ? undefined : params.loginHint),
      error,
    }),
  );
}

interface Flow {
  ctx: SimContext;
  res: ServerResponse;
  action: string;
  /** The pending sign-in's id (the pages' `ctx` field). */
  id: string;
  params: AuthorizeParams;
  account: Account;
  principal: Principal;
  /** The auto-approve person: approves MFA and consent, leaves refusal pages by their back link. */
  auto: boolean;
}

/** After the account: MFA, consent or a refusal, until a code can be issued. */
function proceed(f: Flow, signIn: PendingSignIn): void {
  const { ctx, res, params, principal } = f;
  const upn = f.account.user.upn;
  const step = nextStep(ctx, {
    principal,
    clientId: params.clientId,
    resource: params.resource,
    stepUp: params.stepUp,
    done: signIn.auth,
    wantsMfa: signIn.wantsMfa,
    permissions: params.permissions,
  });
  if (step.next === 'mfa') {
    ctx.state.record({ kind: 'mfaPrompt', upn, via: 'authorize' });
    if (f.auto) {
      ctx.state.record({ kind: 'mfaApproved', upn, via: 'authorize' });
      return proceed(f, { ...signIn, auth: approvedAuth(params.stepUp) });
    }
    ctx.grants.setPendingSignIn(f.id, signIn);
    return sendHtml(res, 200, mfaPage({ action: f.action, carry: { ctx: f.id }, upn }));
  }
  if (step.next === 'consent') {
    ctx.state.record({ kind: 'consentPrompt', upn, clientId: params.clientId, via: 'authorize' });
    if (f.auto) return grantConsent(f, signIn);
    ctx.grants.setPendingSignIn(f.id, signIn);
    const appName = clientName(ctx.directory, params.clientId) ?? params.clientId;
    return sendHtml(res, 200, consentPage({ action: f.action, carry: { ctx: f.id }, upn, appName, resource: params.resource, permissions: step.permissions }));
  }
  if (step.next === 'done') {
    ctx.grants.dropPending(f.id);
    return issueCode(ctx, res, params, f.account, { ...signIn, auth: step.auth });
  }
  const o = step.obstacle;
  recordRefusal(ctx, 'authorize', upn, o);
  if (o.kind === 'notAssigned') {
    ctx.grants.dropPending(f.id);
    return postError(res, params, notAssignedError(ctx, { principal, clientId: params.clientId }, 'access_denied'));
  }
  if (o.kind === 'deviceNotCompliant' && f.auto) {
    ctx.grants.dropPending(f.id);
    return postCancel(res, params);
  }
  ctx.grants.setPendingSignIn(f.id, signIn);
  // Block: no way back (the app waits). Device, admin approval: a link posts the refusal back.
  const back = o.kind === 'blocked' ? undefined : { action: f.action, carry: { ctx: f.id } };
  sendHtml(res, 200, refusalPage(ctx, o, { principal, clientId: params.clientId, back }));
}

function grantConsent(f: Flow, signIn: PendingSignIn): void {
  consentTo(f.ctx, { clientId: f.params.clientId, principal: f.principal, permissions: f.params.permissions });
  f.ctx.state.record({ kind: 'consentGranted', upn: f.account.user.upn, clientId: f.params.clientId, via: 'authorize' });
  proceed(f, signIn);
}

/** A POST from one of the step pages (MFA, consent, a refusal's back link). */
function continueStep(f: Omit<Flow, 'auto'>, form: z.infer<typeof SignInForm>, signIn: PendingSignIn): void {
  const flow: Flow = { ...f, auto: false };
  const upn = f.account.user.upn;
  switch (form.step) {
    case 'mfa':
      if (form.decision === 'approve') {
        f.ctx.state.record({ kind: 'mfaApproved', upn, via: 'authorize' });
        return proceed(flow, { ...signIn, auth: approvedAuth(f.params.stepUp) });
      }
      f.ctx.state.record({ kind: 'mfaDeclined', upn, via: 'authorize' });
      f.ctx.grants.dropPending(f.id);
      // A denied push: Entra says so on its page; the app is not told.
      return sendHtml(f.res, 200, errorPage(describe({ error: 'invalid_request', aadsts: 500121 })));
    case 'consent':
      if (form.decision === 'accept') return grantConsent(flow, signIn);
      f.ctx.grants.dropPending(f.id);
      return postCancel(f.res, f.params, { error: 'access_denied', aadsts: 65004 });
    case 'adminApproval':
      f.ctx.grants.dropPending(f.id);
      return postCancel(f.res, f.params, { error: 'access_denied', aadsts: 65004 });
    default:
      f.ctx.grants.dropPending(f.id);
      return postCancel(f.res, f.params);
  }
}

async function handlePost(ctx: SimContext, req: IncomingMessage, res: ServerResponse, action: string): Promise<void> {
  const parsed = SignInForm.safeParse(await readForm(req));
  const id = parsed.success ? parsed.data.ctx : '';
  const params = parsed.success ? ctx.grants.getPending(id) : undefined;
  const expired = { error: 'invalid_request', aadsts: 50058, description: 'The sign-in session has expired or is not valid. Start the sign-in again.' };
  if (!parsed.success || !params) return errorHtml(res, expired);
  const form = parsed.data;
  if (form.cancel) {
    ctx.grants.dropPending(id);
    return postError(res, params, { error: 'access_denied', aadsts: 65004, suberror: 'cancel' });
  }
  if (form.step) {
    const signIn = ctx.grants.getPendingSignIn(id);
    const account = signIn && accountById(ctx.directory, signIn.accountId);
    const principal = account && principalFor(ctx.directory, account, params.tenant);
    if (!signIn || !account || !principal || 'error' in principal) return errorHtml(res, expired);
    return continueStep({ ctx, res, action, id, params, account, principal }, form, signIn);
  }
  const upn = form.upn?.trim() ?? '';
  const account = upn ? findAccount(ctx.directory, upn) : undefined;
  if (!account) {
    const msg = upn
      ? describe({
          error: 'invalid_request',
          aadsts: 50034,
          description: `The user account ${upn} does not exist in the directory. To sign into this application, the account must be added to the directory.`,
        })
      : 'Enter a user principal name.';
    return showChooser(ctx, res, action, id, params, msg, upn);
  }
  const principal = principalFor(ctx.directory, account, params.tenant);
  if ('error' in principal) return showChooser(ctx, res, action, id, params, describe(principal), upn);
  proceed({ ctx, res, action, id, params, account, principal, auto: false }, { accountId: account.user.objectId, auth: initialAuth(ctx, params.stepUp), wantsMfa: form.mfa !== undefined });
}

export async function handleAuthorize(ctx: SimContext, req: IncomingMessage, res: ServerResponse, url: URL, tenantSegment: string): Promise<void> {
  ctx.state.count('authorize');
  const injected = ctx.state.takeFailure('authorize');
  if (injected && isStatusFailure(injected)) {
    sendHtml(res, injected.status, errorPage(`HTTP ${injected.status} (simulated failure)`));
    return;
  }
  const tenant = resolveTenant(ctx.directory, tenantSegment);
  if (!tenant) return errorHtml(res, { error: 'invalid_request', aadsts: 90002, description: `Tenant '${tenantSegment}' not found.` });
  const action = `${ctx.origin}${url.pathname}`;
  if (req.method === 'POST') return handlePost(ctx, req, res, action);

  const q = AuthorizeQuery.parse(queryObject(url));
  if (!q.client_id) return errorHtml(res, { error: 'invalid_request', aadsts: 900144, description: "The request body must contain the following parameter: 'client_id'." });
  if (!clientName(ctx.directory, q.client_id)) {
    return errorHtml(res, {
      error: 'unauthorized_client',
      aadsts: 700016,
      description: `Application with identifier '${q.client_id}' was not found in the directory '${ctx.directory.tenant.displayName}'.`,
    });
  }
  if (!q.redirect_uri || !LOOPBACK.test(q.redirect_uri)) {
    return errorHtml(res, {
      error: 'invalid_request',
      aadsts: 50011,
      description: `The redirect URI '${q.redirect_uri ?? ''}' specified in the request does not match the redirect URIs configured for the application '${q.client_id}'.`,
    });
  }
  if (q.response_type !== 'code')
    return errorHtml(res, {
      error: 'unsupported_response_type',
      aadsts: 70005,
      description: `response_type '${q.response_type ?? ''}' is not enabled for the application (the simulator supports 'code').`,
    });
  if (q.response_mode !== 'form_post') {
    return errorHtml(res, { error: 'invalid_request', aadsts: 900144, description: `response_mode '${q.response_mode ?? ''}' is not supported by the simulator; use form_post.` });
  }
  if (!q.code_challenge) return errorHtml(res, { error: 'invalid_request', aadsts: 9002325 });
  if (q.code_challenge_method !== 'S256') return errorHtml(res, { error: 'invalid_request', aadsts: 5011 });
  if (!/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge)) return errorHtml(res, { error: 'invalid_request', aadsts: 501491 });
  if (!q.scope) return errorHtml(res, { error: 'invalid_request', aadsts: 900144, description: "The request body must contain the following parameter: 'scope'." });

  const scope = parseScope(ctx.directory, q.scope, { extraResources: ctx.extraResources, graphResources: ctx.graphResources });
  const stepUp = parseClaims(q.claims);
  const params: AuthorizeParams = {
    tenant,
    clientId: q.client_id.toLowerCase(),
    redirectUri: q.redirect_uri,
    scope: q.scope,
    state: q.state,
    nonce: q.nonce,
    codeChallenge: q.code_challenge,
    prompt: q.prompt,
    loginHint: q.login_hint,
    stepUp: 'error' in stepUp ? { mfa: false, acrs: [] } : stepUp,
    resource: 'error' in scope ? '' : scope.resource,
    permissions: 'error' in scope ? [] : scope.permissions,
  };
  if ('error' in scope) return postError(res, params, scope);
  const refused = graphRequestRefusal(ctx, params.clientId, scope);
  if (refused) return postError(res, params, refused);
  if ('error' in stepUp) return postError(res, params, stepUp);
  if (injected) return injected.pageOnly ? sendHtml(res, 200, errorPage(describe(injected, q['client-request-id']))) : postError(res, params, injected);

  const auto = ctx.state.autoApprove;
  if (auto) {
    const account = findAccount(ctx.directory, auto);
    if (!account) return errorHtml(res, { error: 'invalid_request', aadsts: 50034, description: `The auto-approve account ${auto} does not exist in the directory.` });
    const principal = principalFor(ctx.directory, account, params.tenant);
    if ('error' in principal) return errorHtml(res, principal);
    const flow: Flow = { ctx, res, action, id: ctx.grants.addPending(params), params, account, principal, auto: true };
    return proceed(flow, { accountId: account.user.objectId, auth: initialAuth(ctx, params.stepUp), wantsMfa: false });
  }
  if (q.prompt === 'none') return postError(res, params, { error: 'login_required', aadsts: 50058, description: 'A silent sign-in request was sent but no user is signed in.' });
  showChooser(ctx, res, action, ctx.grants.addPending(params), params);
}
