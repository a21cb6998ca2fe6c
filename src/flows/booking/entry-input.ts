/**
 * What a booking sends to the books, composed from the store (the transaction, its checkout or
 * refund) and the ledger (the guarantor's name): no I/O to the books here.
 *
 * - A COLLECTION → a `SALE` of what the processor took (`amount_paid`), dated the payment's UTC
 *   date, noting the processor's payment id. A collection without a checkout (a card collected by
 *   the ledger itself) books its own amount, dated its completion's UTC date, with no processor.
 * - A REFUND → a `REFUND` of what was given back, dated the refund's date in the practice's time
 *   zone, noting the payment and the processor's refund id (`re_…`).
 * - The customer is the **guarantor's**: the patient's guarantor, or the patient when she is her own.
 */
import { DateTime } from 'luxon';
import type { CustomerInput, EntryBooking } from '../../adapters/accounting/port';
import { getCheckout } from '../../flows/collection/checkout-store';
import { getRefund } from '../../flows/collection/refund-store';
import { absCents } from '../../ledger/money';
import type { StoredTransaction } from '../../transactions/store';
import type { BookingContext, PracticeBooks } from './context';

/** The entry without its customer (known only once `ensureCustomer` answered), and the guarantor it is for. */
export interface ComposedEntry {
  entry: Omit<EntryBooking, 'customerId'>;
  customer: Omit<CustomerInput, 'knownCustomerId'>;
}

/** Why a transaction cannot be booked (its rows are not what a booking needs); never retried. */
export class NotBookable extends Error {}

const utcDate = (iso: string) => iso.slice(0, 10);

async function amounts(
  flow: BookingContext,
  row: StoredTransaction,
): Promise<Pick<EntryBooking, 'kind' | 'amount' | 'date' | 'processor' | 'description'>> {
  const sql = flow.ctx.store.sql;
  if (row.kind === 'COLLECTION') {
    const checkout = await getCheckout(sql, row.transactionId);
    if (!checkout) {
      return {
        kind: 'SALE',
        amount: absCents(row.amount),
        date: utcDate(row.updatedAt),
        processor: null,
        description: 'Patient payment',
      };
    }
    if (!checkout.paymentId || checkout.amountPaid <= 0) throw new NotBookable(`checkout ${row.transactionId} has no payment`);
    return {
      kind: 'SALE',
      amount: checkout.amountPaid,
      date: utcDate(checkout.paidAt ?? row.updatedAt),
      processor: { name: checkout.processor, paymentId: checkout.paymentId, refundId: null },
      description: 'Patient payment',
    };
  }
  if (row.kind === 'REFUND') {
    const refund = await getRefund(sql, row.transactionId);
    const checkout = refund ? await getCheckout(sql, refund.refundOf) : null;
    if (!refund || !checkout?.paymentId) throw new NotBookable(`refund ${row.transactionId} has no refunded payment`);
    const date = DateTime.fromISO(row.createdAt, { zone: 'utc' }).setZone(flow.timeZoneOf(row.practiceId)).toISODate();
    return {
      kind: 'REFUND',
      amount: refund.amount,
      date: date ?? utcDate(row.createdAt),
      processor: { name: checkout.processor, paymentId: checkout.paymentId, refundId: refund.processorRefundId },
      description: 'Patient refund',
    };
  }
  throw new NotBookable(`a ${row.kind} transaction is not booked`);
}

/**
 * The guarantor of the transaction's patient, by name, from the ledger (ids and names only; the
 * contact details are not sent to the books). Throws the ledger's error when it cannot be read.
 */
async function guarantorOf(
  flow: BookingContext,
  row: StoredTransaction,
): Promise<Omit<CustomerInput, 'knownCustomerId' | 'idempotencyKey'>> {
  const ledger = flow.practices.get(row.practiceId)?.adapter;
  if (!ledger) throw new NotBookable(`practice ${row.practiceId} is not configured`);
  const [patient] = await ledger.patients([row.patientSourceId]);
  if (patient instanceof Error) throw patient;
  if (!patient) throw new NotBookable(`patient ${row.patientSourceId} was not found in the ledger`);
  const guarantorId = patient.guarantorSourceId ?? patient.sourceId;
  if (guarantorId === patient.sourceId) {
    return { guarantorSourceId: guarantorId, firstName: patient.firstName, lastName: patient.lastName, email: null, phone: null };
  }
  const [guarantor] = await ledger.patients([guarantorId]);
  if (guarantor instanceof Error) throw guarantor;
  // A guarantor who is no patient has her name on the patient (athenahealth), or only her id.
  const name = guarantor ?? patient.guarantorName ?? { firstName: '', lastName: `Guarantor ${guarantorId}` };
  return { guarantorSourceId: guarantorId, firstName: name.firstName, lastName: name.lastName, email: null, phone: null };
}

/** The booking's content: the entry and the guarantor. Throws `NotBookable`, or the ledger's error. */
export async function composeEntry(flow: BookingContext, row: StoredTransaction, books: PracticeBooks): Promise<ComposedEntry> {
  const money = await amounts(flow, row);
  const guarantor = await guarantorOf(flow, row);
  return {
    entry: {
      ...money,
      transactionId: row.transactionId,
      idempotencyKey: row.transactionId,
      itemId: books.itemId,
      depositAccountId: books.depositAccountId,
      paymentMethodId: books.paymentMethodId,
    },
    customer: { ...guarantor, idempotencyKey: row.transactionId },
  };
}
