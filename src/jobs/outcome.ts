/**
 * A handler's answer: checked (`checkOutcome`), then written (`storeOutcome`) as done, a retry with
 * backoff, a deferral (the attempt given back) or a failure. Every write is fenced by the run: it
 * reports `owned: false` when another worker has taken the job over.
 */
import { describeValue } from './arguments';
import { retryDelayMs } from './backoff';
import { later, type Definition, type QueueContext } from './context';
import { finishDone, finishFailed, finishRequeue } from './job-store';
import type { JobOutcome, JobRecord } from './types';

export type CheckedOutcome = { ok: JobOutcome } | { problem: string };

/** How a stored answer ended the run (`lost` is decided by the caller when `owned` is false). */
export type StoredResult = 'done' | 'retried' | 'deferred' | 'failed';

/** A valid outcome, or a sentence saying what was expected and what arrived. */
export function checkOutcome(kind: string, outcome: unknown): CheckedOutcome {
  if (outcome === 'done') return { ok: outcome };
  if (outcome && typeof outcome === 'object') {
    if ('fail' in outcome) {
      const reason = (outcome as { fail: unknown }).fail;
      if (typeof reason === 'string' && reason.length > 0) return { ok: { fail: reason } };
      return { problem: `the ${kind} handler returned { fail: ${describeValue(reason)} }; expected a non-empty reason` };
    }
    if ('retryAt' in outcome) {
      const { retryAt, spendAttempt, reason } = outcome as { retryAt: unknown; spendAttempt?: unknown; reason?: unknown };
      if (!(retryAt instanceof Date) || Number.isNaN(retryAt.getTime())) {
        return { problem: `the ${kind} handler returned { retryAt: ${describeValue(retryAt)} }; expected a valid Date` };
      }
      if (spendAttempt !== undefined && typeof spendAttempt !== 'boolean') {
        return { problem: `the ${kind} handler returned spendAttempt ${describeValue(spendAttempt)}; expected true or false` };
      }
      if (reason !== undefined && typeof reason !== 'string') {
        return { problem: `the ${kind} handler returned reason ${describeValue(reason)}; expected a string` };
      }
      return {
        ok: { retryAt, ...(spendAttempt === undefined ? {} : { spendAttempt }), ...(reason === undefined ? {} : { reason }) },
      };
    }
  }
  return {
    problem: `the ${kind} handler returned ${describeValue(outcome)}; expected 'done', { retryAt: Date, spendAttempt?, reason? } or { fail: string }`,
  };
}

/** A thrown error or malformed answer: retry after the kind's backoff, or fail on the last attempt. */
async function storeFailedAttempt(
  ctx: QueueContext,
  def: Definition,
  job: JobRecord,
  text: string,
  at: Date,
): Promise<{ owned: boolean; result: StoredResult }> {
  let owned: boolean;
  let result: StoredResult;
  if (job.attempts >= job.maxAttempts) {
    owned = await finishFailed(ctx.sql, job, { now: at, reason: text });
    result = 'failed';
  } else {
    const wait = retryDelayMs(def.backoff, job.attempts, ctx.random);
    owned = await finishRequeue(ctx.sql, job, { now: at, runAt: later(at, wait), refundAttempt: false, note: text });
    result = 'retried';
  }
  if (owned) {
    ctx.log.warn(`job attempt failed; ${result === 'failed' ? 'no attempt left' : 'will retry'}`, {
      jobId: job.id,
      kind: job.kind,
      attempt: job.attempts,
      maxAttempts: job.maxAttempts,
      error: text,
    });
  }
  return { owned, result };
}

/** `{ retryAt }`: queued again at that time, spending the attempt (a retry) or giving it back (a deferral). */
async function storeRetry(
  ctx: QueueContext,
  job: JobRecord,
  answer: { retryAt: Date; spendAttempt?: boolean; reason?: string },
  at: Date,
): Promise<{ owned: boolean; result: StoredResult }> {
  const { retryAt, spendAttempt = true, reason } = answer;
  if (spendAttempt && job.attempts >= job.maxAttempts) {
    const why = `asked to retry at ${retryAt.toISOString()} after the last attempt (${job.attempts} of ${job.maxAttempts})`;
    const owned = await finishFailed(ctx.sql, job, { now: at, reason: reason ? `${reason} (${why})` : why });
    return { owned, result: 'failed' };
  }
  const owned = await finishRequeue(ctx.sql, job, {
    now: at,
    runAt: retryAt,
    refundAttempt: !spendAttempt,
    note: reason ?? null,
  });
  return { owned, result: spendAttempt ? 'retried' : 'deferred' };
}

/** Write the run's answer at `at`; `owned: false` when the run no longer owns the job (nothing written). */
export async function storeOutcome(
  ctx: QueueContext,
  def: Definition,
  job: JobRecord,
  checked: CheckedOutcome,
  at: Date,
): Promise<{ owned: boolean; result: StoredResult }> {
  if ('problem' in checked) return storeFailedAttempt(ctx, def, job, checked.problem, at);
  if (checked.ok === 'done') return { owned: await finishDone(ctx.sql, job, at), result: 'done' };
  if ('fail' in checked.ok)
    return { owned: await finishFailed(ctx.sql, job, { now: at, reason: checked.ok.fail }), result: 'failed' };
  return storeRetry(ctx, job, checked.ok, at);
}
