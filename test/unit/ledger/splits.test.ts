import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Split } from '../../../src/adapters/ledger/port';
import { adjustmentRequiresSplit, checkSplits, type SplitCheckInput } from '../../../src/ledger/splits';

const input = (fields: Partial<SplitCheckInput>): SplitCheckInput => ({
  amount: -10000,
  providerSplits: null,
  chargeSplits: null,
  requireSplit: false,
  ...fields,
});

describe('checkSplits', () => {
  it('accepts no splits when none are required (null or empty lists)', () => {
    expect(checkSplits(input({}))).toBeNull();
    expect(checkSplits(input({ providerSplits: [], chargeSplits: [] }))).toBeNull();
  });

  it('accepts provider splits or charge splits that sum exactly to the amount', () => {
    const splits: Split[] = [
      { id: '7', amount: -6000 },
      { id: '9', amount: -4000 },
    ];
    expect(checkSplits(input({ providerSplits: splits }))).toBeNull();
    expect(checkSplits(input({ chargeSplits: splits, providerSplits: [] }))).toBeNull();
    expect(checkSplits(input({ amount: 2500, requireSplit: true, chargeSplits: [{ id: 'c1', amount: 2500 }] }))).toBeNull();
  });

  it('SPLIT_KIND_CONFLICT when both kinds are non-empty, before anything else', () => {
    const v = checkSplits(
      input({ providerSplits: [{ id: '1', amount: -1 }], chargeSplits: [{ id: '2', amount: 5 }], amount: 0.5 }),
    );
    expect(v?.code).toBe('SPLIT_KIND_CONFLICT');
    expect(v?.message).toMatch(/not both/);
  });

  it('DEBIT_REQUIRES_SPLIT when a split is required and none given', () => {
    for (const empty of [{}, { providerSplits: [] }, { chargeSplits: [] }]) {
      expect(checkSplits(input({ amount: 500, requireSplit: true, ...empty }))?.code).toBe('DEBIT_REQUIRES_SPLIT');
    }
  });

  it('SPLIT_SUM_MISMATCH naming expected and got, formatted as decimals', () => {
    const v = checkSplits(
      input({
        providerSplits: [
          { id: '7', amount: -6000 },
          { id: '9', amount: -3950 },
        ],
      }),
    );
    expect(v).toEqual({
      code: 'SPLIT_SUM_MISMATCH',
      message: 'provider splits must sum to the amount: expected -100.00, got -99.50',
    });
    expect(checkSplits(input({ chargeSplits: [{ id: 'a', amount: -10001 }] }))?.message).toBe(
      'charge splits must sum to the amount: expected -100.00, got -100.01',
    );
  });

  it('SPLIT_SUM_MISMATCH when the splits overflow the safe range', () => {
    const max = Number.MAX_SAFE_INTEGER;
    const v = checkSplits(
      input({
        amount: max,
        providerSplits: [
          { id: 'a', amount: max },
          { id: 'b', amount: max },
        ],
      }),
    );
    expect(v?.code).toBe('SPLIT_SUM_MISMATCH');
    expect(v?.message).toMatch(/beyond the representable range/);
  });

  it.each<[string, Partial<SplitCheckInput>, RegExp]>([
    ['an empty id', { providerSplits: [{ id: '', amount: -10000 }] }, /provider split 1 has an empty id/],
    ['a blank id', { chargeSplits: [{ id: '  ', amount: -10000 }] }, /charge split 1 has an empty id/],
    ['a missing id', { chargeSplits: [{ amount: -10000 } as Split] }, /empty id/],
    [
      'a repeated id',
      {
        providerSplits: [
          { id: '7', amount: -5000 },
          { id: '7', amount: -5000 },
        ],
      },
      /provider split id "7" appears more than once/,
    ],
    [
      'a zero split',
      {
        providerSplits: [
          { id: '7', amount: -10000 },
          { id: '8', amount: 0 },
        ],
      },
      /split 2 \("8"\) needs a non-zero amount/,
    ],
    ['a fractional split', { providerSplits: [{ id: '7', amount: -9999.5 }] }, /whole cents/],
    ['a NaN split', { providerSplits: [{ id: '7', amount: Number.NaN }] }, /whole cents/],
    [
      'a split signed unlike the amount',
      {
        providerSplits: [
          { id: '7', amount: -15000 },
          { id: '8', amount: 5000 },
        ],
      },
      /split 2 \("8"\) is 50.00, which is not signed like the amount -100.00/,
    ],
    ['a non-cent amount', { amount: 12.5, providerSplits: [{ id: '7', amount: 12 }] }, /whole cents, got 12.5/],
    ['a non-cent amount without splits', { amount: Number.POSITIVE_INFINITY }, /whole cents/],
    [
      'splits on a zero amount',
      {
        amount: 0,
        providerSplits: [
          { id: '7', amount: 1 },
          { id: '8', amount: -1 },
        ],
      },
      /not signed like/,
    ],
  ])('BAD_USER_INPUT for %s', (_, fields, message) => {
    const v = checkSplits(input(fields));
    expect(v?.code).toBe('BAD_USER_INPUT');
    expect(v?.message).toMatch(message);
  });

  it('a random partition of the amount passes; any perturbation fails with SPLIT_SUM_MISMATCH (property)', () => {
    const partitioned = fc
      .integer({ min: 1, max: 1e12 })
      .chain((abs) =>
        fc.record({
          abs: fc.constant(abs),
          negative: fc.boolean(),
          cuts: abs > 1 ? fc.uniqueArray(fc.integer({ min: 1, max: abs - 1 }), { maxLength: 7 }) : fc.constant([]),
          kind: fc.constantFrom('providerSplits', 'chargeSplits'),
          requireSplit: fc.boolean(),
        }),
      )
      .map(({ abs, negative, cuts, kind, requireSplit }) => {
        const sign = negative ? -1 : 1;
        const points = [0, ...[...cuts].sort((a, b) => a - b), abs];
        const splits: Split[] = points.slice(1).map((p, i) => ({ id: `s${i}`, amount: sign * (p - points[i]!) }));
        return { amount: sign * abs, splits, kind: kind as 'providerSplits' | 'chargeSplits', requireSplit };
      });

    const perturbation = fc.record({
      how: fc.constantFrom('grow', 'shrink', 'drop', 'extra'),
      index: fc.nat(),
      delta: fc.integer({ min: 1, max: 1e9 }),
    });

    fc.assert(
      fc.property(partitioned, perturbation, ({ amount, splits, kind, requireSplit }, { how, index, delta }) => {
        expect(splits.reduce((acc, s) => acc + s.amount, 0)).toBe(amount);
        expect(checkSplits({ amount, providerSplits: null, chargeSplits: null, requireSplit, [kind]: splits })).toBeNull();

        const sign = Math.sign(amount);
        const i = index % splits.length;
        const target = splits[i]!;
        let perturbed: Split[];
        if (how === 'grow') {
          perturbed = splits.map((s, j) => (j === i ? { ...s, amount: s.amount + sign * delta } : s));
        } else if (how === 'shrink' && Math.abs(target.amount) > 1) {
          const by = 1 + (delta % (Math.abs(target.amount) - 1));
          perturbed = splits.map((s, j) => (j === i ? { ...s, amount: s.amount - sign * by } : s));
        } else if (how === 'drop' && splits.length > 1) {
          perturbed = splits.filter((_, j) => j !== i);
        } else {
          perturbed = [...splits, { id: 'extra', amount: sign * delta }];
        }
        const v = checkSplits({ amount, providerSplits: null, chargeSplits: null, requireSplit, [kind]: perturbed });
        expect(v?.code).toBe('SPLIT_SUM_MISMATCH');
      }),
      { numRuns: 500 },
    );
  });
});

describe('adjustmentRequiresSplit', () => {
  it('is true for a debit (positive) adjustment only', () => {
    expect(adjustmentRequiresSplit(1)).toBe(true);
    expect(adjustmentRequiresSplit(50000)).toBe(true);
    expect(adjustmentRequiresSplit(0)).toBe(false);
    expect(adjustmentRequiresSplit(-2500)).toBe(false);
  });

  it('a debit adjustment without splits is DEBIT_REQUIRES_SPLIT, a credit is fine', () => {
    const debit = 2500;
    const credit = -2500;
    expect(
      checkSplits({ amount: debit, providerSplits: null, chargeSplits: null, requireSplit: adjustmentRequiresSplit(debit) })
        ?.code,
    ).toBe('DEBIT_REQUIRES_SPLIT');
    expect(
      checkSplits({ amount: credit, providerSplits: null, chargeSplits: null, requireSplit: adjustmentRequiresSplit(credit) }),
    ).toBeNull();
  });
});
