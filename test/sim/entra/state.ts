// Mutable simulator state shared by the handlers and the control API: runtime settings
// (token lifetimes, refresh-token grace), injected failures and request counters.
import { randomInt } from 'node:crypto';
import type { EntraErrorSpec } from './errors.js';

export type FailEndpoint = 'token' | 'authorize' | 'devicecode' | 'imds' | 'appservice';
export type CountedEndpoint = FailEndpoint | 'openid' | 'discovery' | 'jwks' | 'devicelogin' | 'logout' | 'other';
export type Failure = EntraErrorSpec | { status: number };
export type OutageMode = 'none' | 'refused' | '503';

/** Entra's default user access-token lifetime: a random value between 60 and 90 minutes. */
const USER_LIFETIME_RANGE = [3600, 5400] as const;

export interface SimSettings {
  /** Exact user access-token lifetime; null = Entra's randomised default. */
  tokenLifetimeSeconds: number | null;
  managedIdentityTokenLifetimeSeconds: number;
  refreshTokenGraceSeconds: number;
  autoApprove: string | null;
  /** Every user sign-in does MFA without asking (the simulator's historical behaviour). */
  mfaByDefault: boolean;
}

export class SimState implements SimSettings {
  tokenLifetimeSeconds: number | null;
  managedIdentityTokenLifetimeSeconds: number;
  refreshTokenGraceSeconds: number;
  autoApprove: string | null;
  mfaByDefault: boolean;
  outage: OutageMode = 'none';
  private readonly failures = new Map<FailEndpoint, { failure: Failure; remaining: number }[]>();
  private readonly counts = new Map<string, number>();

  constructor(settings: SimSettings) {
    this.tokenLifetimeSeconds = settings.tokenLifetimeSeconds;
    this.managedIdentityTokenLifetimeSeconds = settings.managedIdentityTokenLifetimeSeconds;
    this.refreshTokenGraceSeconds = settings.refreshTokenGraceSeconds;
    this.autoApprove = settings.autoApprove;
    this.mfaByDefault = settings.mfaByDefault;
  }

  /** Lifetime for the next user access token. */
  userTokenLifetime(): number {
    return this.tokenLifetimeSeconds ?? randomInt(USER_LIFETIME_RANGE[0], USER_LIFETIME_RANGE[1] + 1);
  }

  failNext(endpoint: FailEndpoint, failure: Failure, count: number): void {
    const queue = this.failures.get(endpoint) ?? [];
    queue.push({ failure, remaining: count });
    this.failures.set(endpoint, queue);
  }

  /** Consumes one injected failure for the endpoint, if any is queued. */
  takeFailure(endpoint: FailEndpoint): Failure | undefined {
    const queue = this.failures.get(endpoint);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.failure;
  }

  count(endpoint: CountedEndpoint, detail?: string): void {
    this.counts.set(endpoint, (this.counts.get(endpoint) ?? 0) + 1);
    if (detail) this.counts.set(`${endpoint}:${detail}`, (this.counts.get(`${endpoint}:${detail}`) ?? 0) + 1);
  }

  /** `endpoint` may be a plain endpoint or `token:<grant_type>`; omitted = total requests. */
  requestCount(endpoint?: string): number {
    if (endpoint !== undefined) return this.counts.get(endpoint) ?? 0;
    let total = 0;
    for (const [k, v] of this.counts) if (!k.includes(':')) total += v;
    return total;
  }

  resetCounters(): void {
    this.counts.clear();
  }
}

export function isStatusFailure(f: Failure): f is { status: number } {
  return 'status' in f;
}
