/**
 * The booking flow's facade (src/flows/booking/README.md): every COMPLETED collection and refund
 * booked to the practice's books once, as a durable job, and the books' later word about it kept.
 *
 *     const booking = createBookingFlow({ transactions, practices, bus, books, timeZoneOf });
 *     booking.defineJobs();              // before transactions.start()
 *     await booking.start();             // status listeners, catch-ups, open bookings resumed
 *     await booking.booking('smile-dental', 'LG:1042'); // { system, status, externalId, error } | null
 */
import type { AccountingEvent } from '../../adapters/accounting/port';
import type { PracticeRegistry } from '../../practices';
import { errorText } from '../../transactions/context';
import type { TransactionService } from '../../transactions/service';
import type { StatusBus, StatusSubscription } from '../../transactions/status-bus';
import { bookJob } from './book-job';
import { getBooking, type BookingRow } from './booking-store';
import { catchUpJob, catchUpOnce, enqueueOpenBookings } from './catch-up';
import {
  BOOKING_DEFAULTS,
  bookKey,
  catchUpKey,
  type BookingContext,
  type BookingFlowOptions,
  type PracticeBooks,
} from './context';
import { applyAccountingEvent, applyAccountingEvents, rereadJob, type EventResult } from './events';

export interface BookingFlowDeps extends BookingFlowOptions {
  transactions: TransactionService;
  practices: PracticeRegistry;
  /** The status bus: a COMPLETED transaction's booking job is enqueued (and run) when its change is announced. */
  bus: StatusBus;
  /** The practice's books; `null` for a practice without `accounting`. */
  books(practiceId: string): PracticeBooks | null;
  /** The practice's IANA time zone. */
  timeZoneOf(practiceId: string): string;
}

/** What `LedgerTransaction.booking` shows. */
export interface BookingView {
  system: string;
  externalId: string | null;
  status: BookingRow['status'];
  error: string | null;
}

export interface BookingFlow {
  readonly context: BookingContext;
  /** Register `booking.book`, `booking.reread` and `booking.catch-up` (before `transactions.start()`). */
  defineJobs(): void;
  /** Listen for completions, give each practice its catch-up, and jobs to bookings a crash left without. */
  start(): Promise<void>;
  /** End the status listeners (the jobs stop with the queue). */
  stop(): Promise<void>;
  /** The transaction's booking; `null` when its practice has no books or it has none (not COMPLETED, or no collection/refund). */
  booking(practiceId: string, transactionId: string): Promise<BookingView | null>;
  /** Apply one verified webhook event to a practice (`webhook-route.ts`). */
  applyEvent(practiceId: string, event: AccountingEvent): Promise<EventResult>;
  /** Apply one delivery's verified events to a practice together: their re-reads are one job, one read (`webhook-route.ts`). */
  applyEvents(practiceId: string, events: readonly AccountingEvent[]): Promise<EventResult[]>;
  /** The practices whose books are this company (QuickBooks realm): where an event is routed. */
  practicesOfCompany(companyId: string): string[];
  /** Run a practice's catch-up now (tests, operators). */
  catchUp(practiceId: string): Promise<{ enqueued: number; changed: number }>;
}

export function createBookingFlow(deps: BookingFlowDeps): BookingFlow {
  const ctx = deps.transactions.context;
  const flow: BookingContext = {
    ...BOOKING_DEFAULTS,
    ...Object.fromEntries(Object.entries(deps).filter(([key, value]) => key in BOOKING_DEFAULTS && value !== undefined)),
    ctx,
    practices: deps.practices,
    books: deps.books,
    timeZoneOf: deps.timeZoneOf,
  };
  const practiceIds = () =>
    deps.practices
      .all()
      .map((p) => p.id)
      .filter((id) => deps.books(id) !== null);
  const subscriptions: StatusSubscription[] = [];

  /** A status change announced: a COMPLETED collection/refund has a PENDING booking; give it its job and run it. */
  async function onStatus(practiceId: string, transactionId: string): Promise<void> {
    const booking = await getBooking(ctx.store.sql, transactionId);
    if (booking?.status !== 'PENDING' || booking.practiceId !== practiceId) return;
    const { job, created } = await ctx.jobs.enqueue(
      'booking.book',
      { practiceId, transactionId },
      { singletonKey: bookKey(transactionId) },
    );
    if (created) await ctx.inFlight.track(() => ctx.jobs.run(job.id));
  }

  async function listen(practiceId: string, subscription: StatusSubscription): Promise<void> {
    for await (const event of subscription) {
      await onStatus(practiceId, event.transactionId).catch((error: unknown) =>
        // The catch-up gives the booking its job later; nothing is lost.
        ctx.log.warn('booking enqueue failed', { practiceId, transactionId: event.transactionId, error: errorText(error) }),
      );
    }
  }

  return {
    context: flow,
    defineJobs() {
      ctx.jobs.define('booking.book', ({ job }) => bookJob(flow, job.payload.transactionId), { maxAttempts: 10, concurrency: 2 });
      ctx.jobs.define('booking.reread', ({ job }) => rereadJob(flow, job.payload.practiceId, job.runs), {
        maxAttempts: 10,
        concurrency: 2,
      });
      ctx.jobs.define('booking.catch-up', ({ job }) => catchUpJob(flow, job.payload.practiceId), { maxAttempts: 10 });
    },
    async start() {
      for (const practiceId of practiceIds()) {
        const subscription = deps.bus.subscribe({ practiceId });
        subscriptions.push(subscription);
        void listen(practiceId, subscription);
        await ctx.jobs.enqueue(
          'booking.catch-up',
          { practiceId },
          { singletonKey: catchUpKey(practiceId), runAt: ctx.later(flow.catchUpIntervalMs) },
        );
        await enqueueOpenBookings(flow, practiceId);
      }
    },
    async stop() {
      await Promise.all(subscriptions.splice(0).map((s) => s.return()));
    },
    async booking(practiceId, transactionId) {
      const books = deps.books(practiceId);
      if (!books) return null;
      const row = await getBooking(ctx.store.sql, transactionId);
      if (!row || row.practiceId !== practiceId) return null;
      return { system: row.system ?? books.adapter.system, externalId: row.externalId, status: row.status, error: row.error };
    },
    applyEvent: (practiceId, event) => applyAccountingEvent(flow, practiceId, event),
    applyEvents: (practiceId, events) => applyAccountingEvents(flow, practiceId, events),
    practicesOfCompany: (companyId) => practiceIds().filter((id) => deps.books(id)?.adapter.companyId === companyId),
    catchUp: (practiceId) => catchUpOnce(flow, practiceId),
  };
}
