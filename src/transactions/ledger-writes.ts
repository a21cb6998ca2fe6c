/**
 * Creating a ledger write (PAYMENT / ADJUSTMENT on systems that take writes, such as NexHealth):
 * check it, store it PENDING durably — idempotency key, transaction id, row and its `ledger.submit`
 * job in ONE SQL transaction (the outbox), committed before anything goes upstream — then run that
 * job's first attempt inline, so the caller usually gets the upstream's answer at once.
 *
 *     const row = await createLedgerWrite(ctx, {
 *       practiceId: 'smile-dental', idempotencyKey: input.idempotencyKey, fingerprint,
 *       write: { kind: 'PAYMENT', patientSourceId: '42', amount: -5000, currency: 'USD',
 *                typeSourceId: '7', providerSplits: null, chargeSplits: null,
 *                occurredAt: new Date().toISOString(), notes: null },
 *     });
 *     // row.status is usually 'SUBMITTED'; a replay of the key returns the stored row as it is.
 */
import type { OutgoingLedgerWrite, Tender } from '../adapters/ledger/port';
import { toTransactionRow, type WritePathContext } from './context';
import { TransactionInputError } from './errors';
import { requireCents, requireRequestKeys, requireText } from './input-checks';
import type { StoredLedgerWrite } from './store';
import type { TransactionRow } from './types';
import { enqueueSubmit } from './write-path-jobs';

export interface CreateLedgerTransactionInput {
  practiceId: string;
  idempotencyKey: string;
  /** A canonical text of the mutation's input, computed by the caller (no card data). */
  fingerprint: string;
  write: Omit<OutgoingLedgerWrite, 'transactionId'>;
  /**
   * A refund only: what the patient's ledger says may still be refunded, in cents. The store refuses
   * the refund (AMOUNT_OUT_OF_RANGE) when it and the patient's refunds not yet in the ledger
   * (PENDING, SUBMITTED) would together exceed it, checked under a per-patient lock in the same SQL
   * transaction as the insert, so two refunds sent at once cannot both pass.
   */
  refundCeiling?: number;
}

/** Store the write PENDING with its submit job, then run the job once here; returns the row after that first attempt. */
export async function createLedgerWrite(ctx: WritePathContext, input: CreateLedgerTransactionInput): Promise<TransactionRow> {
  const keys = requireRequestKeys(input);
  const write = storedWriteFrom(input.write);
  if (!ctx.adapters(keys.practiceId)?.submitWrite) {
    throw new TransactionInputError(`practice ${keys.practiceId} does not accept ledger writes`);
  }
  let jobId = null as string | null;
  const { row, created } = await ctx.store.createTransaction({
    ...keys,
    transactionIdPrefix: ctx.options.transactionIdPrefix,
    kind: write.kind,
    amount: write.amount,
    currency: write.currency,
    patientSourceId: write.patientSourceId,
    request: { kind: write.kind, write },
    now: ctx.now(),
    ...(input.refundCeiling === undefined ? {} : { refundCeiling: input.refundCeiling }),
    afterInsert: async (tx, inserted) => {
      jobId = await enqueueSubmit(ctx, tx, inserted);
    },
  });
  if (!created) return toTransactionRow(row);
  ctx.log.info('transaction stored', { practiceId: keys.practiceId, transactionId: row.transactionId, kind: row.kind });
  await ctx.publish(row);
  return ctx.inFlight.track(async () => {
    await ctx.hooks.afterStore?.(toTransactionRow(row));
    // The first attempt is the job's own (claimed by id, counted on the job): a process that dies
    // here leaves the job to whichever instance claims it next. Another worker may have taken it
    // first (then `null`): the row is answered as it is.
    const ran = jobId ? await ctx.jobs.run(jobId) : null;
    // What the handler threw (a crash seam, the database) reaches the caller, as before the queue;
    // the job has stored it and retries.
    if (ran?.error !== undefined) throw ran.error;
    return toTransactionRow((await ctx.store.findById(row.transactionId)) ?? row);
  });
}

/** The write as stored, every field checked (a TransactionInputError names the first bad one). */
function storedWriteFrom(w: Omit<OutgoingLedgerWrite, 'transactionId'>): StoredLedgerWrite {
  if (w.kind !== 'PAYMENT' && w.kind !== 'ADJUSTMENT') {
    throw new TransactionInputError('write.kind must be PAYMENT or ADJUSTMENT');
  }
  const splits = (list: OutgoingLedgerWrite['providerSplits']) =>
    list ? list.map((s) => ({ id: s.id, amount: requireCents(s.amount, 'split.amount') })) : null;
  return {
    kind: w.kind,
    patientSourceId: requireText(w.patientSourceId, 'write.patientSourceId'),
    amount: requireCents(w.amount, 'write.amount'),
    currency: requireText(w.currency, 'write.currency', 8),
    typeSourceId: requireText(w.typeSourceId, 'write.typeSourceId'),
    providerSplits: splits(w.providerSplits),
    chargeSplits: splits(w.chargeSplits),
    occurredAt: requireText(w.occurredAt, 'write.occurredAt', 64),
    notes: w.notes ?? null,
    // Stored with the request so a re-send after a crash carries the same card / check details.
    ...(w.tender ? { tender: tenderFrom(w.tender) } : {}),
  };
}

/** The tender as stored: its text fields and cents checked, nothing else kept. */
function tenderFrom(t: Tender): Tender {
  const out: Tender = {};
  for (const key of ['cardBrand', 'cardLast4', 'cardExpiry', 'checkNumber', 'checkDate'] as const) {
    if (t[key] != null) out[key] = requireText(t[key], `write.tender.${key}`, 32);
  }
  if (t.tendered != null) out.tendered = requireCents(t.tendered, 'write.tender.tendered');
  return out;
}
