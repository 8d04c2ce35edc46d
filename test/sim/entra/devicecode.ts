// Device authorization grant: /devicecode issues codes (devicelogin.ts is the page where a person
// enters one and signs in), the token endpoint polls the entry.
import { randomBytes, randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { parseClaims, type AuthState, type StepUp } from './claims.js';
import { clientName, correlationIdOf, sendEntraError, type SimContext } from './context.js';
import { resolveTenant, type TenantAlias } from './directory.js';
import { entraErrorBody } from './errors.js';
import type { PendingSignIn } from './grants.js';
import { readForm, sendJson } from './http.js';
import { graphRequestRefusal } from './graphPermissions.js';
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
  /** The resource the scope names (Conditional Access is evaluated for it). */
  resource: string;
  /** Microsoft Graph permissions the scope names (each needs consent). */
  permissions: string[];
  /** What the /devicecode request's `claims` asked for. */
  stepUp: StepUp;
  /** A sign-in under way on the page (between its MFA or consent steps). */
  signIn?: PendingSignIn;
  /** Home object id of the account that approved. */
  accountId?: string;
  /** What the approving sign-in did (MFA, authentication contexts). */
  auth: AuthState;
}

export class DeviceCodeStore {
  private readonly byDevice = new Map<string, DeviceEntry>();

  create(clientId: string, scope: string, tenant: TenantAlias | string, resource: string, stepUp: StepUp, permissions: string[] = []): DeviceEntry {
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
      resource,
      permissions,
      stepUp,
      auth: { mfa: false, acrs: [] },
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

const DeviceCodeBody = z.object({ client_id: z.string().optional(), scope: z.string().optional(), claims: z.string().optional() });

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
  const scope = parseScope(ctx.directory, body.scope ?? '', { extraResources: ctx.extraResources, graphResources: ctx.graphResources });
  if ('error' in scope) return sendEntraError(res, scope, corr);
  const refused = graphRequestRefusal(ctx, body.client_id.toLowerCase(), scope);
  if (refused) return sendEntraError(res, refused, corr);
  // A step-up's claims count here as on /authorize: the page's sign-in must meet them.
  const stepUp = parseClaims(body.claims);
  if ('error' in stepUp) return sendEntraError(res, stepUp, corr);
  const entry = ctx.devices.create(body.client_id.toLowerCase(), body.scope ?? '', tenant, scope.resource, stepUp, scope.permissions);
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
