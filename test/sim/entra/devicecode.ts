// Device authorization grant: /devicecode issues codes, /devicelogin is the verification page
// where a user enters the code and picks an account, the token endpoint polls the entry.
import { randomBytes, randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { clientName, correlationIdOf, sendEntraError, type SimContext } from './context.js';
import { findAccount, principalFor, resolveTenant, signInAccounts, type Account, type TenantAlias } from './directory.js';
import { entraErrorBody, type EntraErrorSpec } from './errors.js';
import { readForm, sendHtml, sendJson } from './http.js';
import { deviceLoginPage, messagePage } from './pages.js';
import { parseScope } from './scopes.js';
import { isStatusFailure } from './state.js';

const EXPIRES_IN = 900; // Entra: device codes are valid for 15 minutes
const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export interface DeviceEntry {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scope: string;
  /** The tenant the app asked for (an alias = the account's home tenant). */
  tenant: TenantAlias | string;
  expiresAt: number;
  status: 'pending' | 'approved' | 'declined' | 'redeemed';
  /** Home object id of the account that approved. */
  accountId?: string;
}

/** Approves a pending entry for the account, unless the entry's tenant does not know it (AADSTS50020). */
export function approve(ctx: SimContext, entry: DeviceEntry, account: Account): EntraErrorSpec | undefined {
  const principal = principalFor(ctx.directory, account, entry.tenant);
  if ('error' in principal) return principal;
  entry.status = 'approved';
  entry.accountId = account.user.objectId;
  return undefined;
}

export class DeviceCodeStore {
  private readonly byDevice = new Map<string, DeviceEntry>();

  create(clientId: string, scope: string, tenant: TenantAlias | string): DeviceEntry {
    let userCode = '';
    for (let i = 0; i < 9; i++) userCode += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
    const entry: DeviceEntry = {
      deviceCode: `DAQABAAEAAA${randomBytes(120).toString('base64url')}`,
      userCode,
      clientId,
      scope,
      tenant,
      expiresAt: Date.now() + EXPIRES_IN * 1000,
      status: 'pending',
    };
    this.byDevice.set(entry.deviceCode, entry);
    return entry;
  }

  byDeviceCode(code: string): DeviceEntry | undefined {
    return this.byDevice.get(code);
  }

  byUserCode(code: string): DeviceEntry | undefined {
    const wanted = code.trim().toUpperCase();
    for (const e of this.byDevice.values()) if (e.userCode === wanted) return e;
    return undefined;
  }
}

const DeviceCodeBody = z.object({ client_id: z.string().optional(), scope: z.string().optional() });
const DeviceLoginForm = z.object({
  otc: z.string().default(''),
  upn: z.string().optional(),
  other_upn: z.string().optional(),
  decline: z.string().optional(),
});

export function verificationUri(ctx: SimContext): string {
  return `${ctx.origin}/devicelogin`;
}

export async function handleDeviceCode(ctx: SimContext, req: IncomingMessage, res: ServerResponse, tenantSegment: string, intervalSeconds: number): Promise<void> {
  ctx.state.count('devicecode');
  const raw = await readForm(req);
  const body = DeviceCodeBody.parse(raw);
  const corr = correlationIdOf(req, raw);
  const injected = ctx.state.takeFailure('devicecode');
  if (injected) {
    if (isStatusFailure(injected)) return sendJson(res, injected.status, entraErrorBody({ error: 'temporarily_unavailable', aadsts: 90033 }, corr));
    return sendEntraError(res, injected, corr);
  }
  const tenant = resolveTenant(ctx.directory, tenantSegment);
  if (!tenant) return sendEntraError(res, { error: 'invalid_request', aadsts: 90002 }, corr);
  if (!body.client_id) return sendEntraError(res, { error: 'invalid_request', aadsts: 900144, description: "The request body must contain the following parameter: 'client_id'." }, corr);
  if (!clientName(ctx.directory, body.client_id)) {
    return sendEntraError(
      res,
      { error: 'unauthorized_client', aadsts: 700016, description: `Application with identifier '${body.client_id}' was not found in the directory '${ctx.directory.tenant.displayName}'.` },
      corr,
    );
  }
  const scope = parseScope(ctx.directory, body.scope ?? '', { extraResources: ctx.extraResources });
  if ('error' in scope) return sendEntraError(res, scope, corr);
  const entry = ctx.devices.create(body.client_id.toLowerCase(), body.scope ?? '', tenant);
  const uri = verificationUri(ctx);
  sendJson(res, 200, {
    user_code: entry.userCode,
    device_code: entry.deviceCode,
    verification_uri: uri,
    expires_in: EXPIRES_IN,
    interval: intervalSeconds,
    message: `To sign in, use a web browser to open the page ${uri} and enter the code ${entry.userCode} to authenticate.`,
  });
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
  if (form.decline) {
    entry.status = 'declined';
    return sendHtml(res, 200, messagePage('Sign-in declined', 'You declined to sign in to the application on your device. You may now close this window.'));
  }
  const upn = (form.upn || form.other_upn || '').trim();
  const account = upn ? findAccount(ctx.directory, upn) : undefined;
  if (!account) {
    return sendHtml(res, 200, deviceLoginPage({ action, accounts, userCode: form.otc, error: upn ? `The user account ${upn} does not exist in the directory.` : 'Pick an account.' }));
  }
  const refused = approve(ctx, entry, account);
  if (refused) return sendHtml(res, 200, deviceLoginPage({ action, accounts, userCode: form.otc, error: entraErrorBody(refused).error_description }));
  const app = clientName(ctx.directory, entry.clientId) ?? entry.clientId;
  sendHtml(res, 200, messagePage(app, `You have signed in to the ${app} application on your device. You may now close this window.`));
}
