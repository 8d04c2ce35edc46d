// PimService over a stand-in Graph (real HTTPS): what each request status Graph documents means;
// groups named by a display name two groups share are refused with their object ids; the
// activation starts by Graph's clock when ours runs ahead; lists are read page by page and one
// that never ends is an error, not "not eligible"; what goes into a $filter or a path is checked
// first (the token's oid, a request id); PT0H is not a duration; an authentication-context
// refusal with a long message still becomes the step-up; one connection serves a run of calls.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { StepUpRequired } from '../../../electron/auth/stepUp.js';
import { PimService, activationOutcome, isoDuration, type ActivationOutcome } from '../../../electron/pim/pimService.js';
import { OID, fakeTokens, json, startFakeGraph, type FakeGraph, type FakeTokens, type SeenRequest } from '../graph/fakeGraph.js';
import { pgEntraFailure } from '../../support/pgEntraFailure.js';

const ALICE = 'adm-alice@contoso.example';
const caller = { cloud: 'public', credential: { kind: 'interactive' as const, account: ALICE } };
const BASE = '/v1.0/identityGovernance/privilegedAccess/group';
const G1 = '6b1c3f2e-0000-4000-8000-00000000a001';
const G2 = '6b1c3f2e-0000-4000-8000-00000000a002';

let graph: FakeGraph;
let tokens: FakeTokens;
beforeAll(async () => {
  graph = await startFakeGraph();
});
afterAll(async () => {
  await graph.close();
});
afterEach(() => {
  graph.requests.length = 0;
});

const eligibility = (groupId: string, displayName: string): Record<string, unknown> => ({
  id: `${groupId}_member_x`,
  groupId,
  principalId: OID,
  accessId: 'member',
  memberType: 'Direct',
  startDateTime: '2026-01-01T00:00:00Z',
  endDateTime: null,
  group: { id: groupId, displayName },
});

interface Routes {
  eligible?: Record<string, unknown>[];
  active?: Record<string, unknown>[];
  requests?: Record<string, unknown>[];
  post?: (req: SeenRequest, res: ServerResponse) => void;
  date?: () => string;
}

function serve(routes: Routes): void {
  graph.handle((req, res) => {
    const headers: Record<string, string> = routes.date ? { date: routes.date() } : {};
    const path = req.url.split('?')[0] ?? '';
    if (req.method === 'POST' && path === `${BASE}/assignmentScheduleRequests`) {
      if (routes.post) return routes.post(req, res);
      return json(res, 201, { id: 'req-1', status: 'Provisioned', ...JSON.parse(req.body) }, headers);
    }
    if (path === `${BASE}/eligibilityScheduleInstances`) return json(res, 200, { value: routes.eligible ?? [] }, headers);
    if (path === `${BASE}/assignmentScheduleInstances`) return json(res, 200, { value: routes.active ?? [] }, headers);
    if (path === `${BASE}/assignmentScheduleRequests`) return json(res, 200, { value: routes.requests ?? [] }, headers);
    const one = /\/assignmentScheduleRequests\/([^/]+)$/.exec(path);
    if (one) return json(res, 200, { id: decodeURIComponent(one[1] ?? ''), status: 'PendingApproval' }, headers);
    return json(res, 404, { error: { code: 'ResourceNotFound', message: path } });
  });
}

function pim(claims?: Record<string, unknown>): PimService {
  tokens = fakeTokens(claims);
  return new PimService({ tokens, graphEndpoint: graph.endpoint, extraCaPem: graph.caPem });
}

describe('activationOutcome', () => {
  // Graph's privilegedAccessSchedule status list, RoleManagementScheduleStatus's, and spellings seen in clients.
  it.each<[string, ActivationOutcome]>([
    ['Provisioned', 'active'],
    ['PendingApproval', 'awaiting-approval'],
    ['PendingAdminDecision', 'awaiting-approval'],
    ['Accepted', 'in-progress'],
    ['PendingEvaluation', 'in-progress'],
    ['Granted', 'in-progress'],
    ['AdminApproved', 'in-progress'],
    ['PendingApprovalProvisioning', 'in-progress'],
    ['PendingProvisioning', 'in-progress'],
    ['ProvisioningStarted', 'in-progress'],
    ['PendingExternalProvisioning', 'in-progress'],
    ['PendingScheduleCreation', 'in-progress'],
    ['ScheduleCreated', 'in-progress'],
    ['Scheduled', 'in-progress'],
    ['Denied', 'denied'],
    ['AdminDenied', 'denied'],
    ['Canceled', 'cancelled'],
    ['Cancelled', 'cancelled'],
    ['Revoked', 'revoked'],
    ['PendingRevocation', 'revoked'],
    ['TimedOut', 'timed-out'],
    ['Failed', 'failed'],
    ['FailedAsResourceIsLocked', 'failed'],
    ['Invalid', 'failed'],
    ['provisioned', 'active'],
    ['SomethingNew', 'unknown'],
    ['', 'unknown'],
  ])('%s → %s', (status, outcome) => {
    expect(activationOutcome(status)).toBe(outcome);
  });
});

describe('a group by name', () => {
  it('two eligible groups with one display name: refused, naming both object ids; by object id it goes through', async () => {
    serve({ eligible: [eligibility(G1, 'db-admins'), eligibility(G2, 'DB-Admins')] });
    const p = pim();
    const e = await pgEntraFailure(p.activate(caller, 'db-admins', { reason: 'x' }));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toBe(`2 groups called db-admins have PIM memberships for this account (object ids ${G1}, ${G2}); pgEntra will not guess which one.`);
    expect(e.hint).toContain(`pgentra pim activate ${G1}`);
    expect(graph.requests.some((r) => r.method === 'POST')).toBe(false);

    const a = await p.activate(caller, G2, { reason: 'x' });
    expect(a.groupId).toBe(G2);
    expect(JSON.parse(graph.requests.find((r) => r.method === 'POST')?.body ?? '{}')).toMatchObject({ groupId: G2, principalId: OID, action: 'selfActivate' });
  });

  it('one group with that name (listed twice, two eligibilities): that group', async () => {
    serve({ eligible: [eligibility(G1, 'db-admins'), { ...eligibility(G1, 'db-admins'), id: 'second' }, eligibility(G2, 'db-readers')] });
    expect((await pim().activate(caller, 'DB-ADMINS', { reason: 'x' })).groupId).toBe(G1);
  });

  it('current() refuses the same ambiguity', async () => {
    serve({ eligible: [eligibility(G1, 'db-admins'), eligibility(G2, 'db-admins')] });
    expect((await pgEntraFailure(pim().current(caller, 'db-admins'))).message).toContain(`object ids ${G1}, ${G2}`);
  });
});

describe('the activation’s start', () => {
  it('by Graph’s clock when ours runs ahead (a start in the future would schedule it instead)', async () => {
    const graphNow = (): number => Date.now() - 3_600_000;
    serve({ eligible: [eligibility(G1, 'db-admins')], date: () => new Date(graphNow()).toUTCString() });
    await pim().activate(caller, 'db-admins', { reason: 'x', duration: '2h' });
    const body = JSON.parse(graph.requests.find((r) => r.method === 'POST')?.body ?? '{}') as { scheduleInfo: { startDateTime: string; expiration: unknown } };
    expect(Date.parse(body.scheduleInfo.startDateTime)).toBeLessThanOrEqual(graphNow() + 1_000);
    expect(body.scheduleInfo.expiration).toEqual({ type: 'afterDuration', duration: 'PT2H' });
  });

  it('by ours when Graph’s is ahead', async () => {
    serve({ eligible: [eligibility(G1, 'db-admins')], date: () => new Date(Date.now() + 3_600_000).toUTCString() });
    const before = Date.now();
    await pim().activate(caller, 'db-admins', { reason: 'x' });
    const body = JSON.parse(graph.requests.find((r) => r.method === 'POST')?.body ?? '{}') as { scheduleInfo: { startDateTime: string } };
    expect(Date.parse(body.scheduleInfo.startDateTime)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(body.scheduleInfo.startDateTime)).toBeLessThanOrEqual(Date.now());
  });
});

describe('paging', () => {
  it('follows @odata.nextLink: an eligibility on page 2 counts', async () => {
    graph.handle((req, res) => {
      if (req.url.includes('eligibilityScheduleInstances') && !req.url.includes('skip')) {
        return json(res, 200, { value: [eligibility(G2, 'db-readers')], '@odata.nextLink': `${graph.endpoint}${BASE}/eligibilityScheduleInstances?$skiptoken=2` });
      }
      if (req.url.includes('eligibilityScheduleInstances')) return json(res, 200, { value: [eligibility(G1, 'db-admins')] });
      return json(res, 201, { id: 'req-1', status: 'Provisioned' });
    });
    expect((await pim().activate(caller, 'db-admins', { reason: 'x' })).groupId).toBe(G1);
  });

  it('a list that does not end within 50 pages: an error, not "not eligible"', async () => {
    let n = 0;
    graph.handle((_req, res) => json(res, 200, { value: [], '@odata.nextLink': `${graph.endpoint}${BASE}/eligibilityScheduleInstances?$skiptoken=${++n}` }));
    const e = await pgEntraFailure(pim().activate(caller, 'db-admins', { reason: 'x' }));
    expect(e.code).toBe('internal');
    expect(e.message).toBe("Microsoft Graph's list of PIM eligibilityScheduleInstances did not end after 50 pages; pgEntra stopped rather than act on part of it.");
    expect(graph.requests).toHaveLength(50);
  });
});

describe('what goes into a $filter or a path', () => {
  it.each([
    ["an oid that is not a GUID (a quote would end the filter's string)", { oid: "x' or principalId ne '" }],
    ['no oid', {}],
  ])('%s: token_invalid, nothing asked', async (_what, claims) => {
    serve({});
    const e = await pgEntraFailure(pim(claims).list(caller));
    expect(e.code).toBe('token_invalid');
    expect(e.message).toMatch(/^The Microsoft Graph token does not name an account by its object id/);
    expect(graph.requests).toEqual([]);
  });

  it.each(['../../../me', 'a/b', '..', 'id?x=1', ''])('request id %j: refused before anything is sent', async (id) => {
    serve({});
    const e = await pgEntraFailure(pim().request(caller, id, { groupId: G1, group: 'db-admins' }));
    expect(e.code).toBe('invalid_input');
    expect(graph.requests).toEqual([]);
    expect(tokens.calls).toEqual([]);
  });

  it('a PIM request id (a GUID) is asked for', async () => {
    serve({});
    const id = 'e2a8c6f4-1b3d-4f5a-9c7e-0a1b2c3d4e5f';
    expect((await pim().request(caller, id, { groupId: G1, group: 'db-admins' })).status).toBe('PendingApproval');
    expect(graph.requests.map((r) => r.url)).toEqual([`${BASE}/assignmentScheduleRequests/${id}`]);
  });
});

describe('durations', () => {
  it.each(['PT0H', 'PT0M', 'PT0H0M', '0h', '0m'])('%s is not one', (text) => {
    expect(() => isoDuration(text)).toThrow(`"${text}" is not a duration: write 2h, 90m or 1h30m.`);
  });

  it.each([
    ['PT2H', 'PT2H'],
    ['pt0h30m', 'PT0H30M'],
    ['90m', 'PT90M'],
    ['1h30m', 'PT1H30M'],
  ])('%s → %s', (text, iso) => {
    expect(isoDuration(text)).toBe(iso);
  });
});

describe('an authentication context', () => {
  it('PIM’s claims after a long message: still the step-up for Graph with those claims', async () => {
    const claims = '{"access_token":{"acrs":{"essential":true, "value":"c1"}}}';
    serve({
      eligible: [eligibility(G1, 'db-admins')],
      post: (_req, res) =>
        json(res, 400, {
          error: { code: 'RoleAssignmentRequestAcrsValidationFailed', message: `${'The group policy requires an authentication context. '.repeat(12)}&claims=${encodeURIComponent(claims)}` },
        }),
    });
    const e = await pim()
      .activate(caller, 'db-admins', { reason: 'x' })
      .then(
        () => undefined,
        (x: unknown) => x,
      );
    expect(e).toBeInstanceOf(StepUpRequired);
    expect((e as StepUpRequired).challenge).toMatchObject({ resource: 'graph', claims, account: ALICE });
  });
});

describe('one Graph client for a run of calls', () => {
  it('polls with the same caller reuse one connection', async () => {
    serve({});
    const p = pim();
    const before = graph.connections();
    for (let i = 0; i < 3; i++) await p.request(caller, 'r1', { groupId: G1, group: 'db-admins' });
    expect(graph.requests).toHaveLength(3);
    expect(graph.connections() - before).toBe(1);
  });
});
