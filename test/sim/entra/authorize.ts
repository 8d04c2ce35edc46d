// /{tenant}/oauth2/v2.0/authorize: validates the request like Entra, shows the account chooser
// (or signs in the auto-approve user), and answers with a form_post page to the loopback URI.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { clientName, type SimContext } from './context.js';
import { findAccount, principalFor, resolveTenant, signInAccounts, tenantById, type Account } from './directory.js';
import { entraErrorBody, type EntraErrorSpec } from './errors.js';
import type { AuthorizeParams } from './grants.js';
import { queryObject, readForm, sendHtml } from './http.js';
import { chooserPage, errorPage, formPostPage } from './pages.js';
import { parseScope } from './scopes.js';
import { isStatusFailure } from './state.js';
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
});

const ChooserForm = z.object({ ctx: z.string().min(1), upn: z.string().optional(), cancel: z.string().optional() });

/** MSAL's loopback redirect: http://localhost:<port>, nothing else (no path, query or fragment). */
const LOOPBACK = /^http:\/\/localhost:(\d{1,5})\/?$/;

function describe(spec: EntraErrorSpec): string {
  return entraErrorBody(spec).error_description;
}

function errorHtml(res: ServerResponse, spec: EntraErrorSpec): void {
  sendHtml(res, 400, errorPage(describe(spec)));
}

/** Posts an OAuth error back to the client, as Entra does once the redirect URI is trusted. */
function postError(res: ServerResponse, params: Pick<AuthorizeParams, 'redirectUri' | 'state'>, spec: EntraErrorSpec): void {
  const body = entraErrorBody(spec);
  const fields: Record<string, string> = { error: body.error, error_description: body.error_description };
  if (body.suberror) fields.suberror = body.suberror; // the field MSAL's loopback reads
  if (params.state !== undefined) fields.state = params.state;
  sendHtml(res, 200, formPostPage(params.redirectUri, fields));
}

/** The account must exist in the tenant the app named (a guest object there, for external users). */
function canSignIn(ctx: SimContext, params: AuthorizeParams, account: Account): EntraErrorSpec | undefined {
  const principal = principalFor(ctx.directory, account, params.tenant);
  return 'error' in principal ? principal : undefined;
}

function signIn(ctx: SimContext, res: ServerResponse, params: AuthorizeParams, account: Account): void {
  const code = ctx.grants.issueCode(params, account.user.objectId);
  const fields: Record<string, string> = { code, client_info: clientInfo(account) };
  if (params.state !== undefined) fields.state = params.state;
  fields.session_state = randomUUID();
  sendHtml(res, 200, formPostPage(params.redirectUri, fields));
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

  if (req.method === 'POST') {
    const form = ChooserForm.safeParse(await readForm(req));
    const params = form.success ? ctx.grants.getPending(form.data.ctx) : undefined;
    if (!form.success || !params) return errorHtml(res, { error: 'invalid_request', aadsts: 50058, description: 'The sign-in session has expired or is not valid. Start the sign-in again.' });
    if (form.data.cancel) {
      ctx.grants.dropPending(form.data.ctx);
      return postError(res, params, { error: 'access_denied', aadsts: 65004, suberror: 'cancel' });
    }
    const upn = form.data.upn?.trim() ?? '';
    const account = upn ? findAccount(ctx.directory, upn) : undefined;
    if (!account) {
      const msg = upn
        ? describe({
            error: 'invalid_request',
            aadsts: 50034,
            description: `The user account ${upn} does not exist in the directory. To sign into this application, the account must be added to the directory.`,
          })
        : 'Enter a user principal name.';
      return showChooser(ctx, res, action, form.data.ctx, params, msg, upn);
    }
    const refused = canSignIn(ctx, params, account);
    if (refused) return showChooser(ctx, res, action, form.data.ctx, params, describe(refused), upn);
    ctx.grants.dropPending(form.data.ctx);
    return signIn(ctx, res, params, account);
  }

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
  };
  const scope = parseScope(ctx.directory, q.scope, { extraResources: ctx.extraResources });
  if ('error' in scope) return postError(res, params, scope);
  if (injected) return postError(res, params, injected);

  const auto = ctx.state.autoApprove;
  if (auto) {
    const account = findAccount(ctx.directory, auto);
    if (!account) return errorHtml(res, { error: 'invalid_request', aadsts: 50034, description: `The auto-approve account ${auto} does not exist in the directory.` });
    const refused = canSignIn(ctx, params, account);
    if (refused) return errorHtml(res, refused);
    return signIn(ctx, res, params, account);
  }
  if (q.prompt === 'none') return postError(res, params, { error: 'login_required', aadsts: 50058, description: 'A silent sign-in request was sent but no user is signed in.' });
  showChooser(ctx, res, action, ctx.grants.addPending(params), params);
}
