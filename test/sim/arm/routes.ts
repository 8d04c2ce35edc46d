// Request handling for the Resource Manager simulator: authentication, the faults tests inject,
// then the subscription and Microsoft.DBforPostgreSQL/flexibleServers routes the product uses.
// Path segments are case-insensitive, as in ARM; `origin` is the one the request came to, so
// nextLink and polling URLs point back at it.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv4 } from 'node:net';
import type { FirewallRule } from '../flex/firewall.js';
import { wwwAuthenticate, type ArmAuthenticator } from './auth.js';
import { armCloudOf } from './clouds.js';
import { readBody, send, sendError, type ArmError } from './http.js';
import { isWrite, meetsMandatoryMfa, mfaChallenge } from './mfa.js';
import { FLEX_TYPE, subscriptionScope, type FlexServer, type Subscription } from './model.js';
import { ACTIONS, authorizationFailed, hasAnyRoleIn, isAuthorized, type Caller } from './rbac.js';
import { administratorJson, firewallRuleJson, serverJson, subscriptionJson } from './resources.js';
import type { ArmState, Operation, RequestKind } from './state.js';

export interface ArmRequest {
  state: ArmState;
  auth: ArmAuthenticator;
  /** `https://host[:port]` this request came to. */
  origin: string;
}

/** A failed request: status, ARM error, extra headers. */
class Refusal {
  constructor(
    readonly status: number,
    readonly error: ArmError,
    readonly headers: Record<string, string> = {},
  ) {}
}

const RULE_NAME = /^[-\w.]{1,128}$/;
const PROVIDER = 'microsoft.dbforpostgresql';

function kindOf(method: string, l: string[]): RequestKind {
  if (l[0] !== 'subscriptions') return 'other';
  if (l.length <= 2) return 'subscriptions';
  if (l[2] === 'providers' && l[4] === 'locations') return 'operations';
  const flex = l[2] === 'providers' ? 5 : l[2] === 'resourcegroups' && l[4] === 'providers' ? 7 : -1;
  if (flex < 0 || l[flex - 2] !== PROVIDER || l[flex - 1] !== 'flexibleservers') return 'other';
  const rest = l.slice(flex);
  if (rest.length === 0) return 'servers';
  if (rest.length === 1) return 'server';
  if (rest[1] === 'administrators') return 'administrators';
  if (rest[1] === 'firewallrules') return method === 'PUT' ? 'firewallRules:write' : method === 'DELETE' ? 'firewallRules:delete' : 'firewallRules';
  return 'other';
}

const notFound = (what: string): Refusal => new Refusal(404, { code: 'NotFound', message: `The requested resource '${what}' was not found.` });

function invalidResourceType(type: string, apiVersion: string): Refusal {
  return new Refusal(404, { code: 'InvalidResourceType', message: `The resource type '${type}' could not be found in the namespace 'Microsoft.DBforPostgreSQL' for api version '${apiVersion}'.` });
}

function resourceNotFound(type: string, rg: string): Refusal {
  return new Refusal(404, {
    code: 'ResourceNotFound',
    message: `The Resource '${type}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  });
}

const methodNotAllowed = (method: string): Refusal => new Refusal(405, { code: 'MethodNotAllowed', message: `The requested resource does not support http method '${method}'.` });

function serverError(status: number): ArmError {
  if (status === 503) return { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable. Please try again later.' };
  if (status === 502) return { code: 'BadGateway', message: 'The gateway did not receive a response from the service in time.' };
  if (status === 504) return { code: 'GatewayTimeout', message: 'The gateway did not receive a response within the specified time period.' };
  return {
    code: 'InternalServerError',
    message: `Encountered internal server error. Diagnostic information: timestamp '${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}', tracking id '${randomUUID()}', request correlation id '${randomUUID()}'.`,
  };
}

/** Pages of `items` by an opaque `$skipToken` (an offset), with an absolute nextLink. */
function page<T>(items: T[], url: URL, origin: string, pageSize: number, apiVersion: string): { value: T[]; nextLink?: string } {
  const token = [...url.searchParams].find(([k]) => k.toLowerCase() === '$skiptoken')?.[1];
  let offset = 0;
  if (token !== undefined) {
    const m = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!m) throw new Refusal(400, { code: 'InvalidSkipToken', message: `The skip token '${token}' is invalid.` });
    offset = Number(m[1]);
  }
  const value = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  if (next >= items.length) return { value };
  const skip = Buffer.from(`offset:${next}`).toString('base64url');
  return { value, nextLink: `${origin}${url.pathname}?api-version=${encodeURIComponent(apiVersion)}&$skipToken=${skip}` };
}

class Handler {
  private readonly method: string;
  private readonly url: URL;
  private readonly apiVersion: string;

  constructor(
    private readonly r: ArmRequest,
    private readonly req: IncomingMessage,
    private readonly response: ServerResponse,
    private readonly caller: Caller,
    url: URL,
    apiVersion: string,
  ) {
    this.method = (req.method ?? 'GET').toUpperCase();
    this.url = url;
    this.apiVersion = apiVersion;
  }

  private get state(): ArmState {
    return this.r.state;
  }

  private authorize(action: string, scope: string): void {
    if (!isAuthorized(this.state.assignments, this.caller, action, scope)) throw new Refusal(403, authorizationFailed(this.caller, action, scope));
  }

  private only(...methods: string[]): void {
    if (!methods.includes(this.method)) throw methodNotAllowed(this.method);
  }

  private pageOf<T>(items: T[]): { value: T[]; nextLink?: string } {
    return page(items, this.url, this.r.origin, this.state.pageSize, this.apiVersion);
  }

  /** A subscription the caller's tenant owns; a token from another tenant is ARM's 401. */
  private subscription(id: string): Subscription {
    const sub = this.state.subscription(id);
    if (!sub) throw new Refusal(404, { code: 'SubscriptionNotFound', message: `The subscription '${id}' could not be found.` });
    if (sub.tenantId.toLowerCase() !== this.caller.tenantId.toLowerCase()) {
      const message = `The access token is from the wrong issuer 'https://sts.windows.net/${this.caller.tenantId}/'. It must match the tenant 'https://sts.windows.net/${sub.tenantId}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/${sub.tenantId}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.`;
      throw new Refusal(
        401,
        { code: 'InvalidAuthenticationTokenTenant', message },
        { 'www-authenticate': wwwAuthenticate({ code: '', message: '', description: 'The access token is from the wrong issuer.' }) },
      );
    }
    return sub;
  }

  private resourceGroup(sub: Subscription, name: string): string {
    const rg = this.state.resourceGroup(sub.subscriptionId, name);
    if (!rg) throw new Refusal(404, { code: 'ResourceGroupNotFound', message: `Resource group '${name}' could not be found.` });
    return rg.name;
  }

  private serverJson(s: FlexServer): unknown {
    return serverJson(s, this.state.policy(s), armCloudOf(this.r.origin).postgresSuffix);
  }

  async handle(segs: string[]): Promise<void> {
    const l = segs.map((s) => s.toLowerCase());
    if (segs.length === 1) {
      this.only('GET');
      const mine = this.state.subscriptions.filter(
        (s) => s.tenantId.toLowerCase() === this.caller.tenantId.toLowerCase() && hasAnyRoleIn(this.state.assignments, this.caller, subscriptionScope(s.subscriptionId)),
      );
      const p = this.pageOf(mine.map(subscriptionJson));
      return this.ok({ ...p, count: { type: 'Total', value: mine.length } });
    }
    const sub = this.subscription(segs[1] ?? '');
    const subScope = subscriptionScope(sub.subscriptionId);
    if (segs.length === 2) {
      this.only('GET');
      if (!hasAnyRoleIn(this.state.assignments, this.caller, subScope)) throw new Refusal(403, authorizationFailed(this.caller, 'Microsoft.Resources/subscriptions/read', subScope));
      return this.ok(subscriptionJson(sub));
    }
    if (l[2] === 'providers' && l[3] === PROVIDER) {
      if (l[4] === 'flexibleservers' && segs.length === 5) {
        this.only('GET');
        this.authorize(ACTIONS.serverRead, subScope);
        const servers = this.state.servers.filter((s) => s.subscriptionId === sub.subscriptionId);
        return this.ok(this.pageOf(servers.map((s) => this.serverJson(s))));
      }
      if (l[4] === 'locations' && segs.length === 8 && (l[6] === 'azureasyncoperation' || l[6] === 'operationresults')) {
        this.only('GET');
        return this.operation(sub, segs[7] ?? '', l[6] === 'operationresults');
      }
      throw invalidResourceType(segs.slice(4, 5).join('/') || '(none)', this.apiVersion);
    }
    if (l[2] === 'resourcegroups' && segs.length >= 4) {
      const rgScope = `${subScope}/resourceGroups/${segs[3] ?? ''}`;
      if (segs.length === 4) throw notFound(this.url.pathname);
      if (l[4] !== 'providers' || l[5] !== PROVIDER || segs.length < 7) throw notFound(this.url.pathname);
      if (l[6] !== 'flexibleservers') throw invalidResourceType(segs[6] ?? '', this.apiVersion);
      const rest = segs.slice(7);
      if (rest.length === 0) {
        this.only('GET');
        this.authorize(ACTIONS.serverRead, rgScope);
        const rg = this.resourceGroup(sub, segs[3] ?? '');
        return this.ok(this.pageOf(this.state.servers.filter((s) => s.subscriptionId === sub.subscriptionId && s.resourceGroup.toLowerCase() === rg.toLowerCase()).map((s) => this.serverJson(s))));
      }
      return this.serverRoutes(sub, segs[3] ?? '', rest, `/${segs.join('/')}`);
    }
    throw notFound(this.url.pathname);
  }

  private findServer(sub: Subscription, rgName: string, name: string): FlexServer | undefined {
    const s = this.state.server(name);
    return s && s.subscriptionId === sub.subscriptionId && s.resourceGroup.toLowerCase() === rgName.toLowerCase() ? s : undefined;
  }

  private async serverRoutes(sub: Subscription, rgName: string, rest: string[], scope: string): Promise<void> {
    const [name = '', child, childName, ...more] = rest;
    const childType = child?.toLowerCase();
    if (child === undefined) {
      this.only('GET');
      this.authorize(ACTIONS.serverRead, scope);
      const rg = this.resourceGroup(sub, rgName);
      const s = this.findServer(sub, rg, name);
      if (!s) throw resourceNotFound(`${FLEX_TYPE}/${name}`, rg);
      return this.ok(this.serverJson(s));
    }
    if (more.length > 0 || (childType !== 'administrators' && childType !== 'firewallrules')) throw invalidResourceType(`flexibleServers/${child}`, this.apiVersion);
    const action =
      childType === 'administrators' ? ACTIONS.administratorsRead : this.method === 'PUT' ? ACTIONS.firewallWrite : this.method === 'DELETE' ? ACTIONS.firewallDelete : ACTIONS.firewallRead;
    if (childName === undefined || childType === 'administrators') this.only('GET');
    else this.only('GET', 'PUT', 'DELETE');
    this.authorize(action, scope);
    const rg = this.resourceGroup(sub, rgName);
    const s = this.findServer(sub, rg, name);
    if (!s) throw new Refusal(404, { code: 'ParentResourceNotFound', message: `Can not perform requested operation on nested resource. Parent resource '${name}' not found.` });
    if (childType === 'administrators') {
      if (childName === undefined) return this.ok(this.pageOf(s.administrators.map((a) => administratorJson(s, a))));
      const a = s.administrators.find((x) => x.objectId.toLowerCase() === childName.toLowerCase());
      if (!a) throw resourceNotFound(`${FLEX_TYPE}/${s.name}/administrators/${childName}`, rg);
      return this.ok(administratorJson(s, a));
    }
    if (childName === undefined) return this.ok(this.pageOf(this.state.firewallRules(s).map((r) => firewallRuleJson(s, r))));
    const existing = this.state.firewallRules(s).find((r) => r.name.toLowerCase() === childName.toLowerCase());
    if (this.method === 'GET') {
      if (!existing) throw resourceNotFound(`${FLEX_TYPE}/${s.name}/firewallRules/${childName}`, rg);
      return this.ok(firewallRuleJson(s, existing));
    }
    if (this.method === 'DELETE') {
      // ARM: deleting what is not there succeeds at once.
      if (!existing) return send(this.req, this.res(), 204, undefined);
      return this.accepted(s, () => this.state.deleteFirewallRule(s, childName));
    }
    const rule = await this.ruleFromBody(childName);
    return this.accepted(
      s,
      () => this.state.putFirewallRule(s, rule),
      () => {
        const stored = this.state.firewallRules(s).find((r) => r.name.toLowerCase() === rule.name.toLowerCase());
        return stored && firewallRuleJson(s, stored);
      },
    );
  }

  /** The PUT body, validated as the resource provider does (texts are plausible guesses). */
  private async ruleFromBody(name: string): Promise<FirewallRule> {
    if (!RULE_NAME.test(name)) {
      throw new Refusal(400, {
        code: 'InvalidResourceName',
        message: `Resource name ${name} is invalid. The name can be up to 128 characters long and can contain only letters, digits, '-', '_' and '.'.`,
      });
    }
    let body: unknown;
    const text = await readBody(this.req);
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new Refusal(400, { code: 'InvalidRequestContent', message: `The request content was invalid and could not be deserialized: '${e instanceof Error ? e.message : String(e)}'.` });
    }
    const props = typeof body === 'object' && body !== null ? (body as { properties?: unknown }).properties : undefined;
    const p = (typeof props === 'object' && props !== null ? props : {}) as Record<string, unknown>;
    for (const field of ['startIpAddress', 'endIpAddress']) {
      const v = p[field];
      if (typeof v !== 'string' || !isIPv4(v)) {
        throw new Refusal(400, { code: 'InvalidParameterValue', message: `Invalid value given for parameter ${field}. Specify a valid parameter value.` });
      }
    }
    const start = String(p.startIpAddress);
    const end = String(p.endIpAddress);
    const n = (ip: string): number => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    if (n(start) > n(end)) {
      throw new Refusal(400, { code: 'InvalidParameterValue', message: `The start IP address '${start}' must not be greater than the end IP address '${end}'.` });
    }
    return { name, startIpAddress: start, endIpAddress: end };
  }

  /** 202 Accepted with ARM's polling headers; the change happens when the operation succeeds. */
  private accepted(s: FlexServer, complete: () => void, result?: () => unknown): void {
    const op: Operation = {
      id: randomUUID(),
      subscriptionId: s.subscriptionId,
      location: s.location,
      startTime: new Date().toISOString(),
      pollsLeft: this.state.asyncPolls,
      status: 'InProgress',
      complete,
      ...(result ? { result } : {}),
    };
    this.state.operations.set(op.id, op);
    send(this.req, this.res(), 202, undefined, { ...this.pollingHeaders(op), 'retry-after': '1' });
  }

  private pollingHeaders(op: Operation): { 'azure-asyncoperation': string; location: string } {
    const base = `${this.r.origin}/subscriptions/${op.subscriptionId}/providers/Microsoft.DBforPostgreSQL/locations/${op.location}`;
    const q = `?api-version=${encodeURIComponent(this.apiVersion)}`;
    return { 'azure-asyncoperation': `${base}/azureAsyncOperation/${op.id}${q}`, location: `${base}/operationResults/${op.id}${q}` };
  }

  private operation(sub: Subscription, id: string, results: boolean): void {
    const op = this.state.operations.get(id.toLowerCase());
    const scope = `/${this.url.pathname.split('/').filter(Boolean).join('/')}`;
    this.authorize(results ? ACTIONS.operationResultsRead : ACTIONS.asyncOperationRead, scope);
    if (!op || op.subscriptionId !== sub.subscriptionId) throw new Refusal(404, { code: 'OperationNotFound', message: `The operation '${id}' could not be found.` });
    if (op.status === 'InProgress') {
      if (op.pollsLeft > 0) op.pollsLeft -= 1;
      else {
        op.complete();
        op.status = 'Succeeded';
        op.endTime = new Date().toISOString();
      }
    }
    if (results) {
      if (op.status === 'InProgress') return send(this.req, this.res(), 202, undefined, { location: this.pollingHeaders(op).location, 'retry-after': '1' });
      const body = op.result?.();
      return body === undefined ? send(this.req, this.res(), 204, undefined) : this.ok(body);
    }
    const body = { name: op.id, status: op.status, startTime: op.startTime, ...(op.endTime ? { endTime: op.endTime } : {}) };
    return this.ok(body, op.status === 'InProgress' ? { 'retry-after': '1' } : {});
  }

  private res(): ServerResponse {
    return this.response;
  }

  private ok(body: unknown, headers: Record<string, string> = {}): void {
    send(this.req, this.res(), 200, body, headers);
  }
}

export async function handleArm(r: ArmRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', r.origin);
  const method = (req.method ?? 'GET').toUpperCase();
  let segs: string[];
  try {
    segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return sendError(req, res, 400, { code: 'InvalidRequestUri', message: 'The request URI is invalid.' });
  }
  r.state.count(
    kindOf(
      method,
      segs.map((s) => s.toLowerCase()),
    ),
  );
  // Nothing but /subscriptions… is served (so Entra's paths on an ARM host are plainly absent).
  if (segs[0]?.toLowerCase() !== 'subscriptions') return sendError(req, res, 404, notFound(url.pathname).error);
  const authorization = req.headers.authorization;
  const auth = r.auth.authenticate(authorization, armCloudOf(r.origin).audiences);
  if (!auth.ok) return sendError(req, res, 401, { code: auth.failure.code, message: auth.failure.message }, { 'www-authenticate': wwwAuthenticate(auth.failure) });
  if (r.state.requireMfaForWrites && isWrite(method) && !meetsMandatoryMfa(auth.authn)) {
    r.state.count('mfaChallenge');
    const challenge = mfaChallenge(segs[segs.length - 1] ?? '');
    return sendError(req, res, 401, challenge.error, challenge.headers);
  }
  const failure = r.state.takeFailure();
  if (failure !== undefined) return sendError(req, res, failure, serverError(failure));
  const retryAfter = r.state.takeThrottle();
  if (retryAfter !== undefined) {
    const kind = method === 'GET' ? 'reads' : 'writes';
    return sendError(
      req,
      res,
      429,
      {
        code: 'TooManyRequests',
        message: `The request is being throttled as the limit has been reached for operation type - ${method === 'GET' ? 'Read' : 'Write'}_ObservationWindow_00:05:00. For more information, refer to - https://aka.ms/srpthrottlinglimits`,
      },
      { 'retry-after': String(retryAfter), [`x-ms-ratelimit-remaining-subscription-${kind}`]: '0' },
    );
  }
  const apiVersion = [...url.searchParams].find(([k]) => k.toLowerCase() === 'api-version')?.[1];
  if (!apiVersion) return sendError(req, res, 400, { code: 'MissingApiVersionParameter', message: 'The api-version query parameter (?api-version=) is required for all requests.' });
  try {
    await new Handler(r, req, res, auth.caller, url, apiVersion).handle(segs);
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    sendError(req, res, e.status, e.error, e.headers);
  }
}
