// The simulated Azure Resource Manager: subscriptions, RBAC and Microsoft.DBforPostgreSQL
// flexible servers (administrators, firewall rules with long-running PUT/DELETE), in ARM's wire
// format, so the product's @azure/arm-postgresql-flexible client runs unchanged. In the
// public-cloud mode it answers as management.azure.com (& the national hosts) on the Entra
// simulator's listener; on localhost it has its own HTTPS listener (startArmListener).
import type { TlsMaterial } from '../ca.js';
import type { Jwk } from '../entra/keys.js';
import type { FirewallRule } from '../flex/firewall.js';
import { SERVER_STATES, type ServerPolicies, type ServerState } from '../flex/policy.js';
import { startServiceListener, type ServiceListener } from '../serviceListener.js';
import { ACCOUNTS, type Directory } from '../types.js';
import type { EntraSim, HttpHandler } from '../entra/index.js';
import { ArmAuthenticator } from './auth.js';
import { ARM_HOSTS } from './clouds.js';
import { ALLOW_ALL, defaultArmSeed, groupAdmin, newServer, type ArmSeed } from './defaults.js';
import { sendError } from './http.js';
import { ROLE_NAMES, subscriptionScope, type RoleName, type SubscriptionState } from './model.js';
import { handleArm } from './routes.js';
import { ArmState, type OutcomeKind, type RequestKind } from './state.js';

export { ARM_HOSTS };
export { ALLOW_ALL, SUBSCRIPTIONS } from './defaults.js';
export type { OutcomeKind, RequestKind } from './state.js';
export { MFA_CLAIMS } from './mfa.js';

export interface AddServersOptions {
  /** Default `rg-bench` (created when missing). */
  resourceGroup?: string;
  /** Default `westeurope`. */
  location?: string;
  /** Names are `<prefix>-001`, `<prefix>-002`, … continuing across calls. Default `srv`. */
  prefix?: string;
  version?: string;
  state?: ServerState;
  entraAuth?: boolean;
}

export interface ArmControl {
  /** The next `count` authenticated requests answer 429 TooManyRequests with `Retry-After: retryAfterSeconds`. */
  throttleNext(count?: number, retryAfterSeconds?: number): void;
  /** The next `count` authenticated requests answer `status` (5xx) with ARM's error body. */
  failNext(status: number, count?: number): void;
  /** Items per page of every list (servers, subscriptions, administrators, firewall rules). Default 3. */
  setPageSize(n: number): void;
  /** How many polls of a long-running operation answer InProgress before it succeeds. Default 1. */
  setAsyncPolls(n: number): void;
  /** A subscription in the resource tenant; `contributors`/`readers` are UPNs (default: the secondary admin is Contributor). */
  addSubscription(opts: { subscriptionId: string; displayName: string; state?: SubscriptionState; contributors?: string[]; readers?: string[] }): void;
  /** Generated servers (Ready, Entra admin db-admins, AllowAll rule); returns their names. */
  addServers(subscriptionId: string, count: number, opts?: AddServersOptions): string[];
  /** A role for a user (UPN) or any principal/group (object id) at a subscription or resource-group scope. */
  assignRole(principal: string, roleName: RoleName, scope: string): void;
  setServerState(name: string, state: ServerState): void;
  setEntraAuth(name: string, enabled: boolean): void;
  /** Replaces the server's firewall rules at once (no operation), applied to new connections. */
  setFirewallRules(name: string, rules: readonly FirewallRule[]): void;
  firewallRules(name: string): FirewallRule[];
  /** Requests by kind ('subscriptions', 'servers', 'server', 'administrators', 'firewallRules',
   *  'firewallRules:write', 'firewallRules:delete', 'operations', 'other'); total when omitted.
   *  'mfaChallenge': writes refused by the mandatory-MFA claims challenge (not in the total). */
  requestCount(kind?: RequestKind | OutcomeKind): number;
  resetCounters(): void;
  /** See ArmServiceOptions.requireMfaForWrites. */
  setRequireMfaForWrites(on: boolean): void;
}

export interface ArmService {
  control: ArmControl;
  /** Serves one request; `origin` is where the client reached it (`https://management.azure.com`). */
  handle(origin: string): HttpHandler;
}

export interface ArmServiceOptions {
  directory: Directory;
  /** The flexible-server simulator's per-server store (shared: ARM writes rules, the server enforces them). */
  policies: ServerPolicies;
  /** The Entra simulator's published keys: tokens are verified in process. */
  signingKeys: readonly Jwk[];
  /** Default: defaults.ts. */
  seed?: ArmSeed;
  /** Azure's mandatory MFA for create/update/delete: a user token without MFA gets ARM's claims challenge. Default false. */
  requireMfaForWrites?: boolean;
}

const positiveInt = (n: number, what: string): number => {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer`);
  return n;
};

export function createArmService(opts: ArmServiceOptions): ArmService {
  const dir = opts.directory;
  const state = new ArmState(opts.seed ?? defaultArmSeed(dir), opts.policies);
  state.requireMfaForWrites = opts.requireMfaForWrites ?? false;
  const auth = new ArmAuthenticator(opts.signingKeys, [dir.tenant.id, ...dir.externalTenants.map((t) => t.id)]);
  const userId = (name: string): string => {
    const u = dir.users.find((x) => x.upn.toLowerCase() === name.toLowerCase());
    if (u) return u.objectId;
    if (/^[0-9a-f-]{36}$/i.test(name)) return name;
    throw new Error(`unknown principal ${name}`);
  };
  const usedNames = (prefix: string): number => state.servers.filter((s) => s.name.startsWith(`${prefix}-`)).length;

  const control: ArmControl = {
    throttleNext: (count = 1, retryAfterSeconds = 1) => state.throttleNext(positiveInt(count, 'count'), positiveInt(retryAfterSeconds, 'retryAfterSeconds')),
    failNext(status, count = 1) {
      if (!(status >= 500 && status <= 599)) throw new Error('failNext takes a 5xx status');
      state.failNext(status, positiveInt(count, 'count'));
    },
    setPageSize(n) {
      if (!(Number.isInteger(n) && n > 0)) throw new Error('page size must be a positive integer');
      state.pageSize = n;
    },
    setAsyncPolls: (n) => void (state.asyncPolls = positiveInt(n, 'async polls')),
    addSubscription(o) {
      if (state.subscription(o.subscriptionId)) throw new Error(`subscription ${o.subscriptionId} exists`);
      state.subscriptions.push({ subscriptionId: o.subscriptionId, displayName: o.displayName, state: o.state ?? 'Enabled', tenantId: dir.tenant.id });
      const scope = subscriptionScope(o.subscriptionId);
      for (const upn of o.contributors ?? [ACCOUNTS.secondary]) state.assignments.push({ principalId: userId(upn), roleName: 'Contributor', scope });
      for (const upn of o.readers ?? []) state.assignments.push({ principalId: userId(upn), roleName: 'Reader', scope });
    },
    addServers(subscriptionId, count, o = {}) {
      const sub = state.subscription(subscriptionId);
      if (!sub) throw new Error(`no subscription ${subscriptionId}`);
      const resourceGroup = o.resourceGroup ?? 'rg-bench';
      const location = o.location ?? 'westeurope';
      if (!state.resourceGroup(sub.subscriptionId, resourceGroup)) state.resourceGroups.push({ subscriptionId: sub.subscriptionId, name: resourceGroup, location });
      const prefix = o.prefix ?? 'srv';
      const first = usedNames(prefix) + 1;
      const names: string[] = [];
      for (let i = 0; i < positiveInt(count, 'count'); i++) {
        const name = `${prefix}-${String(first + i).padStart(3, '0')}`;
        if (state.server(name)) throw new Error(`server ${name} exists`);
        state.servers.push(newServer(dir, { name, subscriptionId: sub.subscriptionId, resourceGroup, location, version: o.version ?? '16', administrators: [groupAdmin(dir, ACCOUNTS.adminGroup)] }));
        opts.policies.set(name, { firewallRules: [ALLOW_ALL], entraAuth: o.entraAuth ?? true, state: o.state ?? 'Ready' });
        names.push(name);
      }
      return names;
    },
    assignRole(principal, roleName, scope) {
      if (!ROLE_NAMES.includes(roleName)) throw new Error(`unknown role ${roleName}`);
      const group = dir.groups.find((g) => g.displayName === principal);
      state.assignments.push({ principalId: group ? group.objectId : userId(principal), roleName, scope });
    },
    setServerState(name, s) {
      if (!SERVER_STATES.includes(s)) throw new Error(`unknown server state ${s}`);
      opts.policies.set(state.serverOrThrow(name).name, { state: s });
    },
    setEntraAuth: (name, enabled) => void opts.policies.set(state.serverOrThrow(name).name, { entraAuth: enabled }),
    setFirewallRules: (name, rules) => void opts.policies.set(state.serverOrThrow(name).name, { firewallRules: [...rules] }),
    firewallRules: (name) => state.firewallRules(state.serverOrThrow(name)),
    requestCount: (kind) => state.requestCount(kind),
    resetCounters: () => state.resetCounters(),
    setRequireMfaForWrites: (on) => void (state.requireMfaForWrites = on),
  };

  return {
    control,
    handle: (origin) => (req, res) => {
      handleArm({ state, auth, origin }, req, res).catch(() => {
        // A bug or a broken client must not crash the simulator; ARM answers 500 too.
        if (!res.headersSent) sendError(req, res, 500, { code: 'InternalServerError', message: 'Encountered internal server error.' });
        else res.destroy();
      });
    },
  };
}

/** The public-cloud mode: ARM answers on the login listener for requests to Resource Manager's hosts. */
export function mountOnLoginListener(entra: Pick<EntraSim, 'mountHost'>, service: ArmService): void {
  entra.mountHost(ARM_HOSTS, (req, res) => service.handle(`https://${(req.headers.host ?? ARM_HOSTS[0] ?? '').toLowerCase()}`)(req, res));
}

/** ARM's own loopback listener for the localhost mode; `origin` is the custom cloud's managementEndpoint. */
export type ArmListener = ServiceListener<ArmService>;

export function startArmListener(tls: TlsMaterial): Promise<ArmListener> {
  return startServiceListener<ArmService>(tls, (req, res) => sendError(req, res, 503, { code: 'ServiceUnavailable', message: 'The simulator is starting.' }));
}
