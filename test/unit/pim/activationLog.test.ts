// The PIM activation log (electron/pim/activationLog.ts) as the token broker reads it: the floor
// per account (future records beyond the clock tolerance ignored, whole seconds like `iat`).
import { describe, expect, it } from 'vitest';
import { ACTIVATION_FUTURE_TOLERANCE_MS, tokensNotBefore, type ActivationRecord } from '../../../electron/pim/activationLog.js';

const ALICE = 'adm-alice@contoso.example';
const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const rec = (over: Partial<ActivationRecord> = {}): ActivationRecord => ({
  account: ALICE,
  groupId: '6b1c3f2e-0000-4000-8000-00000000a001',
  group: 'db-admins',
  activatedAt: new Date(NOW - 60_000).toISOString(),
  ...over,
});

describe('tokensNotBefore', () => {
  it('the latest activation of the account that has not ended, whatever the case of the UPN', () => {
    const records = [
      rec({ activatedAt: '2026-06-01T11:00:00.000Z' }),
      rec({ activatedAt: '2026-06-01T11:30:00.000Z', groupId: 'g2', group: 'db-readers' }),
      rec({ activatedAt: '2026-06-01T11:50:00.000Z', endsAt: '2026-06-01T11:55:00.000Z' }), // ended
      rec({ account: 'bob@contoso.example', activatedAt: '2026-06-01T11:59:00.000Z' }),
    ];
    expect(tokensNotBefore(records, 'ADM-Alice@contoso.example', NOW)?.toISOString()).toBe('2026-06-01T11:30:00.000Z');
    expect(tokensNotBefore(records, undefined, NOW)).toBeUndefined();
    expect(tokensNotBefore(records, 'carol@contoso.example', NOW)).toBeUndefined();
  });

  it('whole seconds, like iat: a token issued in the same second as the activation is not older than it', () => {
    const floor = tokensNotBefore([rec({ activatedAt: '2026-06-01T11:59:30.700Z' })], ALICE, NOW);
    expect(floor?.toISOString()).toBe('2026-06-01T11:59:30.000Z');
    const iat = new Date(Math.floor(Date.parse('2026-06-01T11:59:30.900Z') / 1000) * 1000); // what Entra writes
    expect(iat < (floor ?? new Date(0))).toBe(false);
  });

  it('a record slightly ahead of this clock (skew) counts; one further ahead than the tolerance is ignored', () => {
    const skewed = rec({ activatedAt: new Date(NOW + 90_000).toISOString() });
    expect(tokensNotBefore([rec(), skewed], ALICE, NOW)?.getTime()).toBe(NOW + 90_000);
    const future = rec({ activatedAt: new Date(NOW + ACTIVATION_FUTURE_TOLERANCE_MS + 1_000).toISOString() });
    expect(tokensNotBefore([rec(), future], ALICE, NOW)?.getTime()).toBe(NOW - 60_000);
    expect(tokensNotBefore([future], ALICE, NOW)).toBeUndefined();
    // Once the clock catches up, the record counts like any other.
    expect(tokensNotBefore([rec(), future], ALICE, NOW + ACTIVATION_FUTURE_TOLERANCE_MS)?.getTime()).toBe(NOW + ACTIVATION_FUTURE_TOLERANCE_MS + 1_000);
  });
});
