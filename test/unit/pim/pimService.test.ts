// PimService over a stand-in Graph (real HTTPS): an authentication-context refusal whose message
// is long still becomes the step-up with PIM's claims.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { StepUpRequired } from '../../../electron/auth/stepUp.js';
import { PimService } from '../../../electron/pim/pimService.js';
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
