import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MoneyError } from '../../../src/ledger/money';
import { reconcile } from '../../../src/ledger/reconciliation';

describe('reconcile', () => {
  it('is consistent with difference 0 when the sums agree', () => {
    expect(reconcile([3000, 1000], 4000)).toEqual({ computed: 4000, reported: 4000, difference: 0, consistent: true });
  });

  it('reports the difference computed − reported, never hiding it', () => {
    expect(reconcile([3000, 1500], 4000)).toEqual({ computed: 4500, reported: 4000, difference: 500, consistent: false });
    expect(reconcile([3000], 4000)).toEqual({ computed: 3000, reported: 4000, difference: -1000, consistent: false });
  });

  it('compares an empty family (no patients) with the reported figure', () => {
    expect(reconcile([], 0)).toEqual({ computed: 0, reported: 0, difference: 0, consistent: true });
    expect(reconcile([], 250).difference).toBe(-250);
  });

  it('with nothing reported: difference null and not consistent', () => {
    expect(reconcile([3000, -500], null)).toEqual({ computed: 2500, reported: null, difference: null, consistent: false });
    expect(reconcile([], null).consistent).toBe(false);
  });

  it('refuses non-cent input', () => {
    expect(() => reconcile([0.5], 0)).toThrow(MoneyError);
    expect(() => reconcile([1], 0.5)).toThrow(MoneyError);
  });

  it('difference = computed − reported, consistent ⇔ difference = 0 (property)', () => {
    const cents = fc.integer({ min: -1e12, max: 1e12 });
    fc.assert(
      fc.property(fc.array(cents, { maxLength: 10 }), cents, (balances, reported) => {
        const r = reconcile(balances, reported);
        expect(r.computed).toBe(balances.reduce((acc, b) => acc + b, 0));
        expect(r.reported).toBe(reported);
        expect(r.difference).toBe(r.computed - reported);
        expect(r.consistent).toBe(r.difference === 0);
      }),
    );
    fc.assert(
      fc.property(fc.array(cents, { maxLength: 10 }), (balances) => {
        const computed = balances.reduce((acc, b) => acc + b, 0);
        expect(reconcile(balances, computed)).toEqual({ computed, reported: computed, difference: 0, consistent: true });
      }),
    );
  });
});
