import { describe, expect, it } from 'vitest';
import type { ClaimStatusRow } from '../../../src/adapters/coverage/port';
import {
  claimCategory,
  claimPayerStatusFigures,
  claimRejectionAction,
  claimStatusEvent,
  claimStatusFingerprint,
  matchClaim,
} from '../../../src/ledger/claim-status';

const row = (over: Partial<ClaimStatusRow>): ClaimStatusRow => ({
  statusCategoryCode: 'A2',
  statusCode: '20',
  effectiveDate: '2026-07-01',
  entityCode: null,
  statusText: null,
  serviceFrom: '2026-06-20',
  serviceTo: '2026-06-20',
  billed: 18000,
  paid: null,
  paidDate: null,
  checkIssueDate: null,
  checkNumber: null,
  payerClaimControlNumber: 'PCN-CLM1001',
  patientControlNumber: 'CLM1001',
  clearinghouseClaimNumber: null,
  traceNumber: null,
  lines: [],
  ...over,
});

describe('claimCategory (STC01-1)', () => {
  const table: Array<[string[], string]> = [
    [['A0', 'A1', 'A2', 'A5'], 'ACKNOWLEDGED'],
    [['A3', 'A6', 'A7', 'A8'], 'REJECTED'],
    [['A4', 'D0'], 'NOT_FOUND'],
    [['P0', 'P1', 'P2', 'P3', 'P4', 'P5'], 'PENDING'],
    [['R0', 'R1', 'R3', 'R4', 'R16'], 'INFO_REQUESTED'],
    [['F1'], 'FINALIZED_PAID'],
    [['F2'], 'FINALIZED_DENIED'],
    [['F0', 'F3', 'F3F', 'F3N', 'F4'], 'FINALIZED_OTHER'],
    [['E0', 'E1', 'E2', 'E3', 'E4'], 'ERROR'],
  ];
  for (const [codes, category] of table) {
    it(`maps ${codes.join(', ')} to ${category}`, () => {
      for (const code of codes) expect(claimCategory(code), code).toBe(category);
    });
  }

  it('claims nothing for a code outside the table', () => {
    expect([claimCategory('P9'), claimCategory('R17'), claimCategory('Z1')]).toEqual(['ERROR', 'ERROR', 'ERROR']);
  });
});

describe('matchClaim', () => {
  const key = {
    payerClaimControlNumber: null,
    patientControlNumber: 'CLM1001',
    serviceFrom: '2026-06-20',
    serviceTo: '2026-06-20',
    billed: 18000,
  };

  it('matches the stored payer claim number first', () => {
    const ours = row({ payerClaimControlNumber: 'P-9', patientControlNumber: 'X' });
    const match = matchClaim([row({}), ours], { ...key, payerClaimControlNumber: 'P-9' });
    expect(match).toEqual({ kind: 'MATCHED', claim: ours, by: 'PAYER_CLAIM_NUMBER' });
  });

  it('else the patient control number', () => {
    const ours = row({});
    const match = matchClaim([row({ patientControlNumber: 'CLM1002' }), ours], key);
    expect(match).toEqual({ kind: 'MATCHED', claim: ours, by: 'PATIENT_CONTROL_NUMBER' });
  });

  it('else the single claim with both the service dates and the billed amount', () => {
    const ours = row({ patientControlNumber: null });
    const other = row({ patientControlNumber: null, billed: 7500 });
    expect(matchClaim([other, ours], key)).toEqual({ kind: 'MATCHED', claim: ours, by: 'SERVICE_DATES_AND_BILLED' });
    expect(matchClaim([row({ patientControlNumber: null, serviceFrom: '2026-06-21', serviceTo: '2026-06-21' })], key)).toEqual({
      kind: 'NONE',
    });
  });

  it('is ambiguous, not a guess, when several rows fit', () => {
    const twins = [row({ patientControlNumber: null }), row({ patientControlNumber: null })];
    expect(matchClaim(twins, key)).toEqual({ kind: 'AMBIGUOUS', by: 'SERVICE_DATES_AND_BILLED', count: 2 });
  });

  it('finds nothing in an empty answer', () => {
    expect(matchClaim([], key)).toEqual({ kind: 'NONE' });
  });
});

describe('claimPayerStatusFigures', () => {
  it('paid: billed − paid is the most the patient may owe', () => {
    const figures = claimPayerStatusFigures(
      row({ statusCategoryCode: 'F1', statusCode: '65', paid: 9600, checkNumber: 'EFT0001' }),
      { billed: 18000 },
    );
    expect([figures.category, figures.billed, figures.paid, figures.maxPatientResponsibility]).toEqual([
      'FINALIZED_PAID',
      18000,
      9600,
      8400,
    ]);
  });

  it('denied: the whole billed amount', () => {
    const figures = claimPayerStatusFigures(row({ statusCategoryCode: 'F2', statusCode: '1', paid: 0 }), { billed: 18000 });
    expect([figures.category, figures.maxPatientResponsibility]).toEqual(['FINALIZED_DENIED', 18000]);
  });

  it('finalized otherwise (forwarded to the secondary): billed − paid', () => {
    const figures = claimPayerStatusFigures(row({ statusCategoryCode: 'F3F', billed: 12000, paid: 4000 }), { billed: null });
    expect(figures.maxPatientResponsibility).toBe(8000);
  });

  it('null before adjudication, even with a paid amount already given', () => {
    expect(
      claimPayerStatusFigures(row({ statusCategoryCode: 'P1', paid: 5000 }), { billed: 18000 }).maxPatientResponsibility,
    ).toBeNull();
  });

  it('null, never 0, when paid is unknown on a paid claim', () => {
    const figures = claimPayerStatusFigures(row({ statusCategoryCode: 'F1', paid: null }), { billed: 18000 });
    expect([figures.paid, figures.maxPatientResponsibility]).toEqual([null, null]);
  });

  it('falls back to the claim billed amount, and to the lines paid when every line states one', () => {
    const lines = [
      {
        procedureCode: 'D0120',
        billed: 5000,
        paid: 3000,
        statuses: [{ statusCategoryCode: 'F1', statusCode: '65', effectiveDate: null }],
      },
      { procedureCode: 'D1110', billed: 2500, paid: 2000, statuses: [] },
    ];
    const figures = claimPayerStatusFigures(row({ statusCategoryCode: 'F1', billed: null, paid: null, lines }), { billed: 7500 });
    expect([figures.billed, figures.paid, figures.maxPatientResponsibility]).toEqual([7500, 5000, 2500]);
    expect(figures.lines).toEqual([
      { procedureCode: 'D0120', billed: 5000, paid: 3000, statusCategoryCode: 'F1', statusCode: '65' },
      { procedureCode: 'D1110', billed: 2500, paid: 2000, statusCategoryCode: null, statusCode: null },
    ]);
  });

  it('null on a lossy row (an amount the adapter could not read), whatever the rest says', () => {
    // The lines' paid sum (5000) would give 2500 from partial data: a claim-level paid was unreadable.
    const lines = [
      { procedureCode: 'D0120', billed: 5000, paid: 3000, statuses: [] },
      { procedureCode: 'D1110', billed: 2500, paid: 2000, statuses: [] },
    ];
    const lossy = row({ statusCategoryCode: 'F1', billed: 7500, paid: null, lines, lossy: true });
    expect(claimPayerStatusFigures(lossy, { billed: 7500 }).maxPatientResponsibility).toBeNull();
    const denied = row({ statusCategoryCode: 'F2', billed: null, lossy: true });
    expect(claimPayerStatusFigures(denied, { billed: 18000 }).maxPatientResponsibility).toBeNull();
    // The same rows read whole still bound it.
    expect(claimPayerStatusFigures({ ...lossy, lossy: false }, { billed: 7500 }).maxPatientResponsibility).toBe(2500);
  });

  it('never below 0 when the payer paid more than billed', () => {
    expect(
      claimPayerStatusFigures(row({ statusCategoryCode: 'F1', paid: 20000 }), { billed: 18000 }).maxPatientResponsibility,
    ).toBe(0);
  });
});

describe('claimStatusFingerprint and claimStatusEvent', () => {
  it('the first result always counts', () => {
    expect(claimStatusEvent(null, row({}))).toBe('PAYER_UPDATE_RECEIVED');
    expect(claimStatusEvent(null, row({ statusCategoryCode: 'F1' }))).toBe('CLAIM_PROCESSED');
  });

  it('an unchanged result emits nothing', () => {
    expect(claimStatusEvent(claimStatusFingerprint(row({})), row({ statusText: 'another text', billed: 1 }))).toBeNull();
  });

  it('each fingerprint field is a change', () => {
    const stored = claimStatusFingerprint(row({}));
    const changes: Array<Partial<ClaimStatusRow>> = [
      { statusCategoryCode: 'P1' },
      { statusCode: '21' },
      { entityCode: 'PR' },
      { effectiveDate: '2026-07-02' },
      { paid: 100 },
      { checkNumber: 'EFT1' },
      { payerClaimControlNumber: 'PCN-X' },
    ];
    for (const change of changes)
      expect(claimStatusEvent(stored, row(change)), JSON.stringify(change)).toBe('PAYER_UPDATE_RECEIVED');
  });

  it('a change into a finalized category is CLAIM_PROCESSED', () => {
    const stored = claimStatusFingerprint(row({ statusCategoryCode: 'P1' }));
    for (const code of ['F1', 'F2', 'F3F'])
      expect(claimStatusEvent(stored, row({ statusCategoryCode: code }))).toBe('CLAIM_PROCESSED');
  });
});

describe('claimRejectionAction (277 AAA)', () => {
  it('retries 42 and 80, needs attention for any other', () => {
    expect([claimRejectionAction('42'), claimRejectionAction('80')]).toEqual(['RETRY', 'RETRY']);
    for (const code of ['72', '73', '75', '76', '43', '51']) expect(claimRejectionAction(code)).toBe('NEEDS_ATTENTION');
  });
});
