// A login as a group that the server refused (role not found, or not a member), when PIM for
// Groups is why: the account is eligible for the group but the membership is not active, or it is
// active but has not reached the server yet. The error then says so and names `pgentra pim
// activate <group>` (the words are in ../pim/pimAdvice.ts). Graph is asked silently and briefly:
// this check never prompts and never hangs a command — any failure leaves the error as it was.
import { PgEntraError, isPgEntraError } from '../../shared/errors.js';
import { cloudRef, type Profile } from '../../shared/profile.js';
import { isMembershipRefusal } from '../pim/activateAndConnect.js';
import { readActivations } from '../pim/activationLog.js';
import { eligibleHint, notYetOnServerHint } from '../pim/pimAdvice.js';
import type { PimMembership } from '../pim/pimService.js';
import { openProfileStore } from '../profiles/profileAccess.js';
import { isGroupLogin } from '../sessions/loginRefusal.js';
import type { CliContext } from './context.js';
import { openProfileSession, type ProfileSession } from './profileSession.js';

/** How long the eligibility check may take before the refusal is reported as it is. */
export const PIM_CHECK_TIMEOUT_MS = 5_000;

/** The profile's account when a person signs in with it (PIM is for people, not identities). */
function personAccount(profile: Profile): { account: string | undefined } | undefined {
  const c = profile.credential;
  return c.kind === 'interactive' || c.kind === 'device-code' ? { account: c.account } : undefined;
}

/** The profile logs a person in as a group (not the person's own name, not an identity). */
export function logsInAsGroup(profile: Profile): boolean {
  const person = personAccount(profile);
  return person !== undefined && isGroupLogin({ role: profile.username, account: person.account, credentialKind: profile.credential.kind });
}

/** The server refused the profile's login as a group. */
export function isGroupRefusal(e: unknown, profile: Profile): e is PgEntraError {
  return isMembershipRefusal(e) && logsInAsGroup(profile);
}

/** The account's PIM memberships from Graph, or undefined when Graph did not answer in time (or at all). */
export async function pimStandingQuietly(ctx: CliContext, profile: Profile, timeoutMs = PIM_CHECK_TIMEOUT_MS): Promise<PimMembership[] | undefined> {
  const person = personAccount(profile);
  if (!person) return undefined;
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  ctx.signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(stop, timeoutMs);
  try {
    const pim = await ctx.services.pim(cloudRef(profile.cloud));
    // Quiet: a Graph token that needs the person fails here instead of asking for a sign-in.
    const caller = { cloud: cloudRef(profile.cloud), credential: { kind: 'interactive' as const, ...(person.account ? { account: person.account } : {}) }, quiet: true, signal: controller.signal };
    const aborted = new Promise<undefined>((resolve) => controller.signal.addEventListener('abort', () => resolve(undefined), { once: true }));
    const listing = pim.list(caller);
    listing.catch(() => undefined); // still running when the time is up: its failure is no one's concern
    return await Promise.race([listing, aborted]);
  } catch (e) {
    // No Graph consent, no network, a sign-in needed for Graph …: the server's refusal stands alone.
    ctx.services.logger.debug('PIM eligibility check failed', { error: isPgEntraError(e) ? e.code : String(e) });
    return undefined;
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', stop);
  }
}

/**
 * The advice for a refused group login from the account's PIM memberships: undefined when PIM is
 * not why (not eligible, or a permanent member). `then`: what to do once activated.
 */
export function pimAdviceFor(memberships: readonly PimMembership[], group: string, opts: { account?: string | undefined; dataDir: string; then: string; now?: number }): string | undefined {
  const same = (m: PimMembership): boolean => m.group === group || m.groupId.toLowerCase() === group.toLowerCase();
  const active = memberships.find((m) => same(m) && m.state === 'active');
  if (active) return active.assignmentType === 'Assigned' ? undefined : notYetOnServerHint(group, active.endDateTime, { then: opts.then });
  const eligible = memberships.find((m) => same(m) && m.state === 'eligible');
  if (!eligible) return undefined;
  // An activation made here that has ended since (or was ended early): "activate it again".
  const now = opts.now ?? Date.now();
  const ended = readActivations(opts.dataDir)
    .filter((r) => r.groupId.toLowerCase() === eligible.groupId.toLowerCase() && (!opts.account || r.account.toLowerCase() === opts.account.toLowerCase()) && Date.parse(r.activatedAt) <= now)
    .sort((a, b) => b.activatedAt.localeCompare(a.activatedAt))[0];
  return eligibleHint(group, { account: opts.account, endedActivationAt: ended?.activatedAt, then: opts.then });
}

/** The PIM advice for the profile's group login, when Graph says PIM explains a refusal of it (undefined otherwise). */
export async function pimAdviceForProfile(ctx: CliContext, profile: Profile, then: string): Promise<string | undefined> {
  if (!logsInAsGroup(profile)) return undefined;
  const memberships = await pimStandingQuietly(ctx, profile);
  if (!memberships) return undefined;
  return pimAdviceFor(memberships, profile.username, { account: personAccount(profile)?.account, dataDir: ctx.dataDir, then });
}

/**
 * `e` reworded when Graph says PIM explains the refused group login: the message says the
 * membership is not active for the server (not "ask an admin to create the role", which would send
 * the person the wrong way) and the hint is the PIM advice alone (the refusal as the sessions
 * read it is the cause); otherwise `e` itself. `then`: what to run once activated.
 */
export async function withPimAdvice(ctx: CliContext, e: unknown, profile: Profile, then = 'run this command again'): Promise<unknown> {
  if (!isGroupRefusal(e, profile)) return e;
  const advice = await pimAdviceForProfile(ctx, profile, then);
  if (!advice) return e;
  const account = personAccount(profile)?.account ?? 'your account';
  const group = profile.username;
  return new PgEntraError(e.code, `${profile.host} refused the login as ${group}: for the server, ${account} is not an active member of ${group}.`, {
    hint: advice,
    ...(e.details ? { details: { ...e.details, pimEligible: true } } : { details: { pimEligible: true } }),
    cause: e,
  });
}

/**
 * openProfileSession with the PIM advice on a refused group login (the session has already tried
 * it once more with a token fetched now: sessions/manager.ts).
 */
export async function openGroupSession(ctx: CliContext, nameOrId: string, opts: { pageSize?: number; fresh?: boolean; then?: string } = {}): Promise<ProfileSession | undefined> {
  const { then, ...open } = opts;
  try {
    return await openProfileSession(ctx, nameOrId, open);
  } catch (e) {
    if (!isMembershipRefusal(e)) throw e;
    throw await withPimAdvice(ctx, e, await openProfileStore(ctx.dataDir).get(nameOrId), then);
  }
}
