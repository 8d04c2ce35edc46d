// The proxy's sign-in to the server for one client connection: a verified TLS connection, the
// login as the client's user with a token from the broker, and what each refusal means (one table,
// sessions/loginRefusal.ts): an expired token is tried once more with a token that has life left,
// a refused group login once more with a token fetched from Entra now (one cached from before a PIM
// activation lacks the group) — unless that token was itself issued moments ago or the route had
// its fresh try this minute (sessions/freshRetryLimit.ts) — a momentary refusal a few times after a
// delay, a permanent one never. The token is asked for only when the server asks for the password.
import { isPgEntraError } from '../../shared/errors.js';
import type { AccessToken, TokenProvider, TokenRequest } from '../auth/tokenProvider.js';
import type { Logger } from '../log/logger.js';
import { redactError } from '../log/redact.js';
import type { ErrorFields } from '../pgwire/index.js';
import { freshRetryLimitFor, type FreshRetryLimit } from '../sessions/freshRetryLimit.js';
import { isGroupLogin } from '../sessions/loginRefusal.js';
import type { BackendKey } from './cancelMap.js';
import { classifyUpstreamAuthError, isMomentaryUpstreamFailure, tokenFailureError, upstreamAuthError, upstreamConnectError, type AuthContext } from './errorMapping.js';
import type { ProxyStats, RouteRuntime } from './types.js';
import { login, openUpstream, type UpstreamConnection } from './upstream.js';

/** After "The access token has expired", ask for a token with at least this much life left (as sessions do). */
export const FRESH_TOKEN_SECONDS = 900;
/**
 * Transient refusals (restart, failover, "starting up", too many connections; loginRefusal.ts)
 * are tried again this many times, after these delays; permanent ones never are.
 */
export const TRANSIENT_RETRY_DELAYS_MS: readonly number[] = [500, 1500];

export interface SignInEnv {
  route: RouteRuntime;
  tokens: TokenProvider;
  stats: ProxyStats;
  logger: Logger;
  /** The client went away (or timed out): stop trying. */
  clientGone(): boolean;
  /** The upstream connection being signed in (a handshake timeout cuts it), or undefined between tries. */
  track(conn: UpstreamConnection | undefined): void;
  /** Default: the one for `tokens`, shared by every connection (and session) using it. */
  freshRetries?: FreshRetryLimit;
}

export type SignInResult =
  | { ok: true; conn: UpstreamConnection; messages: Array<{ type: string; framed: Buffer }>; backendKey: BackendKey | undefined }
  | { ok: false; refusal: ErrorFields; outcome: 'refused' | 'failed' }
  /** The client left meanwhile: nothing to answer. */
  | { ok: false; gone: true };

/** What the next token request asks for: anything valid, enough life left (after "expired"), or a token from Entra now (after a refused group login). */
type Freshness = 'any' | 'long-lived' | 'from-entra';

function tokenRequestFor(route: RouteRuntime, freshness: Freshness): TokenRequest {
  return {
    credential: route.profile.credential,
    cloud: route.tokenCloud,
    ...(freshness === 'long-lived' ? { minValiditySeconds: FRESH_TOKEN_SECONDS } : freshness === 'from-entra' ? { fresh: true } : {}),
  };
}

/**
 * Signs in to the server as `ctx.role` with `params`; `ctx.account` is filled in from the token.
 * Resolves with the logged-in connection, with the refusal to send the client, or `gone`.
 */
export async function signInUpstream(env: SignInEnv, params: ReadonlyMap<string, string>, version: number, ctx: AuthContext): Promise<SignInResult> {
  const { route, logger, stats } = env;
  let freshness: Freshness = 'any';
  let expiredRetried = false;
  let groupRetried = false;
  /** The refused token was issued moments ago: a fresh one would say the same. */
  let justIssued = false;
  let transientRetries = 0;
  /** The token of the last login attempt. */
  let sent: string | undefined;
  const waitToRetry = async (e: unknown, momentary = isMomentaryUpstreamFailure(e)): Promise<boolean> => {
    const delay = TRANSIENT_RETRY_DELAYS_MS[transientRetries];
    if (delay === undefined || !momentary || env.clientGone()) return false;
    transientRetries++;
    stats.transientRetries++;
    logger.info('server not accepting connections for now; retrying', { profile: route.profile.name, error: redactError(e), attempt: transientRetries });
    await new Promise((r) => setTimeout(r, delay));
    return !env.clientGone();
  };
  for (;;) {
    let conn: UpstreamConnection;
    try {
      conn = await openUpstream(route.upstream);
    } catch (e) {
      // A restart or failover refuses, resets or closes new connections for a moment: tried again.
      if (await waitToRetry(e)) continue;
      logger.warn('proxy cannot reach the server', { profile: route.profile.name, error: redactError(e) });
      return { ok: false, refusal: upstreamConnectError(e, ctx), outcome: 'failed' };
    }
    if (env.clientGone()) {
      conn.socket.destroy();
      return { ok: false, gone: true };
    }
    env.track(conn);
    conn.socket.on('error', () => undefined); // 'close' follows and ends the client
    // The token is fetched only once a verified TLS connection exists and the server asks for the
    // password: an unreachable or impostor server, or a firewall refusal, never causes a token
    // request (or a sign-in prompt).
    let tokenFailure: { error: unknown } | undefined;
    sent = undefined;
    const request = tokenRequestFor(route, freshness);
    const supplyToken = async (): Promise<string> => {
      let token: AccessToken;
      try {
        stats.tokenRequests++;
        token = await env.tokens.getToken(request);
      } catch (e) {
        tokenFailure = { error: e };
        throw e;
      }
      if (token.account) ctx.account = token.account;
      sent = token.token;
      return token.token;
    };
    let result: Awaited<ReturnType<typeof login>>;
    try {
      result = await login(conn, params, version, supplyToken);
    } catch (e) {
      conn.socket.destroy();
      env.track(undefined);
      if (tokenFailure) {
        // Entra unreachable and nothing valid cached: often a request cut short (the machine slept
        // while it ran, a Wi-Fi roam), so it is asked again like a momentary server refusal.
        const unreachable = isPgEntraError(tokenFailure.error) && (tokenFailure.error.code === 'network_unavailable' || tokenFailure.error.code === 'proxy_failed');
        if (unreachable && (await waitToRetry(tokenFailure.error, true))) continue;
        logger.warn('proxy could not get a token', { profile: route.profile.name, error: redactError(tokenFailure.error) });
        return { ok: false, refusal: tokenFailureError(tokenFailure.error, ctx), outcome: 'failed' };
      }
      if (await waitToRetry(e)) continue;
      logger.warn('proxy login to the server failed', { profile: route.profile.name, error: redactError(e) });
      return { ok: false, refusal: upstreamConnectError(e, ctx), outcome: 'failed' };
    }
    if (result.ok) {
      if (env.clientGone()) {
        conn.socket.destroy();
        return { ok: false, gone: true };
      }
      return { ok: true, conn, messages: result.messages, backendKey: result.backendKey };
    }
    conn.socket.destroy();
    env.track(undefined);
    const refusal = classifyUpstreamAuthError(result.error, result.authMethod);
    if (!expiredRetried && refusal.disposition === 'retry-fresh') {
      expiredRetried = true;
      freshness = 'long-lived';
      stats.expiredRetries++;
      logger.info('server refused an expired token; retrying with a fresh one', { profile: route.profile.name });
      continue;
    }
    // A group login refused: a cached token from before a PIM activation (or a new membership) lacks the group.
    if (!groupRetried && refusal.kind === 'not_member' && isGroupLogin({ role: ctx.role, account: ctx.account, credentialKind: ctx.credentialKind })) {
      const limit = env.freshRetries ?? freshRetryLimitFor(env.tokens);
      const decision = limit.decide({ account: ctx.account, role: ctx.role, host: route.upstream.host, port: route.upstream.port }, sent);
      if (decision === 'retry') {
        groupRetried = true;
        freshness = 'from-entra';
        stats.groupRetries++;
        logger.info('server refused the group login; retrying with a token fetched now', { profile: route.profile.name, user: ctx.role });
        continue;
      }
      justIssued = decision === 'just-issued';
      logger.info('server refused the group login; no token fetched now', {
        profile: route.profile.name,
        user: ctx.role,
        why: justIssued ? 'the refused token was issued moments ago' : 'this route fetched one less than a minute ago',
      });
    }
    const delay = TRANSIENT_RETRY_DELAYS_MS[transientRetries];
    if (refusal.disposition === 'transient' && delay !== undefined) {
      transientRetries++;
      stats.transientRetries++;
      logger.info('server refused the login for now; retrying', { profile: route.profile.name, sqlstate: result.error.code, kind: refusal.kind, attempt: transientRetries });
      await new Promise((r) => setTimeout(r, delay));
      if (env.clientGone()) return { ok: false, gone: true };
      continue;
    }
    logger.warn('server refused the login', { profile: route.profile.name, sqlstate: result.error.code, kind: refusal.kind, disposition: refusal.disposition, message: result.error.message });
    return { ok: false, refusal: upstreamAuthError(result.error, ctx, expiredRetried || groupRetried || justIssued, result.authMethod), outcome: 'refused' };
  }
}
