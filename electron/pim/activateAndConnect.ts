// Activate a PIM group membership and connect, in one step (the CLI's `pim activate --wait`, the
// app's "Activate and connect"): request the activation, follow it while it waits for an approver,
// record it (so no process serves a token from before it), then try the group login with a token
// fetched now until the server accepts it — an activation takes seconds to minutes to reach the
// server. Each step is reported; the caller's signal stops it at any point.
import { PgEntraError, isPgEntraError } from '../../shared/errors.js';
import type { GraphCaller } from '../graph/graphClient.js';
import { recordActivation } from './activationLog.js';
import { activationOutcome, type ActivateOptions, type PimActivation, type PimService } from './pimService.js';

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
  /** How often to ask again: an approver (default 5 s), the server (default 3 s). */
  approvalPollMs?: number;
  loginPollMs?: number;
  /** How long the server may take to see the membership (default 10 min). */
  loginTimeoutMs?: number;
  /** How long to wait for an approver (default: until the signal aborts; 0: not at all, pim_pending_approval at once). */
  approvalTimeoutMs?: number;
}

export interface GroupLoginWait {
  onProgress?: (s: ActivationStage) => void;
  signal?: AbortSignal;
  loginPollMs?: number;
  loginTimeoutMs?: number;
}

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

export async function activateAndConnect(pim: PimService, caller: GraphCaller, group: string, opts: ActivateAndConnectOptions): Promise<PimActivation> {
  const progress = opts.onProgress ?? (() => undefined);
  progress({ stage: 'requesting' });
  let activation = await requestOrResume(pim, caller, group, opts);
  const started = Date.now();
  for (;;) {
    const outcome = activationOutcome(activation.status);
    if (outcome === 'active') break;
    if (outcome === 'denied') {
      throw new PgEntraError('pim_denied', `The activation of ${activation.group} was ${activation.status.toLowerCase()}.`, {
        hint: 'Ask the approver why, or request it again with another reason.',
        details: { requestId: activation.requestId, status: activation.status },
      });
    }
    if (outcome === 'failed')
      throw new PgEntraError('internal', `PIM answered the activation of ${activation.group} with the status ${activation.status}.`, { details: { status: activation.status } });
    progress({ stage: 'pending-approval', activation });
    if (opts.approvalTimeoutMs !== undefined && Date.now() - started >= opts.approvalTimeoutMs) {
      throw new PgEntraError('pim_pending_approval', `The activation of ${activation.group} still waits for an approver.`, {
        hint: 'pgentra pim status shows it; run the command again once it is approved.',
        details: { requestId: activation.requestId },
      });
    }
    await sleep(opts.approvalPollMs ?? 5_000, opts.signal);
    activation = await pim.request(caller, activation.requestId, activation);
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

/** Tries the group login (a token fetched now each time) until the server accepts the active membership. */
export async function waitForGroupLogin(activation: PimActivation, login: GroupLogin, opts: GroupLoginWait = {}): Promise<void> {
  const progress = opts.onProgress ?? (() => undefined);
  const deadline = Date.now() + (opts.loginTimeoutMs ?? 10 * 60_000);
  for (let attempt = 1; ; attempt++) {
    try {
      await login();
      progress({ stage: 'connected', activation });
      return;
    } catch (e) {
      if (!isMembershipRefusal(e)) throw e;
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
