/**
 * The background pass and the service's life: every `pollIntervalMs` one pass prunes old
 * idempotency keys and webhook receipts (hourly), resumes due PENDING rows (a submit, or the
 * recovery of an abandoned collection) and polls due SUBMITTED ones, a few upstream calls at a
 * time. Passes never overlap; `stop()` waits for the one running and for every tracked request.
 *
 *     const passes = new BackgroundPasses(ctx);
 *     await passes.start();   // one pass now (resuming what a previous process left), then on a timer
 *     await passes.stop();
 */
import { recoverCollection } from './collection';
import { errorText, type WritePathContext } from './context';
import { pollOne } from './poll';
import { submitIfDue } from './submit';

export class BackgroundPasses {
  private tickChain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private stopped = false;
  private lastPrune = -Infinity;

  constructor(private readonly ctx: WritePathContext) {}

  /** Throws once the service is stopped: nothing new may start. */
  assertOpen(): void {
    if (this.stopped) throw new Error('the transaction service is stopped');
  }

  /** Run one pass now, after any pass already running (tests, and the timer). */
  tick(): Promise<void> {
    const run = this.tickChain.then(() => this.pass());
    this.tickChain = run.catch(() => undefined);
    return this.ctx.inFlight.track(() => run);
  }

  /** Resume what the store holds unfinished, then pass on a timer. A second call does nothing. */
  async start(): Promise<void> {
    if (this.started) return;
    this.assertOpen();
    this.started = true;
    try {
      await this.tick();
    } catch (error) {
      this.ctx.log.error('resuming unfinished transactions failed; the poller will retry', { error: errorText(error) });
    }
    this.schedule();
  }

  /** Stop the timer and wait for in-flight work. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ctx.inFlight.settle();
    await this.tickChain;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick()
        .catch((error) => this.ctx.log.error('transaction pass failed', { error: errorText(error) }))
        .finally(() => this.schedule());
    }, this.ctx.options.pollIntervalMs);
    this.timer.unref?.();
  }

  private async pass(): Promise<void> {
    const { ctx } = this;
    const at = ctx.now();
    await this.prune(at);
    const pending = await ctx.store.duePending(at, ctx.options.batchSize);
    await this.runLimited(pending, (row) =>
      row.kind === 'COLLECTION' ? recoverCollection(ctx, row) : submitIfDue(ctx, row.transactionId),
    );
    const polls = await ctx.store.duePolls(ctx.now(), ctx.options.batchSize);
    await this.runLimited(polls, (row) => pollOne(ctx, row));
  }

  private async prune(at: Date): Promise<void> {
    const { store, options, log } = this.ctx;
    if (at.getTime() - this.lastPrune < options.pruneEveryMs) return;
    this.lastPrune = at.getTime();
    const keys = await store.pruneIdempotencyKeys(new Date(at.getTime() - options.idempotencyRetentionMs));
    const receipts = await store.pruneWebhookReceipts(new Date(at.getTime() - options.webhookReceiptRetentionMs));
    if (keys + receipts > 0) log.info('pruned idempotency keys and webhook receipts', { keys, receipts });
  }

  /** `work` over `items`, at most `concurrency` at a time; one item's failure is logged, not fatal. */
  private async runLimited<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++]!;
        try {
          await work(item);
        } catch (error) {
          this.ctx.log.error('background transaction work failed', { error: errorText(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.ctx.options.concurrency, items.length) }, worker));
  }
}
