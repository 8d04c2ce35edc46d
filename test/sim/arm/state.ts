// The Resource Manager simulator's runtime state: the resources (seeded from defaults.ts), the
// long-running operations in flight, request counters and the faults tests ask for.
import type { FirewallRule } from '../flex/firewall.js';
import type { ServerPolicies, ServerPolicy } from '../flex/policy.js';
import type { ArmSeed } from './defaults.js';
import type { FlexServer, RoleAssignment, Subscription } from './model.js';

export type RequestKind = 'subscriptions' | 'servers' | 'server' | 'administrators' | 'firewallRules' | 'firewallRules:write' | 'firewallRules:delete' | 'operations' | 'other';
/** Counted besides the request kinds: writes refused by the mandatory-MFA claims challenge. */
export type OutcomeKind = 'mfaChallenge';

export interface Operation {
  id: string;
  subscriptionId: string;
  location: string;
  startTime: string;
  endTime?: string;
  /** Polls still answered InProgress. */
  pollsLeft: number;
  status: 'InProgress' | 'Succeeded';
  /** What the operation does once it succeeds (store and apply the change). */
  complete(): void;
  /** For a PUT: the resource as it reads once done (operationResults answers it). */
  result?(): unknown;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export class ArmState {
  readonly subscriptions: Subscription[];
  readonly resourceGroups: ArmSeed['resourceGroups'];
  readonly servers: FlexServer[];
  readonly assignments: RoleAssignment[];
  readonly operations = new Map<string, Operation>();
  pageSize = 3;
  asyncPolls = 1;
  /** Azure's mandatory MFA for writes (phase 2): off unless a test or `--mfa-for-arm-writes` asks. */
  requireMfaForWrites = false;
  private throttled: { count: number; retryAfterSeconds: number } = { count: 0, retryAfterSeconds: 1 };
  private failures: { count: number; status: number } = { count: 0, status: 500 };
  private readonly counters = new Map<string, number>();

  constructor(
    seed: ArmSeed,
    readonly policies: ServerPolicies,
  ) {
    this.subscriptions = seed.subscriptions.map((s) => ({ ...s }));
    this.resourceGroups = seed.resourceGroups.map((g) => ({ ...g }));
    this.servers = seed.servers.map((s) => s.server);
    this.assignments = seed.assignments.map((a) => ({ ...a }));
    for (const { server, policy } of seed.servers) policies.set(server.name, policy);
  }

  subscription(id: string): Subscription | undefined {
    return this.subscriptions.find((s) => same(s.subscriptionId, id));
  }

  resourceGroup(subscriptionId: string, name: string): ArmSeed['resourceGroups'][number] | undefined {
    return this.resourceGroups.find((g) => same(g.subscriptionId, subscriptionId) && same(g.name, name));
  }

  /** Server names are global (they are DNS names). */
  server(name: string): FlexServer | undefined {
    return this.servers.find((s) => same(s.name, name));
  }

  serverOrThrow(name: string): FlexServer {
    const s = this.server(name);
    if (!s) throw new Error(`no flexible server ${name}`);
    return s;
  }

  policy(s: FlexServer): ServerPolicy {
    return this.policies.policyOf(s.name);
  }

  /** Rules as ARM lists them (none when the flexible-server simulator was told "no rules"). */
  firewallRules(s: FlexServer): FirewallRule[] {
    return [...(this.policy(s).firewallRules ?? [])];
  }

  /** Adds or replaces the rule (same name, case-insensitive), keeping the order. */
  putFirewallRule(s: FlexServer, rule: FirewallRule): void {
    const rules = this.firewallRules(s);
    const i = rules.findIndex((r) => same(r.name, rule.name));
    if (i >= 0) rules[i] = { ...rule, name: rules[i]?.name ?? rule.name };
    else rules.push({ ...rule });
    this.policies.set(s.name, { firewallRules: rules });
  }

  deleteFirewallRule(s: FlexServer, name: string): void {
    this.policies.set(s.name, { firewallRules: this.firewallRules(s).filter((r) => !same(r.name, name)) });
  }

  count(kind: RequestKind | OutcomeKind): void {
    this.counters.set(kind, (this.counters.get(kind) ?? 0) + 1);
  }

  requestCount(kind?: string): number {
    if (kind !== undefined) return this.counters.get(kind) ?? 0;
    let total = 0;
    for (const [k, n] of this.counters) if (k !== 'mfaChallenge') total += n;
    return total;
  }

  resetCounters(): void {
    this.counters.clear();
  }

  throttleNext(count: number, retryAfterSeconds: number): void {
    this.throttled = { count, retryAfterSeconds };
  }

  /** Seconds to answer Retry-After with when this request is throttled, else undefined. */
  takeThrottle(): number | undefined {
    if (this.throttled.count <= 0) return undefined;
    this.throttled.count -= 1;
    return this.throttled.retryAfterSeconds;
  }

  failNext(status: number, count: number): void {
    this.failures = { status, count };
  }

  takeFailure(): number | undefined {
    if (this.failures.count <= 0) return undefined;
    this.failures.count -= 1;
    return this.failures.status;
  }
}
