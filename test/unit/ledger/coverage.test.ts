import { describe, expect, it } from 'vitest';
import { coverageActive, maskMemberId } from '../../../src/ledger/coverage';

const TODAY = '2026-11-30';

describe('coverageActive', () => {
  it('is true for an active coverage whose period covers today, ends inclusive', () => {
    expect(coverageActive('active', { start: '2025-01-01', end: null }, TODAY)).toBe(true);
    expect(coverageActive('active', { start: TODAY, end: TODAY }, TODAY)).toBe(true);
    expect(coverageActive('active', { start: null, end: null }, TODAY)).toBe(true);
    expect(coverageActive('active', { start: '2026-11-01', end: '2026-12-31' }, TODAY)).toBe(true);
  });

  it('is false before the period starts or after it ends', () => {
    expect(coverageActive('active', { start: '2026-12-01', end: null }, TODAY)).toBe(false);
    expect(coverageActive('active', { start: '2025-01-01', end: '2026-11-29' }, TODAY)).toBe(false);
  });

  it('is false for any status but active, even with a period covering today', () => {
    for (const status of ['cancelled', 'draft', 'entered-in-error', 'Active', null]) {
      expect(coverageActive(status, { start: '2025-01-01', end: null }, TODAY)).toBe(false);
    }
  });

  it('turns false the day after the period ends (a moving clock)', () => {
    const period = { start: '2026-01-01', end: '2026-12-31' };
    expect(coverageActive('active', period, '2026-12-31')).toBe(true);
    expect(coverageActive('active', period, '2027-01-01')).toBe(false);
    expect(coverageActive('active', period, '2025-12-31')).toBe(false);
  });
});

describe('maskMemberId', () => {
  it('keeps the last 4 characters only', () => {
    expect(maskMemberId('W123456789')).toBe('***6789');
    expect(maskMemberId('BCX-cov-alvarez')).toBe('***arez');
    expect(maskMemberId('12345')).toBe('***2345');
  });

  it('masks a short id whole', () => {
    expect(maskMemberId('1234')).toBe('***');
    expect(maskMemberId('')).toBe('***');
  });
});
