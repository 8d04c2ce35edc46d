// PIM for Groups through the simulated Microsoft Graph: an eligible user is not a member until
// they activate; activation with the group's policy (justification, ticket, maximum duration, MFA,
// an authentication context, approval), deactivation and expiry; Graph's shapes, error codes and
// texts; and what Entra's tokens carry (the group only once the activation has propagated).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from '../entra/support.js';
import { startSimulatedAzure, type SimulatedAzure } from '../index.js';
import { ACCOUNTS } from '../types.js';
import { activation, graphRequest, graphToken, PIM_BASE, PIM_READ, PIM_WRITE, sleep, type GraphResponse } from './test-support.js';

let sim: SimulatedAzure;
let adm: string; // adm-alice's object id: eligible for db-admins
let alice: string;
let admins: string; // db-admins
let readers: string;
const DELAY = 300;

const get = (path: string, token?: string): Promise<GraphResponse> => graphRequest({ endpoint: sim.graph.endpoint, caFile: sim.caFile }, path, token ? { token } : {});
const post = (path: string, body: unknown, token?: string): Promise<GraphResponse> =>
  graphRequest({ endpoint: sim.graph.endpoint, caFile: sim.caFile }, path, { method: 'POST', body, ...(token ? { token } : {}) });
const activate = (over: Record<string, unknown> = {}, token = graphToken(sim, ACCOUNTS.secondary)): Promise<GraphResponse> =>
  post(`${PIM_BASE}/assignmentScheduleRequests`, activation(adm, admins, over), token);
/** The groups a fresh database token of `upn` carries. */
const tokenGroups = (upn: string = ACCOUNTS.secondary): unknown => decodeJwt(sim.entra.control.mintAccessToken({ upn })).payload.groups;
const errorOf = (r: GraphResponse): { code?: string; message?: string; innerError?: Record<string, unknown> } => (r.body as { error?: { code?: string; message?: string } }).error ?? {};
const value = (r: GraphResponse): Record<string, unknown>[] => (r.body as { value: Record<string, unknown>[] }).value;

beforeAll(async () => {
  sim = await startSimulatedAzure({ withServer: false, pimEligible: [{ upn: ACCOUNTS.secondary, group: ACCOUNTS.adminGroup }], pimActivationDelayMs: DELAY });
  const account = (upn: string): string => sim.state.accounts.find((a) => a.upn === upn)?.objectId ?? '';
  const group = (name: string): string => sim.state.groups.find((g) => g.displayName === name)?.objectId ?? '';
  adm = account(ACCOUNTS.secondary);
  alice = account(ACCOUNTS.primary);
  admins = group(ACCOUNTS.adminGroup);
  readers = group(ACCOUNTS.readerGroup);
});
afterAll(async () => {
  await sim?.stop();
});
afterEach(() => {
  try {
    sim.graph.control.expireActivation(ACCOUNTS.secondary, ACCOUNTS.adminGroup);
  } catch {
    // nothing active
  }
  for (const r of sim.graph.control.pimRequests()) if (r.status === 'PendingApproval') sim.graph.control.denyPimRequest(r.id);
  sim.graph.control.setPimPolicy(ACCOUNTS.adminGroup, {
    maximumDuration: 'PT8H',
    justificationRequired: true,
    ticketingRequired: false,
    mfaRequired: false,
    authenticationContext: null,
    approvalRequired: false,
    approvers: [],
  });
  sim.graph.control.setActivationDelay(DELAY);
});

describe('eligible is not active', () => {
  it('the eligibility is listed (with $expand=group), no active assignment, and tokens lack the group', async () => {
    const token = graphToken(sim, ACCOUNTS.secondary);
    const elig = await get(`${PIM_BASE}/eligibilityScheduleInstances?$filter=principalId eq '${adm}'&$expand=group`, token);
    expect(elig.status).toBe(200);
    expect(elig.headers['content-type']).toMatch(/^application\/json;odata\.metadata=minimal/);
    expect(elig.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(elig.body).toMatchObject({ '@odata.context': `${sim.graph.endpoint}/v1.0/$metadata#identityGovernance/privilegedAccess/group/eligibilityScheduleInstances(group())` });
    expect(value(elig)).toEqual([
      {
        id: expect.stringMatching(new RegExp(`^${admins}_member_[0-9a-f-]{36}$`)),
        startDateTime: expect.stringMatching(/Z$/),
        endDateTime: null,
        accessId: 'member',
        principalId: adm,
        groupId: admins,
        memberType: 'Direct',
        eligibilityScheduleId: expect.any(String),
        group: expect.objectContaining({ id: admins, displayName: ACCOUNTS.adminGroup, securityEnabled: true }),
      },
    ]);
    // The same by group, and both filters with `and`.
    expect(value(await get(`${PIM_BASE}/eligibilityScheduleInstances?$filter=groupId eq '${admins}'`, token))).toHaveLength(1);
    expect(value(await get(`${PIM_BASE}/eligibilityScheduleInstances?$filter=groupId eq '${admins}' and principalId eq '${adm}'`, token))).toHaveLength(1);
    expect(value(await get(`${PIM_BASE}/eligibilityScheduleInstances?$filter=groupId eq '${readers}' and principalId eq '${adm}'`, token))).toEqual([]);
    const active = await get(`${PIM_BASE}/assignmentScheduleInstances?$filter=principalId eq '${adm}'`, token);
    expect(active.status).toBe(200);
    expect(value(active)).toEqual([]);
    expect(tokenGroups()).toBeUndefined();
  });

  it("a permanent member's membership is an Assigned assignment without dates", async () => {
    const r = await get(`${PIM_BASE}/assignmentScheduleInstances?$filter=principalId eq '${alice}'`, graphToken(sim, ACCOUNTS.primary));
    expect(value(r)).toEqual([
      {
        id: expect.stringMatching(new RegExp(`^${readers}_member_`)),
        principalId: alice,
        startDateTime: null,
        endDateTime: null,
        assignmentType: 'Assigned',
        accessId: 'member',
        groupId: readers,
        memberType: 'Direct',
        assignmentScheduleId: expect.any(String),
      },
    ]);
  });

  it('a filter on principalId or groupId is required; a bad filter or expand is a 400', async () => {
    const token = graphToken(sim, ACCOUNTS.secondary);
    const none = await get(`${PIM_BASE}/eligibilityScheduleInstances`, token);
    expect(none.status).toBe(400);
    expect(errorOf(none)).toMatchObject({
      code: 'BadRequest',
      innerError: { date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/), 'request-id': expect.any(String), 'client-request-id': expect.any(String) },
    });
    const syntax = await get(`${PIM_BASE}/eligibilityScheduleInstances?$filter=principalId ne '${adm}'`, token);
    expect(syntax.status).toBe(400);
    expect(errorOf(syntax).message).toMatch(/^Invalid filter clause/);
    const expand = await get(`${PIM_BASE}/eligibilityScheduleInstances?$filter=principalId eq '${adm}'&$expand=owner`, token);
    expect(errorOf(expand)).toEqual(
      expect.objectContaining({ code: 'BadRequest', message: "Could not find a property named 'owner' on type 'microsoft.graph.privilegedAccessGroupEligibilityScheduleInstance'." }),
    );
  });
});

describe('activation', () => {
  it('201 Provisioned with the request; Graph lists it at once, tokens carry the group only once it propagated; a token from before never does', async () => {
    sim.graph.control.setActivationDelay(1_500);
    const before = sim.entra.control.mintAccessToken({ upn: ACCOUNTS.secondary });
    const r = await activate();
    expect(r.status).toBe(201);
    const req = r.body as Record<string, unknown>;
    expect(req).toMatchObject({
      '@odata.context': `${sim.graph.endpoint}/v1.0/$metadata#identityGovernance/privilegedAccess/group/assignmentScheduleRequests/$entity`,
      status: 'Provisioned',
      action: 'selfActivate',
      accessId: 'member',
      principalId: adm,
      groupId: admins,
      justification: 'Investigating INC-4711',
      isValidationOnly: false,
      approvalId: null,
      createdBy: { user: { id: adm } },
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT2H' } },
      ticketInfo: { ticketNumber: null, ticketSystem: null },
      targetScheduleId: `${admins}_member_${String(req.id)}`,
    });
    expect(req.completedDateTime).toMatch(/\.\d{7}Z$/);
    expect(r.headers.location).toBe(`${sim.graph.endpoint}/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests('${String(req.id)}')`);
    // PIM's own view: active at once, for two hours.
    const active = value(await get(`${PIM_BASE}/assignmentScheduleInstances?$filter=principalId eq '${adm}'`, graphToken(sim, ACCOUNTS.secondary)));
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({ assignmentType: 'Activated', groupId: admins });
    expect(Date.parse(String(active[0]?.endDateTime)) - Date.parse(String(active[0]?.startDateTime))).toBe(2 * 3600_000);
    // Tokens: not yet.
    expect(tokenGroups()).toBeUndefined();
    // Polling the request.
    const polled = await get(`${PIM_BASE}/assignmentScheduleRequests/${String(req.id)}`, graphToken(sim, ACCOUNTS.secondary));
    expect(polled.body).toMatchObject({ id: req.id, status: 'Provisioned' });
    expect((await get(`${PIM_BASE}/assignmentScheduleRequests('${String(req.id)}')`, graphToken(sim, ACCOUNTS.secondary))).status).toBe(200);
    // Activating again while active.
    const again = await activate();
    expect(again.status).toBe(400);
    expect(errorOf(again)).toMatchObject({ code: 'RoleAssignmentExists', message: 'The Role assignment already exists.' });
    await sleep(1_600);
    expect(tokenGroups()).toEqual([admins]);
    expect(decodeJwt(before).payload.groups).toBeUndefined();
    expect(sim.graph.control.pimRequests()).toEqual([expect.objectContaining({ id: req.id, upn: ACCOUNTS.secondary, group: ACCOUNTS.adminGroup, status: 'Provisioned', durationMs: 2 * 3600_000 })]);
  });

  it('expiry: when the activation ends, new tokens lack the group and Graph lists nothing active', async () => {
    sim.graph.control.setActivationDelay(0);
    expect((await activate()).status).toBe(201);
    expect(tokenGroups()).toEqual([admins]);
    sim.graph.control.expireActivation(ACCOUNTS.secondary, ACCOUNTS.adminGroup);
    expect(tokenGroups()).toBeUndefined();
    expect(value(await get(`${PIM_BASE}/assignmentScheduleInstances?$filter=principalId eq '${adm}'`, graphToken(sim, ACCOUNTS.secondary)))).toEqual([]);
    expect(() => sim.graph.control.expireActivation(ACCOUNTS.secondary, ACCOUNTS.adminGroup)).toThrow(/no active activation/);
  });

  it('selfDeactivate: 201 Revoked and the membership ends; again: RoleAssignmentDoesNotExist', async () => {
    sim.graph.control.setActivationDelay(0);
    expect((await activate()).status).toBe(201);
    const body = { accessId: 'member', principalId: adm, groupId: admins, action: 'selfDeactivate' };
    const off = await post(`${PIM_BASE}/assignmentScheduleRequests`, body, graphToken(sim, ACCOUNTS.secondary));
    expect(off.status).toBe(201);
    expect(off.body).toMatchObject({ action: 'selfDeactivate', status: 'Revoked' });
    expect(tokenGroups()).toBeUndefined();
    const again = await post(`${PIM_BASE}/assignmentScheduleRequests`, body, graphToken(sim, ACCOUNTS.secondary));
    expect(again.status).toBe(400);
    expect(errorOf(again)).toMatchObject({ code: 'RoleAssignmentDoesNotExist', message: 'The Role assignment does not exist.' });
  });

  it("the policy's rules: justification, ticket, maximum duration (and an end is required), named together", async () => {
    sim.graph.control.setPimPolicy(ACCOUNTS.adminGroup, { maximumDuration: 'PT1H', ticketingRequired: true });
    const bad = await activate({ justification: '  ' });
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toMatchObject({ code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["ExpirationRule","JustificationRule","TicketingRule"]' });
    const forever = await activate({ scheduleInfo: { expiration: { type: 'noExpiration' } }, ticketInfo: { ticketNumber: 'INC-4711', ticketSystem: 'ServiceNow' } });
    expect(errorOf(forever).message).toBe('The following policy rules failed: ["ExpirationRule"]');
    const ok = await activate({ scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT45M' } }, ticketInfo: { ticketNumber: 'INC-4711', ticketSystem: 'ServiceNow' } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ status: 'Provisioned', ticketInfo: { ticketNumber: 'INC-4711', ticketSystem: 'ServiceNow' }, scheduleInfo: { expiration: { duration: 'PT45M' } } });
  });

  it('not eligible: EligibilityRule; another principal, an unknown group or a bad body: InvalidRoleAssignmentRequest; not JSON: BadRequest', async () => {
    const carol = sim.state.accounts.find((a) => a.upn === ACCOUNTS.nonMember)?.objectId ?? '';
    const notEligible = await post(`${PIM_BASE}/assignmentScheduleRequests`, activation(carol, admins), graphToken(sim, ACCOUNTS.nonMember));
    expect(notEligible.status).toBe(400);
    expect(errorOf(notEligible)).toMatchObject({ code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["EligibilityRule"]' });
    const invalid = { code: 'InvalidRoleAssignmentRequest', message: 'The role assignment request is invalid.' };
    expect(errorOf(await post(`${PIM_BASE}/assignmentScheduleRequests`, activation(adm, admins), graphToken(sim, ACCOUNTS.nonMember)))).toMatchObject(invalid);
    expect(errorOf(await activate({ groupId: '00000000-0000-4000-8000-000000000000' }))).toMatchObject(invalid);
    expect(errorOf(await activate({ scheduleInfo: { expiration: { type: 'afterDuration', duration: 'two hours' } } }))).toMatchObject(invalid);
    const notJson = await post(`${PIM_BASE}/assignmentScheduleRequests`, '{"accessId":', graphToken(sim, ACCOUNTS.secondary));
    expect(notJson.status).toBe(400);
    expect(errorOf(notJson)).toMatchObject({ code: 'BadRequest', message: 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.' });
  });

  it('MFA on activation: a token without mfa in amr fails MfaRule', async () => {
    sim.graph.control.setPimPolicy(ACCOUNTS.adminGroup, { mfaRequired: true });
    const r = await activate({}, graphToken(sim, ACCOUNTS.secondary, { mfa: false }));
    expect(errorOf(r)).toMatchObject({ code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["MfaRule"]' });
    expect((await activate({}, graphToken(sim, ACCOUNTS.secondary, { mfa: true }))).status).toBe(201);
  });

  it('an authentication context: without its acrs, 400 RoleAssignmentRequestAcrsValidationFailed with the claims to ask Entra for; with it, 201', async () => {
    sim.graph.control.setPimPolicy(ACCOUNTS.adminGroup, { authenticationContext: 'c1' });
    const r = await activate();
    expect(r.status).toBe(400);
    expect(errorOf(r)).toMatchObject({
      code: 'RoleAssignmentRequestAcrsValidationFailed',
      message: '&claims=%7B%22access_token%22%3A%7B%22acrs%22%3A%7B%22essential%22%3Atrue%2C%20%22value%22%3A%22c1%22%7D%7D%7D',
    });
    const claims = decodeURIComponent(String(errorOf(r).message).replace(/^&claims=/, ''));
    expect(JSON.parse(claims)).toEqual({ access_token: { acrs: { essential: true, value: 'c1' } } });
    expect((await activate({}, graphToken(sim, ACCOUNTS.secondary, { acrs: ['p1'] }))).status).toBe(400);
    expect((await activate({}, graphToken(sim, ACCOUNTS.secondary, { acrs: ['c1'] }))).status).toBe(201);
  });
});

describe('approval', () => {
  it('PendingApproval until approved (then Provisioned, membership after the delay); a second request meanwhile is refused; denied: Denied', async () => {
    sim.graph.control.setPimPolicy(ACCOUNTS.adminGroup, { approvalRequired: true, approvers: [ACCOUNTS.primary] });
    const r = await activate();
    expect(r.status).toBe(201);
    const req = r.body as { id: string; status: string; approvalId: string | null };
    expect(req.status).toBe('PendingApproval');
    expect(req.approvalId).toMatch(/^[0-9a-f-]{36}$/);
    const pending = await activate();
    expect(errorOf(pending)).toMatchObject({ code: 'PendingRoleAssignmentRequest', message: 'There is already an existing pending Role assignment request.' });
    expect(value(await get(`${PIM_BASE}/assignmentScheduleInstances?$filter=principalId eq '${adm}'`, graphToken(sim, ACCOUNTS.secondary)))).toEqual([]);
    sim.graph.control.approvePimRequest(req.id);
    expect((await get(`${PIM_BASE}/assignmentScheduleRequests/${req.id}`, graphToken(sim, ACCOUNTS.secondary))).body).toMatchObject({ status: 'Provisioned' });
    expect(tokenGroups()).toBeUndefined();
    await sleep(DELAY + 100);
    expect(tokenGroups()).toEqual([admins]);
    sim.graph.control.expireActivation(ACCOUNTS.secondary, ACCOUNTS.adminGroup);

    const second = (await activate()).body as { id: string };
    sim.graph.control.denyPimRequest(second.id);
    expect((await get(`${PIM_BASE}/assignmentScheduleRequests/${second.id}`, graphToken(sim, ACCOUNTS.secondary))).body).toMatchObject({ status: 'Denied' });
    expect(tokenGroups()).toBeUndefined();
    expect(() => sim.graph.control.approvePimRequest(second.id)).toThrow(/Denied, not PendingApproval/);
  });

  it('the requester cancels a pending request (204, Canceled); someone else cannot see it', async () => {
    sim.graph.control.setPimPolicy(ACCOUNTS.adminGroup, { approvalRequired: true });
    const req = (await activate()).body as { id: string };
    expect((await get(`${PIM_BASE}/assignmentScheduleRequests/${req.id}`, graphToken(sim, ACCOUNTS.primary))).status).toBe(404);
    const cancel = await post(`${PIM_BASE}/assignmentScheduleRequests/${req.id}/cancel`, {}, graphToken(sim, ACCOUNTS.secondary));
    expect(cancel.status).toBe(204);
    expect(sim.graph.control.pimRequests().find((r) => r.id === req.id)?.status).toBe('Canceled');
  });
});

describe('permissions and tokens', () => {
  it('a token without the delegated permission: 403 with PIM’s PermissionScopeNotGranted inside the message', async () => {
    const readOnly = graphToken(sim, ACCOUNTS.secondary, { scp: PIM_READ });
    const r = await activate({}, readOnly);
    expect(r.status).toBe(403);
    expect(errorOf(r).code).toBe('UnknownError');
    expect(JSON.parse(String(errorOf(r).message))).toEqual({
      errorCode: 'PermissionScopeNotGranted',
      message:
        'Authorization failed due to missing permission scope PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup,PrivilegedAccess.ReadWrite.AzureADGroup,PrivilegedAssignmentSchedule.Remove.AzureADGroup.',
      instanceAnnotations: [],
    });
    const userRead = graphToken(sim, ACCOUNTS.secondary, { scp: 'User.Read' });
    const list = await get(`${PIM_BASE}/eligibilityScheduleInstances?$filter=principalId eq '${adm}'`, userRead);
    expect(list.status).toBe(403);
    expect(String(errorOf(list).message)).toContain('missing permission scope PrivilegedEligibilitySchedule.Read.AzureADGroup,');
    // Reading active assignments with the write permission alone is fine (least privilege includes it).
    expect((await get(`${PIM_BASE}/assignmentScheduleInstances?$filter=principalId eq '${adm}'`, graphToken(sim, ACCOUNTS.secondary, { scp: PIM_WRITE }))).status).toBe(200);
    // /groups/{id} is the directory's: its own refusal.
    const group = await get(`/v1.0/groups/${admins}`, graphToken(sim, ACCOUNTS.secondary));
    expect(group.status).toBe(403);
    expect(errorOf(group)).toMatchObject({ code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
  });

  it("401 InvalidAuthenticationToken with Graph's challenge: no token, a Resource Manager token, an expired one; the Graph app id audience is accepted", async () => {
    const expectRefused = async (r: GraphResponse, message: string): Promise<void> => {
      expect(r.status).toBe(401);
      expect(errorOf(r)).toMatchObject({ code: 'InvalidAuthenticationToken', message });
      expect(r.headers['www-authenticate']).toBe('Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"');
    };
    const path = `${PIM_BASE}/eligibilityScheduleInstances?$filter=principalId eq '${adm}'`;
    await expectRefused(await get(path), 'Access token is empty.');
    await expectRefused(await get(path, 'not-a-jwt'), 'CompactToken parsing failed with error code: 80049217');
    await expectRefused(await get(path, graphToken(sim, ACCOUNTS.secondary, { audience: sim.arm.endpoint })), 'Access token validation failure. Invalid audience.');
    await expectRefused(
      await get(path, sim.entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { audience: sim.graph.endpoint, scp: PIM_READ, expired: true })),
      'Lifetime validation failed, the token is expired.',
    );
    await expectRefused(
      await get(path, sim.entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { audience: sim.graph.endpoint, scp: PIM_READ, tamper: true })),
      'Access token validation failure.',
    );
    expect((await get(path, graphToken(sim, ACCOUNTS.secondary, { audience: '00000003-0000-0000-c000-000000000000' }))).status).toBe(200);
    expect((await get(path, graphToken(sim, ACCOUNTS.secondary, { audience: 'https://graph.microsoft.com' }))).status).toBe(200);
  });

  it('/me, /groups/{id} with a directory permission, and unknown paths', async () => {
    const me = await get('/v1.0/me', graphToken(sim, ACCOUNTS.secondary, { scp: 'User.Read' }));
    expect(me.body).toMatchObject({ id: adm, userPrincipalName: ACCOUNTS.secondary, displayName: 'Alice Jones (admin)' });
    const group = await get(`/v1.0/groups/${admins}`, graphToken(sim, ACCOUNTS.secondary, { scp: 'GroupMember.Read.All' }));
    expect(group.body).toMatchObject({ '@odata.context': `${sim.graph.endpoint}/v1.0/$metadata#groups/$entity`, id: admins, displayName: ACCOUNTS.adminGroup });
    const missing = await get('/v1.0/groups/00000000-0000-4000-8000-000000000000', graphToken(sim, ACCOUNTS.secondary, { scp: 'GroupMember.Read.All' }));
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe('Request_ResourceNotFound');
    const unknown = await get('/v1.0/identityGovernance/privilegedAccess/group/roleAssignments', graphToken(sim, ACCOUNTS.secondary));
    expect(errorOf(unknown)).toMatchObject({ code: 'BadRequest', message: "Resource not found for the segment 'roleAssignments'." });
  });

  it("the group's PIM policy as Graph's roleManagementPolicyAssignments with the end-user activation rules", async () => {
    sim.graph.control.setPimPolicy(ACCOUNTS.adminGroup, { maximumDuration: 'PT4H', ticketingRequired: true, authenticationContext: 'c1', approvalRequired: true, approvers: [ACCOUNTS.primary] });
    const token = graphToken(sim, ACCOUNTS.secondary, { scp: 'RoleManagementPolicy.Read.AzureADGroup' });
    const r = await get(`/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${admins}' and scopeType eq 'Group' and roleDefinitionId eq 'member'&$expand=policy($expand=rules)`, token);
    expect(r.status).toBe(200);
    const [assignment] = value(r);
    expect(assignment).toMatchObject({ scopeId: admins, scopeType: 'Group', roleDefinitionId: 'member', policy: { scopeId: admins, scopeType: 'Group' } });
    const rules = (assignment?.policy as { rules: Record<string, unknown>[] }).rules;
    const rule = (id: string): Record<string, unknown> | undefined => rules.find((x) => x.id === id);
    expect(rule('Expiration_EndUser_Assignment')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'PT4H' });
    expect(rule('Enablement_EndUser_Assignment')).toMatchObject({ enabledRules: ['Justification', 'Ticketing'] });
    expect(rule('AuthenticationContext_EndUser_Assignment')).toMatchObject({ isEnabled: true, claimValue: 'c1' });
    expect(rule('Approval_EndUser_Assignment')).toMatchObject({ setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [{ userId: alice }] }] } });
    const forbidden = await get(`/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${admins}' and scopeType eq 'Group'`, graphToken(sim, ACCOUNTS.secondary));
    expect(forbidden.status).toBe(403);
  });
});
