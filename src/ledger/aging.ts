/**
 * Aging balances: amounts owed in the four buckets 0–30, 31–60, 61–90 and over 90 days.
 *
 *     outOfPocketAging(guarantorRecord, insuranceRecords)
 *     // each bucket = guarantor bucket − Σ insurance estimated bucket;
 *     // total = Σ buckets − write-off estimate (null counts as 0, and stays null on the result)
 *
 * `total` is always computed from the buckets, never copied from a vendor figure. A write-off
 * estimate the system does not report is `null`, never `0`. The rules: README.md here, "Guarantor
 * aging", "Insurance aging" and "Out-of-pocket aging".
 */
import type { AgingBuckets, Cents, GuarantorBalanceRecord, InsuranceBalanceRecord } from './records';
import { subtractCents, sumCents } from './money';

/** An aging balance as the API reports it. */
export interface Aging {
  buckets: AgingBuckets;
  /** Σ buckets (minus the write-off estimate for out-of-pocket aging). */
  total: Cents;
  /** The guarantor's share; `null` on insurance and out-of-pocket aging. */
  guarantorPortion: Cents | null;
  /** Insurance's estimated share; `null` on insurance and out-of-pocket aging. */
  insuranceEstimate: Cents | null;
  /** `null` where the system has no write-off estimates (then an out-of-pocket total is an upper bound). */
  writeOffEstimate: Cents | null;
}

/** The bucket names, oldest last. */
export const AGING_BUCKET_KEYS = ['current', 'days31To60', 'days61To90', 'over90'] as const satisfies ReadonlyArray<
  keyof AgingBuckets
>;

/** Four empty buckets. */
export function zeroBuckets(): AgingBuckets {
  return { current: 0, days31To60: 0, days61To90: 0, over90: 0 };
}

/** Exact sum of the four buckets. */
export function sumBuckets(buckets: AgingBuckets): Cents {
  return sumCents(AGING_BUCKET_KEYS.map((key) => buckets[key]));
}

/** Bucket-by-bucket sum of several bucket sets (four zeros for none). */
export function addBuckets(sets: readonly AgingBuckets[]): AgingBuckets {
  const result = zeroBuckets();
  for (const key of AGING_BUCKET_KEYS) result[key] = sumCents(sets.map((set) => set[key]));
  return result;
}

/** Bucket-by-bucket difference `a − b`. */
export function subtractBuckets(a: AgingBuckets, b: AgingBuckets): AgingBuckets {
  const result = zeroBuckets();
  for (const key of AGING_BUCKET_KEYS) result[key] = subtractCents(a[key], b[key]);
  return result;
}

/** The guarantor's aging: her record's buckets, their sum, and her record's portion and estimates. */
export function guarantorAging(rec: GuarantorBalanceRecord): Aging {
  const buckets = addBuckets([rec.buckets]);
  return {
    buckets,
    total: sumBuckets(buckets),
    guarantorPortion: rec.guarantorPortion,
    insuranceEstimate: rec.insuranceEstimate,
    writeOffEstimate: rec.writeOffEstimate,
  };
}

/** One insurance A/R record's aging: its estimated amounts; portion and estimates are `null`. */
export function insuranceAging(rec: InsuranceBalanceRecord): Aging {
  const buckets = addBuckets([rec.estimated]);
  return {
    buckets,
    total: sumBuckets(buckets),
    guarantorPortion: null,
    insuranceEstimate: null,
    writeOffEstimate: null,
  };
}

/**
 * What the guarantor's family will pay themselves: each bucket is the guarantor's bucket minus the
 * insurance estimated bucket summed over `insurance`; the total is the sum of those buckets minus the
 * write-off estimate (a single figure, not spread over buckets). A `null` write-off estimate counts as
 * 0 in the total and stays `null` on the result, so a reader knows the total is an upper bound.
 * Invariant: `sumBuckets(buckets) = total + (writeOffEstimate ?? 0)`.
 */
export function outOfPocketAging(guarantor: GuarantorBalanceRecord, insurance: readonly InsuranceBalanceRecord[]): Aging {
  const buckets = subtractBuckets(guarantor.buckets, addBuckets(insurance.map((rec) => rec.estimated)));
  return {
    buckets,
    total: subtractCents(sumBuckets(buckets), guarantor.writeOffEstimate ?? 0),
    guarantorPortion: null,
    insuranceEstimate: null,
    writeOffEstimate: guarantor.writeOffEstimate,
  };
}
