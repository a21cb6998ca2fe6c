/**
 * The `collection.catch-up` job: one per practice with a processor (singleton key
 * `catch-up:<practiceId>`), every `catchUpIntervalMs`. It reads the processor's change list
 * (`listChanges`: Stripe's events, Square's payments) since the practice's stored cursor and applies
 * each change exactly as a webhook would (`applyProcessorEvent`): deduplicated by event id, a paid
 * checkout marked once by its payment id, so webhooks lost during an outage still lead to one
 * posting, and a webhook arriving late after the catch-up changes nothing.
 *
 * The cursor (`processor_cursors`, migration 5) is the newest change seen, in the processor's own
 * clock, and the next read starts `CURSOR_OVERLAP_MS` before it: changes listed twice are
 * deduplicated, changes stamped out of order are not skipped. It moves only after every change read
 * was applied, so a run that fails half-way reads the same changes again.
 */
import type { JobOutcome } from '../../jobs/types';
import { errorText } from '../../transactions/context';
import type { SqlExecutor } from '../../transactions/sql-client';
import { toIso } from '../../transactions/row-values';
import { deferUntil } from '../../transactions/write-path-jobs';
import { CircuitOpenError } from '../../resilience';
import { retryDelay, type CollectionContext } from './context';
import { applyProcessorEvent } from './signals';

/** How far before the cursor each read starts (changes stamped out of order are not skipped). */
const CURSOR_OVERLAP_MS = 5 * 60_000;
/** Pages one run reads at most; the next run continues from the cursor. */
const MAX_PAGES = 50;

export const catchUpKey = (practiceId: string) => `catch-up:${practiceId}`;

async function readCursor(sql: SqlExecutor, practiceId: string): Promise<string | null> {
  const { rows } = await sql.query<{ since: unknown }>('SELECT since FROM processor_cursors WHERE practice_id = $1', [
    practiceId,
  ]);
  return rows[0] ? toIso(rows[0].since) : null;
}

async function saveCursor(sql: SqlExecutor, practiceId: string, since: string, now: Date): Promise<void> {
  await sql.query(
    `INSERT INTO processor_cursors (practice_id, since, updated_at) VALUES ($1, $2::timestamptz, $3::timestamptz)
     ON CONFLICT (practice_id) DO UPDATE SET since = GREATEST(processor_cursors.since, EXCLUDED.since), updated_at = EXCLUDED.updated_at`,
    [practiceId, since, now.toISOString()],
  );
}

/** One catch-up of `practiceId`: read and apply what changed since its cursor. How many changes were applied. */
export async function catchUpOnce(flow: CollectionContext, practiceId: string): Promise<number> {
  const { ctx } = flow;
  const processor = flow.practices.get(practiceId)?.processor;
  if (!processor) return 0;
  const stored = await readCursor(ctx.store.sql, practiceId);
  const since = stored ?? new Date(ctx.now().getTime() - flow.catchUpLookbackMs).toISOString();
  const from = new Date(Date.parse(since) - CURSOR_OVERLAP_MS).toISOString();
  let newest = since;
  let after: string | null = null;
  let applied = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const changes = await processor.adapter.listChanges({ since: from, after });
    for (const change of changes.items) {
      if ((await applyProcessorEvent(flow, practiceId, change)) === 'applied') applied++;
      if (Date.parse(change.occurredAt) > Date.parse(newest)) newest = change.occurredAt;
    }
    if (!changes.hasNextPage || !changes.endCursor) break;
    after = changes.endCursor;
  }
  await saveCursor(ctx.store.sql, practiceId, newest, ctx.now());
  if (applied > 0) ctx.log.info('processor catch-up applied missed changes', { practiceId, applied });
  return applied;
}

export async function catchUpJob(flow: CollectionContext, practiceId: string): Promise<JobOutcome> {
  const { ctx } = flow;
  if (!flow.practices.get(practiceId)?.processor) return 'done';
  try {
    await catchUpOnce(flow, practiceId);
  } catch (error) {
    if (error instanceof CircuitOpenError) return deferUntil(ctx, ctx.later(error.retryInMs), 'catch-up: circuit open');
    // A recurring job never runs out of attempts: a failure waits a little and reads again.
    return deferUntil(ctx, ctx.later(retryDelay(flow, 2)), `catch-up failed: ${errorText(error)}`);
  }
  return deferUntil(ctx, ctx.later(flow.catchUpIntervalMs), 'the next catch-up');
}
