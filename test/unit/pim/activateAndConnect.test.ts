// activateAndConnect's answers to a PIM that already has something for the group — a request that
// waits for an approver is followed rather than duplicated, an active membership is carried on
// with — and `approvalTimeoutMs: 0` (the CLI without --wait): a pending activation is reported at
// once. Each status PIM may answer: the ones it is still working on (or does not document) are
// asked again, within a bound; the ones that end a request each say what happened. A wait
// outlives glitches (429, 5xx, the network, a server restart) but not several in a row, and asks
// less often after the first minute. PimService's words for a Graph token Entra refused.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TokenProvider } from '../../../electron/auth/tokenProvider.js';
import { GraphRequestError } from '../../../electron/graph/graphClient.js';
import { activateAndConnect, waitForGroupLogin, type ActivationStage } from '../../../electron/pim/activateAndConnect.js';
import { readActivations } from '../../../electron/pim/activationLog.js';
import { PimService, type PimActivation, type PimMembership } from '../../../electron/pim/pimService.js';
import { TransientRetry } from '../../../electron/pim/transientRetry.js';
import { PgEntraError } from '../../../shared/errors.js';
import { pgEntraFailure } from '../../support/pgEntraFailure.js';

const ALICE = 'adm-alice@contoso.example';
const caller = { cloud: 'public', credential: { kind: 'interactive' as const, account: ALICE } };
const activation = (over: Partial<PimActivation> = {}): PimActivation => ({ requestId: 'r1', groupId: 'g1', group: 'db-admins', status: 'Provisioned', endDateTime: null, ...over });

let home: string;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-pimflow-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

function fakePim(parts: Partial<Record<'activate' | 'current' | 'request', () => Promise<PimActivation | undefined>>> & { list?: () => Promise<PimMembership[]> }): {
  pim: PimService;
  calls: string[];
} {
  const calls: string[] = [];
  const wrap = (name: string, f?: () => Promise<PimActivation | undefined>) => (): Promise<PimActivation | undefined> => {
    calls.push(name);
    return f ? f() : Promise.reject(new Error(`${name} not expected`));
  };
  const list = (): Promise<PimMembership[]> => {
    if (parts.list) calls.push('list');
    return parts.list ? parts.list() : Promise.resolve([]);
  };
  return { pim: { activate: wrap('activate', parts.activate), current: wrap('current', parts.current), request: wrap('request', parts.request), list } as unknown as PimService, calls };
}

/** Answers in turn (the last one again once they run out): a status, or an error to throw. */
function sequence(...answers: (string | Error)[]): () => Promise<PimActivation> {
  let i = 0;
  return () => {
    const a = answers[Math.min(i++, answers.length - 1)] as string | Error;
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(activation({ status: a }));
  };
}

const FAST = { approvalPollMs: 1, retry: { baseMs: 1, maxMs: 5 } };

describe('activateAndConnect with what PIM already has', () => {
  it('a request that already waits for an approver is followed until approved (no second request)', async () => {
    let polls = 0;
    const { pim, calls } = fakePim({
      activate: () => Promise.reject(new PgEntraError('pim_pending_approval', 'An activation of db-admins already waits for an approver.')),
      current: () => Promise.resolve(activation({ requestId: 'waiting', status: 'PendingApproval' })),
      request: () => Promise.resolve(activation({ requestId: 'waiting', status: ++polls < 2 ? 'PendingApproval' : 'Provisioned' })),
    });
    const stages: ActivationStage['stage'][] = [];
    const a = await activateAndConnect(pim, caller, 'db-admins', { dataDir: home, account: ALICE, approvalPollMs: 1, onProgress: (s) => stages.push(s.stage) });
    expect(a.requestId).toBe('waiting');
    expect(calls).toEqual(['activate', 'current', 'request', 'request']);
    expect(stages).toEqual(['requesting', 'pending-approval', 'pending-approval', 'active']);
    expect(readActivations(home)).toHaveLength(1);
  });

  it('a membership that is already active: carried on with, recorded, and the login tried', async () => {
    const { pim, calls } = fakePim({
      activate: () => Promise.reject(new PgEntraError('conflict', 'The membership of db-admins is already active.')),
      current: () => Promise.resolve(activation({ requestId: '', endDateTime: new Date(Date.now() + 60_000).toISOString() })),
    });
    let logins = 0;
    const login = (): Promise<void> => {
      logins++;
      return Promise.resolve();
    };
    await activateAndConnect(pim, caller, 'db-admins', { dataDir: home, account: ALICE, login });
    expect(calls).toEqual(['activate', 'current']);
    expect(logins).toBe(1);
    expect(readActivations(home)).toEqual([expect.objectContaining({ account: ALICE, group: 'db-admins' })]);
  });

  it('nothing standing after all: the refusal itself', async () => {
    const { pim } = fakePim({ activate: () => Promise.reject(new PgEntraError('conflict', 'The membership of db-admins is already active.')), current: () => Promise.resolve(undefined) });
    expect((await pgEntraFailure(activateAndConnect(pim, caller, 'db-admins', { dataDir: home, account: ALICE }))).code).toBe('conflict');
  });

  it('approvalTimeoutMs 0: a pending activation is pim_pending_approval at once, without polling or recording', async () => {
    const { pim, calls } = fakePim({ activate: () => Promise.resolve(activation({ status: 'PendingApproval' })) });
    const e = await pgEntraFailure(activateAndConnect(pim, caller, 'db-admins', { dataDir: home, account: ALICE, approvalTimeoutMs: 0 }));
    expect(e.code).toBe('pim_pending_approval');
    expect(e.details).toMatchObject({ requestId: 'r1' });
    expect(calls).toEqual(['activate']);
    expect(readActivations(home)).toEqual([]);
  });
});

describe('statuses PIM has not finished with', () => {
  it('PendingProvisioning, then Provisioned: asked again, even without --wait (no approver involved)', async () => {
    const { pim, calls } = fakePim({ activate: () => Promise.resolve(activation({ status: 'PendingProvisioning' })), request: sequence('PendingProvisioning', 'Provisioned') });
    const stages: ActivationStage['stage'][] = [];
    const a = await activateAndConnect(pim, caller, 'db-admins', { dataDir: home, account: ALICE, ...FAST, approvalTimeoutMs: 0, onProgress: (s) => stages.push(s.stage) });
    expect(a.status).toBe('Provisioned');
    expect(calls).toEqual(['activate', 'request', 'request']);
    expect(stages).toEqual(['requesting', 'active']);
    expect(readActivations(home)).toHaveLength(1);
  });

  it('ScheduleCreated that stays so: done once the membership itself is active', async () => {
    let listed = 0;
    const { pim, calls } = fakePim({
      activate: () => Promise.resolve(activation({ status: 'ScheduleCreated' })),
      request: sequence('ScheduleCreated'),
      list: () => Promise.resolve(++listed < 3 ? [] : [{ groupId: 'G1', group: 'db-admins', state: 'active', endDateTime: null }]),
    });
    const a = await activateAndConnect(pim, caller, 'db-admins', { dataDir: home, account: ALICE, ...FAST });
    expect(a.status).toBe('ScheduleCreated');
    // Each answer still ScheduleCreated: is the membership active? (The last list reads its end.)
    expect(calls).toEqual(['activate', 'request', 'list', 'request', 'list', 'request', 'list', 'list']);
    expect(readActivations(home)).toHaveLength(1);
  });

  it('a status Graph does not document yet: asked again, not an internal error', async () => {
    const { pim } = fakePim({ activate: () => Promise.resolve(activation({ status: 'PendingSomethingNew' })), request: sequence('PendingSomethingNew', 'Provisioned') });
    expect((await activateAndConnect(pim, caller, 'db-admins', { dataDir: home, account: ALICE, ...FAST })).status).toBe('Provisioned');
  });

  it('one that never settles: a bounded wait, then an error naming the status', async () => {
    const { pim } = fakePim({ activate: () => Promise.resolve(activation({ status: 'SomethingNew' })), request: sequence('SomethingNew') });
    const e = await pgEntraFailure(activateAndConnect(pim, caller, 'db-admins', { dataDir: home, account: ALICE, ...FAST, settleTimeoutMs: 30 }));
    expect(e.code).toBe('pim_pending_approval');
    expect(e.message).toBe('PIM has not finished the activation of db-admins after 0 minutes (status SomethingNew).');
    expect(e.details).toEqual({ requestId: 'r1', status: 'SomethingNew' });
    expect(readActivations(home)).toEqual([]);
  });
});

describe('statuses that end a request', () => {
  it.each([
    ['Denied', 'The activation of db-admins was denied.', 'Ask the approver why'],
    ['Canceled', 'The activation request for db-admins was cancelled before it became active (in the Azure portal, My Access or another pgEntra).', 'Request it again'],
    ['Revoked', 'The activation of db-admins was revoked.', 'PIM administrator'],
    ['TimedOut', 'No approver decided on the activation of db-admins in time, so PIM closed the request.', 'ask an approver to act on it'],
    ['Failed', 'PIM could not complete the activation of db-admins (status Failed).', 'look up request r1'],
  ])('%s: pim_denied, in its own words', async (status, message, hint) => {
    const { pim } = fakePim({ activate: () => Promise.resolve(activation({ status: 'PendingApproval' })), request: sequence(status) });
    const e = await pgEntraFailure(activateAndConnect(pim, caller, 'db-admins', { dataDir: home, account: ALICE, ...FAST }));
    expect(e.code).toBe('pim_denied');
    expect(e.message).toBe(message);
    expect(e.hint).toContain(hint);
    expect(e.details).toEqual({ requestId: 'r1', status });
  });
});

describe('a long wait and glitches', () => {
  const throttled = (): GraphRequestError => new GraphRequestError(429, 'TooManyRequests', '', 'Microsoft Graph is throttling requests.', { retryAfterMs: 2 });
  const unreachable = (): PgEntraError => new PgEntraError('network_unavailable', 'Cannot reach Microsoft Graph at graph.microsoft.com: ECONNRESET.');

  it('a 429, a 503 and a network blip while waiting for an approver: asked again, the wait goes on', async () => {
    const unavailable = new GraphRequestError(503, 'serviceNotAvailable', '', 'Microsoft Graph could not answer.');
    const { pim, calls } = fakePim({
      activate: () => Promise.resolve(activation({ status: 'PendingApproval' })),
      request: sequence(throttled(), unavailable, unreachable(), 'PendingApproval', throttled(), 'Provisioned'),
    });
    expect((await activateAndConnect(pim, caller, 'db-admins', { dataDir: home, account: ALICE, ...FAST })).status).toBe('Provisioned');
    expect(calls.filter((c) => c === 'request')).toHaveLength(6);
  });

  it('five failures in a row end it with the last one; a refusal ends it at once', async () => {
    const { pim, calls } = fakePim({ activate: () => Promise.resolve(activation({ status: 'PendingApproval' })), request: sequence(unreachable()) });
    expect((await pgEntraFailure(activateAndConnect(pim, caller, 'db-admins', { dataDir: home, account: ALICE, ...FAST }))).code).toBe('network_unavailable');
    expect(calls.filter((c) => c === 'request')).toHaveLength(5);

    const forbidden = fakePim({ activate: () => Promise.resolve(activation({ status: 'PendingApproval' })), request: sequence(new GraphRequestError(403, 'Forbidden', '', 'Refused.')) });
    expect((await pgEntraFailure(activateAndConnect(forbidden.pim, caller, 'db-admins', { dataDir: home, account: ALICE, ...FAST }))).code).toBe('azure_forbidden');
    expect(forbidden.calls.filter((c) => c === 'request')).toHaveLength(1);
  });

  it('the server restarting while it is asked for the login: asked again; a refusal ends it at once', async () => {
    const answers = [new PgEntraError('server_restarting', 'The server is restarting.'), new PgEntraError('role_not_found_or_not_member', 'Not a member yet.'), undefined];
    let logins = 0;
    const stages: ActivationStage['stage'][] = [];
    await waitForGroupLogin(activation(), () => (answers[logins++] ? Promise.reject(answers[logins - 1]) : Promise.resolve()), {
      loginPollMs: 1,
      retry: FAST.retry,
      onProgress: (s) => stages.push(s.stage),
    });
    expect(logins).toBe(3);
    expect(stages).toEqual(['waiting-for-server', 'connected']);

    let refused = 0;
    const e = await pgEntraFailure(
      waitForGroupLogin(
        activation(),
        () => {
          refused++;
          return Promise.reject(new PgEntraError('login_refused', 'database "x" does not exist'));
        },
        { loginPollMs: 1, retry: FAST.retry },
      ),
    );
    expect([e.code, refused]).toEqual(['login_refused', 1]);
  });

  it('asks every 5 s during the first minute, then every 30 s', async () => {
    vi.useFakeTimers();
    try {
      const t0 = Date.now();
      const at: number[] = [];
      const { pim } = fakePim({
        activate: () => Promise.resolve(activation({ status: 'PendingApproval' })),
        request: () => {
          at.push(Date.now() - t0);
          return Promise.resolve(activation({ status: 'PendingApproval' }));
        },
      });
      const waiting = pgEntraFailure(activateAndConnect(pim, caller, 'db-admins', { dataDir: home, account: ALICE, approvalTimeoutMs: 150_000 }));
      await vi.advanceTimersByTimeAsync(160_000);
      expect((await waiting).code).toBe('pim_pending_approval');
      expect(at).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 90, 120, 150].map((s) => s * 1000));
    } finally {
      vi.useRealTimers();
    }
  });

  it('the backoff doubles, honours Retry-After within its cap, and starts again after a success', () => {
    const r = new TransientRetry({ attempts: 4, baseMs: 1_000, maxMs: 60_000 });
    expect(r.delayAfter(unreachable())).toBe(1_000);
    expect(r.delayAfter(unreachable())).toBe(2_000);
    expect(r.delayAfter(new GraphRequestError(429, 'TooManyRequests', '', 'Throttled.', { retryAfterMs: 20_000 }))).toBe(20_000);
    expect(() => r.delayAfter(unreachable())).toThrow('Cannot reach Microsoft Graph');
    r.succeeded();
    expect(r.delayAfter(new GraphRequestError(429, 'TooManyRequests', '', 'Throttled.', { retryAfterMs: 3_600_000 }))).toBe(60_000);
    expect(() => r.delayAfter(new PgEntraError('azure_forbidden', 'No.'))).toThrow('No.');
  });
});

describe('PimService: a Graph token Entra refused', () => {
  const refusedWith = (aadsts: string): TokenProvider => ({
    getToken: () => Promise.reject(new PgEntraError('sign_in_failed', `Sign-in failed for ${ALICE}: ${aadsts}: …`, { details: { aadsts } })),
  });

  it("AADSTS65002 (the Azure CLI's client id): what an administrator grants, and the organisation's own client id", async () => {
    const e = await pgEntraFailure(new PimService({ tokens: refusedWith('AADSTS65002'), graphEndpoint: 'https://graph.microsoft.com' }).list(caller));
    expect(e.code).toBe('app_not_permitted');
    expect(e.message).toBe("Microsoft Entra ID does not give the Azure CLI's client id (which pgEntra signs in with unless told otherwise) the Microsoft Graph permissions PIM needs (AADSTS65002).");
    expect(e.hint).toContain('delegated Microsoft Graph permissions PrivilegedEligibilitySchedule.Read.AzureADGroup and PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup (with admin consent)');
    expect(e.hint).toContain('pgentra settings set client-id.public <id>');
    expect(e.hint).toContain('Azure/azure-cli#30149');
  });

  it('AADSTS65001 (no consent for the app in use): the same grant; other refusals pass through', async () => {
    const e = await pgEntraFailure(new PimService({ tokens: refusedWith('AADSTS65001'), graphEndpoint: 'https://graph.microsoft.com' }).list(caller));
    expect(e.code).toBe('app_not_permitted');
    expect(e.message).toContain(`Nobody has consented to the Microsoft Graph permissions PIM needs for the app pgEntra signs in with (for ${ALICE})`);
    const other = await pgEntraFailure(new PimService({ tokens: refusedWith('AADSTS53003'), graphEndpoint: 'https://graph.microsoft.com' }).list(caller));
    expect(other.code).toBe('sign_in_failed');
  });
});
