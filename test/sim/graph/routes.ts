// Request handling for the Microsoft Graph simulator: authentication (401), the delegated
// permission each route needs (403), then PIM for Groups — eligibility and assignment schedule
// instances, assignment schedule requests (self-activation, deactivation, polling, cancel) — the
// groups' PIM policies, `/groups/{id}` and `/me`. Path segments are case-insensitive as in Graph;
// `origin` is the one the request came to (it is written into `@odata.context`).
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { cancelRequest, submitRequest, type PimFailure } from '../pim/activation.js';
import type { PimStore } from '../pim/store.js';
import { WWW_AUTHENTICATE, type GraphAuthenticator, type GraphCaller } from './auth.js';
import { graphAudiences } from './clouds.js';
import { readBody, type GraphError, type GraphResponder } from './http.js';
import { parseExpand, parseFilter, queryOption, type Filter } from './odata.js';
import { assignmentInstanceJson, eligibilityInstanceJson, groupJson, policyAssignmentJson, requestJson, userJson } from './resources.js';

export type GraphRequestKind =
  | 'eligibilityScheduleInstances'
  | 'assignmentScheduleInstances'
  | 'assignmentScheduleRequests'
  | 'assignmentScheduleRequests:post'
  | 'assignmentScheduleRequests:cancel'
  | 'policies'
  | 'groups'
  | 'me'
  | 'other';

export interface GraphContext {
  store: PimStore;
  auth: GraphAuthenticator;
  /** The resource tenant (PIM lives there; a token from another tenant sees none of it). */
  tenantId: string;
  count(kind: GraphRequestKind): void;
}

/** A refused request: status and Graph's error. */
class Refusal {
  constructor(
    readonly status: number,
    readonly error: GraphError,
  ) {}
}

// Graph's permissions reference, least privileged first; PIM names the whole list when none is there.
const ELIGIBILITY_READ = [
  'PrivilegedEligibilitySchedule.Read.AzureADGroup',
  'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
  'PrivilegedAccess.Read.AzureADGroup',
  'PrivilegedAccess.ReadWrite.AzureADGroup',
];
const ASSIGNMENT_READ = [
  'PrivilegedAssignmentSchedule.Read.AzureADGroup',
  'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
  'PrivilegedAccess.Read.AzureADGroup',
  'PrivilegedAccess.ReadWrite.AzureADGroup',
];
/** As Graph lists them refusing a self-activation (Azure/azure-cli#30149). */
const ASSIGNMENT_WRITE = ['PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup', 'PrivilegedAccess.ReadWrite.AzureADGroup', 'PrivilegedAssignmentSchedule.Remove.AzureADGroup'];
const POLICY_READ = ['RoleManagementPolicy.Read.AzureADGroup', 'RoleManagementPolicy.ReadWrite.AzureADGroup'];
const GROUP_READ = ['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All', 'Directory.AccessAsUser.All'];
const ME_READ = ['User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.AccessAsUser.All'];

/** PIM's backend answers a missing permission with its own error JSON inside Graph's message. */
function pimScopeCheck(caller: GraphCaller, accepted: readonly string[]): void {
  if (caller.scopes.some((s) => accepted.some((a) => a.toLowerCase() === s.toLowerCase()))) return;
  const inner = { errorCode: 'PermissionScopeNotGranted', message: `Authorization failed due to missing permission scope ${accepted.join(',')}.`, instanceAnnotations: [] };
  throw new Refusal(403, { code: 'UnknownError', message: JSON.stringify(inner) });
}

/** The directory's own answer (groups, users). */
function directoryScopeCheck(caller: GraphCaller, accepted: readonly string[]): void {
  if (caller.scopes.some((s) => accepted.some((a) => a.toLowerCase() === s.toLowerCase()))) return;
  throw new Refusal(403, { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
}

const badRequest = (message: string): Refusal => new Refusal(400, { code: 'BadRequest', message });

/** The words Graph answers a PIM refusal with (sources and guesses in FIDELITY.md). */
export function pimError(f: PimFailure): GraphError {
  switch (f.kind) {
    case 'invalid':
      return { code: 'InvalidRoleAssignmentRequest', message: 'The role assignment request is invalid.' };
    case 'exists':
      return { code: 'RoleAssignmentExists', message: 'The Role assignment already exists.' };
    case 'pending':
      return { code: 'PendingRoleAssignmentRequest', message: 'There is already an existing pending Role assignment request.' };
    case 'rules':
      return { code: 'RoleAssignmentRequestPolicyValidationFailed', message: `The following policy rules failed: ${JSON.stringify(f.rules)}` };
    case 'acrs': {
      // The claims a client must ask Entra for, URL-encoded after "&claims=" (what PIM writes).
      const claims = `{"access_token":{"acrs":{"essential":true, "value":"${f.claimValue}"}}}`;
      return { code: 'RoleAssignmentRequestAcrsValidationFailed', message: `&claims=${encodeURIComponent(claims)}` };
    }
    case 'notActive':
      return { code: 'RoleAssignmentDoesNotExist', message: 'The Role assignment does not exist.' };
  }
}

const RequestBody = z
  .object({
    accessId: z.string(),
    principalId: z.string(),
    groupId: z.string(),
    action: z.string(),
    justification: z.string().nullish(),
    customData: z.string().nullish(),
    isValidationOnly: z.boolean().optional(),
    scheduleInfo: z
      .object({
        startDateTime: z.string().nullish(),
        expiration: z.object({ type: z.string().optional(), duration: z.string().nullish(), endDateTime: z.string().nullish() }).nullish(),
      })
      .loose()
      .nullish(),
    ticketInfo: z.object({ ticketNumber: z.string().nullish(), ticketSystem: z.string().nullish() }).nullish(),
  })
  .loose();

/** `assignmentScheduleRequests('id')` and `assignmentScheduleRequests/id` name the same entity. */
function splitKeys(segs: string[]): string[] {
  return segs.flatMap((s) => {
    const m = /^([^(]+)\('([^']*)'\)$/.exec(s);
    return m?.[1] && m[2] !== undefined ? [m[1], m[2]] : [s];
  });
}

/** The paths served (`*` any one segment): Graph names the first segment past the known ones. */
const PATHS = [
  ['me'],
  ['groups', '*'],
  ['policies', 'rolemanagementpolicyassignments'],
  ['identitygovernance', 'privilegedaccess', 'group', 'eligibilityscheduleinstances'],
  ['identitygovernance', 'privilegedaccess', 'group', 'assignmentscheduleinstances'],
  ['identitygovernance', 'privilegedaccess', 'group', 'assignmentschedulerequests', '*', 'cancel'],
];

function knownPrefix(l: readonly string[]): number {
  let best = 0;
  for (const p of PATHS) {
    let n = 0;
    while (n < p.length && n < l.length && (p[n] === '*' || p[n] === l[n])) n++;
    best = Math.max(best, n);
  }
  return best;
}

class Handler {
  private readonly method: string;
  private readonly base: string;

  constructor(
    private readonly g: GraphContext,
    private readonly req: IncomingMessage,
    private readonly out: GraphResponder,
    private readonly caller: GraphCaller,
    private readonly url: URL,
    origin: string,
    version: string,
  ) {
    this.method = (req.method ?? 'GET').toUpperCase();
    this.base = `${origin}/${version}`;
  }

  private get store(): PimStore {
    return this.g.store;
  }

  /** PIM data lives in the resource tenant; a token from elsewhere sees none. */
  private get local(): boolean {
    return this.caller.tenantId.toLowerCase() === this.g.tenantId.toLowerCase();
  }

  private only(...methods: string[]): void {
    if (!methods.includes(this.method)) throw new Refusal(405, { code: 'Request_BadRequest', message: `The HTTP method '${this.method}' is not allowed for this resource.` });
  }

  /** `required`: properties (as Graph names them) of which the filter must name one. */
  private filter(required: readonly string[], entity: string): Filter {
    const f = parseFilter(queryOption(this.url, 'filter'));
    if ('error' in f) throw badRequest(f.error);
    if (!required.some((k) => f.has(k.toLowerCase()))) throw badRequest(`The ${entity} query requires a filter on ${required.join(' or ')}.`);
    return f;
  }

  private expand(entity: string, allowed: readonly string[]): string[] {
    const items = parseExpand(queryOption(this.url, 'expand'));
    for (const i of items) {
      const name = i.replace(/\(.*$/, '');
      if (!allowed.includes(name.toLowerCase())) throw badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.${entity}'.`);
    }
    return items.map((i) => i.toLowerCase());
  }

  /** A member (permanent or active) sees a group's schedules; anyone sees their own. */
  private visible(principalId: string, groupId: string): boolean {
    return principalId.toLowerCase() === this.caller.objectId || this.store.isMember(this.caller.objectId, groupId);
  }

  private list(entity: string, value: unknown[], expanded: boolean): void {
    this.out.json(200, { '@odata.context': `${this.base}/$metadata#identityGovernance/privilegedAccess/group/${entity}${expanded ? '(group())' : ''}`, value });
  }

  private matches(f: Filter, item: { principalId: string; groupId: string }): boolean {
    const eq = (k: string, v: string): boolean => !f.has(k) || (f.get(k) ?? '').toLowerCase() === v.toLowerCase();
    return eq('principalid', item.principalId) && eq('groupid', item.groupId) && eq('accessid', 'member');
  }

  async handle(segs: string[]): Promise<void> {
    const l = splitKeys(segs).map((s) => s.toLowerCase());
    const raw = splitKeys(segs);
    if (l[0] === 'me' && l.length === 1) return this.me();
    if (l[0] === 'groups' && l.length === 2) return this.group(raw[1] ?? '');
    if (l[0] === 'policies' && l[1] === 'rolemanagementpolicyassignments' && l.length === 2) return this.policies();
    if (l[0] === 'identitygovernance' && l[1] === 'privilegedaccess' && l[2] === 'group') {
      const rest = raw.slice(4);
      switch (l[3]) {
        case 'eligibilityscheduleinstances':
          if (rest.length === 0) return this.eligibilityInstances();
          break;
        case 'assignmentscheduleinstances':
          if (rest.length === 0) return this.assignmentInstances();
          break;
        case 'assignmentschedulerequests':
          if (rest.length === 0) return this.method === 'POST' ? this.createRequest() : this.listRequests();
          if (rest.length === 1) return this.getRequest(rest[0] ?? '');
          if (rest.length === 2 && rest[1]?.toLowerCase() === 'cancel') return this.cancel(rest[0] ?? '');
          break;
        default:
          break;
      }
    }
    this.g.count('other');
    throw badRequest(`Resource not found for the segment '${raw[knownPrefix(l)] ?? raw[raw.length - 1] ?? ''}'.`);
  }

  private me(): void {
    this.g.count('me');
    this.only('GET');
    directoryScopeCheck(this.caller, ME_READ);
    const u = this.store.userById(this.caller.objectId);
    if (!u || !this.local)
      throw new Refusal(404, { code: 'Request_ResourceNotFound', message: `Resource '${this.caller.objectId}' does not exist or one of its queried reference-property objects are not present.` });
    this.out.json(200, { '@odata.context': `${this.base}/$metadata#users/$entity`, ...userJson(u) });
  }

  private group(id: string): void {
    this.g.count('groups');
    this.only('GET');
    directoryScopeCheck(this.caller, GROUP_READ);
    const g = this.local ? this.store.groupById(id) : undefined;
    if (!g) throw new Refusal(404, { code: 'Request_ResourceNotFound', message: `Resource '${id}' does not exist or one of its queried reference-property objects are not present.` });
    this.out.json(200, { '@odata.context': `${this.base}/$metadata#groups/$entity`, ...groupJson(g) });
  }

  private eligibilityInstances(): void {
    this.g.count('eligibilityScheduleInstances');
    this.only('GET');
    pimScopeCheck(this.caller, ELIGIBILITY_READ);
    const f = this.filter(['principalId', 'groupId'], 'eligibilityScheduleInstances');
    const expand = this.expand('privilegedAccessGroupEligibilityScheduleInstance', ['group', 'principal']);
    const items = this.local ? this.store.currentEligibilities().filter((e) => this.matches(f, e) && this.visible(e.principalId, e.groupId)) : [];
    const withGroup = expand.includes('group');
    this.list(
      'eligibilityScheduleInstances',
      items.map((e) => eligibilityInstanceJson(e, withGroup ? this.store.groupById(e.groupId) : undefined)),
      withGroup,
    );
  }

  private assignmentInstances(): void {
    this.g.count('assignmentScheduleInstances');
    this.only('GET');
    pimScopeCheck(this.caller, ASSIGNMENT_READ);
    const f = this.filter(['principalId', 'groupId'], 'assignmentScheduleInstances');
    const expand = this.expand('privilegedAccessGroupAssignmentScheduleInstance', ['group', 'principal', 'activatedusing']);
    const items = this.local ? this.store.assignmentInstances().filter((a) => this.matches(f, a) && this.visible(a.principalId, a.groupId)) : [];
    const withGroup = expand.includes('group');
    this.list(
      'assignmentScheduleInstances',
      items.map((a) => assignmentInstanceJson(a, withGroup ? this.store.groupById(a.groupId) : undefined)),
      withGroup,
    );
  }

  private async createRequest(): Promise<void> {
    this.g.count('assignmentScheduleRequests:post');
    pimScopeCheck(this.caller, ASSIGNMENT_WRITE);
    let json: unknown;
    try {
      json = JSON.parse(await readBody(this.req));
    } catch {
      throw badRequest('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
    }
    const body = RequestBody.safeParse(json);
    if (!body.success || !this.local || !this.caller.user) throw new Refusal(400, pimError({ kind: 'invalid' }));
    const result = submitRequest(this.store, body.data, this.caller);
    if (!result.ok) throw new Refusal(400, pimError(result.failure));
    const r = result.request;
    const entity = `${this.base}/identityGovernance/privilegedAccess/group/assignmentScheduleRequests('${r.id}')`;
    this.out.json(201, { '@odata.context': `${this.base}/$metadata#identityGovernance/privilegedAccess/group/assignmentScheduleRequests/$entity`, ...requestJson(r) }, { location: entity });
  }

  private listRequests(): void {
    this.g.count('assignmentScheduleRequests');
    this.only('GET');
    pimScopeCheck(this.caller, ASSIGNMENT_READ);
    const f = this.filter(['principalId', 'groupId'], 'assignmentScheduleRequests');
    const items = this.local ? this.store.allRequests().filter((r) => this.matches(f, r) && r.principalId === this.caller.objectId) : [];
    this.out.json(200, { '@odata.context': `${this.base}/$metadata#identityGovernance/privilegedAccess/group/assignmentScheduleRequests`, value: items.map(requestJson) });
  }

  /** The requester polls their request (others' are not found). */
  private getRequest(id: string): void {
    this.g.count('assignmentScheduleRequests');
    this.only('GET');
    pimScopeCheck(this.caller, ASSIGNMENT_READ);
    const r = this.local ? this.store.request(id) : undefined;
    if (!r || r.principalId !== this.caller.objectId) throw new Refusal(404, { code: 'ResourceNotFound', message: `The assignment schedule request '${id}' was not found.` });
    this.out.json(200, { '@odata.context': `${this.base}/$metadata#identityGovernance/privilegedAccess/group/assignmentScheduleRequests/$entity`, ...requestJson(r) });
  }

  private cancel(id: string): void {
    this.g.count('assignmentScheduleRequests:cancel');
    this.only('POST');
    pimScopeCheck(this.caller, ASSIGNMENT_WRITE);
    const r = this.local ? this.store.request(id) : undefined;
    if (!r || r.principalId !== this.caller.objectId) throw new Refusal(404, { code: 'ResourceNotFound', message: `The assignment schedule request '${id}' was not found.` });
    if (!cancelRequest(this.store, id, this.caller.objectId)) throw new Refusal(400, pimError({ kind: 'invalid' }));
    this.out.empty(204);
  }

  private policies(): void {
    this.g.count('policies');
    this.only('GET');
    pimScopeCheck(this.caller, POLICY_READ);
    const f = this.filter(['scopeId'], 'roleManagementPolicyAssignments');
    if ((f.get('scopetype') ?? '').toLowerCase() !== 'group') throw badRequest("The roleManagementPolicyAssignments query requires a filter on scopeId and scopeType 'Group'.");
    const expand = this.expand('unifiedRoleManagementPolicyAssignment', ['policy']);
    const mode = expand.some((e) => /^policy\(\$expand=rules\)$/.test(e)) ? 'rules' : expand.includes('policy') ? 'policy' : 'none';
    const group = this.local ? this.store.groupById(f.get('scopeid') ?? '') : undefined;
    const role = (f.get('roledefinitionid') ?? 'member').toLowerCase();
    const value = group && role === 'member' ? [this.policyOf(group, mode)] : [];
    const context =
      mode === 'rules'
        ? 'policies/roleManagementPolicyAssignments(policy(rules()))'
        : mode === 'policy'
          ? 'policies/roleManagementPolicyAssignments(policy())'
          : 'policies/roleManagementPolicyAssignments';
    this.out.json(200, { '@odata.context': `${this.base}/$metadata#${context}`, value });
  }

  private policyOf(group: NonNullable<ReturnType<PimStore['groupById']>>, mode: 'none' | 'policy' | 'rules'): Record<string, unknown> {
    const p = this.store.policyOf(group.objectId);
    const approvers = p.approvers.map((a) => this.store.user(a));
    return policyAssignmentJson(group, p, approvers, mode);
  }
}

const VERSIONS = ['v1.0', 'beta'];

/** One request; `origin` is where the client reached Graph (`https://graph.microsoft.com`). */
export async function handleGraph(g: GraphContext, origin: string, req: IncomingMessage, out: GraphResponder): Promise<void> {
  const url = new URL(req.url ?? '/', origin);
  let segs: string[];
  try {
    segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return out.error(400, { code: 'BadRequest', message: 'Invalid request URI.' });
  }
  const [version = '', ...rest] = segs;
  if (!VERSIONS.includes(version.toLowerCase())) {
    g.count('other');
    return out.error(400, { code: 'BadRequest', message: `Invalid version: ${version}` });
  }
  const auth = g.auth.authenticate(req.headers.authorization, graphAudiences(origin));
  if (!auth.ok) {
    g.count('other');
    return out.error(401, { code: 'InvalidAuthenticationToken', message: auth.message }, { 'www-authenticate': WWW_AUTHENTICATE });
  }
  try {
    await new Handler(g, req, out, auth.caller, url, origin, version.toLowerCase()).handle(rest);
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    out.error(e.status, e.error);
  }
}
