// PimService over a stand-in Graph (real HTTPS): what each request status Graph documents means;
// the activation starts by Graph's clock when ours runs ahead; an authentication-context refusal
// whose message is long still becomes the step-up with PIM's claims; one connection serves a run
// of calls.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { StepUpRequired } from '../../../electron/auth/stepUp.js';
import { PimService, activationOutcome, type ActivationOutcome } from '../../../electron/pim/pimService.js';
import { OID, fakeTokens, json, startFakeGraph, type FakeGraph, type FakeTokens, type SeenRequest } from '../graph/fakeGraph.js';

const ALICE = 'adm-alice@contoso.example';
const caller = { cloud: 'public', credential: { kind: 'interactive' as const, account: ALICE } };
const BASE = '/v1.0/identityGovernance/privilegedAccess/group';
const G1 = '6b1c3f2e-0000-4000-8000-00000000a001';

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
