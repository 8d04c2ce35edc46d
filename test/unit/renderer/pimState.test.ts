// The renderer's PIM state rules (renderer/features/pim/pimState.ts): a replaced activation call's
// answer is not the profile's any more, and the membership end times are kept only while they
// can be shown — not for deleted profiles, not once ended with no tab of the profile open.
import { describe, expect, it } from 'vitest';
import { CurrentCalls, keptEnds, nextEndIn } from '../../../renderer/features/pim/pimState.js';

const NOW = Date.parse('2026-05-01T12:00:00Z');
const at = (minutes: number): string => new Date(NOW + minutes * 60_000).toISOString();

describe('CurrentCalls', () => {
  it('a call is current until the next call for the same profile starts; other profiles do not count', () => {
    const calls = new CurrentCalls();
    const first = calls.start('a');
    const other = calls.start('b');
    expect(first()).toBe(true);
    const second = calls.start('a');
    expect(first()).toBe(false);
    expect(second()).toBe(true);
    expect(other()).toBe(true);
  });
});

describe('keptEnds', () => {
  const ends = new Map([
    ['active-open', at(30)],
    ['active-closed', at(30)],
    ['ended-open', at(-5)],
    ['ended-closed', at(-5)],
    ['deleted', at(30)],
  ]);
  const live = { profileIds: new Set(['active-open', 'active-closed', 'ended-open', 'ended-closed']), openProfileIds: new Set(['active-open', 'ended-open', 'deleted']) };

  it("drops a deleted profile's end and an ended one no tab shows; keeps the rest", () => {
    expect([...keptEnds(ends, live, NOW).keys()]).toEqual(['active-open', 'active-closed', 'ended-open']);
  });

  it('drops the ended one once its tab closes', () => {
    expect([...keptEnds(ends, { ...live, openProfileIds: new Set() }, NOW).keys()]).toEqual(['active-open', 'active-closed']);
  });

  it('returns the same map when nothing goes (no re-render)', () => {
    const kept = new Map([['active-open', at(30)]]);
    expect(keptEnds(kept, live, NOW)).toBe(kept);
  });

  it('nextEndIn: when the next end ahead passes', () => {
    expect(nextEndIn(ends, NOW)).toBe(30 * 60_000);
    expect(nextEndIn(new Map([['ended', at(-1)]]), NOW)).toBeNull();
  });
});
