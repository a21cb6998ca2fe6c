/**
 * The practice's A/R by aging bucket: the sum over the location's guarantor A/R records, folded one
 * page at a time so the records never need to be in memory together.
 *
 *     const sum = new AgingSummary({ writeOffEstimates: true });
 *     for await (const page of pages) sum.add(page.items);
 *     sum.result(); // { buckets, total: Σ buckets, guarantorPortion, insuranceEstimate, writeOffEstimate }
 *
 * Every figure is an exact sum of integer cents; `total` is the sum of the summed buckets (never a
 * vendor total). Where the system has no write-off estimates the sum's `writeOffEstimate` is `null`,
 * like a single guarantor's (src/ledger/README.md, "Guarantor aging").
 */
import { addBuckets, sumBuckets, type Aging } from '../aging';
import { sumCents } from '../money';
import type { GuarantorBalanceRecord } from '../records';

export class AgingSummary {
  private aging: Aging;
  private count = 0;

  constructor(private readonly options: { writeOffEstimates: boolean }) {
    this.aging = AgingSummary.zero(options.writeOffEstimates);
  }

  private static zero(writeOffEstimates: boolean): Aging {
    return {
      buckets: addBuckets([]),
      total: 0,
      guarantorPortion: 0,
      insuranceEstimate: 0,
      writeOffEstimate: writeOffEstimates ? 0 : null,
    };
  }

  /** Fold in some records (a page). */
  add(records: Iterable<GuarantorBalanceRecord>): void {
    const list = [...records];
    if (list.length === 0) return;
    const a = this.aging;
    const buckets = addBuckets([a.buckets, ...list.map((r) => r.buckets)]);
    this.aging = {
      buckets,
      total: sumBuckets(buckets),
      guarantorPortion: sumCents([a.guarantorPortion ?? 0, ...list.map((r) => r.guarantorPortion)]),
      insuranceEstimate: sumCents([a.insuranceEstimate ?? 0, ...list.map((r) => r.insuranceEstimate)]),
      writeOffEstimate:
        a.writeOffEstimate === null || !this.options.writeOffEstimates
          ? null
          : // A record without an estimate (null) on a system that has them: the sum is unknown, not smaller.
            list.some((r) => r.writeOffEstimate === null)
            ? null
            : sumCents([a.writeOffEstimate, ...list.map((r) => r.writeOffEstimate as number)]),
    };
    this.count += list.length;
  }

  /** The guarantor records folded in so far. */
  get records(): number {
    return this.count;
  }

  result(): Aging {
    return { ...this.aging, buckets: { ...this.aging.buckets } };
  }
}
