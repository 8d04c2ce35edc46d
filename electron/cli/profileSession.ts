// A session for a saved profile, opened the way the desktop app opens one (same host policy,
// custom cloud CA and domains, broker-issued tokens), for the CLI commands that talk SQL.
import { PgEntraError, isPgEntraError } from '../../shared/errors.js';
import type { Profile } from '../../shared/profile.js';
import { describeToken, type TokenFacts } from '../auth/describeToken.js';
import type { TokenProvider } from '../auth/tokenProvider.js';
import { preflight } from '../connect/preflight.js';
import { openProfileStore } from '../profiles/profileAccess.js';
import { SessionManager } from '../sessions/manager.js';
import type { CliContext } from './context.js';

export interface ProfileSession {
  sessions: SessionManager;
  sessionId: string;
  profile: Profile;
  /** Claims of the token the session's connection logged in with (decoded here, never printed). */
  tokenFacts(): TokenFacts | undefined;
  close(): Promise<void>;
}

/** Resolves when the signal aborts (never rejects); `undefined` stands for "aborted". */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Opens a session for a saved profile the way the desktop app does (same host policy, custom
 * cloud CA and domains, broker-issued tokens). Resolves `undefined` when ctx.signal aborted
 * first (Ctrl+C while signing in or connecting).
 */
export async function openProfileSession(ctx: CliContext, nameOrId: string, opts: { pageSize?: number; fresh?: boolean } = {}): Promise<ProfileSession | undefined> {
  const profile = await openProfileStore(ctx.dataDir).get(nameOrId);
  // Before any token exists: consent for a custom cloud, host policy, TLS (the session checks again).
  preflight(profile, { dataDir: ctx.dataDir });
  const broker = await ctx.services.broker();
  let facts: TokenFacts | undefined;
  const tokens: TokenProvider = {
    async getToken(req) {
      const t = await broker.getToken({ ...req, signal: req.signal ?? ctx.signal });
      try {
        facts = describeToken(t.token);
      } catch {
        facts = undefined; // an opaque (non-JWT) token: no claims to show
      }
      return t;
    },
  };
  const sessions = new SessionManager({
    tokens,
    dataDir: ctx.dataDir,
    ...(opts.pageSize ? { tuning: { pageSize: opts.pageSize } } : {}),
  });
  // --fresh: the first token comes from Entra, bypassing every cache (after a PIM activation).
  const opening = sessions.open(profile, opts.fresh ? { fresh: true } : {});
  const sessionId = await untilAborted(opening, ctx.signal).catch((e: unknown) => {
    throw withFirewallFix(e, profile.name);
  });
  if (sessionId === undefined) {
    // Do not leave a half-open connection behind once the open finishes anyway.
    opening.then(
      () => sessions.closeAll(),
      () => undefined,
    );
    return undefined;
  }
  ctx.services.logger.debug('session open', { profile: profile.id, sessionId });
  return { sessions, sessionId, profile, tokenFacts: () => facts, close: () => sessions.closeAll() };
}

/** A firewall refusal names the one-step fix for this profile first (pgentra firewall allow-my-ip). */
export function withFirewallFix(e: unknown, profileName: string): unknown {
  if (!isPgEntraError(e) || e.code !== 'firewall_blocked') return e;
  const fix = `Allow your address: pgentra firewall allow-my-ip ${/^[\w.@-]+$/.test(profileName) ? profileName : JSON.stringify(profileName)}.`;
  return new PgEntraError(e.code, e.message, { hint: e.hint ? `${fix} ${e.hint}` : fix, ...(e.details ? { details: e.details } : {}), cause: e });
}

export function profileOperand(positionals: string[], commandName: string, usage: string): string {
  const [name, ...extra] = positionals;
  if (!name) throw new PgEntraError('invalid_input', `Give the profile: ${usage}`, { hint: 'Profiles: pgentra profiles list' });
  if (extra.length > 0) throw new PgEntraError('invalid_input', `Unexpected argument "${extra[0]}".`, { hint: `See pgentra ${commandName} --help.` });
  return name;
}
