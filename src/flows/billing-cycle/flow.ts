/**
 * The billing-cycle flow's facade: what resolvers, the webhook routes and the gateway call. See
 * `README.md` here.
 *
 *     const billing = createBillingCycleFlow({ transactions, practices, collection, messagingFor, billingOf, currency, publicUrl });
 *     billing.defineJobs();                    // before transactions.start()
 *     await billing.registerSchedules();       // each practice's billing.schedule
 *     const { cycle } = await billing.startCycle({ practiceId, idempotencyKey, fingerprint, minBalance, channels, dryRun });
 */
import { EventEmitter } from 'node:events';
import type { Channel, MessagingEvent } from '../../adapters/messaging/port';
import type { PracticeRegistry } from '../../practices';
import type { TransactionService } from '../../transactions/service';
import { runOutsideRequestScope } from '../../upstream-budget/request-scope';
import type { CollectionFlow } from '../collection/flow';
import {
  BILLING_CYCLE_DEFAULTS,
  type BillingContext,
  type BillingCycleOptions,
  type MessagingResolver,
  type PracticeBilling,
} from './context';
import { cycleJob } from './cycle-job';
import { CycleNotFound, CycleStateError, ReminderKeyConflict } from './errors';
import { cycleCheckouts, finishCycle, getCycle, insertCycle, type CycleRow } from './cycle-store';
import { applyMessagingEvents } from './events';
import { insertReminder, remindersByKey, remindersOf, type ReminderRow } from './reminder-store';
import { remindJob } from './send-job';

export interface StartCycleCommand {
  practiceId: string;
  idempotencyKey: string;
  /** The canonical text of the request: the same key with another text is a conflict. */
  fingerprint: string;
  /** Cents, positive. */
  minBalance: number;
  channels: readonly Channel[];
  dryRun: boolean;
}

export interface SendReminderCommand {
  practiceId: string;
  transactionId: string;
  idempotencyKey: string;
  /** Whom the reminder goes to (the patient's, else her guarantor's contact), one per channel. */
  recipients: ReadonlyArray<{ channel: Channel; to: string }>;
  guarantorId: string;
  amount: number;
}

export interface BillingCycleFlow {
  readonly context: BillingContext;
  /** Register `billing.cycle`, `billing.remind` and `billing.scheduled` (before `transactions.start()`). */
  defineJobs(): void;
  /** One schedule per practice with `billing.schedule`, in its time zone. */
  registerSchedules(): Promise<number>;
  /** Store a cycle and its job (or answer the cycle its key made); a dry run's first run is inline. */
  startCycle(command: StartCycleCommand): Promise<CycleRow>;
  cancelCycle(practiceId: string, cycleId: string): Promise<CycleRow>;
  cycle(practiceId: string, cycleId: string): Promise<CycleRow | null>;
  checkouts(cycleId: string, first: number, after: string | null): ReturnType<typeof cycleCheckouts>;
  /** Reminders of one checkout, one per channel, idempotent per (practice, key, channel); the first run of each inline. */
  sendReminder(command: SendReminderCommand): Promise<ReminderRow[]>;
  reminders(transactionId: string): Promise<ReminderRow[]>;
  /** The reminders a `sendReminder` key made; empty when it is new. */
  remindersByKey(practiceId: string, idempotencyKey: string): Promise<ReminderRow[]>;
  /** Apply a messaging provider's verified events (the webhook routes). */
  applyEvents(practiceId: string, system: string, channel: Channel, events: readonly MessagingEvent[]): Promise<string>;
  /** Be told when a cycle changes; returns the unsubscribe. */
  onChange(cycleId: string, listener: () => void): () => void;
}

export interface BillingCycleFlowDeps extends BillingCycleOptions {
  transactions: TransactionService;
  practices: PracticeRegistry;
  collection: CollectionFlow;
  messagingFor: MessagingResolver;
  billingOf: (practiceId: string) => PracticeBilling;
  currency: string;
  publicUrl: () => string;
}

export function createBillingCycleFlow(deps: BillingCycleFlowDeps): BillingCycleFlow {
  const ctx = deps.transactions.context;
  const changes = new EventEmitter();
  changes.setMaxListeners(0);
  const flow: BillingContext = {
    ctx,
    practices: deps.practices,
    collection: deps.collection,
    messagingFor: deps.messagingFor,
    billingOf: deps.billingOf,
    currency: deps.currency,
    publicUrl: deps.publicUrl,
    options: {
      pageSize: deps.pageSize ?? BILLING_CYCLE_DEFAULTS.pageSize,
      batchSize: deps.batchSize ?? BILLING_CYCLE_DEFAULTS.batchSize,
      sendRetryDelaysMs: deps.sendRetryDelaysMs ?? BILLING_CYCLE_DEFAULTS.sendRetryDelaysMs,
      settleAfterMs: deps.settleAfterMs ?? BILLING_CYCLE_DEFAULTS.settleAfterMs,
      settleGiveUpMs: deps.settleGiveUpMs ?? BILLING_CYCLE_DEFAULTS.settleGiveUpMs,
      readBackAfterMs: deps.readBackAfterMs ?? BILLING_CYCLE_DEFAULTS.readBackAfterMs,
      readBackForMs: deps.readBackForMs ?? BILLING_CYCLE_DEFAULTS.readBackForMs,
      checkoutExpiresInMinutes: deps.checkoutExpiresInMinutes ?? BILLING_CYCLE_DEFAULTS.checkoutExpiresInMinutes,
    },
    hooks: deps.hooks ?? {},
    notify: (cycleId) => {
      if (cycleId) changes.emit(cycleId);
    },
  };
  const sql = ctx.store.sql;

  /**
   * A cycle's work is background work: run outside the calling request's scope, so its reads count
   * against no request's `limits.maxUpstreamCalls` (a dry run over 1,000 guarantors reads far more).
   */
  function startCycle(command: StartCycleCommand): Promise<CycleRow> {
    return runOutsideRequestScope(() => startCycleNow(command));
  }

  async function startCycleNow(command: StartCycleCommand): Promise<CycleRow> {
    let jobId: string | null = null;
    const { row, created } = await sql.transaction(async (tx) => {
      const inserted = await insertCycle(tx, { ...command, now: ctx.now() });
      if (inserted.created) {
        const { job } = await ctx.jobs.enqueue(
          'billing.cycle',
          { practiceId: command.practiceId, cycleId: inserted.row.cycleId },
          { singletonKey: inserted.row.cycleId, tx },
        );
        jobId = job.id;
      }
      return inserted;
    });
    if (!created && row.fingerprint !== command.fingerprint) {
      throw new ReminderKeyConflict(
        `this idempotency key was already used with a different input (billing cycle ${row.cycleId}); use a new key for a new cycle`,
      );
    }
    // A dry run creates nothing and reads the ledger once: its answer carries its figures.
    if (created && command.dryRun && jobId) await ctx.inFlight.track(() => ctx.jobs.run(jobId!));
    return (await getCycle(sql, row.cycleId))!;
  }

  return {
    context: flow,
    defineJobs() {
      const retry = { maxAttempts: 1_000, backoff: { delaysMs: flow.options.sendRetryDelaysMs, jitter: 0.2 } };
      ctx.jobs.define('billing.cycle', ({ job, signal }) => cycleJob(flow, job.payload.cycleId, signal), {
        ...retry,
        concurrency: 2,
        // A cycle over thousands of guarantors is one run: the heartbeat keeps its lease.
        timeoutMs: 3_600_000,
      });
      ctx.jobs.define('billing.remind', ({ job }) => remindJob(flow, job.payload.reminderId, job.attempts), {
        ...retry,
        concurrency: ctx.options.concurrency,
      });
      ctx.jobs.define('billing.scheduled', async ({ job }) => {
        const { billing } = flow.billingOf(job.payload.practiceId);
        if (!billing) return 'done';
        await startCycle({
          practiceId: job.payload.practiceId,
          idempotencyKey: `schedule:${job.payload.tickAt}`,
          fingerprint: JSON.stringify({ schedule: job.payload.tickAt }),
          minBalance: billing.minBalance,
          channels: billing.channels,
          dryRun: false,
        });
        return 'done';
      });
    },
    async registerSchedules() {
      let count = 0;
      for (const practice of deps.practices.all()) {
        const { billing, timeZone } = flow.billingOf(practice.id);
        if (!billing?.schedule) continue;
        await ctx.jobs.schedule(`billing:${practice.id}`, {
          kind: 'billing.scheduled',
          cron: billing.schedule,
          timezone: timeZone,
          payload: { practiceId: practice.id },
        });
        count += 1;
      }
      return count;
    },
    startCycle,
    async cancelCycle(practiceId, cycleId) {
      const cycle = await getCycle(sql, cycleId);
      if (!cycle || cycle.practiceId !== practiceId) {
        throw new CycleNotFound(`no billing cycle "${cycleId}" at practice "${practiceId}"`);
      }
      if (cycle.status !== 'RUNNING') {
        throw new CycleStateError(`billing cycle ${cycleId} is ${cycle.status}, not RUNNING: there is nothing to cancel`);
      }
      await finishCycle(sql, cycleId, 'CANCELED', null, ctx.now());
      flow.notify(cycleId);
      return (await getCycle(sql, cycleId))!;
    },
    async cycle(practiceId, cycleId) {
      const cycle = await getCycle(sql, cycleId);
      return cycle && cycle.practiceId === practiceId ? cycle : null;
    },
    checkouts: (cycleId, first, after) => cycleCheckouts(sql, cycleId, first, after),
    async sendReminder(command) {
      const now = ctx.now();
      const made = await sql.transaction(async (tx) => {
        const rows: Array<{ row: ReminderRow; jobId: string | null }> = [];
        for (const { channel, to } of command.recipients) {
          const { row, created } = await insertReminder(tx, {
            practiceId: command.practiceId,
            transactionId: command.transactionId,
            cycleId: null,
            guarantorId: command.guarantorId,
            requestKey: command.idempotencyKey,
            channel,
            recipient: to,
            system: flow.messagingFor(command.practiceId, channel)?.system ?? 'none',
            amount: command.amount,
            now,
          });
          if (!created && row.transactionId !== command.transactionId) {
            throw new ReminderKeyConflict(
              `this idempotency key was already used for a reminder of transaction ${row.transactionId}; use a new key`,
            );
          }
          const job = created
            ? (
                await ctx.jobs.enqueue(
                  'billing.remind',
                  { practiceId: command.practiceId, reminderId: row.reminderId },
                  { singletonKey: row.reminderId, tx },
                )
              ).job.id
            : null;
          rows.push({ row, jobId: job });
        }
        return rows;
      });
      for (const { jobId } of made) if (jobId) await ctx.inFlight.track(() => ctx.jobs.run(jobId));
      return remindersOf(sql, command.transactionId).then((all) =>
        all.filter((r) => made.some((m) => m.row.reminderId === r.reminderId)),
      );
    },
    reminders: (transactionId) => remindersOf(sql, transactionId),
    remindersByKey: (practiceId, key) => remindersByKey(sql, practiceId, key),
    applyEvents: (practiceId, system, channel, events) =>
      ctx.inFlight.track(() => applyMessagingEvents(flow, practiceId, system, channel, events)),
    onChange(cycleId, listener) {
      changes.on(cycleId, listener);
      return () => changes.off(cycleId, listener);
    },
  };
}
