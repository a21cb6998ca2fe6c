import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AdjustmentRecord, LedgerRecords, PaymentRecord } from '../../../src/ledger/records';
import { recordsSum, rowsMismatch } from '../../../src/ledger/records-sum';

function payment(amount: number, patientSourceId = '42'): PaymentRecord {
  return {
    sourceId: `p${amount}`,
    patientSourceId,
    providerSourceId: null,
    chargeSourceId: null,
    claimSourceId: null,
    paymentTypeSourceId: '7',
    amount,
    paidAt: null,
    transactionId: 'LG:1000',
    fromInsurance: false,
  };
}

function adjustment(amount: number, patientSourceId = '42'): AdjustmentRecord {
  return {
    sourceId: `a${amount}`,
    patientSourceId,
    providerSourceId: null,
    chargeSourceId: null,
    claimSourceId: null,
    adjustmentTypeSourceId: '9',
    typeName: null,
    amount,
    adjustedAt: null,
    transactionId: 'LG:1000',
    description: null,
  };
}

const records = (payments: PaymentRecord[], adjustments: AdjustmentRecord[] = []): LedgerRecords => ({ payments, adjustments });

describe('recordsSum', () => {
  it('adds payments and adjustments together and compares with the amount', () => {
    expect(recordsSum(records([payment(-6000), payment(-4000)]), -10000)).toEqual({ state: 'matches', total: -10000 });
    // A refund that became an adjustment counts like any row.
    expect(recordsSum(records([], [adjustment(2500)]), 2500)).toEqual({ state: 'matches', total: 2500 });
    expect(recordsSum(records([payment(-6000)], [adjustment(1000)]), -5000)).toEqual({ state: 'matches', total: -5000 });
  });

  it('says by how much it differs, including no rows at all', () => {
    expect(recordsSum(records([payment(-5000)]), -10000)).toEqual({ state: 'differs', total: -5000 });
    expect(recordsSum(records([]), -10000)).toEqual({ state: 'differs', total: 0 });
  });

  it('is out-of-range for a total past 2^53 cents or a row that is not cents, never a rounded figure', () => {
    const max = Number.MAX_SAFE_INTEGER;
    expect(recordsSum(records([payment(max), payment(1)]), max)).toEqual({ state: 'out-of-range' });
    expect(recordsSum(records([payment(0.5)]), 0)).toEqual({ state: 'out-of-range' });
  });

  it('matches exactly when the amount is the sum (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { maxLength: 8 }), (amounts) => {
        const total = amounts.reduce((a, b) => a + b, 0);
        const rows = records(amounts.map((a) => payment(a)));
        expect(recordsSum(rows, total)).toEqual({ state: 'matches', total });
        expect(recordsSum(rows, total + 1)).toEqual({ state: 'differs', total });
      }),
    );
  });
});

describe('rowsMismatch', () => {
  const write = { patientSourceId: '42', amount: -10000 };

  it('is null for rows of the write’s patient adding up to its amount', () => {
    expect(rowsMismatch(write, records([payment(-6000), payment(-4000)]))).toBeNull();
  });

  it('names a row of another patient first, even when the total also differs', () => {
    expect(rowsMismatch(write, records([payment(-6000), payment(-1, '43')]))).toBe('a row of patient 43, not 42');
    expect(rowsMismatch(write, records([], [adjustment(-10000, '7')]))).toBe('a row of patient 7, not 42');
  });

  it('names both totals when they differ (rows still landing, or another write’s)', () => {
    expect(rowsMismatch(write, records([payment(-5000)]))).toBe('rows totalling -50.00, not -100.00');
  });

  it('says so when the rows’ total is out of range', () => {
    expect(rowsMismatch(write, records([payment(Number.MAX_SAFE_INTEGER), payment(1)]))).toBe('rows with an out-of-range total');
  });
});
