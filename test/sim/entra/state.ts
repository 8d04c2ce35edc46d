// Mutable simulator state shared by the handlers and the control API: runtime settings
// (token lifetimes, refresh-token grace, MFA, Conditional Access, first-party Graph consent), consents given, injected
// failures, request counters and the log of sign-in events tests assert on.
import { randomInt } from 'node:crypto';
import type { ConditionalAccessPolicy } from '../types.js';
import type { EntraErrorSpec } from './errors.js';

export type FailEndpoint = 'token' | 'authorize' | 'devicecode' | 'imds' | 'appservice';
export type CountedEndpoint = FailEndpoint | 'openid' | 'discovery' | 'jwks' | 'devicelogin' | 'logout' | 'other';
/** `pageOnly` (authorize): shown on the sign-in page, never posted back (the app keeps waiting). */
export type Failure = (EntraErrorSpec & { pageOnly?: boolean }) | { status: number };

/** Where a sign-in event happened: the browser sign-in, the device-code page, the token endpoint. */
export type EventPlace = 'authorize' | 'devicelogin' | 'token';

/** What tests count to tell "one step-up" from "a loop". */
export type SimEvent =
  | { kind: 'mfaPrompt'; upn: string; via: EventPlace }
  | { kind: 'mfaApproved'; upn: string; via: EventPlace }
  | { kind: 'mfaDeclined'; upn: string; via: EventPlace }
  | { kind: 'consentPrompt'; upn: string; clientId: string; via: EventPlace }
  | { kind: 'consentGranted'; upn: string; clientId: string; via: EventPlace }
  /** A refusal by policy, assignment, consent or a missing MFA (`policyIds` for Conditional Access). */
  | { kind: 'refusal'; aadsts: number; upn: string; via: EventPlace; policyIds: string[] };
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
  /** The Azure CLI's client id gets only its preauthorized Graph permissions (AADSTS65002 otherwise), as in real tenants. */
  refuseFirstPartyGraphScopes: boolean;
}

export class SimState implements SimSettings {
  tokenLifetimeSeconds: number | null;
  managedIdentityTokenLifetimeSeconds: number;
  refreshTokenGraceSeconds: number;
  autoApprove: string | null;
  mfaByDefault: boolean;
  refuseFirstPartyGraphScopes: boolean;
  outage: OutageMode = 'none';
  /** The tenant's Conditional Access policies (from the directory; tests replace them). */
  conditionalAccess: ConditionalAccessPolicy[] = [];
  /** `clientId:homeObjectId` of users who consented to an app without admin consent. */
  readonly consents = new Set<string>();
  /** `clientId:homeObjectId` → the Microsoft Graph permissions that user consented to for that app. */
  readonly graphConsents = new Map<string, Set<string>>();
  private readonly log: SimEvent[] = [];
  private readonly failures = new Map<FailEndpoint, { failure: Failure; remaining: number }[]>();
  private readonly counts = new Map<string, number>();

  constructor(settings: SimSettings) {
    this.tokenLifetimeSeconds = settings.tokenLifetimeSeconds;
    this.managedIdentityTokenLifetimeSeconds = settings.managedIdentityTokenLifetimeSeconds;
    this.refreshTokenGraceSeconds = settings.refreshTokenGraceSeconds;
    this.autoApprove = settings.autoApprove;
    this.mfaByDefault = settings.mfaByDefault;
    this.refuseFirstPartyGraphScopes = settings.refuseFirstPartyGraphScopes;
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
    this.log.length = 0;
  }

  record(e: SimEvent): void {
    this.log.push(e);
  }

  events(kind?: SimEvent['kind']): SimEvent[] {
    return this.log.filter((e) => kind === undefined || e.kind === kind).map((e) => ({ ...e }));
  }
}

export function isStatusFailure(f: Failure): f is { status: number } {
  return 'status' in f;
}
