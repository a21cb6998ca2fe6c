/**
 * What the practice collected over a period: the location's payments whose day (their `paidAt` in
 * the practice's time zone) falls in `[from, to]`, grouped by day, payment type or processor. A
 * group's `total` is what was collected, positive: the negated sum of its payments' signed amounts
 * (a refund, positive on the ledger, lowers it). Exact cents; groups in key order.
 *
 *     const c = new Collections({ period, groupBy: 'PAYMENT_TYPE', timeZone: 'America/New_York', processorOf });
 *     for await (const page of pages) c.add(page.items);
 *     c.result(); // [{ key: '501', total: 12_500, count: 3 }, …]
 */
import { negateCents, sumCents } from '../money';
import type { Cents, PaymentRecord } from '../records';
import type { Period } from './report-input';

export type CollectionGrouping = 'DAY' | 'PAYMENT_TYPE' | 'PROCESSOR';

export interface CollectionTotal {
  /** The day (`YYYY-MM-DD`), the payment type's source id, or the processor's name; `NONE` where the row says nothing. */
  key: string;
  total: Cents;
  count: number;
}

/** The key of payments without a payment type, or collected by no processor. */
export const NO_KEY = 'NONE';

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of an ISO date-time in `timeZone` (`en-CA` formats as YYYY-MM-DD); `null` when unreadable. */
export function dayOf(paidAt: string | null, timeZone: string): string | null {
  if (!paidAt) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(paidAt)) return paidAt;
  const at = new Date(paidAt);
  if (Number.isNaN(at.getTime())) return null;
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  return format.format(at);
}

export function inPeriod(payment: PaymentRecord, period: Period, timeZone: string): boolean {
  const day = dayOf(payment.paidAt, timeZone);
  return day !== null && day >= period.from && day <= period.to;
}

export interface CollectionsOptions {
  period: Period;
  groupBy: CollectionGrouping;
  /** The practice's IANA time zone: a payment's day is its local day. */
  timeZone: string;
  /**
   * The processor a payment was collected through, by its payment type (the practice's processor
   * posts under its configured payment type), or `null`.
   */
  processorOf: (payment: PaymentRecord) => string | null;
}

export class Collections {
  private readonly groups = new Map<string, { amounts: Cents; count: number }>();

  constructor(private readonly options: CollectionsOptions) {}

  private keyOf(payment: PaymentRecord, day: string): string {
    if (this.options.groupBy === 'DAY') return day;
    if (this.options.groupBy === 'PAYMENT_TYPE') return payment.paymentTypeSourceId ?? NO_KEY;
    return this.options.processorOf(payment) ?? NO_KEY;
  }

  add(payments: Iterable<PaymentRecord>): void {
    const { period, timeZone } = this.options;
    for (const payment of payments) {
      const day = dayOf(payment.paidAt, timeZone);
      if (day === null || day < period.from || day > period.to) continue;
      const key = this.keyOf(payment, day);
      const group = this.groups.get(key) ?? { amounts: 0, count: 0 };
      group.amounts = sumCents([group.amounts, payment.amount]);
      group.count++;
      this.groups.set(key, group);
    }
  }

  result(): CollectionTotal[] {
    return [...this.groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, g]) => ({ key, total: negateCents(g.amounts), count: g.count }));
  }
}
