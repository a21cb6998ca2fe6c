import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MoneyError } from '../../../src/ledger/money';
import { patientBalance, patientBalanceOfRecords } from '../../../src/ledger/patient-balance';
import { claimStageLookup } from '../../../src/ledger/patient-amount';
import { payout } from './fixtures';

describe('patientBalance', () => {
  it('is all zeros for an empty ledger', () => {
    expect(patientBalance({ chargeAmounts: [], payments: [], adjustments: [] })).toEqual({
      charges: 0,
      payments: 0,
      adjustments: 0,
      total: 0,
    });
  });

  it('adds signed parts: payments negative, credit adjustments negative', () => {
    expect(patientBalance({ chargeAmounts: [3000, 2500], payments: [-2000], adjustments: [-500] })).toEqual({
      charges: 5500,
      payments: -2000,
      adjustments: -500,
      total: 3000,
    });
  });

  it('counts a refund positive and a debit adjustment positive', () => {
    expect(patientBalance({ chargeAmounts: [1000], payments: [-5000, 2000], adjustments: [300, -100] })).toEqual({
      charges: 1000,
      payments: -3000,
      adjustments: 200,
      total: -1800,
    });
  });

  it('reports a credit balance as a negative total', () => {
    expect(patientBalance({ chargeAmounts: [], payments: [-12500], adjustments: [] }).total).toBe(-12500);
  });

  it('refuses non-cent amounts and overflowing sums', () => {
    expect(() => patientBalance({ chargeAmounts: [0.5], payments: [], adjustments: [] })).toThrow(MoneyError);
    expect(() => patientBalance({ chargeAmounts: [Number.MAX_SAFE_INTEGER], payments: [], adjustments: [1] })).toThrow(
      MoneyError,
    );
  });

  it('total = charges + payments + adjustments, each part its exact sum (property)', () => {
    const amount = fc.integer({ min: -1e11, max: 1e11 });
    fc.assert(
      fc.property(
        fc.array(amount, { maxLength: 20 }),
        fc.array(amount, { maxLength: 20 }),
        fc.array(amount, { maxLength: 20 }),
        (chargeAmounts, payments, adjustments) => {
          const b = patientBalance({ chargeAmounts, payments, adjustments });
          const sum = (xs: number[]) => xs.reduce((acc, x) => acc + BigInt(x), 0n);
          expect(BigInt(b.charges)).toBe(sum(chargeAmounts));
          expect(BigInt(b.payments)).toBe(sum(payments));
          expect(BigInt(b.adjustments)).toBe(sum(adjustments));
          expect(b.total).toBe(b.charges + b.payments + b.adjustments);
          expect(BigInt(b.total)).toBe(sum([...chargeAmounts, ...payments, ...adjustments]));
          for (const value of Object.values(b)) expect(Number.isSafeInteger(value)).toBe(true);
        },
      ),
    );
  });
});

describe('patientBalanceOfRecords', () => {
  it('computes each charge amount by its claims, then sums with payments and adjustments', () => {
    const stageOf = claimStageLookup([
      { sourceId: 'pending', stage: 'PENDING' },
      { sourceId: 'paid', stage: 'ADJUDICATED' },
      { sourceId: 'canceled', stage: 'VOID' },
    ]);
    const balance = patientBalanceOfRecords(
      {
        charges: [
          {
            fee: 10000,
            statedPatientAmount: null,
            claimPayouts: [payout('pending', { estimatedInsurancePayment: 6000, writeOff: 1000 })],
          },
          {
            fee: 8000,
            statedPatientAmount: null,
            claimPayouts: [payout('paid', { estimatedInsurancePayment: 5000, writeOff: 500 })],
          },
          { fee: 4000, statedPatientAmount: null, claimPayouts: [payout('canceled', { estimatedInsurancePayment: 4000 })] },
          { fee: 999, statedPatientAmount: 111, claimPayouts: [] },
        ],
        payments: [{ amount: -5000 }, { amount: 1000 }],
        adjustments: [{ amount: -250 }, { amount: 50 }],
      },
      stageOf,
    );
    expect(balance).toEqual({
      charges: 3000 + 7500 + 4000 + 111,
      payments: -4000,
      adjustments: -200,
      total: 14611 - 4000 - 200,
    });
  });
});
