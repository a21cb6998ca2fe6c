import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimCollectible, collectibleBalance, isEnterprise } from '../../../src/ledger/collectible';
import { MoneyError } from '../../../src/ledger/money';

describe('isEnterprise', () => {
  it('is false with no departments, blank groups, or one group', () => {
    expect(isEnterprise([])).toBe(false);
    expect(isEnterprise([{ providerGroupId: null }, { providerGroupId: '' }, { providerGroupId: '  ' }])).toBe(false);
    expect(isEnterprise([{ providerGroupId: '1' }, { providerGroupId: '1' }, { providerGroupId: null }])).toBe(false);
  });

  it('is true with more than one distinct non-blank group', () => {
    expect(isEnterprise([{ providerGroupId: '1' }, { providerGroupId: '2' }])).toBe(true);
    expect(isEnterprise([{ providerGroupId: '1' }, { providerGroupId: null }, { providerGroupId: '2' }])).toBe(true);
  });

  it('compares ids as (trimmed) strings, so a numeric id equals its text', () => {
    expect(isEnterprise([{ providerGroupId: 1 as unknown as string }, { providerGroupId: '1' }])).toBe(false);
    expect(isEnterprise([{ providerGroupId: ' 1' }, { providerGroupId: '1' }])).toBe(false);
    expect(isEnterprise([{ providerGroupId: undefined as unknown as string }, { providerGroupId: '1' }])).toBe(false);
  });
});

describe('claimCollectible', () => {
  const clean = { clean: true, providerGroupId: '1', departmentIds: ['10', '11'] };
  const dirty = { ...clean, clean: false };

  it('never collects a balance that is not clean (payment plan or contract)', () => {
    expect(claimCollectible(dirty, { enterprise: false, currentDepartmentId: '10' })).toBe(false);
    expect(claimCollectible(dirty, { enterprise: true, currentDepartmentId: '10' })).toBe(false);
  });

  it('outside an enterprise: every clean claim, whatever the department', () => {
    expect(claimCollectible(clean, { enterprise: false, currentDepartmentId: '99' })).toBe(true);
    expect(
      claimCollectible({ ...clean, providerGroupId: null, departmentIds: [] }, { enterprise: false, currentDepartmentId: null }),
    ).toBe(true);
  });

  it('in an enterprise: only claims whose group lists the current department', () => {
    expect(claimCollectible(clean, { enterprise: true, currentDepartmentId: '11' })).toBe(true);
    expect(claimCollectible(clean, { enterprise: true, currentDepartmentId: '12' })).toBe(false);
    expect(claimCollectible(clean, { enterprise: true, currentDepartmentId: '1' })).toBe(false);
  });

  it('in an enterprise with no current department: nothing', () => {
    expect(claimCollectible(clean, { enterprise: true, currentDepartmentId: null })).toBe(false);
  });

  it('compares department ids as strings', () => {
    expect(
      claimCollectible({ ...clean, departmentIds: [10 as unknown as string] }, { enterprise: true, currentDepartmentId: '10' }),
    ).toBe(true);
  });
});

describe('collectibleBalance', () => {
  it('sums the patient balance of collectible claims only, null as 0', () => {
    expect(collectibleBalance([])).toBe(0);
    expect(
      collectibleBalance([
        { collectible: true, patientBalance: 2000 },
        { collectible: false, patientBalance: 5000 },
        { collectible: true, patientBalance: null },
        { collectible: true, patientBalance: 500 },
      ]),
    ).toBe(2500);
  });

  it('refuses non-cent balances', () => {
    expect(() => collectibleBalance([{ collectible: true, patientBalance: 0.5 }])).toThrow(MoneyError);
  });

  it('is the collectible part of the whole (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            collectible: fc.boolean(),
            patientBalance: fc.option(fc.integer({ min: -1e12, max: 1e12 }), { nil: null }),
          }),
          { maxLength: 15 },
        ),
        (claims) => {
          const inverted = claims.map((c) => ({ ...c, collectible: !c.collectible }));
          const all = claims.reduce((acc, c) => acc + (c.patientBalance ?? 0), 0);
          expect(collectibleBalance(claims) + collectibleBalance(inverted)).toBe(all);
        },
      ),
    );
  });
});
