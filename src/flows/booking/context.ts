/**
 * What every part of the booking flow shares: the write path's context (store, ledger adapters,
 * clock, log, jobs), each practice's books (its accounting adapter and the config keys a booking
 * needs), the practices' time zones and the flow's own tuning. Plain functions take it first, as
 * the collection flow's parts take theirs.
 */
import type { AccountingAdapter } from '../../adapters/accounting/port';
import type { PracticeRegistry } from '../../practices';
import type { WritePathContext } from '../../transactions/context';

/** A practice's books: its accounting adapter and the config keys of `accounting` a booking uses. */
export interface PracticeBooks {
  adapter: AccountingAdapter;
  /** `accounting.depositAccountId`: where collections go and refunds leave from. */
  depositAccountId: string;
  /** `accounting.itemId`: the "Patient payment" item of each entry's one line. */
  itemId: string;
  /** `accounting.paymentMethodId`; `null`: no payment method sent. */
  paymentMethodId: string | null;
}

export interface BookingFlowOptions {
  /** How long after a refusal by the books (6190 realm inactive, …) a FAILED booking is tried again. Default 3 600 000 (hourly). */
  retryEveryMs?: number;
  /** How long a booking keeps being retried after its transaction COMPLETED. Default 604 800 000 (7 days). */
  retryForMs?: number;
  /**
   * Waits after the books could not be asked (5xx, timeout, 429): the n-th failure waits the n-th,
   * the last repeating. Default [60 000, 300 000, 900 000, 3 600 000].
   */
  unavailableDelaysMs?: readonly number[];
  /**
   * How often each practice's catch-up runs (`catch-up.ts`): bookings left without a job, then the
   * books' change data capture. Default 300 000 (5 min); the first run is one interval after start.
   */
  catchUpIntervalMs?: number;
  /** How far back the first change-data-capture read of a practice goes. Default 86 400 000 (24 h). */
  catchUpLookbackMs?: number;
  /** How long applied webhook event ids are kept against redeliveries. Default 604 800 000 (7 days). */
  eventRetentionMs?: number;
}

export const BOOKING_DEFAULTS = {
  retryEveryMs: 3_600_000,
  retryForMs: 7 * 86_400_000,
  unavailableDelaysMs: [60_000, 300_000, 900_000, 3_600_000],
  catchUpIntervalMs: 300_000,
  catchUpLookbackMs: 86_400_000,
  eventRetentionMs: 7 * 86_400_000,
} as const satisfies Required<BookingFlowOptions>;

export interface BookingContext extends Readonly<Required<BookingFlowOptions>> {
  readonly ctx: WritePathContext;
  readonly practices: PracticeRegistry;
  /** The practice's books; `null` when it has no `accounting` (nothing is booked, `booking` is null). */
  books(practiceId: string): PracticeBooks | null;
  /** The practice's IANA time zone (a refund's entry date is its date there). */
  timeZoneOf(practiceId: string): string;
}

/** The attempt-th wait after the books could not be asked. */
export function unavailableDelay(flow: BookingContext, attempt: number): number {
  const delays = flow.unavailableDelaysMs;
  return delays[Math.min(Math.max(attempt - 1, 0), delays.length - 1)] ?? 60_000;
}

export const bookKey = (transactionId: string) => `booking:${transactionId}`;
export const catchUpKey = (practiceId: string) => `booking-catch-up:${practiceId}`;
