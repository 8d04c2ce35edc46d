// The soak's seeded fault schedule: the same seed and length give the same faults at the same
// offsets, so a failure found in a long run can be replayed. Every run has each kind of fault at
// least once; longer runs add more in a seeded order with seeded gaps of normal traffic.

export type FaultKind = 'server-restart' | 'entra-refused' | 'entra-503' | 'network-reset' | 'laptop-sleep' | 'long-idle';

export const FAULT_KINDS: readonly FaultKind[] = ['server-restart', 'entra-refused', 'entra-503', 'network-reset', 'laptop-sleep', 'long-idle'];

export interface PlannedFault {
  kind: FaultKind;
  /** Offset from the start of the run. */
  atMs: number;
  /** How long the fault lasts (0 for instantaneous ones: a reset, a restart's own duration). */
  durationMs: number;
}

/** mulberry32: a small, well-mixed 32-bit PRNG; enough for schedules and jitter, not for secrets. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How long each fault lasts, from the token lifetime: an Entra outage shorter than a token's
 *  life (a cached token must carry it), a sleep longer than one, an idle of three. */
export function faultDuration(kind: FaultKind, tokenMs: number, rand: () => number): number {
  switch (kind) {
    case 'entra-refused':
    case 'entra-503':
      return Math.round(tokenMs * (0.3 + 0.1 * rand()));
    case 'laptop-sleep':
      return Math.round(tokenMs * (1.2 + 0.2 * rand()));
    case 'long-idle':
      return 3 * tokenMs + 1_000;
    case 'server-restart':
    case 'network-reset':
      return 0;
  }
}

/**
 * Faults for a run of `runMs`: warm-up first, then faults separated by gaps of traffic of at
 * least `minGapMs`; the schedule ends with traffic after the last fault. The first round has
 * every kind once (in seeded order, long idle last so the short run fits); later rounds repeat
 * kinds in seeded order while they fit.
 */
export function planFaults(opts: { runMs: number; tokenMs: number; seed: number; warmUpMs: number; minGapMs: number; tailMs: number }): PlannedFault[] {
  const rand = prng(opts.seed);
  const shuffle = <T>(xs: T[]): T[] => {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [a[i], a[j]] = [a[j] as T, a[i] as T];
    }
    return a;
  };
  const plan: PlannedFault[] = [];
  let t = opts.warmUpMs;
  const fits = (durationMs: number): boolean => t + durationMs + opts.tailMs <= opts.runMs;
  const firstRound = [...shuffle(FAULT_KINDS.filter((k) => k !== 'long-idle')), 'long-idle' as const];
  for (const kind of firstRound) {
    const durationMs = faultDuration(kind, opts.tokenMs, rand);
    if (!fits(durationMs)) throw new Error(`a ${Math.round(opts.runMs / 60_000)}-minute run is too short for every fault with ${opts.tokenMs / 1000}-s tokens`);
    plan.push({ kind, atMs: t, durationMs });
    t += durationMs + opts.minGapMs;
  }
  for (;;) {
    const kind = FAULT_KINDS[Math.floor(rand() * FAULT_KINDS.length)] as FaultKind;
    const gap = Math.round(opts.minGapMs * (1 + 2 * rand()));
    const durationMs = faultDuration(kind, opts.tokenMs, rand);
    if (!fits(gap + durationMs)) break;
    t += gap;
    plan.push({ kind, atMs: t, durationMs });
    t += durationMs + opts.minGapMs;
  }
  return plan;
}
