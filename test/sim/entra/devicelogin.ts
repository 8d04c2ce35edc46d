// The device-code verification page (/devicelogin) and its control-API twin: a person enters the
// code, picks an account, then meets the tenant's steps (MFA approval, consent) or its refusals.
// Nothing is posted back here: a refusal stays on the page and the app's polls keep waiting.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { grantConsent as consentTo } from './access.js';
import { clientName, type SimContext } from './context.js';
import { accountById, findAccount, principalFor, signInAccounts, type Account, type Principal } from './directory.js';
import { verificationUri, type DeviceEntry } from './devicecode.js';
import { entraErrorBody } from './errors.js';
import type { PendingSignIn } from './grants.js';
import { readForm, sendHtml } from './http.js';
import { deviceLoginPage, errorPage, messagePage } from './pages.js';
import { approvedAuth, initialAuth, nextStep, obstacleCode, recordRefusal, refusalPage, type Next } from './signin.js';
import { consentPage, mfaPage } from './stepPages.js';

const DeviceLoginForm = z.object({
  otc: z.string().default(''),
  upn: z.string().optional(),
  other_upn: z.string().optional(),
  decline: z.string().optional(),
  mfa: z.string().optional(),
  step: z.enum(['mfa', 'consent']).optional(),
  decision: z.string().optional(),
});

function approveEntry(entry: DeviceEntry, account: Account, next: Extract<Next, { next: 'done' }>): void {
  entry.status = 'approved';
  entry.accountId = account.user.objectId;
  entry.auth = next.auth;
  entry.signIn = undefined;
}

function stepFor(ctx: SimContext, entry: DeviceEntry, principal: Principal, signIn: PendingSignIn): Next {
  return nextStep(ctx, {
    principal,
    clientId: entry.clientId,
    resource: entry.resource,
    stepUp: entry.stepUp,
    done: signIn.auth,
    wantsMfa: signIn.wantsMfa,
    permissions: entry.permissions,
  });
}

function grantConsent(ctx: SimContext, entry: DeviceEntry, principal: Principal): void {
  consentTo(ctx, { clientId: entry.clientId, principal, permissions: entry.permissions });
  ctx.state.record({ kind: 'consentGranted', upn: principal.account.user.upn, clientId: entry.clientId, via: 'devicelogin' });
}

/**
 * The control API's person: approves the entry for the account, doing MFA when it is required
 * (`mfa: true` always, `mfa: false` never: then a required MFA refuses) and consenting when asked.
 * Returns why it could not, as Entra's text.
 */
export function approve(ctx: SimContext, entry: DeviceEntry, account: Account, opts: { mfa?: boolean } = {}): string | undefined {
  const principal = principalFor(ctx.directory, account, entry.tenant);
  if ('error' in principal) return entraErrorBody(principal).error_description;
  const upn = account.user.upn;
  let signIn: PendingSignIn = { accountId: account.user.objectId, auth: initialAuth(ctx, entry.stepUp), wantsMfa: opts.mfa === true };
  for (;;) {
    const step = stepFor(ctx, entry, principal, signIn);
    if (step.next === 'done') return void approveEntry(entry, account, step);
    if (step.next === 'mfa') {
      ctx.state.record({ kind: 'mfaPrompt', upn, via: 'devicelogin' });
      if (opts.mfa === false) {
        ctx.state.record({ kind: 'mfaDeclined', upn, via: 'devicelogin' });
        return entraErrorBody({ error: 'invalid_request', aadsts: 500121 }).error_description;
      }
      ctx.state.record({ kind: 'mfaApproved', upn, via: 'devicelogin' });
      signIn = { ...signIn, auth: approvedAuth(entry.stepUp) };
    } else if (step.next === 'consent') {
      ctx.state.record({ kind: 'consentPrompt', upn, clientId: entry.clientId, via: 'devicelogin' });
      grantConsent(ctx, entry, principal);
    } else {
      recordRefusal(ctx, 'devicelogin', upn, step.obstacle);
      return `AADSTS${obstacleCode(step.obstacle)}: refused by the tenant (${step.obstacle.kind})`;
    }
  }
}

interface PageFlow {
  ctx: SimContext;
  res: ServerResponse;
  action: string;
  entry: DeviceEntry;
  account: Account;
  principal: Principal;
}

function advance(f: PageFlow, signIn: PendingSignIn): void {
  const { ctx, res, entry, account, principal } = f;
  const upn = account.user.upn;
  const step = stepFor(ctx, entry, principal, signIn);
  const carry = { otc: entry.userCode };
  if (step.next === 'done') {
    approveEntry(entry, account, step);
    const app = clientName(ctx.directory, entry.clientId) ?? entry.clientId;
    return sendHtml(res, 200, messagePage(app, `You have signed in to the ${app} application on your device. You may now close this window.`));
  }
  entry.signIn = signIn;
  if (step.next === 'mfa') {
    ctx.state.record({ kind: 'mfaPrompt', upn, via: 'devicelogin' });
    return sendHtml(res, 200, mfaPage({ action: f.action, carry, upn }));
  }
  if (step.next === 'consent') {
    ctx.state.record({ kind: 'consentPrompt', upn, clientId: entry.clientId, via: 'devicelogin' });
    const appName = clientName(ctx.directory, entry.clientId) ?? entry.clientId;
    return sendHtml(res, 200, consentPage({ action: f.action, carry, upn, appName, resource: entry.resource, permissions: step.permissions }));
  }
  entry.signIn = undefined;
  recordRefusal(ctx, 'devicelogin', upn, step.obstacle);
  sendHtml(res, 200, refusalPage(ctx, step.obstacle, { principal, clientId: entry.clientId }));
}

/** A POST from the MFA or consent page of a sign-in under way. */
function continueStep(f: PageFlow, form: z.infer<typeof DeviceLoginForm>, signIn: PendingSignIn): void {
  const { ctx, entry } = f;
  const upn = f.account.user.upn;
  if (form.step === 'mfa') {
    if (form.decision === 'approve') {
      ctx.state.record({ kind: 'mfaApproved', upn, via: 'devicelogin' });
      return advance(f, { ...signIn, auth: approvedAuth(entry.stepUp) });
    }
    ctx.state.record({ kind: 'mfaDeclined', upn, via: 'devicelogin' });
    entry.signIn = undefined;
    return sendHtml(f.res, 200, errorPage(entraErrorBody({ error: 'invalid_request', aadsts: 500121 }).error_description));
  }
  if (form.decision === 'accept') {
    grantConsent(ctx, entry, f.principal);
    return advance(f, signIn);
  }
  entry.status = 'declined';
  sendHtml(f.res, 200, messagePage('Sign-in declined', 'You declined to sign in to the application on your device. You may now close this window.'));
}

export async function handleDeviceLogin(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  ctx.state.count('devicelogin');
  const action = verificationUri(ctx);
  const accounts = signInAccounts(ctx.directory).map((a) => ({ upn: a.user.upn, displayName: a.user.displayName }));
  if (req.method !== 'POST') return sendHtml(res, 200, deviceLoginPage({ action, accounts }));
  const form = DeviceLoginForm.parse(await readForm(req));
  const entry = ctx.devices.byUserCode(form.otc);
  if (!entry || entry.status !== 'pending' || entry.expiresAt < Date.now()) {
    return sendHtml(res, 200, deviceLoginPage({ action, accounts, userCode: form.otc, error: "That code didn't work. Check the code and try again." }));
  }
  if (form.step) {
    const signIn = entry.signIn;
    const account = signIn && accountById(ctx.directory, signIn.accountId);
    const principal = account && principalFor(ctx.directory, account, entry.tenant);
    if (!signIn || !account || !principal || 'error' in principal) return sendHtml(res, 200, deviceLoginPage({ action, accounts, userCode: form.otc, error: 'Start the sign-in again.' }));
    return continueStep({ ctx, res, action, entry, account, principal }, form, signIn);
  }
  if (form.decline) {
    entry.status = 'declined';
    return sendHtml(res, 200, messagePage('Sign-in declined', 'You declined to sign in to the application on your device. You may now close this window.'));
  }
  const upn = (form.upn || form.other_upn || '').trim();
  const account = upn ? findAccount(ctx.directory, upn) : undefined;
  if (!account) {
    return sendHtml(res, 200, deviceLoginPage({ action, accounts, userCode: form.otc, error: upn ? `The user account ${upn} does not exist in the directory.` : 'Pick an account.' }));
  }
  const principal = principalFor(ctx.directory, account, entry.tenant);
  if ('error' in principal) return sendHtml(res, 200, deviceLoginPage({ action, accounts, userCode: form.otc, error: entraErrorBody(principal).error_description }));
  advance({ ctx, res, action, entry, account, principal }, { accountId: account.user.objectId, auth: initialAuth(ctx, entry.stepUp), wantsMfa: form.mfa !== undefined });
}
