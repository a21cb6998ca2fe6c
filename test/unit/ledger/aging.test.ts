import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgingBuckets } from '../../../src/adapters/ledger/port';
import {
  AGING_BUCKET_KEYS,
  addBuckets,
  guarantorAging,
  insuranceAging,
  outOfPocketAging,
  subtractBuckets,
  sumBuckets,
  zeroBuckets,
} from '../../../src/ledger/aging';
import { MoneyError } from '../../../src/ledger/money';
import { buckets, guarantorRecord, insuranceRecord } from './fixtures';

describe('bucket arithmetic', () => {
  it('sums, adds and subtracts bucket by bucket', () => {
    expect(AGING_BUCKET_KEYS).toEqual(['current', 'days31To60', 'days61To90', 'over90']);
    expect(zeroBuckets()).toEqual(buckets(0, 0, 0, 0));
    expect(sumBuckets(buckets(1, 20, 300, 4000))).toBe(4321);
    expect(addBuckets([])).toEqual(buckets(0, 0, 0, 0));
    expect(addBuckets([buckets(1, 2, 3, 4), buckets(10, 20, 30, 40)])).toEqual(buckets(11, 22, 33, 44));
    expect(subtractBuckets(buckets(10, 20, 30, 40), buckets(1, 2, 3, 50))).toEqual(buckets(9, 18, 27, -10));
  });

  it('refuses non-cent buckets', () => {
    expect(() => sumBuckets(buckets(0.5, 0, 0, 0))).toThrow(MoneyError);
  });

  it('zeroBuckets returns a fresh object each time', () => {
    const a = zeroBuckets();
    a.current = 5;
    expect(zeroBuckets().current).toBe(0);
  });
});

describe('guarantorAging', () => {
  it('takes the buckets, sums them into total, and copies portion and estimates', () => {
    const rec = guarantorRecord({
      totalBalance: 99999, // a vendor figure: total is computed from the buckets instead
      guarantorPortion: 4000,
      insuranceEstimate: 6000,
      writeOffEstimate: 700,
      buckets: buckets(5000, 3000, 1500, 500),
    });
    expect(guarantorAging(rec)).toEqual({
      buckets: buckets(5000, 3000, 1500, 500),
      total: 10000,
      guarantorPortion: 4000,
      insuranceEstimate: 6000,
      writeOffEstimate: 700,
    });
  });

  it('keeps a null write-off estimate null (never 0)', () => {
    const aging = guarantorAging(guarantorRecord({ writeOffEstimate: null, buckets: buckets(100, 0, 0, 0) }));
    expect(aging.writeOffEstimate).toBeNull();
    expect(aging.total).toBe(100);
  });

  it('does not share the record’s bucket object', () => {
    const rec = guarantorRecord({ buckets: buckets(1, 2, 3, 4) });
    const aging = guarantorAging(rec);
    aging.buckets.current = 999;
    expect(rec.buckets.current).toBe(1);
  });
});

describe('insuranceAging', () => {
  it('uses the estimated amounts, not the billed ones, with null portion and estimates', () => {
    const aging = insuranceAging(insuranceRecord(buckets(100, 200, 300, 400), buckets(1000, 2000, 3000, 4000)));
    expect(aging).toEqual({
      buckets: buckets(100, 200, 300, 400),
      total: 1000,
      guarantorPortion: null,
      insuranceEstimate: null,
      writeOffEstimate: null,
    });
  });
});

describe('outOfPocketAging', () => {
  const guarantor = guarantorRecord({
    guarantorPortion: 4000,
    insuranceEstimate: 6000,
    writeOffEstimate: 500,
    buckets: buckets(5000, 3000, 1500, 500),
  });
  const insurance = [insuranceRecord(buckets(2000, 1000, 0, 0)), insuranceRecord(buckets(1000, 500, 500, 0))];

  it('subtracts the summed insurance estimate from each bucket and the write-off from the total', () => {
    expect(outOfPocketAging(guarantor, insurance)).toEqual({
      buckets: buckets(2000, 1500, 1000, 500),
      total: 5000 - 500,
      guarantorPortion: null,
      insuranceEstimate: null,
      writeOffEstimate: 500,
    });
  });

  it('with a null write-off estimate: total is the bucket sum (an upper bound), estimate stays null', () => {
    const aging = outOfPocketAging({ ...guarantor, writeOffEstimate: null }, insurance);
    expect(aging.total).toBe(5000);
    expect(aging.writeOffEstimate).toBeNull();
  });

  it('with a zero write-off estimate: reports 0, not null', () => {
    expect(outOfPocketAging({ ...guarantor, writeOffEstimate: 0 }, insurance).writeOffEstimate).toBe(0);
  });

  it('without insurance records: the guarantor buckets as they are', () => {
    expect(outOfPocketAging(guarantor, []).buckets).toEqual(guarantor.buckets);
  });

  it('may go negative in a bucket where insurance is estimated above the guarantor figure', () => {
    expect(outOfPocketAging(guarantor, [insuranceRecord(buckets(0, 0, 0, 800))]).buckets.over90).toBe(-300);
  });

  it('Σ buckets = total + write-off estimate (null as 0), and every bucket is exact (property)', () => {
    const cents = fc.integer({ min: -1e11, max: 1e11 });
    const bucketArb: fc.Arbitrary<AgingBuckets> = fc.record({
      current: cents,
      days31To60: cents,
      days61To90: cents,
      over90: cents,
    });
    fc.assert(
      fc.property(
        bucketArb,
        fc.option(cents, { nil: null }),
        fc.array(bucketArb, { maxLength: 5 }),
        (gBuckets, writeOffEstimate, estimated) => {
          const g = guarantorRecord({ buckets: gBuckets, writeOffEstimate });
          const aging = outOfPocketAging(
            g,
            estimated.map((e) => insuranceRecord(e)),
          );
          expect(sumBuckets(aging.buckets)).toBe(aging.total + (writeOffEstimate ?? 0));
          expect(aging.writeOffEstimate).toBe(writeOffEstimate);
          for (const key of AGING_BUCKET_KEYS) {
            expect(aging.buckets[key]).toBe(gBuckets[key] - estimated.reduce((acc, e) => acc + e[key], 0));
            expect(Number.isSafeInteger(aging.buckets[key])).toBe(true);
          }
          expect(guarantorAging(g).total).toBe(sumBuckets(gBuckets));
        },
      ),
    );
  });
});
