/**
 * `billing.onClaimProcessed`: when the payer has processed a claim and left the patient something to
 * pay, she gets a checkout (the collection flow's `createCheckout`, the pay page's path) and a
 * reminder carrying its link (the billing-cycle flow's `sendReminder`), once per claim event.
 *
 * Once: the hook only enqueues a `claims.on-processed` job with the idempotency key
 * `claim-processed:<eventId>` (one job per event, whichever instance or retry of the re-read calls
 * it); the job's checkout and reminders carry the same key as their own idempotency keys, so a job
 * that died between the two and runs again replays the checkout and makes no second reminder.
 * See `README.md` here, "billing.onClaimProcessed".
 */
import type { Channel } from '../../adapters/messaging/port';
import { createLoaders } from '../../graphql/loaders';
import type { PracticeRegistry } from '../../practices';
import type { WritePathContext } from '../../transactions/context';
import type { PracticeBilling, MessagingResolver } from '../billing-cycle/context';
import type { BillingCycleFlow } from '../billing-cycle/flow';
import { recipientKey } from '../billing-cycle/recipients';
import type { CollectionFlow } from '../collection/flow';
import type { ClaimChange } from './context';

export interface OnClaimProcessedDeps {
  ctx: WritePathContext;
  practices: PracticeRegistry;
  collection: CollectionFlow;
  billing: BillingCycleFlow;
  messagingFor: MessagingResolver;
  billingOf: (practiceId: string) => PracticeBilling;
  currency: string;
}

export interface OnClaimProcessedOptions {
  /** How long the checkout's pay page stays open. Default 10 080 (7 days: a statement's time to be read). */
  checkoutExpiresInMinutes?: number;
}

export const ON_CLAIM_PROCESSED_DEFAULTS = { checkoutExpiresInMinutes: 10_080 } as const;

/** The idempotency key of the event's job, checkout and reminders. */
export const claimProcessedKey = (eventId: string) => `claim-processed:${eventId}`;

/**
 * What the patient is asked to pay: the claim's upper bound of her responsibility, never more than
 * the ledger says she owes now (the re-read balance); 0 when either is unknown or nothing is owed.
 */
export function amountToCollect(change: ClaimChange): number {
  const responsibility = change.record.maxPatientResponsibility;
  if (responsibility === null || responsibility <= 0 || change.balance.total <= 0) return 0;
  return Math.min(responsibility, change.balance.total);
}

export function createOnClaimProcessed(deps: OnClaimProcessedDeps, options: OnClaimProcessedOptions = {}) {
  const { ctx } = deps;
  const expiresInMinutes = options.checkoutExpiresInMinutes ?? ON_CLAIM_PROCESSED_DEFAULTS.checkoutExpiresInMinutes;

  /** `ClaimWatchContext.onProcessed`: called (possibly more than once) after a CLAIM_PROCESSED event's first re-read. */
  async function hook(change: ClaimChange): Promise<void> {
    if (!deps.billingOf(change.practiceId).billing?.onClaimProcessed) return;
    const amount = amountToCollect(change);
    if (amount <= 0) return;
    await ctx.jobs.enqueue(
      'claims.on-processed',
      { practiceId: change.practiceId, claimId: change.claimId, patientId: change.patientId, eventId: change.eventId, amount },
      { idempotencyKey: claimProcessedKey(change.eventId) },
    );
  }

  async function run(payload: { practiceId: string; claimId: string; patientId: string; eventId: string; amount: number }) {
    const { practiceId, claimId, patientId, eventId, amount } = payload;
    const ids = { practiceId, claimId, eventId };
    const practice = deps.practices.get(practiceId);
    const processor = practice?.processor;
    if (!practice || !processor || !practice.capabilities.externalPayments) {
      ctx.log.warn('claim processed: no checkout, the practice cannot collect through a processor', ids);
      return 'done' as const;
    }
    const key = claimProcessedKey(eventId);
    const loaders = createLoaders(deps.practices);
    const patient = await loaders.patients.load({ practiceId, id: patientId });
    if (!patient) return { fail: `patient ${patientId} is no longer in the ledger` };
    const guarantor = patient.guarantorSourceId
      ? await loaders.patients.load({ practiceId, id: patient.guarantorSourceId })
      : null;
    // Thrown upstream errors retry with the job's backoff; the key replays the same checkout.
    const transaction = await deps.collection.createCheckout({
      practiceId,
      idempotencyKey: key,
      fingerprint: JSON.stringify({ claimProcessed: eventId, amount }),
      patientSourceId: patientId,
      // Ids and amounts only in the store: the page greets without a name, as a cycle's does.
      patientFirstName: null,
      processor: processor.name,
      paymentTypeId: processor.paymentTypeId,
      lines: [{ description: 'Balance after insurance', serviceDate: null, chargeSourceId: null, amount }],
      total: amount,
      currency: deps.currency,
      expiresAt: new Date(ctx.now().getTime() + expiresInMinutes * 60_000),
      returnUrl: null,
    });
    // Her own contact, else her guarantor's (sendReminder's rule), on each configured channel with messaging.
    const channels = deps.billingOf(practiceId).billing?.channels ?? [];
    const recipients: Array<{ channel: Channel; to: string }> = [];
    for (const channel of channels) {
      if (!deps.messagingFor(practiceId, channel)) continue;
      const raws = channel === 'SMS' ? [patient.phone, guarantor?.phone] : [patient.email, guarantor?.email];
      const to = raws.map((value) => recipientKey(channel, value ?? '')).find((value) => value !== null);
      if (to) recipients.push({ channel, to });
    }
    if (recipients.length === 0) {
      ctx.log.warn('claim processed: checkout made, no reminder (no messaging or no contact on a configured channel)', {
        ...ids,
        transactionId: transaction.transactionId,
      });
      return 'done' as const;
    }
    await deps.billing.sendReminder({
      practiceId,
      transactionId: transaction.transactionId,
      idempotencyKey: key,
      recipients,
      guarantorId: patient.guarantorSourceId ?? patientId,
      amount,
    });
    ctx.log.info('claim processed: checkout and reminder', { ...ids, transactionId: transaction.transactionId });
    return 'done' as const;
  }

  return {
    hook,
    defineJobs() {
      ctx.jobs.define('claims.on-processed', ({ job }) => run(job.payload), {
        maxAttempts: 1_000,
        backoff: { delaysMs: [1_000, 5_000, 15_000, 60_000, 300_000], jitter: 0.2 },
        concurrency: 2,
      });
    },
  };
}
