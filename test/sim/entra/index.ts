// The simulated Microsoft Entra ID: an HTTPS login endpoint MSAL can use as its authority
// (knownAuthorities, no instance discovery), a plain-HTTP IMDS/App Service endpoint for
// managed identities, and a control API for tests.
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsMaterial } from '../ca.js';
import type { Directory } from '../types.js';
import { findUser, type SimContext } from './context.js';
import { DeviceCodeStore } from './devicecode.js';
import { GrantStore } from './grants.js';
import { APP_SERVICE_PATH, handleManagedIdentity } from './imds.js';
import { createSigningKey } from './keys.js';
import { route } from './routes.js';
import { Listener } from './server.js';
import { SimState, type Failure, type FailEndpoint, type OutageMode } from './state.js';
import { TokenFactory, type TokenSubject } from './tokens.js';

export { completeSignInHeadless, signInWithChromium } from './browser.js';

export interface EntraSimOptions {
  directory: Directory;
  tls: TlsMaterial;
  tokenLifetimeSeconds?: number /* default 3600 */;
  autoApprove?: string | null /* UPN */;
  /** Polling interval the device code endpoint announces (Entra: 5). */
  deviceCodeIntervalSeconds?: number;
}

export interface EntraSim {
  authorityHost: string;
  knownAuthorities: string[];
  tenantId: string;
  issuerV1: string;
  jwksUri: string;
  imdsEndpoint: string;
  appService: { endpoint: string; header: string };
  control: EntraControl;
  close(): Promise<void>;
}

export interface MintOptions {
  lifetimeSeconds?: number;
  expired?: boolean;
  notYetValid?: boolean;
  audience?: string;
  tenantId?: string;
  tamper?: boolean;
  signWithForeignKey?: boolean;
}

export interface EntraControl {
  setTokenLifetime(seconds: number): void;
  setAutoApprove(upn: string | null): void;
  /** Next `count` requests to that endpoint fail as specified. `suberror` overrides Entra's default for the code. */
  failNext(endpoint: FailEndpoint, failure: { error: string; aadsts: number; description?: string; suberror?: string } | { status: number }, count?: number): void;
  /** 'refused': the listeners are closed (connection refused) until set back; '503': every request answers 503. */
  setOutage(mode: OutageMode): Promise<void>;
  revokeRefreshTokens(upn?: string): void;
  /** Per endpoint ('token', 'authorize', 'openid', 'jwks', 'devicecode', 'devicelogin', 'imds', 'appservice', 'logout', 'other'),
   *  per token grant ('token:authorization_code', 'token:refresh_token', 'token:device_code'); total when omitted. */
  requestCount(endpoint?: string): number;
  resetCounters(): void;
  approveDeviceCode(userCode: string, upn: string): void;
  mintAccessToken(subject: { upn: string } | { managedIdentity: string } | { servicePrincipal: string }, opts?: MintOptions): string;
}

const POSTGRES_RESOURCE = 'https://ossrdbms-aad.database.windows.net';

function resolveSubject(dir: Directory, subject: { upn: string } | { managedIdentity: string } | { servicePrincipal: string }): TokenSubject {
  const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  if ('upn' in subject) {
    const user = findUser(dir, subject.upn);
    if (!user) throw new Error(`unknown user ${subject.upn}`);
    return { kind: 'user', user };
  }
  if ('managedIdentity' in subject) {
    const id = subject.managedIdentity;
    const identity = dir.managedIdentities.find((m) => eq(m.name, id) || eq(m.clientId, id) || eq(m.objectId, id) || eq(m.resourceId, id));
    if (!identity) throw new Error(`unknown managed identity ${id}`);
    return { kind: 'managedIdentity', identity };
  }
  const id = subject.servicePrincipal;
  const principal = dir.servicePrincipals.find((p) => eq(p.displayName, id) || eq(p.appId, id) || eq(p.objectId, id));
  if (!principal) throw new Error(`unknown service principal ${id}`);
  return { kind: 'servicePrincipal', principal };
}

function guarded(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch(() => {
        // Malformed input (bad body, bad JSON) must answer, never crash the simulator.
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid_request', error_description: 'AADSTS900144: The request is malformed.' }));
      });
  };
}

export async function startEntraSim(opts: EntraSimOptions): Promise<EntraSim> {
  const directory = opts.directory;
  const tenantId = directory.tenant.id;
  const state = new SimState(opts.tokenLifetimeSeconds ?? 3600, opts.autoApprove ?? null);
  const identityHeader = randomBytes(16).toString('hex');
  const issuerV1 = `https://sts.windows.net/${tenantId}/`;
  const key = await createSigningKey(issuerV1);
  const foreignKey = await createSigningKey(issuerV1, key.kid);
  // authorityHost is filled in once the HTTPS port is known; handlers only read it per request.
  const ctx: SimContext = {
    directory,
    state,
    tokens: new TokenFactory(directory, key, foreignKey, () => ctx.authorityHost),
    grants: new GrantStore(),
    devices: new DeviceCodeStore(),
    authorityHost: '',
  };
  const routeOptions = { jwks: [key.jwk], deviceCodeIntervalSeconds: opts.deviceCodeIntervalSeconds ?? 5 };

  const https = new Listener(
    () => createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem, minVersion: 'TLSv1.2' }, guarded((req, res) => route(ctx, routeOptions, req, res))),
    '127.0.0.1',
    true,
  );
  const http = new Listener(() => createHttpServer(guarded((req, res) => handleManagedIdentity(ctx, identityHeader, req, res))), '127.0.0.1', false);
  await https.start();
  try {
    await http.start();
  } catch (e) {
    await https.stop();
    throw e;
  }
  const authorityHost = `https://localhost:${https.port}`;
  ctx.authorityHost = authorityHost;
  const imdsEndpoint = `http://127.0.0.1:${http.port}`;

  const control: EntraControl = {
    setTokenLifetime(seconds) {
      if (!(seconds > 0)) throw new Error('token lifetime must be positive');
      state.tokenLifetimeSeconds = Math.floor(seconds);
    },
    setAutoApprove(upn) {
      if (upn !== null && !findUser(directory, upn)) throw new Error(`unknown user ${upn}`);
      state.autoApprove = upn;
    },
    failNext(endpoint, failure: Failure, count = 1) {
      state.failNext(endpoint, failure, count);
    },
    async setOutage(mode) {
      state.outage = mode;
      if (mode === 'refused') {
        await Promise.all([https.stop(), http.stop()]);
      } else {
        await https.start();
        await http.start();
      }
    },
    revokeRefreshTokens(upn) {
      if (upn === undefined) return ctx.grants.revoke();
      const user = findUser(directory, upn);
      if (!user) throw new Error(`unknown user ${upn}`);
      ctx.grants.revoke(user.objectId);
    },
    requestCount: (endpoint) => state.requestCount(endpoint),
    resetCounters: () => state.resetCounters(),
    approveDeviceCode(userCode, upn) {
      const entry = ctx.devices.byUserCode(userCode);
      if (!entry || entry.status !== 'pending') throw new Error(`no pending device code ${userCode}`);
      const user = findUser(directory, upn);
      if (!user) throw new Error(`unknown user ${upn}`);
      entry.status = 'approved';
      entry.userObjectId = user.objectId;
    },
    mintAccessToken(subject, o = {}) {
      const resolved = resolveSubject(directory, subject);
      const clientId = resolved.kind === 'managedIdentity' ? resolved.identity.clientId : resolved.kind === 'servicePrincipal' ? resolved.principal.appId : '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
      return ctx.tokens.accessToken(resolved, {
        resource: o.audience ?? POSTGRES_RESOURCE,
        exactAudience: o.audience !== undefined,
        clientId,
        lifetimeSeconds: o.lifetimeSeconds ?? state.tokenLifetimeSeconds,
        expired: o.expired,
        notYetValid: o.notYetValid,
        tenantId: o.tenantId,
        tamper: o.tamper,
        signWithForeignKey: o.signWithForeignKey,
      });
    },
  };

  return {
    authorityHost,
    knownAuthorities: [`localhost:${https.port}`],
    tenantId,
    issuerV1,
    jwksUri: `${authorityHost}/${tenantId}/discovery/v2.0/keys`,
    imdsEndpoint,
    appService: { endpoint: `${imdsEndpoint}${APP_SERVICE_PATH}`, header: identityHeader },
    control,
    async close() {
      await Promise.all([https.stop(), http.stop()]);
    },
  };
}
