import { describe, expect, it } from 'vitest';
import { checkAmountCeiling, writeAmountInputs } from '../../../src/ledger/amount-ceiling';
import { AmountOutOfRange, exactOrOutOfRange } from '../../../src/ledger/amount-range';
import { sumCents } from '../../../src/ledger/money';
import { checkRefund, checkRefundOfPaid, refundable, unexplainedRefund } from '../../../src/ledger/refundable';

const pay = (amount: number, fromInsurance = false) => ({ amount, fromInsurance });

describe('checkAmountCeiling', () => {
  it('allows the ceiling itself, refuses one cent above it by absolute value, naming the field and both figures', () => {
    expect(checkAmountCeiling([{ field: 'input.amount', cents: 10_000_000 }], 10_000_000)).toBeNull();
    expect(checkAmountCeiling([{ field: 'input.amount', cents: -10_000_000 }], 10_000_000)).toBeNull();
    expect(checkAmountCeiling([{ field: 'input.amount', cents: -10_000_001 }], 10_000_000)).toEqual({
      code: 'AMOUNT_OUT_OF_RANGE',
      message: 'input.amount: expected at most 100000.00 (limits.maxAmount), got -100000.01',
      details: { field: 'input.amount' },
    });
  });

  it('names the first split above the ceiling', () => {
    const inputs = writeAmountInputs({
      amount: 100,
      providerSplits: [{ amount: 50 }, { amount: 10_000_001 }],
      chargeSplits: null,
    });
    expect(checkAmountCeiling(inputs, 10_000_000)?.details).toEqual({ field: 'input.providerSplits.1.amount' });
  });
});

describe('refundable', () => {
  it('is what the patient paid herself minus what was refunded; insurance payments do not count', () => {
    const ledger = { payments: [pay(-5000), pay(-2000), pay(-9000, true), pay(1500)], adjustments: [{ amount: 700 }] };
    expect(refundable(ledger, { refundsBecomeAdjustments: false })).toEqual({ state: 'known', cents: 5500 });
    // Where refunds become adjustments, a debit adjustment may be a refund: it counts as one.
    expect(refundable(ledger, { refundsBecomeAdjustments: true })).toEqual({ state: 'known', cents: 4800 });
    expect(refundable({ payments: [pay(1000)], adjustments: [] }, { refundsBecomeAdjustments: false })).toEqual({
      state: 'known',
      cents: 0,
    });
  });

  it('a refund above it, or over rows that cannot be summed, is AMOUNT_OUT_OF_RANGE', () => {
    const ledger = { payments: [pay(-5000)], adjustments: [] };
    const options = { refundsBecomeAdjustments: false };
    expect(checkRefund(5000, ledger, options)).toBeNull();
    expect(checkRefund(5001, ledger, options)?.message).toBe(
      'input.amount: expected a refund of at most 50.00 (what the patient paid minus what was refunded), got 50.01',
    );
    const absurd = { payments: [pay(-Number.MAX_SAFE_INTEGER), pay(-1)], adjustments: [] };
    expect(refundable(absurd, options)).toEqual({ state: 'out-of-range' });
    expect(checkRefund(1, absurd, options)?.code).toBe('AMOUNT_OUT_OF_RANGE');
  });
});

describe('exactOrOutOfRange', () => {
  it('turns a sum past the safe range into AmountOutOfRange naming the figure, and passes other errors through', () => {
    expect(exactOrOutOfRange('x', () => sumCents([1, 2]))).toBe(3);
    const thrown = (() => {
      try {
        exactOrOutOfRange('the balance of patient "7"', () => sumCents([Number.MAX_SAFE_INTEGER, 1]));
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(AmountOutOfRange);
    expect((thrown as AmountOutOfRange).code).toBe('AMOUNT_OUT_OF_RANGE');
    expect((thrown as Error).message).toMatch(/^the balance of patient "7" cannot be computed exactly/);
    expect(() =>
      exactOrOutOfRange('x', () => {
        throw new TypeError('bug');
      }),
    ).toThrow(TypeError);
  });
});

describe('a refund of one paid collection', () => {
  it('fits up to what was paid less what is refunded or refunding, and says the three figures beyond', () => {
    expect(checkRefundOfPaid(2500, { paid: 5000, refunded: 2500 })).toBeNull();
    const refused = checkRefundOfPaid(2501, { paid: 5000, refunded: 2500 });
    expect(refused?.code).toBe('AMOUNT_OUT_OF_RANGE');
    expect(refused?.message).toBe('input.amount: expected at most 25.00 (paid 50.00, refunded or refunding 25.00), got 25.01');
    expect(checkRefundOfPaid(1, { paid: 5000, refunded: 5000 })?.message).toMatch(/at most 0\.00/);
  });
});

describe("a processor's refunded total against the refunds the gateway knows", () => {
  it('the part no known refund explains is a dashboard refund; never above what was paid', () => {
    expect(unexplainedRefund({ reportedRefunded: 1500, paid: 3000, known: 1000 })).toEqual({
      total: 1500,
      excess: 500,
      overReported: false,
    });
    // Ours already (a gateway refund's own event): nothing new.
    expect(unexplainedRefund({ reportedRefunded: 1000, paid: 3000, known: 1000 }).excess).toBe(0);
    // A refund in flight counts as known: its event arriving early explains nothing new either.
    expect(unexplainedRefund({ reportedRefunded: 1000, paid: 3000, known: 2500 }).excess).toBe(-1500);
    // More reported than paid: believed up to what was paid, and flagged.
    expect(unexplainedRefund({ reportedRefunded: 3001, paid: 3000, known: 1000 })).toEqual({
      total: 3000,
      excess: 2000,
      overReported: true,
    });
  });
});
