import { describe, expect, it } from 'vitest';
import type { AdjustmentTypeRecord, PaymentTypeRecord } from '../../../src/adapters/ledger/port';
import { matchTypeById, matchTypeByName } from '../../../src/ledger/type-match';

const adjustmentTypes: AdjustmentTypeRecord[] = [
  { sourceId: '1', name: 'Courtesy Credit', active: true, action: 'CREDIT' },
  { sourceId: '2', name: 'Old Credit', active: false, action: 'CREDIT' },
  { sourceId: '3', name: 'Finance Charge', active: true, action: 'DEBIT' },
  { sourceId: '4', name: 'Finance Charge', active: true, action: 'DEBIT' },
  { sourceId: '5', name: 'Retired', active: false, action: 'UNKNOWN' },
  { sourceId: '6', name: 'Retired', active: true, action: 'UNKNOWN' },
];

describe('matchTypeByName', () => {
  it('finds the active type named exactly so', () => {
    expect(matchTypeByName(adjustmentTypes, 'Courtesy Credit')?.sourceId).toBe('1');
  });

  it('is case-, space- and accent-sensitive: no trimming or folding', () => {
    for (const name of [
      'courtesy credit',
      'COURTESY CREDIT',
      ' Courtesy Credit',
      'Courtesy Credit ',
      'Courtesy  Credit',
      'Courtésy Credit',
    ]) {
      expect(matchTypeByName(adjustmentTypes, name)).toBeNull();
    }
  });

  it('ignores inactive types, even when the name matches', () => {
    expect(matchTypeByName(adjustmentTypes, 'Old Credit')).toBeNull();
    expect(matchTypeByName(adjustmentTypes, 'Retired')?.sourceId).toBe('6');
  });

  it('returns the first of several active types with the same name, and null for none', () => {
    expect(matchTypeByName(adjustmentTypes, 'Finance Charge')?.sourceId).toBe('3');
    expect(matchTypeByName(adjustmentTypes, '')).toBeNull();
    expect(matchTypeByName([], 'Courtesy Credit')).toBeNull();
  });

  it('keeps the record type', () => {
    const found = matchTypeByName(adjustmentTypes, 'Finance Charge');
    expect(found?.action).toBe('DEBIT');
  });
});

describe('matchTypeById', () => {
  const paymentTypes: PaymentTypeRecord[] = [
    { sourceId: '10', name: 'Cash', active: true },
    { sourceId: '11', name: 'Check', active: false },
  ];

  it('finds an active type by exact source id', () => {
    expect(matchTypeById(paymentTypes, '10')?.name).toBe('Cash');
    expect(matchTypeById(paymentTypes, '010')).toBeNull();
    expect(matchTypeById(paymentTypes, '99')).toBeNull();
  });

  it('skips inactive types unless asked to include them', () => {
    expect(matchTypeById(paymentTypes, '11')).toBeNull();
    expect(matchTypeById(paymentTypes, '11', {})).toBeNull();
    expect(matchTypeById(paymentTypes, '11', { includeInactive: true })?.name).toBe('Check');
  });
});
