import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateClaimBalance } from '../../../src/ledger/claim-allocation';

describe('allocateClaimBalance', () => {
  it('fills charges in order up to what is open on each; the last takes the rest', () => {
    // open: 100 - 30 = 70, then 50; balance 90 → shares 70 and 20 → stated 100 and 20
    expect(
      allocateClaimBalance(9000, [
        { fee: 10000, posted: -3000 },
        { fee: 5000, posted: 0 },
      ]),
    ).toEqual([10000, 2000]);
  });

  it('gives a credit balance to the last charge', () => {
    expect(
      allocateClaimBalance(-500, [
        { fee: 2000, posted: -2000 },
        { fee: 1000, posted: -1500 },
      ]),
    ).toEqual([2000, 1000]);
  });

  it('answers nothing for a claim without charges', () => {
    expect(allocateClaimBalance(4000, [])).toEqual([]);
  });

  it('always sums with the charges’ own rows to exactly the claim balance', () => {
    const cents = fc.integer({ min: -1_000_000, max: 1_000_000 });
    fc.assert(
      fc.property(
        cents,
        fc.array(fc.record({ fee: fc.nat({ max: 1_000_000 }), posted: cents }), { minLength: 1, maxLength: 8 }),
        (balance, charges) => {
          const stated = allocateClaimBalance(balance, charges);
          const total = stated.reduce((a, b) => a + b, 0) + charges.reduce((a, c) => a + c.posted, 0);
          expect(total).toBe(balance);
          expect(stated.every(Number.isSafeInteger)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
