/**
 * The start of each pass, for every kind: release expired leases (a dead worker's jobs go back to
 * `queued`, or `failed` on their last attempt), fire due schedules, and prune final jobs now and then.
 */
import { DEFAULTS, type QueueContext } from './context';
import { pruneJobs, releaseExpired } from './job-store';
import { fireDue } from './schedules';
import type { TickSummary } from './types';

/** Release expired leases, fire due schedules, prune now and then. */
export async function housekeeping(ctx: QueueContext, at: Date, summary: TickSummary): Promise<void> {
  const released = await releaseExpired(ctx.sql, at, DEFAULTS.releaseBatch);
  for (const job of released) {
    summary.expired++;
    ctx.log.warn('job lease ran out; released', { jobId: job.id, kind: job.kind, state: job.state, attempts: job.attempts });
  }
  for (const schedule of ctx.schedules.values()) {
    const result = await fireDue(ctx.sql, schedule, at);
    if (result === 'enqueued') summary.scheduled++;
    if (result === 'enqueued' || result === 'coalesced') ctx.log.info(`schedule tick ${result}`, { schedule: schedule.name });
  }
  if (at.getTime() - ctx.lastPrune >= DEFAULTS.pruneEveryMs) {
    ctx.lastPrune = at.getTime();
    const pruned = await pruneJobs(ctx.sql, new Date(at.getTime() - ctx.retentionMs), DEFAULTS.pruneBatch);
    if (pruned > 0) ctx.log.info('pruned finished jobs', { pruned });
  }
}
