import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClaimStage } from '../../../src/adapters/ledger/port';
import { MoneyError } from '../../../src/ledger/money';
import {
  chargeInsuranceFigures,
  chargePatientAmount,
  claimStageLookup,
  effectiveStage,
  payoutDeduction,
  type ClaimStageLookup,
} from '../../../src/ledger/patient-amount';
import { payout } from './fixtures';

const stages =
  (map: Record<string, ClaimStage>): ClaimStageLookup =>
  (id) =>
    map[id];

describe('chargePatientAmount', () => {
  const fee = 20000;
  const payouts = [payout('c1', { estimatedInsurancePayment: 12000, writeOff: 3000, insurancePayment: 9999 })];

  it('is the fee when there are no payouts', () => {
    expect(chargePatientAmount({ fee, claimPayouts: [], statedPatientAmount: null }, stages({}))).toBe(fee);
  });

  it('subtracts estimate and write-off while the claim is PENDING', () => {
    expect(chargePatientAmount({ fee, claimPayouts: payouts, statedPatientAmount: null }, stages({ c1: 'PENDING' }))).toBe(5000);
  });

  it('subtracts only the write-off once ADJUDICATED (the real payment is a payment row)', () => {
    expect(chargePatientAmount({ fee, claimPayouts: payouts, statedPatientAmount: null }, stages({ c1: 'ADJUDICATED' }))).toBe(
      17000,
    );
  });

  it('subtracts nothing for a VOID (canceled) claim', () => {
    expect(chargePatientAmount({ fee, claimPayouts: payouts, statedPatientAmount: null }, stages({ c1: 'VOID' }))).toBe(fee);
  });

  it('treats an unknown claim as PENDING', () => {
    expect(chargePatientAmount({ fee, claimPayouts: payouts, statedPatientAmount: null }, stages({}))).toBe(5000);
    expect(chargePatientAmount({ fee, claimPayouts: payouts, statedPatientAmount: null }, () => undefined)).toBe(5000);
  });

  it('never uses insurancePayment, billedToInsurance or allowedAmount', () => {
    const odd = [payout('c1', { insurancePayment: 5, billedToInsurance: 7, allowedAmount: 11 })];
    for (const stage of ['PENDING', 'ADJUDICATED', 'VOID'] as const) {
      expect(chargePatientAmount({ fee, claimPayouts: odd, statedPatientAmount: null }, () => stage)).toBe(fee);
    }
  });

  it('sums over several payouts of claims in different stages', () => {
    const mixed = [
      payout('pending', { estimatedInsurancePayment: 4000, writeOff: 500 }),
      payout('paid', { estimatedInsurancePayment: 3000, writeOff: 700 }),
      payout('canceled', { estimatedInsurancePayment: 9000, writeOff: 900 }),
      payout('mystery', { estimatedInsurancePayment: 100, writeOff: 10 }),
    ];
    const lookup = stages({ pending: 'PENDING', paid: 'ADJUDICATED', canceled: 'VOID' });
    expect(chargePatientAmount({ fee, claimPayouts: mixed, statedPatientAmount: null }, lookup)).toBe(fee - 4500 - 700 - 110);
  });

  it('may go negative when estimates exceed the fee (reported, not clamped)', () => {
    const over = [payout('c1', { estimatedInsurancePayment: 25000 })];
    expect(chargePatientAmount({ fee, claimPayouts: over, statedPatientAmount: null }, stages({}))).toBe(-5000);
  });

  it('returns the stated patient amount when the system states one, payouts notwithstanding', () => {
    expect(chargePatientAmount({ fee, claimPayouts: payouts, statedPatientAmount: 1234 }, stages({ c1: 'PENDING' }))).toBe(1234);
    expect(chargePatientAmount({ fee, claimPayouts: payouts, statedPatientAmount: 0 }, stages({}))).toBe(0);
    expect(() => chargePatientAmount({ fee, claimPayouts: [], statedPatientAmount: 1.5 }, stages({}))).toThrow(MoneyError);
  });

  it('refuses non-cent figures rather than rounding', () => {
    expect(() => chargePatientAmount({ fee: 100.5, claimPayouts: [], statedPatientAmount: null }, stages({}))).toThrow(
      MoneyError,
    );
    expect(() =>
      chargePatientAmount(
        { fee, claimPayouts: [payout('c1', { writeOff: 0.1 })], statedPatientAmount: null },
        stages({ c1: 'ADJUDICATED' }),
      ),
    ).toThrow(MoneyError);
  });

  it('equals fee − paymentEstimate − writeOffEstimate − writeOff for any payouts and stages', () => {
    const stageArb = fc.constantFrom<ClaimStage | undefined>('PENDING', 'ADJUDICATED', 'VOID', undefined);
    const amount = fc.integer({ min: 0, max: 10_000_000 });
    fc.assert(
      fc.property(
        amount,
        fc.array(fc.record({ estimate: amount, writeOff: amount, stage: stageArb }), { maxLength: 6 }),
        (fee, rows) => {
          const claimPayouts = rows.map((row, i) =>
            payout(`c${i}`, { estimatedInsurancePayment: row.estimate, writeOff: row.writeOff }),
          );
          const lookup: ClaimStageLookup = (id) => rows[Number(id.slice(1))]!.stage;
          const result = chargePatientAmount({ fee, claimPayouts, statedPatientAmount: null }, lookup);
          const figures = chargeInsuranceFigures({ claimPayouts }, lookup);
          expect(Number.isSafeInteger(result)).toBe(true);
          expect(result).toBe(fee - figures.paymentEstimate - figures.writeOffEstimate - figures.writeOff);
        },
      ),
    );
  });
});

describe('payoutDeduction / effectiveStage', () => {
  const p = { estimatedInsurancePayment: 600, writeOff: 40 };
  it('follows the stage', () => {
    expect(payoutDeduction(p, 'PENDING')).toBe(640);
    expect(payoutDeduction(p, 'ADJUDICATED')).toBe(40);
    expect(payoutDeduction(p, 'VOID')).toBe(0);
  });

  it('refuses a stage outside the union', () => {
    expect(() => payoutDeduction(p, 'LOST' as ClaimStage)).toThrow(/unknown claim stage "LOST"/);
  });

  it('defaults an unknown claim to PENDING', () => {
    expect(effectiveStage(() => undefined, 'x')).toBe('PENDING');
    expect(effectiveStage(() => 'VOID', 'x')).toBe('VOID');
  });
});

describe('chargeInsuranceFigures', () => {
  it('splits payouts by stage, VOID counting nowhere', () => {
    const claimPayouts = [
      payout('a', { estimatedInsurancePayment: 100, writeOff: 10 }),
      payout('b', { estimatedInsurancePayment: 200, writeOff: 20 }),
      payout('c', { estimatedInsurancePayment: 300, writeOff: 30 }),
      payout('d', { estimatedInsurancePayment: 400, writeOff: 40 }),
    ];
    expect(chargeInsuranceFigures({ claimPayouts }, stages({ a: 'PENDING', b: 'ADJUDICATED', c: 'VOID' }))).toEqual({
      paymentEstimate: 500,
      writeOffEstimate: 50,
      writeOff: 20,
    });
    expect(chargeInsuranceFigures({ claimPayouts: [] }, stages({}))).toEqual({
      paymentEstimate: 0,
      writeOffEstimate: 0,
      writeOff: 0,
    });
  });
});

describe('claimStageLookup', () => {
  it('maps claim ids to stages, unknown ids to undefined', () => {
    const lookup = claimStageLookup([
      { sourceId: '1', stage: 'PENDING' },
      { sourceId: '2', stage: 'VOID' },
    ]);
    expect(lookup('1')).toBe('PENDING');
    expect(lookup('2')).toBe('VOID');
    expect(lookup('3')).toBeUndefined();
  });
});
