// Activate a PIM group membership and connect, in one step (the CLI's `pim activate --wait`, the
// app's "Activate and connect"): request the activation, follow it while it waits for an approver,
// record it (so no process serves a token from before it), then try the group login with a token
// fetched now until the server accepts it — an activation takes seconds to minutes to reach the
// server. Each step is reported; the caller's signal stops it at any point. A glitch (Graph
// throttling, a 5xx, the network, a server restart) is asked again after a backoff: only several in
// a row end a wait that may last hours.
import { PgEntraError, isPgEntraError } from '../../shared/errors.js';
import type { GraphCaller } from '../graph/graphClient.js';
import { recordActivation } from './activationLog.js';
import { activationOutcome, isUnderway, type ActivateOptions, type ActivationOutcome, type PimActivation, type PimService } from './pimService.js';
import { TransientRetry, type TransientRetryOptions } from './transientRetry.js';

export type ActivationStage =
  | { stage: 'requesting' }
  | { stage: 'pending-approval'; activation: PimActivation }
  | { stage: 'active'; activation: PimActivation }
  | { stage: 'waiting-for-server'; attempt: number; activation: PimActivation }
  | { stage: 'connected'; activation: PimActivation };

/** One login with a token fetched from Entra now: resolves, or rejects with the server's refusal. */
export type GroupLogin = () => Promise<void>;

export interface ActivateAndConnectOptions extends ActivateOptions {
  /** Where the activation log lives (the data folder). */
  dataDir: string;
  /** The account (UPN) the activation is for, for the log. */
  account: string;
  onProgress?: (s: ActivationStage) => void;
  signal?: AbortSignal;
  /** The group login to wait for; without it, done once the activation is provisioned. */
  login?: GroupLogin;
  /** How often to ask PIM again: during the first minute (default 5 s), then (default 30 s) — approvals take minutes to hours. */
  approvalPollMs?: number;
  approvalSlowPollMs?: number;
  /** How often to ask the server again (default 3 s). */
  loginPollMs?: number;
  /** How long the server may take to see the membership (default 10 min). */
  loginTimeoutMs?: number;
  /** How long to wait for an approver (default: until the signal aborts; 0: not at all, pim_pending_approval at once). */
  approvalTimeoutMs?: number;
  /** How long PIM may take to finish a request nobody has to approve (provisioning, a schedule; default 10 min). */
  settleTimeoutMs?: number;
  /** Backoff for transient failures while waiting. */
  retry?: TransientRetryOptions;
}

export interface GroupLoginWait {
  onProgress?: (s: ActivationStage) => void;
  signal?: AbortSignal;
  loginPollMs?: number;
  loginTimeoutMs?: number;
  retry?: TransientRetryOptions;
}

const FAST_POLL_FOR_MS = 60_000;

/** A refusal that means "not (yet) a member": the membership has not reached the server. */
export function isMembershipRefusal(e: unknown): boolean {
  return isPgEntraError(e) && e.code === 'role_not_found_or_not_member';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new PgEntraError('sign_in_cancelled', 'Cancelled.'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new PgEntraError('sign_in_cancelled', 'Cancelled.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A new activation request — or, when PIM refuses one because a request already waits for an
 * approver or the membership is already active (activated elsewhere, or a second try), that one:
 * following it is what the person asked for.
 */
async function requestOrResume(pim: PimService, caller: GraphCaller, group: string, opts: ActivateOptions): Promise<PimActivation> {
  try {
    return await pim.activate(caller, group, opts);
  } catch (e) {
    if (!isPgEntraError(e) || (e.code !== 'pim_pending_approval' && e.code !== 'conflict')) throw e;
    const standing = await pim.current(caller, group);
    if (!standing) throw e;
    return standing;
  }
}

/** A request PIM ended without activating it, in words that say what happened and what to do. */
function ended(activation: PimActivation, outcome: ActivationOutcome): PgEntraError {
  const { group, status, requestId } = activation;
  const details = { requestId, status };
  switch (outcome) {
    case 'denied':
      return new PgEntraError('pim_denied', `The activation of ${group} was ${status.toLowerCase()}.`, { hint: 'Ask the approver why, or request it again with another reason.', details });
    case 'cancelled':
      return new PgEntraError('pim_denied', `The activation request for ${group} was cancelled before it became active (in the Azure portal, My Access or another pgEntra).`, {
        hint: 'Request it again if you still need the membership.',
        details,
      });
    case 'revoked':
      return new PgEntraError('pim_denied', `The activation of ${group} was revoked.`, {
        hint: 'An administrator (or a deactivation) ended it: ask the group’s PIM administrator, then request it again if you still need it.',
        details,
      });
    case 'timed-out':
      return new PgEntraError('pim_denied', `No approver decided on the activation of ${group} in time, so PIM closed the request.`, {
        hint: 'Request it again and ask an approver to act on it while it waits.',
        details,
      });
    default:
      return new PgEntraError('pim_denied', `PIM could not complete the activation of ${group} (status ${status}).`, {
        hint: `Try again in a few minutes; if it fails again, the group’s PIM administrator can look up request ${requestId} in PIM’s audit history.`,
        details,
      });
  }
}

export async function activateAndConnect(pim: PimService, caller: GraphCaller, group: string, opts: ActivateAndConnectOptions): Promise<PimActivation> {
  const progress = opts.onProgress ?? (() => undefined);
  progress({ stage: 'requesting' });
  let activation = await requestOrResume(pim, caller, group, opts);
  const started = Date.now();
  let underwaySince: number | undefined;
  const retry = new TransientRetry(opts.retry);
  const fast = opts.approvalPollMs ?? 5_000;
  const slow = Math.max(fast, opts.approvalSlowPollMs ?? 30_000);
  // A status PIM may leave as it is (a created schedule): then the membership itself says it is active.
  let membershipActive = false;
  for (;;) {
    const outcome = activationOutcome(activation.status);
    if (outcome === 'active' || membershipActive) break;
    if (isUnderway(outcome)) {
      // Nobody decides here: PIM provisions, or creates a schedule, or says something new. Bounded.
      underwaySince ??= Date.now();
      const limit = opts.settleTimeoutMs ?? 10 * 60_000;
      if (Date.now() - underwaySince >= limit) {
        throw new PgEntraError('pim_pending_approval', `PIM has not finished the activation of ${activation.group} after ${Math.round(limit / 60_000)} minutes (status ${activation.status}).`, {
          hint: `pgentra pim status shows when it is active; if it stays like this, the group’s PIM administrator can look up request ${activation.requestId}.`,
          details: { requestId: activation.requestId, status: activation.status },
        });
      }
    } else if (outcome === 'awaiting-approval') {
      underwaySince = undefined;
      progress({ stage: 'pending-approval', activation });
      if (opts.approvalTimeoutMs !== undefined && Date.now() - started >= opts.approvalTimeoutMs) {
        throw new PgEntraError('pim_pending_approval', `The activation of ${activation.group} still waits for an approver.`, {
          hint: 'pgentra pim status shows it; run the command again once it is approved.',
          details: { requestId: activation.requestId },
        });
      }
    } else throw ended(activation, outcome);
    await sleep(Date.now() - started < FAST_POLL_FOR_MS ? fast : slow, opts.signal);
    let next: PimActivation | undefined;
    while (!next) {
      try {
        next = await pim.request(caller, activation.requestId, activation);
        membershipActive = isUnderway(activationOutcome(next.status)) && (await isActiveNow(pim, caller, next.groupId));
        retry.succeeded();
      } catch (e) {
        await sleep(retry.delayAfter(e), opts.signal);
      }
    }
    activation = next;
  }
  // A request for a duration carries no end time: the active assignment does.
  if (!activation.endDateTime) {
    const active = (await pim.list(caller).catch(() => [])).find((m) => m.state === 'active' && m.groupId === activation.groupId);
    if (active?.endDateTime) activation = { ...activation, endDateTime: active.endDateTime };
  }
  // Every process now knows: tokens from before this moment lack the group.
  await recordActivation(opts.dataDir, {
    account: opts.account,
    groupId: activation.groupId,
    group: activation.group,
    activatedAt: new Date().toISOString(),
    ...(activation.endDateTime ? { endsAt: new Date(activation.endDateTime).toISOString() } : {}),
  });
  progress({ stage: 'active', activation });
  if (!opts.login) return activation;
  await waitForGroupLogin(activation, opts.login, opts);
  return activation;
}

/** Whether the account's membership of `groupId` is active; a failure to tell is a no (the request is asked again). */
async function isActiveNow(pim: PimService, caller: GraphCaller, groupId: string): Promise<boolean> {
  const memberships = await pim.list(caller).catch(() => []);
  return memberships.some((m) => m.state === 'active' && m.groupId.toLowerCase() === groupId.toLowerCase());
}

/** Tries the group login (a token fetched now each time) until the server accepts the active membership. */
export async function waitForGroupLogin(activation: PimActivation, login: GroupLogin, opts: GroupLoginWait = {}): Promise<void> {
  const progress = opts.onProgress ?? (() => undefined);
  const deadline = Date.now() + (opts.loginTimeoutMs ?? 10 * 60_000);
  const retry = new TransientRetry(opts.retry);
  for (let attempt = 1; ; attempt++) {
    try {
      await login();
      progress({ stage: 'connected', activation });
      return;
    } catch (e) {
      if (!isMembershipRefusal(e)) {
        // A restart or a blip is not the answer: asked again after a backoff, a few times in a row at most.
        await sleep(retry.delayAfter(e), opts.signal);
        continue;
      }
      retry.succeeded();
      if (Date.now() > deadline) {
        throw new PgEntraError(
          'role_not_found_or_not_member',
          `The membership of ${activation.group} is active in PIM but the server still refuses it after ${Math.round((opts.loginTimeoutMs ?? 600_000) / 60_000)} minutes.`,
          {
            hint: 'Activations can take longer to reach a server; try again in a few minutes. If the server syncs group members (pgaadauth.enable_group_sync), that runs every 30 minutes.',
            cause: e,
          },
        );
      }
      progress({ stage: 'waiting-for-server', attempt, activation });
      await sleep(opts.loginPollMs ?? 3_000, opts.signal);
    }
  }
}
