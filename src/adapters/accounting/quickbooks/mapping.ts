/**
 * Pure functions between the port's records and QuickBooks' payloads: display names, query
 * literals, request ids, private notes, entry records and refusal causes.
 */
import type {
  AccountingRefusal,
  AccountingRefusalCause,
  BookedEntryRecord,
  CustomerInput,
  EntryBooking,
  EntryKind,
} from '../port';
import type { QboFault, QboReceipt } from './schemas';

/** The QuickBooks entity each entry kind is booked as. */
export const ENTITY_OF_KIND = { SALE: 'SalesReceipt', REFUND: 'RefundReceipt' } as const satisfies Record<EntryKind, string>;

/** `DisplayName` is at most 500 characters. */
export const DISPLAY_NAME_MAX = 500;
/** `requestid` is at most 50 characters. */
export const REQUEST_ID_MAX = 50;
/** `PaymentRefNum` is at most 21 characters. */
export const PAYMENT_REF_NUM_MAX = 21;
/** `PrivateNote` is at most 4,000 characters. */
export const PRIVATE_NOTE_MAX = 4000;

/**
 * `<First> <Last> (<guarantor sourceId>)`, trimmed to 500 characters on the name's side so the id
 * stays (it is what makes the name unique). QBO refuses `:`, tabs and newlines in it; the
 * backslash is dropped too, so a query literal needs only the quote escaped.
 */
export function displayNameOf(input: Pick<CustomerInput, 'firstName' | 'lastName' | 'guarantorSourceId'>): string {
  const clean = (text: string) =>
    text
      .replace(/[:\t\r\n\\]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  const suffix = ` (${clean(input.guarantorSourceId)})`;
  const name = clean(`${input.firstName} ${input.lastName}`)
    .slice(0, DISPLAY_NAME_MAX - suffix.length)
    .trim();
  return `${name}${suffix}`;
}

/** A string literal of the query language: single quotes, `\'` for a quote inside. */
export function queryLiteral(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The upstream key of one entity of one booking: `<idempotencyKey>:<Entity>`. */
export function requestIdOf(idempotencyKey: string, entity: string): string {
  return `${idempotencyKey}:${entity}`;
}

/** `<transactionId> <PROCESSOR> <payment id>[ <refund id>]`, or the transaction id alone without a processor. */
export function privateNoteOf(booking: Pick<EntryBooking, 'transactionId' | 'processor'>): string {
  const { processor } = booking;
  const parts = [booking.transactionId];
  if (processor) parts.push(processor.name, processor.paymentId, ...(processor.refundId ? [processor.refundId] : []));
  return parts.join(' ').slice(0, PRIVATE_NOTE_MAX);
}

/**
 * A receipt as the port's record. QBO keeps a voided receipt with a zero total and a private note
 * that starts with `Voided`; that is what `voided` reads (and its amount is 0 either way).
 * `TotalAmt` is already integer cents (see `receiptSchema`).
 */
export function entryRecordOf(kind: EntryKind, receipt: QboReceipt): BookedEntryRecord {
  // The schema requires TotalAmt on every receipt that is not deleted (deleted ones never get here).
  if (receipt.TotalAmt === undefined) throw new TypeError(`expected TotalAmt on ${receipt.Id}, got none`);
  const amount = receipt.TotalAmt;
  const voided = amount === 0 && /^voided\b/i.test(receipt.PrivateNote ?? '');
  return {
    ref: { kind, id: receipt.Id },
    customerId: receipt.CustomerRef?.value ?? null,
    amount,
    date: receipt.TxnDate ?? null,
    transactionId: receipt.PaymentRefNum?.trim() ? receipt.PaymentRefNum.trim() : null,
    voided,
    version: receipt.SyncToken ?? '0',
    updatedAt: receipt.MetaData?.LastUpdatedTime ?? null,
  };
}

const CAUSE_OF_CODE: Record<string, AccountingRefusalCause> = {
  '6190': 'COMPANY_INACTIVE',
  '120': 'ACCESS_REVOKED',
  '6210': 'PERIOD_CLOSED',
  '610': 'INVALID_REFERENCE',
  '2500': 'INVALID_REFERENCE',
};

/** A fault as the port's refusal: the first error whose code has a meaning, else `VALIDATION`. */
export function refusalOf(fault: QboFault, status: number): AccountingRefusal {
  const meaningful = fault.errors.find((e) => e.code !== null && CAUSE_OF_CODE[e.code]);
  const first = meaningful ?? fault.errors[0];
  const code = first?.code ?? null;
  const text = first ? [first.message, first.detail].filter((t) => t && t.length > 0).join(': ') : '';
  return {
    state: 'FAILED',
    cause: (code !== null && CAUSE_OF_CODE[code]) || 'VALIDATION',
    code,
    reason: `QuickBooks refused it (HTTP ${status}${code ? `, code ${code}` : ''}): ${text || 'no detail'}`.slice(0, 1000),
  };
}

/** A refusal the adapter decides itself (bad input), before any upstream call. */
export function inputRefusal(reason: string): AccountingRefusal {
  return { state: 'FAILED', cause: 'VALIDATION', code: null, reason };
}
