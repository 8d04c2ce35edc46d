// The PIM defaults a profile remembers take exactly the durations the activation takes
// (isoDuration): "Remember" after an activation for 90min or 1h 30m must not fail to save, and
// the profile never holds one the next activation would refuse. The dialog's choices are among them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoDuration } from '../../../electron/pim/pimService.js';
import { PimDefaultsSchema, isPimDuration } from '../../../shared/profile.js';

const activationTakes = (text: string): boolean => {
  try {
    isoDuration(text);
    return true;
  } catch {
    return false;
  }
};
const profileTakes = (duration: string): boolean => PimDefaultsSchema.safeParse({ duration }).success;

describe('PimDefaultsSchema duration', () => {
  it.each(['30m', '1h', '2h', '4h', '8h', '90m', '90min', '90 min', '1h30m', '1h 30m', '1h 30min', '1H30M', ' 2h ', 'PT2H', 'pt90m', 'PT1H30M', '0h5m'])('takes %j, as the activation does', (d) => {
    expect(activationTakes(d)).toBe(true);
    expect(profileTakes(d)).toBe(true);
  });

  it.each(['', ' ', 'h', 'm', '0h', '0m', '0h0m', '2', '2 hours', '1d', 'PT', 'P1D', '1h-30m', '30m1h'])('refuses %j, as the activation does', (d) => {
    expect(activationTakes(d)).toBe(false);
    expect(profileTakes(d)).toBe(false);
  });

  it('agrees with isoDuration on any short text made of duration characters', () => {
    const text = fc.string({ unit: fc.constantFrom('0', '1', '3', '9', 'h', 'H', 'm', 'M', 'i', 'n', 'P', 'T', ' '), maxLength: 12 });
    fc.assert(fc.property(text, (d) => activationTakes(d) === isPimDuration(d) && isPimDuration(d) === profileTakes(d)));
  });
});
