/**
 * One run of a claimed job: the handler runs under a heartbeat (lease renewal) and a timeout, then
 * its answer is checked and stored (`outcome.ts`). A run whose lease was lost stores nothing.
 */
import { later, type Definition, type QueueContext, type RunOutcome } from './context';
import { errorText, JobLeaseLostError, JobTimeoutError, message } from './errors';
import { renewLease } from './job-store';
import { checkOutcome, storeOutcome } from './outcome';
import type { JobRecord, TickSummary } from './types';

/** How the handler ended: it answered, it threw, or the run lost its lease meanwhile. */
interface HandlerEnd {
  lost: boolean;
  threw: boolean;
  thrown?: unknown;
  outcome?: unknown;
}

/** Renew the lease every `heartbeatMs`; abort `control` with JobLeaseLostError if it is gone. */
function startHeartbeat(ctx: QueueContext, def: Definition, job: JobRecord, control: AbortController, onLost: () => void) {
  if (def.heartbeatMs <= 0) return null;
  const heartbeat = setInterval(() => {
    renewLease(ctx.sql, job, later(ctx.now(), def.leaseMs)).then(
      (owned) => {
        if (owned || control.signal.aborted) return;
        onLost();
        control.abort(new JobLeaseLostError(`job ${job.id} (${job.kind}) lost its lease; another worker may run it`));
      },
      (error) => ctx.log.warn('job lease renewal failed; will try again', { jobId: job.id, error: message(error) }),
    );
  }, def.heartbeatMs);
  heartbeat.unref?.();
  return heartbeat;
}

/** Run the handler until it answers, throws, times out or loses its lease. */
async function runHandler(ctx: QueueContext, def: Definition, job: JobRecord): Promise<HandlerEnd> {
  // `control` ends the run from our side (timeout, lost lease): we stop waiting for the handler.
  // `shutdown` only tells the handler; its answer is still stored if it comes.
  const control = new AbortController();
  const signal = AbortSignal.any([control.signal, ctx.shutdown.signal]);
  let lost = false;
  const heartbeat = startHeartbeat(ctx, def, job, control, () => {
    lost = true;
  });
  const timeout = setTimeout(
    () => control.abort(new JobTimeoutError(`the ${job.kind} handler ran longer than ${def.timeoutMs} ms`)),
    def.timeoutMs,
  );
  timeout.unref?.();
  const ended = new Promise<never>((_, reject) => {
    control.signal.addEventListener('abort', () => reject(control.signal.reason), { once: true });
  });
  ended.catch(() => undefined);

  try {
    const outcome = await Promise.race([
      def.handler({
        job,
        signal,
        defer: (until, reason) => ({ retryAt: until, spendAttempt: false, ...(reason === undefined ? {} : { reason }) }),
      }),
      ended,
    ]);
    return { lost, threw: false, outcome };
  } catch (error) {
    return { lost, threw: true, thrown: error };
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    clearTimeout(timeout);
  }
}

/** Run a claimed job and store its answer; counts the result in `summary`. */
export async function runJob(ctx: QueueContext, def: Definition, job: JobRecord, summary: TickSummary): Promise<RunOutcome> {
  const end = await runHandler(ctx, def, job);
  const withError = end.threw ? { error: end.thrown } : {};
  if (end.lost) {
    summary.lost++;
    ctx.log.warn('job result discarded: the lease was lost while it ran', { jobId: job.id, kind: job.kind });
    return { result: 'lost', ...withError };
  }

  const at = ctx.now();
  const checked = end.threw ? { problem: errorText(end.thrown) } : checkOutcome(job.kind, end.outcome);
  const { owned, result } = await storeOutcome(ctx, def, job, checked, at);
  if (!owned) {
    summary.lost++;
    ctx.log.warn('job result discarded: another worker took the job over (lease ran out)', { jobId: job.id, kind: job.kind });
    return { result: 'lost', ...withError };
  }
  summary[result]++;
  return { result, ...withError };
}
