import { describe, expect, it } from 'vitest';
import type { BenefitRow, EligibilityBenefits, EligibilityPlan } from '../../../src/adapters/coverage/port';
import {
  benefitFigures,
  coinsurancePercent,
  coverageActiveOn,
  eligibilityFigures,
  limitFigures,
  networkPreference,
  officeVisitCopay,
} from '../../../src/ledger/eligibility-benefits';

const row = (over: Partial<BenefitRow>): BenefitRow => ({
  plan: 0,
  code: 'B',
  serviceTypeCode: '98',
  network: 'Y',
  coverageLevelCode: 'IND',
  timeQualifierCode: null,
  amount: null,
  percent: null,
  placeOfServiceCode: null,
  ...over,
});

const plan = (over: Partial<EligibilityPlan>): EligibilityPlan => ({
  name: 'ACME PPO',
  groupNumber: 'G1',
  groupName: null,
  insuranceTypeCode: null,
  statusCode: '1',
  coverageStartDate: '2025-01-01',
  coverageEndDate: null,
  eligibilityStartDate: null,
  eligibilityEndDate: null,
  ...over,
});

describe('network preference', () => {
  it('prefers in-network, then not applicable, then unknown; out-of-network practices N first', () => {
    expect(networkPreference(true)).toEqual(['Y', 'W', 'U']);
    expect(networkPreference(false)).toEqual(['N', 'W', 'U']);
  });
});

describe('officeVisitCopay', () => {
  it('reads B rows of service type 98 before 30', () => {
    const rows = [row({ serviceTypeCode: '30', amount: 1000 }), row({ serviceTypeCode: '98', amount: 2500 })];
    expect(officeVisitCopay(rows, true)).toEqual({ amount: 2500, ambiguous: false });
  });

  it('falls back to service type 30 when 98 has no candidate', () => {
    const rows = [
      row({ serviceTypeCode: '30', amount: 1000 }),
      row({ serviceTypeCode: '98', coverageLevelCode: 'FAM', amount: 2500 }),
    ];
    expect(officeVisitCopay(rows, true).amount).toBe(1000);
  });

  it('takes in-network rows for an in-network practice and out-of-network rows otherwise', () => {
    const rows = [row({ network: 'Y', amount: 2500 }), row({ network: 'N', amount: 5000 })];
    expect(officeVisitCopay(rows, true).amount).toBe(2500);
    expect(officeVisitCopay(rows, false).amount).toBe(5000);
  });

  it('falls to W, then U, when the preferred network has no row', () => {
    expect(officeVisitCopay([row({ network: 'U', amount: 3000 }), row({ network: 'W', amount: 2000 })], true).amount).toBe(2000);
    expect(officeVisitCopay([row({ network: 'U', amount: 3000 }), row({ network: 'N', amount: 5000 })], true).amount).toBe(3000);
  });

  it('prefers POS 11 rows to rows without POS, and never counts another POS', () => {
    expect(officeVisitCopay([row({ amount: 1500 }), row({ placeOfServiceCode: '11', amount: 2500 })], true).amount).toBe(2500);
    expect(officeVisitCopay([row({ amount: 1500 }), row({ placeOfServiceCode: '22', amount: 6000 })], true)).toEqual({
      amount: 1500,
      ambiguous: false,
    });
    expect(officeVisitCopay([row({ placeOfServiceCode: '22', amount: 6000 })], true).amount).toBeNull();
  });

  it('reads the individual level only', () => {
    expect(officeVisitCopay([row({ coverageLevelCode: 'FAM', amount: 2500 })], true).amount).toBeNull();
  });

  it('accepts time qualifier 27 (visit) or none, nothing else', () => {
    expect(officeVisitCopay([row({ timeQualifierCode: '27', amount: 2500 })], true).amount).toBe(2500);
    expect(officeVisitCopay([row({ timeQualifierCode: '23', amount: 2500 })], true).amount).toBeNull();
  });

  it('takes the largest finalist and flags the copay ambiguous when finalists differ (SAM CHU)', () => {
    const rows = [
      row({ placeOfServiceCode: '11', amount: 2500 }),
      row({ placeOfServiceCode: '11', amount: 4000 }),
      row({ placeOfServiceCode: '22', amount: 6000 }),
    ];
    expect(officeVisitCopay(rows, true)).toEqual({ amount: 4000, ambiguous: true });
  });

  it('is not ambiguous when finalists agree', () => {
    expect(officeVisitCopay([row({ amount: 2500 }), row({ amount: 2500 })], true)).toEqual({ amount: 2500, ambiguous: false });
  });

  it('is null, never 0, without a row; an explicit zero is 0', () => {
    expect(officeVisitCopay([], true)).toEqual({ amount: null, ambiguous: false });
    expect(officeVisitCopay([row({ amount: 0 })], true).amount).toBe(0);
  });
});

describe('deductible and out-of-pocket (limitFigures)', () => {
  const ded = (over: Partial<BenefitRow>) => row({ code: 'C', serviceTypeCode: '30', ...over });

  it('reads remaining from time 29 and total from 23', () => {
    const rows = [ded({ timeQualifierCode: '23', amount: 150000 }), ded({ timeQualifierCode: '29', amount: 120000 })];
    expect(limitFigures(rows, 'C', 'IND', true)).toEqual({ total: 150000, remaining: 120000 });
  });

  it('accepts 22 and 24 as totals', () => {
    expect(limitFigures([ded({ timeQualifierCode: '22', amount: 100 })], 'C', 'IND', true).total).toBe(100);
    expect(limitFigures([ded({ timeQualifierCode: '24', amount: 200 })], 'C', 'IND', true).total).toBe(200);
  });

  it('a total alone is not a remainder', () => {
    expect(limitFigures([ded({ timeQualifierCode: '23', amount: 150000 })], 'C', 'IND', true)).toEqual({
      total: 150000,
      remaining: null,
    });
  });

  it('reads service type 30 before 98', () => {
    const rows = [
      ded({ serviceTypeCode: '98', timeQualifierCode: '29', amount: 500 }),
      ded({ timeQualifierCode: '29', amount: 120000 }),
    ];
    expect(limitFigures(rows, 'C', 'IND', true).remaining).toBe(120000);
    expect(limitFigures([rows[0]!], 'C', 'IND', true).remaining).toBe(500);
  });

  it('separates individual from family', () => {
    const rows = [
      ded({ timeQualifierCode: '29', amount: 120000 }),
      ded({ coverageLevelCode: 'FAM', timeQualifierCode: '29', amount: 250000 }),
    ];
    expect(limitFigures(rows, 'C', 'IND', true).remaining).toBe(120000);
    expect(limitFigures(rows, 'C', 'FAM', true).remaining).toBe(250000);
  });

  it('follows the network preference', () => {
    const rows = [
      ded({ timeQualifierCode: '29', amount: 120000 }),
      ded({ network: 'N', timeQualifierCode: '29', amount: 300000 }),
    ];
    expect(limitFigures(rows, 'C', 'IND', false).remaining).toBe(300000);
  });

  it('reads out-of-pocket from G rows, not deductible rows', () => {
    const rows = [ded({ timeQualifierCode: '29', amount: 120000 }), ded({ code: 'G', timeQualifierCode: '29', amount: 510000 })];
    expect(limitFigures(rows, 'G', 'IND', true).remaining).toBe(510000);
  });

  it('is null in both figures without rows', () => {
    expect(limitFigures([], 'C', 'FAM', true)).toEqual({ total: null, remaining: null });
  });
});

describe('coinsurancePercent', () => {
  const coins = (over: Partial<BenefitRow>) => row({ code: 'A', ...over });

  it('reads A rows of 98 before 30, the patient share in percent', () => {
    expect(coinsurancePercent([coins({ serviceTypeCode: '30', percent: 10 }), coins({ percent: 20 })], true)).toBe(20);
    expect(coinsurancePercent([coins({ serviceTypeCode: '30', percent: 10 })], true)).toBe(10);
  });

  it('follows the network preference and the individual level', () => {
    const rows = [coins({ percent: 20 }), coins({ network: 'N', percent: 40 }), coins({ coverageLevelCode: 'FAM', percent: 50 })];
    expect(coinsurancePercent(rows, true)).toBe(20);
    expect(coinsurancePercent(rows, false)).toBe(40);
  });

  it('is null without a row', () => {
    expect(coinsurancePercent([row({ amount: 2500 })], true)).toBeNull();
  });
});

describe('coverageActiveOn', () => {
  it('is true for an active status (1–5) whose period covers the date, open end allowed', () => {
    for (const statusCode of ['1', '2', '3', '4', '5']) {
      expect(coverageActiveOn([plan({ statusCode })], '2026-07-30').active).toBe(true);
    }
  });

  it('reads eligibility dates before coverage dates', () => {
    const p = plan({ coverageEndDate: null, eligibilityEndDate: '2026-06-30' });
    expect(coverageActiveOn([p], '2026-07-30').active).toBe(false);
    expect(coverageActiveOn([p], '2026-06-30').active).toBe(true);
  });

  it('is false when every plan is inactive (6, 7, 8)', () => {
    expect(coverageActiveOn([plan({ statusCode: '6' }), plan({ statusCode: '8' })], '2026-07-30').active).toBe(false);
  });

  it('is false when every active plan excludes the date', () => {
    expect(coverageActiveOn([plan({ coverageEndDate: '2024-12-31' })], '2026-07-30').active).toBe(false);
    expect(coverageActiveOn([plan({ coverageStartDate: '2027-01-01' })], '2026-07-30').active).toBe(false);
  });

  it('is null when a plan has no status, or there is no plan', () => {
    expect(coverageActiveOn([plan({ statusCode: null })], '2026-07-30').active).toBeNull();
    expect(coverageActiveOn([], '2026-07-30').active).toBeNull();
  });

  it('names the active plan that covers the date', () => {
    const plans = [plan({ name: 'OLD', statusCode: '6' }), plan({ name: 'NEW' })];
    expect(coverageActiveOn(plans, '2026-07-30').plan?.name).toBe('NEW');
  });
});

const janeDoe: EligibilityBenefits = {
  complete: true,
  asOfDate: '2026-07-30',
  payer: { payerId: 'SANDBOX1', name: 'ACME HEALTH PPO' },
  plans: [plan({})],
  rows: [
    row({ placeOfServiceCode: '11', timeQualifierCode: '27', amount: 2500 }),
    row({ network: 'N', placeOfServiceCode: '11', timeQualifierCode: '27', amount: 5000 }),
    row({ code: 'C', serviceTypeCode: '30', timeQualifierCode: '23', amount: 150000 }),
    row({ code: 'C', serviceTypeCode: '30', timeQualifierCode: '29', amount: 120000 }),
    row({ code: 'C', serviceTypeCode: '30', coverageLevelCode: 'FAM', timeQualifierCode: '23', amount: 300000 }),
    row({ code: 'C', serviceTypeCode: '30', coverageLevelCode: 'FAM', timeQualifierCode: '29', amount: 250000 }),
    row({ code: 'A', percent: 20 }),
    row({ code: 'A', network: 'N', percent: 40 }),
    row({ code: 'G', serviceTypeCode: '30', timeQualifierCode: '23', amount: 600000 }),
    row({ code: 'G', serviceTypeCode: '30', timeQualifierCode: '29', amount: 510000 }),
  ],
};

describe('eligibilityFigures', () => {
  const options = { asOfDate: '2026-07-30', inNetwork: true };

  it('maps a complete answer (JANE DOE) to every figure', () => {
    expect(eligibilityFigures({ state: 'ANSWERED', inquiryId: '1', benefits: janeDoe }, options)).toEqual({
      status: 'COMPLETE',
      coverageActive: true,
      payerName: 'ACME HEALTH PPO',
      planName: 'ACME PPO',
      groupNumber: 'G1',
      asOfDate: '2026-07-30',
      officeVisitCopay: 2500,
      copayAmbiguous: false,
      coinsurancePercent: 20,
      deductible: { individual: { total: 150000, remaining: 120000 }, family: { total: 300000, remaining: 250000 } },
      outOfPocket: { individual: { total: 600000, remaining: 510000 }, family: { total: null, remaining: null } },
      network: 'IN',
      reasons: [],
    });
  });

  it('is PARTIAL when the answer is incomplete, with what parsed', () => {
    const figures = benefitFigures({ ...janeDoe, complete: false, plans: [plan({ statusCode: null })] }, options);
    expect(figures.status).toBe('PARTIAL');
    expect(figures.coverageActive).toBeNull();
    expect(figures.officeVisitCopay).toBe(2500);
  });

  it('uses the date asked about when the payer does not echo one', () => {
    expect(benefitFigures({ ...janeDoe, asOfDate: null }, { asOfDate: '2024-01-01', inNetwork: true }).coverageActive).toBe(
      false,
    );
  });

  it('reads out-of-network figures for an out-of-network practice', () => {
    const figures = benefitFigures(janeDoe, { ...options, inNetwork: false });
    expect([figures.network, figures.officeVisitCopay, figures.coinsurancePercent]).toEqual(['OUT', 5000, 40]);
  });

  it('is REJECTED with the reasons and no figures on a rejection', () => {
    const figures = eligibilityFigures(
      {
        state: 'REJECTED',
        inquiryId: '2',
        reasons: [{ code: '75', description: 'Subscriber Not Found', field: 'member.memberId', followUp: null }],
      },
      options,
    );
    expect(figures.status).toBe('REJECTED');
    expect(figures.coverageActive).toBeNull();
    expect(figures.officeVisitCopay).toBeNull();
    expect(figures.deductible.individual).toEqual({ total: null, remaining: null });
    expect(figures.reasons).toEqual([
      { code: '75', description: 'Subscriber Not Found', field: 'member.memberId', followUp: null, action: 'FIX_REQUEST' },
    ]);
  });
});
