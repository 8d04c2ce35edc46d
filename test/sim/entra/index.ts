// The simulated Microsoft Entra ID: an HTTPS login endpoint MSAL can use as its authority
// (as localhost with knownAuthorities, or impersonating Azure's real login hosts inside a private
// network namespace), a plain-HTTP IMDS/App Service endpoint for managed identities, and a
// control API for tests.
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { z } from 'zod';
import type { TlsMaterial } from '../ca.js';
import { AZURE_CLI_CLIENT_ID, ConditionalAccessPolicySchema, POSTGRES_RESOURCE, type ConditionalAccessPolicy, type Directory } from '../types.js';
import { checkNames, checkPolicies } from './conditionalAccess.js';
import type { SimContext } from './context.js';
import { DeviceCodeStore } from './devicecode.js';
import { approve } from './devicelogin.js';
import { findAccount, principalIn, type Account } from './directory.js';
import { GrantStore } from './grants.js';
import { HostNames, httpsBindPlan, imdsBindPlan, imdsOrigin, type EntraListenOptions } from './hosts.js';
import { APP_SERVICE_PATH, handleManagedIdentity } from './imds.js';
import { createSigningKey, type Jwk } from './keys.js';
import { route } from './routes.js';
import { Listener } from './server.js';
import { SimState, type Failure, type FailEndpoint, type OutageMode, type SimEvent } from './state.js';
import { TokenFactory, type TokenSubject } from './tokens.js';

export { completeSignInHeadless, signInWithChromium } from './browser.js';
export type { EntraListenOptions } from './hosts.js';
export type { SimEvent } from './state.js';
export type { ConditionalAccessPolicy } from '../types.js';

export interface EntraSimOptions {
  directory: Directory;
  tls: TlsMaterial;
  /** Exact lifetime of every user access token. Default: Entra's, random 60–90 min per token. */
  tokenLifetimeSeconds?: number;
  /** Managed-identity token lifetime (IMDS, App Service). Default 86400 (Entra: about 24 h). */
  managedIdentityTokenLifetimeSeconds?: number;
  /** How long a used refresh token stays redeemable. Default 86400 (a guess: Entra documents no limit). */
  refreshTokenGraceSeconds?: number;
  autoApprove?: string | null /* sign-in name */;
  /** Polling interval the device code endpoint announces (Entra: 5). */
  deviceCodeIntervalSeconds?: number;
  /** Where to listen and which host names to answer as. Default: loopback, random ports, "localhost". */
  listen?: EntraListenOptions;
  /** More resource URIs the tenant issues tokens for (a custom cloud's Resource Manager endpoint). */
  extraResources?: string[];
  /** More resource URIs that are Microsoft Graph (a custom cloud's Graph endpoint): its permissions, consent and `scp`. */
  graphResources?: string[];
  /**
   * The Azure CLI's client id gets only the Graph permissions Microsoft preauthorized it for, and
   * AADSTS65002 for others (PIM's among them), as in real tenants. Default false: it gets them.
   */
  refuseFirstPartyGraphScopes?: boolean;
  /**
   * A directory object's groups now, for tokens' `groups` and group conditions (the simulated
   * Azure passes PIM's view: permanent members plus activations that have propagated). Default:
   * the directory's permanent members.
   */
  groupsOf?: (objectId: string) => string[];
  /**
   * Every user sign-in does MFA (tokens carry `amr: ["pwd","mfa"]`). Default true. Off: a sign-in does
   * MFA only when the request's `claims`, a Conditional Access policy or the person asks for it.
   */
  mfaByDefault?: boolean;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface EntraSim {
  /** `https://localhost:PORT`, or e.g. `https://login.microsoftonline.com` in public-host mode. */
  authorityHost: string;
  knownAuthorities: string[];
  tenantId: string;
  issuerV1: string;
  jwksUri: string;
  imdsEndpoint: string;
  appService: { endpoint: string; header: string };
  /** Where the login endpoint actually listens (first address): tests without the namespace connect here. */
  loginListener: { address: string; port: number };
  /** The tenant's published signing keys (its JWKS), for in-process token checks by other simulators. */
  signingKeys: Jwk[];
  /**
   * Requests whose Host names one of `names` (any port) go to `handler` instead: other Azure
   * services that share the login listener's address in the public-cloud mode (Resource Manager).
   */
  mountHost(names: readonly string[], handler: HttpHandler): void;
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
  /** Guests: add the `#EXT#` upn, as Entra does with the optional claim include_externally_authenticated_upn. */
  includeExternalUpn?: boolean;
  /** Users: a token from the account's home tenant instead of the resource tenant. */
  homeTenant?: boolean;
  /** Users: false = a sign-in without MFA (`amr: ["pwd"]`). Default true. */
  mfa?: boolean;
  /** Users: authentication contexts met (`acrs`), e.g. ["p1"]. */
  acrs?: string[];
  /** Users: the token's delegated permissions (`scp`). Default `user_impersonation`. */
  scp?: string;
  /** Users: the client that asked (`appid`). Default the Azure CLI's. */
  clientId?: string;
}

/** An app registration's enterprise-app settings (see the directory's `clients`). */
export interface ClientSettings {
  assignmentRequired?: boolean;
  /** UPNs or group names. */
  assignedUsers?: string[];
  adminConsented?: boolean;
  userConsentAllowed?: boolean;
}

export type MintSubject = { upn: string } | { managedIdentity: string } | { servicePrincipal: string };

export interface EntraControl {
  /** Exact user-token lifetime from now on; null = Entra's randomised 60–90 min. */
  setTokenLifetime(seconds: number | null): void;
  setManagedIdentityTokenLifetime(seconds: number): void;
  /** How long a used refresh token stays redeemable; 0 = strict rotation. */
  setRefreshTokenGrace(seconds: number): void;
  setAutoApprove(upn: string | null): void;
  /** See EntraSimOptions.mfaByDefault; applies to sign-ins from now on (grants keep what they did). */
  setMfaByDefault(on: boolean): void;
  /** See EntraSimOptions.refuseFirstPartyGraphScopes; applies to requests from now on. */
  setRefuseFirstPartyGraphScopes(on: boolean): void;
  /**
   * Next `count` requests to that endpoint fail as specified. `suberror` overrides Entra's default for
   * the code; `claims` is Entra's claims field. `pageOnly` (authorize): the error stays on the sign-in
   * page and is never posted back, so the app keeps waiting (as for AADSTS50020, Azure/azure-cli#23255).
   */
  failNext(endpoint: FailEndpoint, failure: { error: string; aadsts: number; description?: string; suberror?: string; claims?: string; pageOnly?: boolean } | { status: number }, count?: number): void;
  /** 'refused': the listeners are closed (connection refused) until set back; '503': every request answers 503. */
  setOutage(mode: OutageMode): Promise<void>;
  /** Revokes the account's refresh tokens (all accounts when omitted): redeeming one answers AADSTS50173. */
  revokeRefreshTokens(upn?: string): void;
  /** Per endpoint ('token', 'authorize', 'openid', 'discovery', 'jwks', 'devicecode', 'devicelogin', 'imds', 'appservice', 'logout', 'other'),
   *  per token grant ('token:authorization_code', 'token:refresh_token', 'token:device_code'); total when omitted. */
  requestCount(endpoint?: string): number;
  resetCounters(): void;
  /**
   * The person approves the device code as `upn`, doing MFA when the sign-in requires it (`mfa: true`:
   * always, like "Approve with MFA"; `mfa: false`: never, so a required MFA throws) and consenting when
   * asked. Throws with Entra's code when the tenant refuses (the entry stays pending, as on the page).
   */
  approveDeviceCode(userCode: string, upn: string, opts?: { mfa?: boolean }): void;
  /** Replaces the tenant's Conditional Access policies (validated; names must exist). */
  setConditionalAccess(policies: ConditionalAccessPolicy[]): void;
  /** Changes an app registration's assignment/consent settings (the directory's `clients` entry). */
  setClientSettings(clientId: string, settings: ClientSettings): void;
  /** Sign-in events since the start or resetCounters(): MFA prompts/approvals, consents, refusals. */
  events(kind?: SimEvent['kind']): SimEvent[];
  /** A user token is for the resource tenant (a guest's: the guest object) unless `homeTenant`. */
  mintAccessToken(subject: MintSubject, opts?: MintOptions): string;
}

const DAY = 86_400;

function accountOrThrow(dir: Directory, name: string): Account {
  const account = findAccount(dir, name);
  if (!account) throw new Error(`unknown user ${name}`);
  return account;
}

function resolveSubject(dir: Directory, subject: MintSubject, homeTenant: boolean): TokenSubject {
  const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  if ('upn' in subject) {
    const account = accountOrThrow(dir, subject.upn);
    const principal = principalIn(dir, account, homeTenant ? account.home.id : dir.tenant.id);
    if (!principal) throw new Error(`${subject.upn} is not in the resource tenant (use homeTenant)`);
    return { kind: 'user', principal };
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

const positive = (seconds: number, what: string): number => {
  if (!(seconds > 0)) throw new Error(`${what} must be positive`);
  return Math.floor(seconds);
};

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
  const state = new SimState({
    tokenLifetimeSeconds: opts.tokenLifetimeSeconds === undefined ? null : positive(opts.tokenLifetimeSeconds, 'token lifetime'),
    managedIdentityTokenLifetimeSeconds: positive(opts.managedIdentityTokenLifetimeSeconds ?? DAY, 'managed identity token lifetime'),
    refreshTokenGraceSeconds: Math.max(0, opts.refreshTokenGraceSeconds ?? DAY),
    autoApprove: opts.autoApprove ?? null,
    mfaByDefault: opts.mfaByDefault ?? true,
    refuseFirstPartyGraphScopes: opts.refuseFirstPartyGraphScopes ?? false,
  });
  checkPolicies(directory, directory.conditionalAccess);
  state.conditionalAccess = [...directory.conditionalAccess];
  const identityHeader = randomBytes(16).toString('hex');
  const issuerV1 = `https://sts.windows.net/${tenantId}/`;
  const key = await createSigningKey(issuerV1);
  const foreignKey = await createSigningKey(issuerV1, key.kid);
  // `origin` is filled in per request from its Host header; the IMDS handlers write no login URLs.
  const groupsOf = opts.groupsOf ?? ((oid: string) => directory.groups.filter((g) => g.members.includes(oid)).map((g) => g.objectId));
  const ctx: SimContext = {
    directory,
    state,
    tokens: new TokenFactory(directory, key, foreignKey, groupsOf),
    grants: new GrantStore(),
    devices: new DeviceCodeStore(),
    extraResources: [...(opts.extraResources ?? []), ...(opts.graphResources ?? [])],
    graphResources: [...(opts.graphResources ?? [])],
    groupsOf,
    origin: '',
  };
  const mounted = new Map<string, HttpHandler>();
  const hostOnly = (host: string | undefined): string => (host ?? '').toLowerCase().replace(/:\d{1,5}$/, '');
  const routeOptions = { jwks: [key.jwk], deviceCodeIntervalSeconds: opts.deviceCodeIntervalSeconds ?? 5 };
  const https: Listener = new Listener(
    () =>
      createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem, minVersion: 'TLSv1.2' }, (req, res) => {
        const other = mounted.get(hostOnly(req.headers.host));
        if (other) return other(req, res);
        guarded((q, r) => route({ ...ctx, origin: names.originOf(q.headers.host) }, routeOptions, q, r))(req, res);
      }),
    await httpsBindPlan(opts.listen?.https),
  );
  const names = new HostNames(opts.listen?.https, () => https.port);
  const http = new Listener(() => createHttpServer(guarded((req, res) => handleManagedIdentity(ctx, identityHeader, req, res))), imdsBindPlan(opts.listen?.imds));
  await https.start();
  try {
    await http.start();
  } catch (e) {
    await https.stop();
    throw e;
  }
  const authorityHost = names.authorityHost;
  const imdsEndpoint = imdsOrigin(opts.listen?.imds, http.address, http.port);

  const control: EntraControl = {
    setTokenLifetime(seconds) {
      state.tokenLifetimeSeconds = seconds === null ? null : positive(seconds, 'token lifetime');
    },
    setManagedIdentityTokenLifetime(seconds) {
      state.managedIdentityTokenLifetimeSeconds = positive(seconds, 'managed identity token lifetime');
    },
    setRefreshTokenGrace(seconds) {
      if (!(seconds >= 0)) throw new Error('refresh token grace must be ≥ 0');
      state.refreshTokenGraceSeconds = seconds;
    },
    setAutoApprove(upn) {
      if (upn !== null) accountOrThrow(directory, upn);
      state.autoApprove = upn;
    },
    setMfaByDefault(on) {
      state.mfaByDefault = on;
    },
    setRefuseFirstPartyGraphScopes(on) {
      state.refuseFirstPartyGraphScopes = on;
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
      ctx.grants.revoke(upn === undefined ? undefined : accountOrThrow(directory, upn).user.objectId);
    },
    requestCount: (endpoint) => state.requestCount(endpoint),
    resetCounters: () => state.resetCounters(),
    approveDeviceCode(userCode, upn, o = {}) {
      const entry = ctx.devices.byUserCode(userCode);
      if (!entry || entry.status !== 'pending') throw new Error(`no pending device code ${userCode}`);
      const refused = approve(ctx, entry, accountOrThrow(directory, upn), o);
      if (refused) throw new Error(`${upn} cannot sign in to ${entry.tenant}: ${refused}`);
    },
    setConditionalAccess(policies) {
      const parsed = z.array(ConditionalAccessPolicySchema).parse(policies);
      checkPolicies(directory, parsed);
      state.conditionalAccess = parsed;
    },
    setClientSettings(clientId, settings) {
      const client = directory.clients.find((c) => c.clientId.toLowerCase() === clientId.toLowerCase());
      if (!client) throw new Error(`no client ${clientId} in the directory`);
      if (settings.assignedUsers) checkNames(directory, settings.assignedUsers, `client ${client.displayName}`);
      Object.assign(client, settings);
    },
    events: (kind) => state.events(kind),
    mintAccessToken(subject, o = {}) {
      const resolved = resolveSubject(directory, subject, o.homeTenant ?? false);
      const clientId = resolved.kind === 'managedIdentity' ? resolved.identity.clientId : resolved.kind === 'servicePrincipal' ? resolved.principal.appId : (o.clientId ?? AZURE_CLI_CLIENT_ID);
      const lifetime = resolved.kind === 'managedIdentity' ? state.managedIdentityTokenLifetimeSeconds : state.userTokenLifetime();
      return ctx.tokens.accessToken(resolved, {
        resource: o.audience ?? POSTGRES_RESOURCE,
        exactAudience: o.audience !== undefined,
        clientId,
        lifetimeSeconds: o.lifetimeSeconds ?? lifetime,
        expired: o.expired,
        notYetValid: o.notYetValid,
        tenantId: o.tenantId,
        tamper: o.tamper,
        signWithForeignKey: o.signWithForeignKey,
        includeExternalUpn: o.includeExternalUpn,
        mfa: o.mfa,
        acrs: o.acrs,
        scp: o.scp,
      });
    },
  };

  return {
    authorityHost,
    knownAuthorities: names.knownAuthorities,
    tenantId,
    issuerV1,
    jwksUri: `${authorityHost}/${tenantId}/discovery/v2.0/keys`,
    imdsEndpoint,
    appService: { endpoint: `${imdsEndpoint}${APP_SERVICE_PATH}`, header: identityHeader },
    loginListener: { address: https.address, port: https.port },
    signingKeys: [key.jwk],
    mountHost(hosts, handler) {
      for (const h of hosts) mounted.set(h.toLowerCase(), handler);
    },
    control,
    async close() {
      await Promise.all([https.stop(), http.stop()]);
    },
  };
}
