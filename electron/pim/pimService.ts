// PIM for Groups through Microsoft Graph v1.0, for one signed-in account: which group memberships
// it is eligible for and which are active (and until when), activating one (selfActivate: reason,
// duration, ticket) and following the request until it is provisioned or denied. Graph's answers
// are validated with zod; its refusals become errors that say what to do (the policy's rule, an
// approver, the missing permission and how an admin grants it). An authentication-context
// requirement is a claims challenge: the StepUpRequired it becomes is answered like any other.
import { z } from 'zod';
import { GRAPH_PIM_PERMISSIONS } from '../../shared/clouds.js';
import { PgEntraError, isPgEntraError } from '../../shared/errors.js';
import { StepUpRequired } from '../auth/stepUp.js';
import type { TokenProvider } from '../auth/tokenProvider.js';
import { GraphClient, GraphRequestError, type GraphCaller } from '../graph/graphClient.js';
import type { ProxyResolver } from '../net/proxyConfig.js';
import { graphEndpointOf, resolveCloud } from '../base/cloudLoader.js';
import { readCaFile } from '../base/tls.js';

const BASE = '/v1.0/identityGovernance/privilegedAccess/group';

const GroupRef = z.looseObject({ id: z.string(), displayName: z.string().nullish() });
const Instance = z.looseObject({
  groupId: z.string(),
  principalId: z.string(),
  accessId: z.string(),
  startDateTime: z.string().nullish(),
  endDateTime: z.string().nullish(),
  assignmentType: z.string().nullish(),
  memberType: z.string().nullish(),
  group: GroupRef.nullish(),
});
const InstanceList = z.looseObject({ value: z.array(Instance), '@odata.nextLink': z.string().optional() });
const Request = z.looseObject({
  id: z.string(),
  status: z.string(),
  groupId: z.string().nullish(),
  action: z.string().nullish(),
  accessId: z.string().nullish(),
  createdDateTime: z.string().nullish(),
  scheduleInfo: z.looseObject({ expiration: z.looseObject({ endDateTime: z.string().nullish(), duration: z.string().nullish() }).nullish() }).nullish(),
});
const RequestList = z.looseObject({ value: z.array(Request), '@odata.nextLink': z.string().optional() });

export interface PimMembership {
  groupId: string;
  group: string;
  /** eligible: may be activated; active: in effect now (an activation, or a permanent assignment). */
  state: 'eligible' | 'active';
  /** ISO; null when permanent. */
  endDateTime: string | null;
  /** active only: `Activated` (by a request) or `Assigned` (permanent). */
  assignmentType?: string;
}

export interface PimActivation {
  requestId: string;
  groupId: string;
  group: string;
  /** Graph's status: Provisioned, PendingApproval, Granted, Denied, Canceled, Failed, … */
  status: string;
  /** ISO, when Graph says when it ends. */
  endDateTime: string | null;
}

export interface ActivateOptions {
  /** ISO 8601 (`PT2H`) or `2h`, `90m`, `1h30m`; default PT1H. */
  duration?: string;
  reason?: string;
  ticket?: { system: string; number: string };
}

export interface PimDeps {
  tokens: TokenProvider;
  /** Graph's origin for the caller's cloud. */
  graphEndpoint: string;
  resolveProxy?: ProxyResolver;
  extraCaPem?: string;
}

/** `2h`, `90m`, `1h30m`, `PT2H` → ISO 8601 (`PT2H`, `PT90M`, `PT1H30M`); invalid_input otherwise. */
export function isoDuration(text: string): string {
  const t = text.trim();
  const iso = /^PT(?=\d)(?:(\d+)H)?(?:(\d+)M)?$/i.exec(t);
  // PT0H would ask PIM for an activation that ends as it starts.
  if (iso && Number(iso[1] ?? 0) + Number(iso[2] ?? 0) > 0) return t.toUpperCase();
  const m = /^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$/i.exec(t);
  if (!m || (!m[1] && !m[2]) || (Number(m[1] ?? 0) === 0 && Number(m[2] ?? 0) === 0)) {
    throw new PgEntraError('invalid_input', `"${text}" is not a duration: write 2h, 90m or 1h30m.`);
  }
  return `PT${m[1] ? `${Number(m[1])}H` : ''}${m[2] ? `${Number(m[2])}M` : ''}`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A request id as PIM writes them (a GUID): nothing that could change the path it goes into. */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/** Pages of one list pgEntra reads before it calls the answer endless. */
const MAX_PAGES = 50;

/**
 * The object id the Graph token was issued for (decoded only: Graph itself checks the token). It
 * goes into a `$filter`: anything but a GUID is refused rather than quoted.
 */
function principalIdOf(jwt: string): string {
  let oid: unknown;
  try {
    oid = (JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { oid?: unknown }).oid;
  } catch {
    // no payload: said below
  }
  if (typeof oid === 'string' && GUID.test(oid)) return oid;
  throw new PgEntraError('token_invalid', `The Microsoft Graph token does not name an account by its object id (${typeof oid === 'string' && oid ? 'its oid claim is not a GUID' : 'no oid claim'}).`, {
    hint: 'Sign in again for Microsoft Graph: pgentra login --scope graph (in the app: sign in again).',
  });
}

/** What a Graph refusal means for PIM, in words a person can act on. */
function pimRefusal(e: GraphRequestError, ctx: { caller: GraphCaller; group?: string; account?: string }): PgEntraError {
  const who = ctx.account ?? 'the account';
  const group = ctx.group ? ` ${ctx.group}` : '';
  if (e.status === 403 && /PermissionScopeNotGranted|missing permission scope/i.test(`${e.graphCode} ${e.graphMessage}`)) {
    return new PgEntraError('app_not_permitted', `Microsoft Graph refused PIM for ${who}: the token lacks the permission ${GRAPH_PIM_PERMISSIONS.join(' / ')}.`, {
      hint: `An administrator must grant the app pgEntra signs in with delegated Microsoft Graph permissions ${GRAPH_PIM_PERMISSIONS.join(' and ')} (admin consent). The Azure CLI's client id cannot get them: set your organisation's own app registration with pgentra settings set client-id.public <id> (Settings in the app).`,
      details: { status: e.status, graphCode: e.graphCode },
      cause: e,
    });
  }
  if (e.graphCode === 'RoleAssignmentRequestPolicyValidationFailed') {
    const rules = /\[(.*)\]/.exec(e.graphMessage)?.[1] ?? '';
    const needs: string[] = [];
    if (/Justification/i.test(rules)) needs.push('a reason (--reason)');
    if (/Ticketing/i.test(rules)) needs.push('a ticket (--ticket SYSTEM:NUMBER)');
    if (/Expiration/i.test(rules)) needs.push('a shorter duration (the group’s policy sets a maximum; try --duration 1h)');
    if (/MfaRule|Authentication/i.test(rules)) needs.push('multi-factor authentication');
    return new PgEntraError('invalid_input', `The PIM policy of${group} refused the activation (${rules.replace(/"/g, '') || e.graphMessage}).`, {
      hint: needs.length ? `It needs ${needs.join(', ')}.` : 'Check the group’s PIM settings with your administrator.',
      details: { graphCode: e.graphCode, rules },
      cause: e,
    });
  }
  if (e.graphCode === 'RoleAssignmentExists') return new PgEntraError('conflict', `The membership of${group} is already active.`, { cause: e });
  if (e.graphCode === 'PendingRoleAssignmentRequest') {
    return new PgEntraError('pim_pending_approval', `An activation of${group} already waits for an approver.`, { hint: 'pgentra pim status shows it; it goes on once approved.', cause: e });
  }
  if (e.graphCode === 'InvalidRoleAssignmentRequest' || e.graphCode === 'RoleAssignmentDoesNotExist') {
    return new PgEntraError('pim_not_eligible', `${who} is not eligible for${group} in PIM (Microsoft Graph: ${e.graphCode}).`, {
      hint: 'pgentra pim list shows the groups you are eligible for; ask the group’s owner for an eligible assignment.',
      cause: e,
    });
  }
  return e;
}

/**
 * Entra refused the Graph token itself: the Azure CLI's client id may not have PIM's permissions
 * (AADSTS65002: Microsoft preauthorizes its first-party apps, and not for these, Azure/azure-cli#30149),
 * or nobody consented to them for the app in use (AADSTS65001). Either way an administrator acts.
 */
function graphTokenRefusal(e: unknown, account: string | undefined): PgEntraError | undefined {
  const aadsts = isPgEntraError(e) ? e.details?.aadsts : undefined;
  if (aadsts !== 'AADSTS65002' && aadsts !== 'AADSTS65001') return undefined;
  const firstParty = aadsts === 'AADSTS65002';
  return new PgEntraError(
    'app_not_permitted',
    firstParty
      ? `Microsoft Entra ID does not give the Azure CLI's client id (which pgEntra signs in with unless told otherwise) the Microsoft Graph permissions PIM needs (${aadsts}).`
      : `Nobody has consented to the Microsoft Graph permissions PIM needs for the app pgEntra signs in with${account ? ` (for ${account})` : ''} (${aadsts}).`,
    {
      hint:
        `An administrator must grant your organisation's own app registration the delegated Microsoft Graph permissions ${GRAPH_PIM_PERMISSIONS.join(' and ')} (with admin consent), ` +
        `then set its id: pgentra settings set client-id.public <id> (Settings in the app).${firstParty ? " The Azure CLI's client id cannot get them (Azure/azure-cli#30149)." : ''}`,
      details: { aadsts },
      cause: e,
    },
  );
}

/** What a request's status means. Graph's list (privilegedAccessSchedule, RoleManagementScheduleStatus) grows: unknown ones are `unknown`. */
export type ActivationOutcome =
  /** In effect (or about to be: the login wait covers the rest). */
  | 'active'
  /** Waits for an approver. */
  | 'awaiting-approval'
  /** PIM is still working on it (evaluating, provisioning, creating the schedule): ask again. */
  | 'in-progress'
  | 'denied'
  /** Withdrawn before it became active (by the requester, in any client). */
  | 'cancelled'
  /** Ended by an administrator. */
  | 'revoked'
  /** Nobody approved it in time. */
  | 'timed-out'
  | 'failed'
  | 'unknown';

const OUTCOMES: Record<string, ActivationOutcome> = {
  provisioned: 'active',
  pendingapproval: 'awaiting-approval',
  pendingadmindecision: 'awaiting-approval',
  // Approved or accepted, not yet provisioned; a start in the future is a created schedule.
  accepted: 'in-progress',
  pendingevaluation: 'in-progress',
  granted: 'in-progress',
  adminapproved: 'in-progress',
  pendingapprovalprovisioning: 'in-progress',
  pendingprovisioning: 'in-progress',
  provisioningstarted: 'in-progress',
  pendingexternalprovisioning: 'in-progress',
  pendingschedulecreation: 'in-progress',
  schedulecreated: 'in-progress',
  scheduled: 'in-progress',
  denied: 'denied',
  admindenied: 'denied',
  canceled: 'cancelled',
  cancelled: 'cancelled',
  revoked: 'revoked',
  pendingrevocation: 'revoked',
  timedout: 'timed-out',
  failed: 'failed',
  failedasresourceislocked: 'failed',
  invalid: 'failed',
};

export function activationOutcome(status: string): ActivationOutcome {
  return OUTCOMES[status.toLowerCase()] ?? 'unknown';
}

/** Still moving: PIM is working on it, or says something pgEntra does not know yet. */
export function isUnderway(outcome: ActivationOutcome): boolean {
  return outcome === 'in-progress' || outcome === 'unknown';
}

type InstanceOf = z.infer<typeof Instance>;

/**
 * The instances of the one group `wanted` names: its object id, or its display name in any case.
 * Entra allows two groups with one name: activating the first hit could be the wrong one, so
 * several groups by that name are refused with their object ids.
 */
function instancesOfGroup(instances: InstanceOf[], wanted: string): InstanceOf[] {
  const w = wanted.toLowerCase();
  const byId = instances.filter((i) => i.groupId.toLowerCase() === w);
  if (byId.length) return byId;
  const byName = instances.filter((i) => (i.group?.displayName ?? '').toLowerCase() === w);
  const ids = [...new Map(byName.map((i) => [i.groupId.toLowerCase(), i.groupId])).values()];
  if (ids.length > 1) {
    throw new PgEntraError('invalid_input', `${ids.length} groups called ${wanted} have PIM memberships for this account (object ids ${ids.join(', ')}); pgEntra will not guess which one.`, {
      hint: `Name the group by its object id instead, e.g. pgentra pim activate ${ids[0] ?? '<object id>'} (pgentra pim list --json shows each group's groupId).`,
      details: { groupIds: ids.join(',') },
    });
  }
  return byName;
}

/** How long a Graph client stays open after its last call: a wait polls every few seconds over one pool. */
const CLIENT_IDLE_MS = 60_000;

export class PimService {
  private readonly clients = new WeakMap<GraphCaller, { client: GraphClient; users: number; idle?: NodeJS.Timeout }>();

  constructor(private readonly deps: PimDeps) {}

  /** The caller's Graph client: the one its previous call left open, or a new one. */
  private acquire(caller: GraphCaller): GraphClient {
    let entry = this.clients.get(caller);
    if (!entry) {
      entry = {
        client: new GraphClient({
          tokens: this.deps.tokens,
          endpoint: this.deps.graphEndpoint,
          caller,
          ...(this.deps.resolveProxy ? { resolveProxy: this.deps.resolveProxy } : {}),
          ...(this.deps.extraCaPem ? { extraCaPem: this.deps.extraCaPem } : {}),
        }),
        users: 0,
      };
      this.clients.set(caller, entry);
    }
    clearTimeout(entry.idle);
    entry.users++;
    return entry.client;
  }

  private release(caller: GraphCaller): void {
    const entry = this.clients.get(caller);
    if (!entry || --entry.users > 0) return;
    const close = (): void => {
      this.clients.delete(caller);
      entry.client.close();
    };
    // A cancelled caller makes no next call; an idle pool must not keep the process alive.
    if (caller.signal?.aborted) return close();
    entry.idle = setTimeout(close, CLIENT_IDLE_MS);
    entry.idle.unref();
  }

  private async run<T>(caller: GraphCaller, work: (g: GraphClient, principalId: string) => Promise<T>, ctx: { group?: string } = {}): Promise<T> {
    const g = this.acquire(caller);
    try {
      const token = await this.deps.tokens.getToken({
        credential: caller.credential,
        cloud: caller.cloud,
        resource: 'graph',
        ...(caller.quiet ? { quiet: true } : {}),
        ...(caller.signal ? { signal: caller.signal } : {}),
      });
      return await work(g, principalIdOf(token.token));
    } catch (e) {
      if (e instanceof GraphRequestError) {
        const claims = e.graphCode === 'RoleAssignmentRequestAcrsValidationFailed' ? e.claims : undefined;
        const account = 'account' in caller.credential ? caller.credential.account : undefined;
        if (claims && (caller.credential.kind === 'interactive' || caller.credential.kind === 'device-code')) {
          // The group's policy asks for an authentication context (MFA): a step-up for Graph with these claims.
          throw new StepUpRequired(
            new PgEntraError('mfa_required', `The PIM policy of${ctx.group ? ` ${ctx.group}` : ' the group'} requires multi-factor authentication (an authentication context) to activate.`, {
              hint: `Sign in again for Microsoft Graph with MFA: pgentra login${account ? ` --account ${account}` : ''} --scope graph.`,
              cause: e,
            }),
            { cloud: caller.cloud, resource: 'graph', credential: caller.credential, claims, ...(account ? { account } : {}) },
          );
        }
        throw pimRefusal(e, { caller, ...(ctx.group ? { group: ctx.group } : {}), ...(account ? { account } : {}) });
      }
      throw graphTokenRefusal(e, 'account' in caller.credential ? caller.credential.account : undefined) ?? e;
    } finally {
      this.release(caller);
    }
  }

  /** Every page of a list; an answer that does not end within 50 pages is an error, not "nothing more". */
  private async pages<T>(g: GraphClient, first: string, schema: z.ZodType<{ value: T[]; '@odata.nextLink'?: string | undefined }>, what: string): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = first;
    for (let page = 0; next; page++) {
      if (page === MAX_PAGES) {
        throw new PgEntraError('internal', `Microsoft Graph's list of ${what} did not end after ${MAX_PAGES} pages; pgEntra stopped rather than act on part of it.`, {
          hint: 'Try again later; if it persists, report this message.',
          details: { pages: MAX_PAGES },
        });
      }
      const body: { value: T[]; '@odata.nextLink'?: string | undefined } = await g.get(next, schema);
      out.push(...body.value);
      next = body['@odata.nextLink'];
    }
    return out;
  }

  private async instances(g: GraphClient, kind: 'eligibilityScheduleInstances' | 'assignmentScheduleInstances', principalId: string): Promise<InstanceOf[]> {
    const all = await this.pages(g, `${BASE}/${kind}?$filter=${encodeURIComponent(`principalId eq '${principalId}'`)}&$expand=group`, InstanceList, `PIM ${kind}`);
    return all.filter((i) => i.accessId === 'member');
  }

  /** The account's PIM group memberships: eligible ones, and the active ones with their end. */
  list(caller: GraphCaller): Promise<PimMembership[]> {
    return this.run(caller, async (g, principalId) => {
      const [eligible, active] = await Promise.all([this.instances(g, 'eligibilityScheduleInstances', principalId), this.instances(g, 'assignmentScheduleInstances', principalId)]);
      const name = (i: InstanceOf): string => i.group?.displayName ?? i.groupId;
      return [
        ...active.map((i): PimMembership => ({
          groupId: i.groupId,
          group: name(i),
          state: 'active',
          endDateTime: i.endDateTime ?? null,
          ...(i.assignmentType ? { assignmentType: i.assignmentType } : {}),
        })),
        ...eligible.map((i): PimMembership => ({ groupId: i.groupId, group: name(i), state: 'eligible', endDateTime: i.endDateTime ?? null })),
      ];
    });
  }

  /** Requests the activation of `group` (its name or object id, among the account's eligibilities). */
  activate(caller: GraphCaller, group: string, opts: ActivateOptions = {}): Promise<PimActivation> {
    const duration = isoDuration(opts.duration ?? 'PT1H');
    return this.run(
      caller,
      async (g, principalId) => {
        const eligible = await this.instances(g, 'eligibilityScheduleInstances', principalId);
        const hit = instancesOfGroup(eligible, group)[0];
        if (!hit) {
          const names = [...new Set(eligible.map((i) => i.group?.displayName ?? i.groupId))];
          throw new PgEntraError(
            'pim_not_eligible',
            `${'account' in caller.credential && caller.credential.account ? caller.credential.account : 'The account'} is not eligible for ${group} in PIM.`,
            {
              hint: names.length ? `Eligible: ${names.join(', ')}.` : 'It has no eligible group memberships; ask the group’s owner for one.',
            },
          );
        }
        // Now by Graph's clock when ours runs ahead: a start in the future schedules the activation instead of making it.
        const start = Math.min(Date.now(), g.serverNow() ?? Number.POSITIVE_INFINITY);
        const body = {
          accessId: 'member',
          principalId,
          groupId: hit.groupId,
          action: 'selfActivate',
          ...(opts.reason ? { justification: opts.reason } : {}),
          scheduleInfo: { startDateTime: new Date(start).toISOString(), expiration: { type: 'afterDuration', duration } },
          ...(opts.ticket ? { ticketInfo: { ticketSystem: opts.ticket.system, ticketNumber: opts.ticket.number } } : {}),
        };
        const r = await g.post(`${BASE}/assignmentScheduleRequests`, body, Request);
        return { requestId: r.id, groupId: hit.groupId, group: hit.group?.displayName ?? hit.groupId, status: r.status, endDateTime: r.scheduleInfo?.expiration?.endDateTime ?? null };
      },
      { group },
    );
  }

  private async requestList(g: GraphClient, principalId: string): Promise<z.infer<typeof Request>[]> {
    const all = await this.pages(g, `${BASE}/assignmentScheduleRequests?$filter=${encodeURIComponent(`principalId eq '${principalId}'`)}`, RequestList, 'PIM requests');
    const out = all.filter((r) => (r.accessId ?? 'member') === 'member' && (r.action ?? 'selfActivate') === 'selfActivate');
    // Newest first: the request that made the current state.
    return out.sort((a, b) => (b.createdDateTime ?? '').localeCompare(a.createdDateTime ?? ''));
  }

  /** The account's activation requests that wait for an approver. */
  pendingRequests(caller: GraphCaller): Promise<PimActivation[]> {
    return this.run(caller, async (g, principalId) => {
      const [eligible, requests] = await Promise.all([this.instances(g, 'eligibilityScheduleInstances', principalId), this.requestList(g, principalId)]);
      const names = new Map(eligible.map((i) => [i.groupId.toLowerCase(), i.group?.displayName ?? i.groupId]));
      return requests
        .filter((r) => activationOutcome(r.status) === 'awaiting-approval' && r.groupId)
        .map((r) => ({ requestId: r.id, groupId: r.groupId ?? '', group: names.get((r.groupId ?? '').toLowerCase()) ?? r.groupId ?? '', status: r.status, endDateTime: null }));
    });
  }

  /**
   * What already stands for `group` (a name or object id) when PIM refuses a new request: the
   * request that waits for an approver (or that PIM is still working on), or the active membership
   * (with the request that made it, when Graph lists one; `requestId` is empty otherwise).
   * Undefined when neither.
   */
  current(caller: GraphCaller, group: string): Promise<PimActivation | undefined> {
    return this.run(
      caller,
      async (g, principalId) => {
        const [eligible, active, requests] = await Promise.all([
          this.instances(g, 'eligibilityScheduleInstances', principalId),
          this.instances(g, 'assignmentScheduleInstances', principalId),
          this.requestList(g, principalId),
        ]);
        const hit = instancesOfGroup(eligible, group)[0] ?? instancesOfGroup(active, group)[0];
        if (!hit) return undefined;
        const name = hit.group?.displayName ?? hit.groupId;
        const mine = requests.filter((r) => (r.groupId ?? '').toLowerCase() === hit.groupId.toLowerCase());
        // Only the newest can still be underway: an older request PIM left in such a status is history.
        const newest = mine[0];
        const pending = mine.find((r) => activationOutcome(r.status) === 'awaiting-approval') ?? (newest && isUnderway(activationOutcome(newest.status)) ? newest : undefined);
        const now = active.find((i) => i.groupId.toLowerCase() === hit.groupId.toLowerCase());
        if (pending && !now) return { requestId: pending.id, groupId: hit.groupId, group: name, status: pending.status, endDateTime: null };
        if (!now) return undefined;
        const made = newest && (activationOutcome(newest.status) === 'active' || isUnderway(activationOutcome(newest.status))) ? newest : mine.find((r) => activationOutcome(r.status) === 'active');
        return { requestId: made?.id ?? '', groupId: hit.groupId, group: name, status: made?.status ?? 'Provisioned', endDateTime: now.endDateTime ?? null };
      },
      { group },
    );
  }

  /** The request's status now. */
  request(caller: GraphCaller, requestId: string, group: { groupId: string; group: string }): Promise<PimActivation> {
    // It goes into the path: a PIM id, never a path of its own.
    if (!REQUEST_ID.test(requestId)) {
      return Promise.reject(new PgEntraError('invalid_input', `"${requestId.slice(0, 100)}" is not a PIM request id.`, { hint: 'pgentra pim status shows the ids of your requests.' }));
    }
    return this.run(caller, async (g) => {
      const r = await g.get(`${BASE}/assignmentScheduleRequests/${encodeURIComponent(requestId)}`, Request);
      return { requestId: r.id, groupId: group.groupId, group: group.group, status: r.status, endDateTime: r.scheduleInfo?.expiration?.endDateTime ?? null };
    });
  }
}

/** The PIM service for a cloud ref (`public`, … or a custom cloud file), over its Graph endpoint. */
export function pimFor(cloudRef: string, deps: Omit<PimDeps, 'graphEndpoint' | 'extraCaPem'>): PimService {
  const cloud = resolveCloud(cloudRef);
  return new PimService({ ...deps, graphEndpoint: graphEndpointOf(cloud), ...(cloud.caFile ? { extraCaPem: readCaFile(cloud.caFile) } : {}) });
}
