/**
 * The `booking.catch-up` job: one per practice with books (singleton key
 * `booking-catch-up:<practiceId>`), every `catchUpIntervalMs`. Two things a webhook or a status
 * event may have missed:
 *
 * 1. bookings still PENDING or FAILED within the retry window whose job a crash lost (between the
 *    completion's commit and the status listener's enqueue) get one (a live one is left as it is);
 * 2. the books' change data capture (`changesSince`, where the books have it) from the practice's
 *    cursor (`accounting_cursors`): entries the gateway booked that changed or went away since are
 *    stored as the books hold them (an accountant's edit or void missed by webhook). Practices
 *    sharing one company (QuickBooks realm) share its read: one request per round, not one each
 *    (`readChanges`).
 *
 * The cursor is the books' own `asOf` of the last read, and the next read starts
 * `CURSOR_OVERLAP_MS` before it (a change stamped late is not skipped; reading one twice is
 * harmless). It moves only after every change read was stored. The first read of a practice goes
 * `catchUpLookbackMs` back, and never further than the books allow (`changeDataCaptureDays`).
 */
import type { JobOutcome } from '../../jobs/types';
import { CircuitOpenError } from '../../resilience';
import { errorText } from '../../transactions/context';
import { deferUntil } from '../../transactions/write-path-jobs';
import { pruneEvents, readCursors, saveCursors } from './accounting-store';
import { openBookings } from './booking-store';
import { bookKey, type BookingContext } from './context';
import { applyChangedEntries } from './events';

/** How far before the cursor each read starts. */
const CURSOR_OVERLAP_MS = 5 * 60_000;

/**
 * After how many catch-up intervals without its cursor moving a practice that is not its company's
 * first reads the company's changes itself (the first one's reads are failing).
 */
const STALE_ROUNDS = 2;

/** Give every open booking of the practice within the retry window a live `booking.book` job. How many were made. */
export async function enqueueOpenBookings(flow: BookingContext, practiceId: string): Promise<number> {
  const { ctx } = flow;
  const since = new Date(ctx.now().getTime() - flow.retryForMs);
  let made = 0;
  for (const booking of await openBookings(ctx.store.sql, practiceId, since)) {
    const { created } = await ctx.jobs.enqueue(
      'booking.book',
      { practiceId, transactionId: booking.transactionId },
      { singletonKey: bookKey(booking.transactionId) },
    );
    if (created) made++;
  }
  return made;
}

/**
 * The practices whose books are the same company (and system) as this practice's and take change
 * data capture, in the registry's order: one read of the company's changes serves them all.
 */
export function companyPractices(flow: BookingContext, practiceId: string): string[] {
  const own = flow.books(practiceId)?.adapter;
  if (!own) return [];
  return flow.practices
    .all()
    .map((p) => p.id)
    .filter((id) => {
      const adapter = flow.books(id)?.adapter;
      return (
        adapter?.system === own.system &&
        adapter.companyId === own.companyId &&
        adapter.capabilities.changeDataCapture &&
        adapter.changesSince !== undefined
      );
    });
}

/**
 * Read the books' changes once for the practice's company and store those of entries the gateway
 * booked, for every practice booked into it (several practices may share one QuickBooks company).
 *
 * The company's first practice (registry order) reads for all at each of its catch-ups; the others
 * read only when their cursor has not moved for `STALE_ROUNDS` intervals (never read, or the first
 * practice's reads keep failing, e.g. its own connection was revoked). A read starts at the earliest
 * of the covered practices' starting points, so each one's cursor stays correct when all move to the
 * read's `asOf`. How many bookings were stored.
 */
export async function readChanges(flow: BookingContext, practiceId: string): Promise<number> {
  const { ctx } = flow;
  const books = flow.books(practiceId);
  if (!books?.adapter.capabilities.changeDataCapture || !books.adapter.changesSince) return 0;
  const company = companyPractices(flow, practiceId);
  const now = ctx.now().getTime();
  const cursors = await readCursors(ctx.store.sql, company);
  const own = cursors.get(practiceId);
  const stale = !own || now - Date.parse(own.updatedAt) >= STALE_ROUNDS * flow.catchUpIntervalMs;
  if (company[0] !== practiceId && !stale) return 0;
  const maxBackMs = (books.adapter.capabilities.changeDataCaptureDays ?? 30) * 86_400_000 - 60_000;
  const wanted = Math.min(
    ...company.map((id) => {
      const stored = cursors.get(id);
      return stored ? Date.parse(stored.since) - CURSOR_OVERLAP_MS : now - flow.catchUpLookbackMs;
    }),
  );
  const since = new Date(Math.max(wanted, now - maxBackMs)).toISOString();
  const changes = await books.adapter.changesSince(since);
  let applied = 0;
  for (const id of company) applied += await applyChangedEntries(flow, id, changes.entries, changes.deleted, new Date(now));
  await saveCursors(ctx.store.sql, company, changes.asOf, ctx.now());
  if (applied > 0)
    ctx.log.info('books change data capture stored changed entries', { practiceId, practices: company.length, applied });
  return applied;
}

/** One catch-up: open bookings first (they need no upstream call), then the change data capture. */
export async function catchUpOnce(flow: BookingContext, practiceId: string): Promise<{ enqueued: number; changed: number }> {
  const enqueued = await enqueueOpenBookings(flow, practiceId);
  const changed = await readChanges(flow, practiceId);
  await pruneEvents(flow.ctx.store.sql, new Date(flow.ctx.now().getTime() - flow.eventRetentionMs));
  return { enqueued, changed };
}

export async function catchUpJob(flow: BookingContext, practiceId: string): Promise<JobOutcome> {
  const { ctx } = flow;
  if (!flow.books(practiceId)) return 'done';
  try {
    await catchUpOnce(flow, practiceId);
  } catch (error) {
    if (error instanceof CircuitOpenError) return deferUntil(ctx, ctx.later(error.retryInMs), 'booking catch-up: circuit open');
    // A recurring job never runs out of attempts: a failure waits one interval and reads again.
    return deferUntil(ctx, ctx.later(flow.catchUpIntervalMs), `booking catch-up failed: ${errorText(error)}`);
  }
  return deferUntil(ctx, ctx.later(flow.catchUpIntervalMs), 'the next booking catch-up');
}
