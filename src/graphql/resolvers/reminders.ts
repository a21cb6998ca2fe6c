/**
 * `sendReminder`, `startBillingCycle`, `cancelBillingCycle`, `billingCycle`, `billingCycleChanged`
 * and the `Reminder` / `BillingCycle` types (`schema/reminders.graphql`). Every refusal comes before
 * anything is stored or sent: the input (zod), the practice's processor and messaging per channel
 * (NOT_SUPPORTED), the checkout's state, the recipient's number or address. The flow is
 * `src/flows/billing-cycle/`.
 */
import type { Channel } from '../../adapters/messaging/port';
import { maskRecipient, recipientKey } from '../../flows/billing-cycle/recipients';
import { SKIP_REASONS } from '../../flows/billing-cycle/selection';
import type { CycleRow } from '../../flows/billing-cycle/cycle-store';
import { requirePractice, type GatewayContext } from '../context';
import { gatewayError } from '../errors';
import { decodeGlobalId, encodeGlobalId } from '../global-id';
import type { Resolvers } from '../generated/resolvers-types';
import { parseInput } from '../inputs';
import { cycleFingerprint, sendReminderInput, startBillingCycleInput } from '../reminder-input';
import { withStableErrors } from './write-guards';
import type { Practice } from '../../practices';

/** Every requested channel must have the practice's messaging adapter (config `messaging`). */
function requireMessaging(ctx: GatewayContext, practice: Practice, channels: readonly Channel[]): void {
  for (const channel of channels) {
    if (!ctx.services.billing.context.messagingFor(practice.id, channel)) {
      throw gatewayError(
        'NOT_SUPPORTED',
        `practice "${practice.id}" has no ${channel} messaging configured (config: practices[].messaging)`,
        {
          field: 'channels',
        },
      );
    }
  }
}

/** The practice must collect through a processor: every reminder carries a checkout's page. */
function requireCollection(practice: Practice): void {
  if (!practice.capabilities.externalPayments || !practice.processor) {
    const why = !practice.processor
      ? 'it has no processor configured (config: practices[].processor)'
      : (practice.unsupported.externalPayments ?? 'its ledger takes no payment collected elsewhere');
    throw gatewayError('NOT_SUPPORTED', `practice "${practice.id}" cannot run billing cycles: ${why}`);
  }
}

export const reminderResolvers: Resolvers = {
  Mutation: {
    sendReminder: (_root, { input: raw }, ctx) =>
      withStableErrors(async () => {
        const practice = requirePractice(ctx, raw.practiceId);
        const input = parseInput(sendReminderInput, raw);
        requireMessaging(ctx, practice, input.channels);
        const transaction = await ctx.services.transactions.get(practice.id, input.transactionId);
        const checkout = transaction?.kind === 'COLLECTION' ? await ctx.services.collection.checkout(input.transactionId) : null;
        if (!transaction || !checkout) {
          throw gatewayError('NOT_FOUND', `no checkout transaction "${input.transactionId}" in practice "${practice.id}"`, {
            field: 'transactionId',
          });
        }
        const replayed = await ctx.services.billing.remindersByKey(practice.id, input.idempotencyKey);
        if (replayed.length > 0) {
          if (replayed.some((r) => r.transactionId !== transaction.transactionId)) {
            throw gatewayError(
              'IDEMPOTENCY_CONFLICT',
              'this idempotency key was already used for a reminder of another transaction',
            );
          }
          return { reminders: replayed, transaction };
        }
        if (checkout.status !== 'OPEN' || transaction.status !== 'PENDING') {
          throw gatewayError(
            'BAD_USER_INPUT',
            `the checkout of ${transaction.transactionId} is ${checkout.status}: only an open checkout is reminded of`,
            {
              field: 'transactionId',
            },
          );
        }
        const patient = await ctx.loaders.patients.load({ practiceId: practice.id, id: transaction.patientSourceId });
        const guarantor = patient?.guarantorSourceId
          ? await ctx.loaders.patients.load({ practiceId: practice.id, id: patient.guarantorSourceId })
          : null;
        const recipients = input.channels.map((channel) => {
          const raws = channel === 'SMS' ? [patient?.phone, guarantor?.phone] : [patient?.email, guarantor?.email];
          const to = raws.map((value) => recipientKey(channel, value ?? '')).find((value) => value !== null);
          if (!to) {
            throw gatewayError(
              'BAD_USER_INPUT',
              `patient ${transaction.patientSourceId} has no ${channel === 'SMS' ? 'mobile number' : 'email address'} on file`,
              { field: 'channels' },
            );
          }
          return { channel, to };
        });
        const reminders = await ctx.services.billing.sendReminder({
          practiceId: practice.id,
          transactionId: transaction.transactionId,
          idempotencyKey: input.idempotencyKey,
          recipients,
          guarantorId: patient?.guarantorSourceId ?? transaction.patientSourceId,
          amount: checkout.total - checkout.amountPaid,
        });
        return { reminders, transaction };
      }),
    startBillingCycle: (_root, { input: raw }, ctx) =>
      withStableErrors(async () => {
        const practice = requirePractice(ctx, raw.practiceId);
        const input = parseInput(startBillingCycleInput, raw);
        requireCollection(practice);
        requireMessaging(ctx, practice, input.channels);
        const cycle = await ctx.services.billing.startCycle({
          practiceId: practice.id,
          idempotencyKey: input.idempotencyKey,
          fingerprint: cycleFingerprint(input),
          minBalance: input.minBalance,
          channels: input.channels,
          dryRun: input.dryRun,
        });
        return { cycle };
      }),
    cancelBillingCycle: (_root, args, ctx) =>
      withStableErrors(async () => {
        const practice = requirePractice(ctx, args.practiceId);
        return { cycle: await ctx.services.billing.cancelCycle(practice.id, cycleIdOf(practice.id, args.id)) };
      }),
  },
  Query: {
    billingCycle: (_root, args, ctx) => {
      const practice = requirePractice(ctx, args.practiceId);
      return ctx.services.billing.cycle(practice.id, cycleIdOf(practice.id, args.id));
    },
  },
  Subscription: {
    billingCycleChanged: {
      subscribe: (_root, { practiceId, cycleId }, ctx) => {
        requirePractice(ctx, practiceId);
        return cycleChanges(ctx, practiceId, cycleIdOf(practiceId, cycleId));
      },
    },
  },
  LedgerTransaction: {
    reminders: (t, _args, ctx) => (t.kind === 'COLLECTION' ? ctx.services.billing.reminders(t.transactionId) : []),
  },
  Reminder: {
    id: (r) => r.reminderId,
    channel: (r) => r.channel,
    to: (r) => maskRecipient(r.channel, r.recipient),
    status: (r) => r.status,
    failureReason: (r) => r.failureReason,
    sentAt: (r) => r.sentAt,
  },
  BillingCycle: {
    id: (c) => encodeGlobalId('BillingCycle', c.practiceId, [c.cycleId]),
    status: (c) => c.status,
    dryRun: (c) => c.dryRun,
    considered: (c) => c.considered,
    checkoutsCreated: (c) => c.checkoutsCreated,
    remindersSent: (c) => c.remindersSent,
    skipped: (c) => SKIP_REASONS.flatMap((reason) => (c.skipped[reason] ? [{ reason, count: c.skipped[reason]! }] : [])),
    failureReason: (c) => c.failureReason,
    startedAt: (c) => c.startedAt,
    finishedAt: (c) => c.finishedAt,
    checkouts: async (c, args, ctx) => {
      const first = Math.min(Math.max(args.first ?? 50, 1), 200);
      const page = await ctx.services.billing.checkouts(c.cycleId, first, args.after ?? null);
      const rows = await Promise.all(page.ids.map((id) => ctx.services.transactions.get(c.practiceId, id.transactionId)));
      return {
        nodes: rows.flatMap((row) => (row ? [row] : [])),
        endCursor: page.ids.at(-1)?.guarantorId ?? null,
        hasNextPage: page.hasNextPage,
      };
    },
  },
};

type CyclePayload = { billingCycleChanged: CycleRow | null };

/**
 * The cycle now, then each change until it ends. The flow's change signal is taken first, then the
 * row read, so a change between the two is not lost (it is re-read); a state equal to the last one
 * emitted is dropped. Changes are signalled by this instance's jobs and webhooks.
 */
/**
 * The store's cycle id (`bc_12`) of a `BillingCycle.id`: the global id `node(id:)` also reads, or the
 * store's id itself (as `startBillingCycle` answered before ids were global). A global id of another
 * type or practice names no cycle of this practice.
 */
function cycleIdOf(practiceId: string, id: string): string {
  const decoded = decodeGlobalId(id);
  if (!decoded) return id;
  return decoded.type === 'BillingCycle' && decoded.practiceId === practiceId && decoded.keys[0] ? decoded.keys[0] : '';
}

function cycleChanges(ctx: GatewayContext, practiceId: string, cycleId: string): AsyncIterableIterator<CyclePayload> {
  const billing = ctx.services.billing;
  let pending = 1; // the first read
  let wake: (() => void) | null = null;
  let closed = false;
  let last = '';
  const unsubscribe = billing.onChange(cycleId, () => {
    pending += 1;
    wake?.();
  });
  const stop = () => {
    closed = true;
    unsubscribe();
    wake?.();
  };
  const iterator: AsyncIterableIterator<CyclePayload> = {
    async next() {
      for (;;) {
        if (closed) return { done: true, value: undefined };
        if (pending === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = null;
          continue;
        }
        pending = 0;
        const cycle = await billing.cycle(practiceId, cycleId);
        const state = cycle
          ? JSON.stringify([cycle.status, cycle.stage, cycle.considered, cycle.checkoutsCreated, cycle.remindersSent])
          : 'null';
        if (state === last) continue;
        last = state;
        if (cycle?.status !== 'RUNNING') closed = true;
        if (cycle?.status !== 'RUNNING') unsubscribe();
        return { done: false, value: { billingCycleChanged: cycle } };
      }
    },
    async return() {
      stop();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
