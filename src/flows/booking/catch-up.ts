/**
 * The `booking.catch-up` job: one per practice with books (singleton key
 * `booking-catch-up:<practiceId>`), every `catchUpIntervalMs`. Two things a webhook or a status
 * event may have missed:
 *
 * 1. bookings still PENDING or FAILED within the retry window whose job a crash lost (between the
 *    completion's commit and the status listener's enqueue) get one (a live one is left as it is);
 * 2. the books' change data capture (`changesSince`, where the books have it) from the practice's
 *    cursor (`accounting_cursors`): entries the gateway booked that changed or went away since are
 *    stored as the books hold them (an accountant's edit or void missed by webhook).
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
import { pruneEvents, readCursor, saveCursor } from './accounting-store';
import { openBookings } from './booking-store';
import { bookKey, type BookingContext } from './context';
import { applyChangedEntries } from './events';

/** How far before the cursor each read starts. */
const CURSOR_OVERLAP_MS = 5 * 60_000;

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

/** Read the books' changes since the practice's cursor and store those of entries the gateway booked. */
export async function readChanges(flow: BookingContext, practiceId: string): Promise<number> {
  const { ctx } = flow;
  const books = flow.books(practiceId);
  if (!books?.adapter.capabilities.changeDataCapture || !books.adapter.changesSince) return 0;
  const now = ctx.now().getTime();
  const stored = await readCursor(ctx.store.sql, practiceId);
  const maxBackMs = (books.adapter.capabilities.changeDataCaptureDays ?? 30) * 86_400_000 - 60_000;
  const wanted = stored ? Date.parse(stored) - CURSOR_OVERLAP_MS : now - flow.catchUpLookbackMs;
  const since = new Date(Math.max(wanted, now - maxBackMs)).toISOString();
  const changes = await books.adapter.changesSince(since);
  const applied = await applyChangedEntries(flow, practiceId, changes.entries, changes.deleted);
  await saveCursor(ctx.store.sql, practiceId, changes.asOf, ctx.now());
  if (applied > 0) ctx.log.info('books change data capture stored changed entries', { practiceId, applied });
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
