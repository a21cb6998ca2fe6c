/**
 * The `billing.cycle` job: one cycle from selection to its reminders enqueued. Its steps are derived
 * from the rows, so any run — the first, a retry after an outage, a resume after kill -9 on another
 * instance — continues where the last one stopped:
 *
 * 1. SELECT: read the ledger (`select.ts`), apply the rules (`selection.ts`: minimum balance,
 *    frequency cap, contacts, the suppression list), store the items and the counters in one SQL
 *    transaction. A dry run stops here, COMPLETED, having created nothing else.
 * 2. CHECKOUTS: per item without a checkout, `createCheckout` with the idempotency key
 *    `billing-cycle:<cycleId>:<guarantorId>` (a retry after a crash replays it: one checkout per
 *    cycle and guarantor), then, in one SQL transaction, the item's checkout, one reminder per
 *    channel (unique per cycle, guarantor and channel) and each reminder's `billing.remind` job.
 * 3. SENDING: the reminders' jobs send (`send-job.ts`); the last one to finish completes the cycle.
 *
 * A failure (the ledger or the processor down) throws: the queue retries with backoff and the next
 * run starts from the stored stage. Cancel ends the cycle; the loop and every unsent reminder see it.
 */
import { DEFAULT_BILLING } from '../../config';
import type { JobOutcome } from '../../jobs/types';
import type { BillingContext } from './context';
import {
  finishCycle,
  getCycle,
  itemsWithoutCheckout,
  moveStage,
  olderCycleRunning,
  setItemCheckout,
  storeSelection,
  type CycleRow,
} from './cycle-store';
import { flaggedOf, insertReminder, remindedSince, unsentOfCycle } from './reminder-store';
import { readCandidates } from './select';
import { selectGuarantors } from './selection';

const DAY = 86_400_000;
/** How long a cycle waits for an older cycle of its practice before looking again. */
const WAIT_FOR_OLDER_MS = 5_000;

/** The checkout idempotency key of one (cycle, guarantor): the same on every retry. */
export function cycleCheckoutKey(cycleId: string, guarantorId: string): string {
  return `billing-cycle:${cycleId}:${guarantorId}`;
}

export async function cycleJob(flow: BillingContext, cycleId: string, signal: AbortSignal): Promise<JobOutcome> {
  const { ctx } = flow;
  const sql = ctx.store.sql;
  let cycle = await getCycle(sql, cycleId);
  if (cycle?.status !== 'RUNNING') return 'done';
  if (!cycle.dryRun && cycle.stage !== 'SENDING' && (await olderCycleRunning(sql, cycle))) {
    return {
      retryAt: new Date(ctx.now().getTime() + WAIT_FOR_OLDER_MS),
      spendAttempt: false,
      reason: 'an older cycle of the practice runs',
    };
  }
  if (cycle.stage === 'SELECT') {
    await selectStage(flow, cycle, signal);
    flow.notify(cycleId);
    cycle = (await getCycle(sql, cycleId))!;
  }
  if (cycle.status === 'RUNNING' && cycle.stage === 'CHECKOUTS') {
    await checkoutStage(flow, cycle, signal);
    cycle = (await getCycle(sql, cycleId))!;
  }
  if (cycle.status === 'RUNNING' && cycle.stage === 'SENDING') await completeIfSent(flow, cycleId);
  return 'done';
}

async function selectStage(flow: BillingContext, cycle: CycleRow, signal: AbortSignal): Promise<void> {
  const { ctx } = flow;
  const practice = flow.practices.get(cycle.practiceId);
  if (!practice) {
    await finishCycle(ctx.store.sql, cycle.cycleId, 'FAILED', `practice ${cycle.practiceId} is no longer configured`, ctx.now());
    return;
  }
  const { billing } = flow.billingOf(cycle.practiceId);
  const everyDays = (billing ?? DEFAULT_BILLING).reminderEveryDays;
  const candidates = await readCandidates(practice.adapter, { ...flow.options, signal });
  const now = ctx.now();
  const selection = selectGuarantors(candidates, {
    minBalance: cycle.minBalance,
    channels: cycle.channels,
    remindedSince: await remindedSince(ctx.store.sql, cycle.practiceId, new Date(now.getTime() - everyDays * DAY)),
    flagged: await flaggedOf(ctx.store.sql, cycle.practiceId),
  });
  const counters = cycle.dryRun
    ? { checkoutsCreated: selection.chosen.length, remindersSent: selection.chosen.reduce((n, c) => n + c.recipients.length, 0) }
    : { checkoutsCreated: 0, remindersSent: 0 };
  const summary = { considered: candidates.length, ...selection };
  await ctx.store.sql.transaction(async (tx) => {
    // A dry run stores no items: it says what a real run would do and creates nothing.
    const stored = cycle.dryRun ? { ...summary, chosen: [] } : summary;
    await storeSelection(tx, cycle.cycleId, stored, counters, cycle.dryRun ? 'DONE' : 'CHECKOUTS', now);
  });
  if (cycle.dryRun) await finishCycle(ctx.store.sql, cycle.cycleId, 'COMPLETED', null, ctx.now());
  ctx.log.info('billing cycle selected', {
    practiceId: cycle.practiceId,
    cycleId: cycle.cycleId,
    considered: candidates.length,
    chosen: selection.chosen.length,
    dryRun: cycle.dryRun,
  });
}

async function checkoutStage(flow: BillingContext, cycle: CycleRow, signal: AbortSignal): Promise<void> {
  const { ctx } = flow;
  const sql = ctx.store.sql;
  const practice = flow.practices.get(cycle.practiceId);
  const processor = practice?.processor;
  if (!practice || !processor) {
    await finishCycle(
      sql,
      cycle.cycleId,
      'FAILED',
      `practice ${cycle.practiceId} has no processor to collect through`,
      ctx.now(),
    );
    return;
  }
  for (;;) {
    signal.throwIfAborted();
    const batch = await itemsWithoutCheckout(sql, cycle.cycleId, flow.options.batchSize);
    if (batch.length === 0) break;
    // Cancel is seen between batches: checkouts already made stay, no more are made.
    if ((await getCycle(sql, cycle.cycleId))?.status !== 'RUNNING') return;
    for (const item of batch) {
      const now = ctx.now();
      const key = cycleCheckoutKey(cycle.cycleId, item.guarantorId);
      const transaction = await flow.collection.createCheckout({
        practiceId: cycle.practiceId,
        idempotencyKey: key,
        fingerprint: JSON.stringify({ billingCycle: cycle.cycleId, guarantor: item.guarantorId, amount: item.amount }),
        patientSourceId: item.patientSourceId,
        // The cycle keeps no names (ids, amounts and contacts only): the page greets without one.
        patientFirstName: null,
        processor: processor.name,
        paymentTypeId: processor.paymentTypeId,
        lines: [{ description: 'Balance due', serviceDate: null, chargeSourceId: null, amount: item.amount }],
        total: item.amount,
        currency: flow.currency,
        expiresAt: new Date(now.getTime() + flow.options.checkoutExpiresInMinutes * 60_000),
        returnUrl: null,
      });
      await sql.transaction(async (tx) => {
        if (!(await setItemCheckout(tx, cycle.cycleId, item.guarantorId, transaction.transactionId))) return;
        const recipients = [
          ...(item.phone && cycle.channels.includes('SMS') ? [{ channel: 'SMS' as const, to: item.phone }] : []),
          ...(item.email && cycle.channels.includes('EMAIL') ? [{ channel: 'EMAIL' as const, to: item.email }] : []),
        ];
        for (const { channel, to } of recipients) {
          const adapter = flow.messagingFor(cycle.practiceId, channel);
          const { row, created } = await insertReminder(tx, {
            practiceId: cycle.practiceId,
            transactionId: transaction.transactionId,
            cycleId: cycle.cycleId,
            guarantorId: item.guarantorId,
            requestKey: null,
            channel,
            recipient: to,
            system: adapter?.system ?? 'none',
            amount: item.amount,
            now,
          });
          if (created) {
            await ctx.jobs.enqueue(
              'billing.remind',
              { practiceId: cycle.practiceId, reminderId: row.reminderId },
              { singletonKey: row.reminderId, tx },
            );
          }
        }
      });
    }
    flow.notify(cycle.cycleId);
  }
  await moveStage(sql, cycle.cycleId, 'CHECKOUTS', 'SENDING', ctx.now());
  flow.notify(cycle.cycleId);
}

/** Complete a SENDING cycle once none of its reminders is left to send (called by every reminder's job too). */
export async function completeIfSent(flow: BillingContext, cycleId: string): Promise<void> {
  const sql = flow.ctx.store.sql;
  const cycle = await getCycle(sql, cycleId);
  if (cycle?.status !== 'RUNNING' || cycle.stage !== 'SENDING') return;
  if ((await unsentOfCycle(sql, cycleId)) > 0) return;
  if (await finishCycle(sql, cycleId, 'COMPLETED', null, flow.ctx.now())) {
    flow.ctx.log.info('billing cycle completed', { practiceId: cycle.practiceId, cycleId });
  }
  flow.notify(cycleId);
}
