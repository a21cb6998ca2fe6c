/** `queue.start` and `queue.stop`: the background loop on, and off with a grace period for running handlers. */
import { positiveInt } from './arguments';
import { DEFAULTS, type QueueContext } from './context';
import { loop, nudge } from './worker';

export async function start(ctx: QueueContext): Promise<void> {
  if (ctx.stopped) throw new Error('the job queue is stopped; create a new one');
  if (ctx.started) return;
  ctx.started = true;
  loop(ctx);
  nudge(ctx);
}

/** Stop claiming, wait up to `graceMs` for running handlers, then abort their signals (their leases run out). */
export async function stop(ctx: QueueContext, options: { graceMs?: number }): Promise<void> {
  ctx.stopped = true;
  ctx.started = false;
  if (ctx.timer) clearTimeout(ctx.timer);
  ctx.timer = null;
  await ctx.passChain;
  if (ctx.runs.size === 0) return;
  const graceMs = positiveInt(options.graceMs, 'graceMs', DEFAULTS.graceMs, 0);
  let graceTimer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'timeout'>((resolve) => {
    graceTimer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const settled = await Promise.race([Promise.allSettled([...ctx.runs]).then(() => 'settled' as const), graceOver]);
  clearTimeout(graceTimer);
  if (settled === 'timeout' && ctx.runs.size > 0) {
    ctx.log.warn('job queue stopped with handlers still running; their leases will run out', { running: ctx.runs.size });
    ctx.shutdown.abort(new Error('the job queue is stopping'));
  }
}
