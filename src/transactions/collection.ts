/**
 * Card collections on synchronous systems (athenahealth `collectpayment`): the card is charged once,
 * inline, and the answer is final (COMPLETED with a receipt, or FAILED with the processor's reason).
 * The card goes to the adapter and nowhere else — not the store, not the logs, not the fingerprint —
 * so a collection interrupted by a crash can never be charged again: it is resolved by a look-up,
 * else FAILED with a reason that tells staff to check the patient's receipts.
 *
 *     const row = await collect(ctx, {
 *       practiceId: 'northside', idempotencyKey: 'k-1', fingerprint: '{"kind":"COLLECTION",…}',
 *       amountCents: -4000,
 *       collection: { patientSourceId: '5001', departmentId: '1', card, copayAmount: null,
 *                     appointmentId: null, claimPayments: [{ claimId: '1001', amount: 4000 }],
 *                     otherAmount: null, allowDuplicate: false },
 *     });
 */
import {
  UpstreamError,
  type CardCollection,
  type CardInput,
  type Cents,
  type LedgerAdapter,
  type WriteOutcome,
} from '../adapters/ledger/port';
import type { JobOutcome } from '../jobs/types';
import { sumCents } from '../ledger/money';
import { errorText, toTransactionRow, type WritePathContext } from './context';
import { TransactionInputError } from './errors';
import { requireCents, requireRequestKeys, requireText } from './input-checks';
import type { StoredCollection, StoredTransaction } from './store';
import { applyOutcome } from './submit';
import type { TransactionRow } from './types';
import { lookUpUpstream } from './upstream-lookup';
import { deferUntil, enqueueCollectionRecovery } from './write-path-jobs';

export interface CollectInput {
  practiceId: string;
  idempotencyKey: string;
  /** A canonical text of the input WITHOUT the card. */
  fingerprint: string;
  collection: Omit<CardCollection, 'transactionId'>;
  /**
   * The total collected; its magnitude must equal copay + other + claim payments. Either sign is
   * accepted; the row stores it negative, like a payment entry.
   */
  amountCents: Cents;
}

/** An adapter that collects cards. */
type CollectingAdapter = LedgerAdapter & Required<Pick<LedgerAdapter, 'collectPayment'>>;

function collectsCards(adapter: LedgerAdapter | undefined): adapter is CollectingAdapter {
  return typeof adapter?.collectPayment === 'function';
}

/** Store the collection PENDING (the card never stored), then charge the card once. */
export async function collect(ctx: WritePathContext, input: CollectInput): Promise<TransactionRow> {
  const keys = requireRequestKeys(input);
  const card = input.collection.card;
  const digits = card.number.replace(/\D/g, '');
  if (keys.fingerprint.includes(card.number) || (digits.length >= 12 && keys.fingerprint.includes(digits))) {
    throw new TransactionInputError('the idempotency fingerprint must not contain card data');
  }
  const { stored, total } = storedCollectionFrom(input);
  const adapter = ctx.adapters(keys.practiceId);
  if (!collectsCards(adapter)) {
    throw new TransactionInputError(`practice ${keys.practiceId} does not collect card payments`);
  }
  const { row, created } = await ctx.store.createTransaction({
    ...keys,
    transactionIdPrefix: ctx.options.transactionIdPrefix,
    kind: 'COLLECTION',
    amount: -total,
    currency: 'USD',
    patientSourceId: stored.patientSourceId,
    request: { kind: 'COLLECTION', collection: stored },
    now: ctx.now(),
    // The lease: if this process dies mid-collection, recovery resolves the row after it. Its
    // `ledger.recover-collection` job commits with the row and runs when the lease runs out.
    nextAttemptAt: ctx.later(ctx.options.collectionLeaseMs),
    afterInsert: (tx, inserted) => enqueueCollectionRecovery(ctx, tx, inserted),
  });
  if (!created) return toTransactionRow(row);
  ctx.log.info('collection stored', { practiceId: keys.practiceId, transactionId: row.transactionId });
  await ctx.publish(row);
  return ctx.inFlight.track(async () => {
    await ctx.hooks.afterStore?.(toTransactionRow(row));
    await chargeOnce(ctx, row, adapter, input.collection);
    return toTransactionRow((await ctx.store.findById(row.transactionId)) ?? row);
  });
}

/** The collection as stored (every field checked, the card left out) and its positive total. */
function storedCollectionFrom(input: CollectInput): { stored: StoredCollection; total: Cents } {
  const c = input.collection;
  const stored: StoredCollection = {
    patientSourceId: requireText(c.patientSourceId, 'collection.patientSourceId'),
    departmentId: requireText(c.departmentId, 'collection.departmentId'),
    copayAmount: c.copayAmount === null ? null : requireCents(c.copayAmount, 'collection.copayAmount'),
    appointmentId: c.appointmentId ?? null,
    claimPayments: c.claimPayments.map((p) => ({
      claimId: requireText(p.claimId, 'claimPayments.claimId'),
      amount: requireCents(p.amount, 'claimPayments.amount'),
    })),
    otherAmount: c.otherAmount === null ? null : requireCents(c.otherAmount, 'collection.otherAmount'),
    allowDuplicate: c.allowDuplicate === true,
  };
  const total = sumCents([stored.copayAmount ?? 0, stored.otherAmount ?? 0, ...stored.claimPayments.map((p) => p.amount)]);
  const amount = requireCents(input.amountCents, 'amountCents');
  if (Math.abs(amount) !== total || total <= 0) {
    throw new TransactionInputError(
      `amountCents (${amount}) must be the positive total of copay, other amount and claim payments (${total})`,
    );
  }
  return { stored, total };
}

/**
 * The one and only charge: claimed first (`attempts` 0 → 1, so no other process ever charges it),
 * then the card goes to the adapter. Whatever comes back is stored with the card redacted out.
 */
async function chargeOnce(
  ctx: WritePathContext,
  row: StoredTransaction,
  adapter: CollectingAdapter,
  collection: Omit<CardCollection, 'transactionId'>,
): Promise<void> {
  const claimed = await ctx.store.claimCollection(row.transactionId);
  if (!claimed) return;
  let outcome: WriteOutcome;
  try {
    outcome = await adapter.collectPayment({ ...collection, transactionId: row.transactionId });
  } catch (error) {
    await onChargeError(ctx, claimed, redactCard(errorText(error), collection.card), error);
    return;
  }
  const safe: WriteOutcome =
    outcome.state === 'FAILED' ? { state: 'FAILED', reason: redactCard(outcome.reason, collection.card) } : outcome;
  await ctx.hooks.afterUpstream?.(toTransactionRow(claimed), safe);
  await applyOutcome(ctx, claimed, safe);
}

/**
 * A refusal fails the collection with the upstream's (redacted) words. Anything else may or may not
 * have charged the card, and the card is not retried blindly: a look-up decides, else FAILED.
 */
async function onChargeError(ctx: WritePathContext, claimed: StoredTransaction, text: string, error: unknown): Promise<void> {
  if (error instanceof UpstreamError && error.code !== 'UPSTREAM_UNAVAILABLE') {
    await ctx.move(claimed, 'FAILED', { failureReason: text || 'the upstream rejected the collection' });
    return;
  }
  const found = await lookUpUpstream(ctx, claimed);
  if (found.answer === 'landed') {
    await ctx.move(claimed, 'COMPLETED', { records: found.records });
    return;
  }
  await ctx.move(claimed, 'FAILED', {
    failureReason:
      `the upstream could not be reached during the collection (${text}); ` +
      "check the patient's receipts before collecting again",
  });
}

/**
 * The `ledger.recover-collection` job: a PENDING collection whose lease ran out (its process died).
 * Resolve it; never charge again. A collection already settled ends the job; one still within its
 * lease (or whose look-up failed) is looked at again when the lease runs out (no attempt spent).
 */
export async function recoverCollectionJob(ctx: WritePathContext, transactionId: string): Promise<JobOutcome> {
  const claimed = await ctx.store.claimCollectionRecovery(transactionId, ctx.now(), ctx.later(ctx.options.collectionLeaseMs));
  if (!claimed) {
    const row = await ctx.store.findById(transactionId);
    if (row?.status !== 'PENDING' || row.kind !== 'COLLECTION') return 'done';
    const until = row.nextAttemptAt ? new Date(row.nextAttemptAt) : ctx.now();
    return deferUntil(ctx, until, `the collection's lease runs until ${until.toISOString()}`);
  }
  if (claimed.attempts === 0) {
    await ctx.move(claimed, 'FAILED', {
      expectAttempts: 0,
      failureReason:
        'the collection was interrupted before the card was sent; nothing was charged ' +
        '(card data is never stored, so collect again with a new idempotency key)',
    });
    return 'done';
  }
  const found = await lookUpUpstream(ctx, claimed);
  if (found.answer === 'unknown') {
    ctx.log.warn('look-up of an interrupted collection failed; will retry', {
      transactionId: claimed.transactionId,
      error: errorText(found.error),
    });
    // The fresh lease delays the next try.
    return deferUntil(ctx, ctx.later(ctx.options.collectionLeaseMs), 'look-up of the interrupted collection failed');
  }
  if (found.answer === 'landed') {
    await ctx.move(claimed, 'COMPLETED', { records: found.records });
    return 'done';
  }
  await ctx.move(claimed, 'FAILED', {
    failureReason:
      'the collection was interrupted after the card was sent upstream and its outcome is unknown; ' +
      "check the patient's receipts before collecting again",
  });
  return 'done';
}

/** Replace every occurrence of the card's number and security code in a text meant for storage or logs. */
export function redactCard(text: string, card: Pick<CardInput, 'number' | 'cvv'> | null): string {
  if (!card) return text;
  let out = text;
  const digits = card.number.replace(/\D/g, '');
  for (const secret of [card.number, digits]) {
    if (secret.length >= 6) out = out.split(secret).join('[card]');
  }
  const cvv = card.cvv.replace(/\D/g, '');
  if (cvv.length >= 3) out = out.replace(new RegExp(`(?<![0-9])${cvv}(?![0-9])`, 'g'), '[cvv]');
  return out;
}
