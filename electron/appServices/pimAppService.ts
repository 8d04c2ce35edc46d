// PIM for Groups in the desktop app: whether a profile's account is eligible for the group it logs
// in as (asked silently after a refused group login, never prompting), and "Activate and connect":
// the activation (reason, duration, ticket), its approval, the wait until the server accepts the
// group login with a fresh token — reported as `pim.progress` events, cancellable, one per profile.
// An authentication-context requirement is answered by the same step-up as every other claims
// challenge, the dialog saying why.
import type { CallInput, CallOutput, EventPayload } from '../../shared/contract.js';
import { PgEntraError, isPgEntraError, toErrorPayload } from '../../shared/errors.js';
import { cloudRef, type Profile } from '../../shared/profile.js';
import { stepUpReason, withStepUp } from '../auth/stepUp.js';
import type { TokenProvider } from '../auth/tokenProvider.js';
import type { EventSink } from '../ipc/router.js';
import type { AccountsService, PimAppService } from '../ipc/services.js';
import type { ProxyResolver } from '../net/proxyConfig.js';
import { activateAndConnect, type ActivationStage } from '../pim/activateAndConnect.js';
import { isoDuration, pimFor } from '../pim/pimService.js';
import type { ProfileStore } from '../profiles/profileStore.js';

export interface PimAppDeps {
  tokens: TokenProvider;
  resolveProxy?: ProxyResolver;
  dataDir: string;
  events: EventSink;
  store: Pick<ProfileStore, 'update'>;
  accounts: Pick<AccountsService, 'stepUp'>;
  /** One login as the profile with a token fetched now, closed at once (SessionManager.checkLogin). */
  checkLogin(profile: Profile): Promise<void>;
  /** How often the server is asked again while the membership propagates (default 3 s). */
  loginPollMs?: number;
}

/** The signed-in account a profile uses, for PIM (Graph needs a person's sign-in). */
function accountOf(profile: Profile): string {
  const c = profile.credential;
  if ((c.kind === 'interactive' || c.kind === 'device-code') && c.account) return c.account;
  throw new PgEntraError('invalid_input', `PIM activates a person's group membership: choose the signed-in account of "${profile.name}" in the profile editor first.`);
}

export function createPimAppService(deps: PimAppDeps): PimAppService {
  const running = new Map<string, AbortController>();
  const caller = (profile: Profile, signal?: AbortSignal) => ({ cloud: cloudRef(profile.cloud), credential: profile.credential, ...(signal ? { signal } : {}) });
  const pim = (profile: Profile) => pimFor(cloudRef(profile.cloud), { tokens: deps.tokens, ...(deps.resolveProxy ? { resolveProxy: deps.resolveProxy } : {}) });

  return {
    async eligibility(profile): Promise<CallOutput<'pim.eligibility'>> {
      const c = profile.credential;
      if (!((c.kind === 'interactive' || c.kind === 'device-code') && c.account)) return null;
      try {
        // Quiet: a Graph token that needs the person fails here instead of raising a sign-in banner.
        const memberships = await pim(profile).list({ ...caller(profile, AbortSignal.timeout(15_000)), quiet: true });
        const mine = memberships.filter((m) => m.group.toLowerCase() === profile.username.toLowerCase());
        if (mine.length === 0) return { group: profile.username, eligible: false, active: false, endDateTime: null };
        const active = mine.find((m) => m.state === 'active');
        return { group: profile.username, eligible: mine.some((m) => m.state === 'eligible'), active: active !== undefined, endDateTime: active?.endDateTime ?? null };
      } catch {
        // No Graph consent, no network, a step-up needed: the offer is simply not made.
        return null;
      }
    },

    async activate(profile, req: CallInput<'pim.activate'>): Promise<CallOutput<'pim.activate'>> {
      const account = accountOf(profile);
      const duration = isoDuration(req.duration);
      running.get(profile.id)?.abort();
      const ctl = new AbortController();
      running.set(profile.id, ctl);
      const group = profile.username;
      const send = (p: Omit<EventPayload<'pim.progress'>, 'profileId'>): void => deps.events('pim.progress', { profileId: profile.id, ...p });
      const onProgress = (s: ActivationStage): void => {
        const endDateTime = 'activation' in s ? s.activation.endDateTime : null;
        send({ stage: s.stage, group, endDateTime, ...(s.stage === 'waiting-for-server' ? { attempt: s.attempt } : {}) });
      };
      try {
        const activation = await withStepUp(
          () =>
            activateAndConnect(pim(profile), caller(profile, ctl.signal), group, {
              duration,
              ...(req.reason ? { reason: req.reason } : {}),
              ...(req.ticket ? { ticket: req.ticket } : {}),
              dataDir: deps.dataDir,
              account,
              onProgress,
              signal: ctl.signal,
              login: () => deps.checkLogin(profile),
              ...(deps.loginPollMs ? { loginPollMs: deps.loginPollMs } : {}),
            }),
          async (challenge, error) => {
            if (!deps.accounts.stepUp) throw error;
            await deps.accounts.stepUp(challenge, stepUpReason(challenge, `activate ${group}`, error));
          },
        );
        if (req.remember) {
          await deps.store.update(profile.id, { pim: { duration: req.duration, ...(req.reason ? { reason: req.reason } : {}), ...(req.ticket ? { ticketSystem: req.ticket.system } : {}) } });
        }
        return { group: activation.group, status: activation.status, endDateTime: activation.endDateTime };
      } catch (e) {
        const cancelled = ctl.signal.aborted || (isPgEntraError(e) && e.code === 'sign_in_cancelled');
        send({ stage: cancelled ? 'cancelled' : 'failed', group, endDateTime: null, ...(cancelled ? {} : { message: toErrorPayload(e).message }) });
        throw e;
      } finally {
        if (running.get(profile.id) === ctl) running.delete(profile.id);
      }
    },

    async cancel(profileId) {
      const ctl = running.get(profileId);
      if (!ctl) return false;
      ctl.abort();
      running.delete(profileId);
      return true;
    },
  };
}
