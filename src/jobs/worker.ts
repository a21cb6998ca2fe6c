/**
 * The worker: passes that claim due jobs up to each kind's concurrency and start them, the runs under
 * way (counted per kind, tracked by id), and the triggers of a pass — the background timer (`loop`),
 * a nudge when a slot frees up or a job is enqueued, `tick()` and `run(id)`.
 */
import { DEFAULTS, emptySummary, later, type Definition, type QueueContext, type RunOutcome } from './context';
import { definitionOf } from './definitions';
import { message } from './errors';
import { housekeeping } from './housekeeping';
import { claimById, claimDue, dueKinds, getJob } from './job-store';
import { runJob } from './run-job';
import type { JobRecord, TickSummary } from './types';
import { positiveInt } from './arguments';

/** Passes never overlap (handlers do): a pass's claims must see the previous pass's running counts. */
export function serially<T>(ctx: QueueContext, work: () => Promise<T>): Promise<T> {
  const run = ctx.passChain.then(work);
  ctx.passChain = run.catch(() => undefined);
  return run;
}

/** Claim due jobs for every kind with some due and free slots, and start them. */
async function claimAndStart(ctx: QueueContext, at: Date, summary: TickSummary, background: boolean): Promise<Promise<void>[]> {
  const launched: Promise<void>[] = [];
  const due = await dueKinds(ctx.sql, at);
  for (const def of ctx.definitions.values()) {
    if (!due.has(def.kind)) continue;
    const free = def.concurrency - (ctx.runningPerKind.get(def.kind) ?? 0);
    if (free <= 0) continue;
    const jobs = await claimDue(ctx.sql, def.kind, free, {
      now: at,
      leaseUntil: later(at, def.leaseMs),
      workerId: ctx.instanceId,
    });
    for (const job of jobs) launched.push(track(ctx, def, job, summary, background).then(() => undefined));
  }
  return launched;
}

/** Run a claimed job, counted in its kind's running slots and findable by id until it ends. */
function track(
  ctx: QueueContext,
  def: Definition,
  job: JobRecord,
  summary: TickSummary,
  background: boolean,
): Promise<RunOutcome | undefined> {
  ctx.runningPerKind.set(def.kind, (ctx.runningPerKind.get(def.kind) ?? 0) + 1);
  summary.ran++;
  const outcome = runJob(ctx, def, job, summary)
    .catch((error): undefined => {
      // The answer could not be written (database gone): the lease runs out and the job is retried.
      ctx.log.error('job outcome could not be stored; it will run again after its lease', {
        jobId: job.id,
        kind: job.kind,
        error: message(error),
      });
      return undefined;
    })
    .finally(() => {
      ctx.runningPerKind.set(def.kind, (ctx.runningPerKind.get(def.kind) ?? 1) - 1);
      ctx.runs.delete(run);
      ctx.runningById.delete(job.id);
      if (background) nudge(ctx);
    });
  const run = outcome.then(() => undefined);
  ctx.runs.add(run);
  ctx.runningById.set(job.id, outcome);
  return outcome;
}

/** One background pass soon, when a slot freed up or a job was enqueued (no waiting for the timer). */
export function nudge(ctx: QueueContext): void {
  if (!ctx.started || ctx.stopped || ctx.nudgeQueued) return;
  ctx.nudgeQueued = true;
  setImmediate(() => {
    ctx.nudgeQueued = false;
    if (!ctx.started || ctx.stopped) return;
    serially(ctx, () => claimAndStart(ctx, ctx.now(), emptySummary(), true)).catch((error) =>
      ctx.log.error('job pass failed', { error: message(error) }),
    );
  });
}

/** The background timer: a full pass every `pollIntervalMs` while started. */
export function loop(ctx: QueueContext): void {
  if (!ctx.started || ctx.stopped) return;
  ctx.timer = setTimeout(() => {
    ctx.timer = null;
    serially(ctx, async () => {
      const at = ctx.now();
      const summary = emptySummary();
      await housekeeping(ctx, at, summary);
      await claimAndStart(ctx, at, summary, true);
    })
      .catch((error) => ctx.log.error('job pass failed; the next one retries', { error: message(error) }))
      .finally(() => loop(ctx));
  }, ctx.pollIntervalMs);
  ctx.timer.unref?.();
}

/** `queue.tick`: passes at the clock's "now" until nothing more is due, each awaited to its answers. */
export async function tick(ctx: QueueContext, options: { maxPasses?: number }): Promise<TickSummary> {
  if (ctx.stopped) throw new Error('the job queue is stopped');
  const maxPasses = positiveInt(options.maxPasses, 'maxPasses', DEFAULTS.maxPasses);
  const summary = emptySummary();
  for (let pass = 0; pass < maxPasses; pass++) {
    const launched = await serially(ctx, async () => {
      const at = ctx.now();
      if (pass === 0) await housekeeping(ctx, at, summary);
      return claimAndStart(ctx, at, summary, false);
    });
    await Promise.all(launched);
    if (launched.length === 0) break;
  }
  return summary;
}

/** `queue.run`: claim one queued job by id and run it here, or await this instance's run of it. */
export async function runById(ctx: QueueContext, id: string): Promise<RunOutcome | null> {
  if (ctx.stopped) throw new Error('the job queue is stopped');
  const mine = ctx.runningById.get(id);
  if (mine) return (await mine) ?? null;
  const claimed = await serially(ctx, async () => {
    const job = await getJob(ctx.sql, id);
    if (job?.state !== 'queued') return null;
    const def = definitionOf(ctx, job.kind);
    const at = ctx.now();
    const got = await claimById(ctx.sql, id, { now: at, leaseUntil: later(at, def.leaseMs), workerId: ctx.instanceId });
    return got ? { def, job: got } : null;
  });
  if (!claimed) {
    const running = ctx.runningById.get(id);
    return running ? ((await running) ?? null) : null;
  }
  return (await track(ctx, claimed.def, claimed.job, emptySummary(), false)) ?? null;
}
