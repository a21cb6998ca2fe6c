/**
 * `collectPayment` for athenahealth: `POST /v1/{pid}/patients/{id}/collectpayment`, sent once and
 * never retried (a failure whose outcome is unknown is `UPSTREAM_UNAVAILABLE`, for the caller to
 * reconcile), a decline is a FAILED outcome rather than an error, and a success carries the payment
 * rows it made (re-read from the patient where possible). Also the form itself
 * (`collectPaymentForm`). Card data lives only in the local form for the duration of the call.
 */
import { formatCents, negateCents } from '../../../ledger/money';
import { UpstreamError, type CardCollection, type PaymentRecord, type WriteOutcome } from '../port';
import { redact, type AthenaClient } from './client';
import type { PatientReads } from './reads';
import { collectPaymentResponseSchema } from './schemas';

const EP_COLLECT = '/v1/{practiceid}/patients/{patientid}/collectpayment';

export async function collectPayment(
  client: AthenaClient,
  reads: PatientReads,
  collection: CardCollection,
): Promise<WriteOutcome> {
  const secrets = [collection.card.number, collection.card.number.replace(/[\s-]/g, ''), collection.card.cvv];
  const form = collectPaymentForm(collection);
  const path = client.practiceUrl(`/patients/${encodeURIComponent(collection.patientSourceId)}/collectpayment`);
  const res = await client.postForm(path, form, EP_COLLECT);
  // The form (card data) is not kept past this point: nothing references it any more.
  if (res.status === 404 && !/invalid practice/i.test(res.text)) {
    throw new UpstreamError(
      `athenahealth: patient ${collection.patientSourceId} not found for POST ${EP_COLLECT}`,
      'NOT_FOUND',
      404,
      EP_COLLECT,
    );
  }
  if (res.status < 200 || res.status >= 300) throw client.failure('POST', EP_COLLECT, res, secrets);
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw new UpstreamError(
      `athenahealth: malformed response from POST ${EP_COLLECT}; the outcome is unknown`,
      'UPSTREAM_UNAVAILABLE',
      res.status,
      EP_COLLECT,
    );
  }
  const parsed = collectPaymentResponseSchema.safeParse(json);
  if (!parsed.success) {
    throw new UpstreamError(
      `athenahealth: malformed response from POST ${EP_COLLECT}; the outcome is unknown`,
      'UPSTREAM_UNAVAILABLE',
      res.status,
      EP_COLLECT,
    );
  }
  if (!parsed.data.success) {
    return { state: 'FAILED', reason: redact(parsed.data.errortext || 'Payment not processed', secrets) };
  }
  const epaymentId = parsed.data.epaymentid ?? null;
  const records = await collectedRecords(reads, collection, epaymentId);
  return { state: 'COMPLETED', receiptId: epaymentId, records: { payments: records, adjustments: [] } };
}

/**
 * The PAYMENT rows of a successful collection. Claim payments are re-read from the patient (the
 * rows athenahealth appended, matched by epayment id and claim) so their source ids are the real
 * ones; when the re-read fails or does not show them, they are built from the request. Copay and
 * other amounts land in no claim, so they are always built from the request. Every row carries the
 * gateway's transaction id.
 */
async function collectedRecords(
  reads: PatientReads,
  collection: CardCollection,
  epaymentId: string | null,
): Promise<PaymentRecord[]> {
  // Like a read's rows (athenahealth dates a payment by its day): midnight UTC of today.
  const paidAt = `${new Date().toISOString().slice(0, 10)}T00:00:00Z`;
  const base = {
    patientSourceId: collection.patientSourceId,
    providerSourceId: null,
    paymentTypeSourceId: null,
    transactionId: collection.transactionId,
    fromInsurance: false,
  } as const;
  const tag = epaymentId ?? collection.transactionId;
  const records: PaymentRecord[] = [];
  const claimPayments = collection.claimPayments.filter((c) => c.amount > 0);
  let reread: PaymentRecord[] = [];
  if (claimPayments.length > 0 && epaymentId !== null) {
    try {
      const ledger = await reads.ledgerOf(collection.patientSourceId);
      reread = (ledger?.payments ?? []).filter((p) => p.transactionId === epaymentId);
    } catch {
      reread = []; // the payment is done; a failed re-read must not turn it into an error
    }
  }
  for (const { claimId, amount } of claimPayments) {
    const rows = reread.filter((r) => r.claimSourceId === claimId);
    if (rows.length > 0) {
      for (const row of rows)
        records.push({
          ...row,
          ...base,
          chargeSourceId: row.chargeSourceId,
          claimSourceId: claimId,
          amount: row.amount,
          paidAt: row.paidAt,
        });
    } else {
      records.push({
        ...base,
        sourceId: `epayment-${tag}-claim-${claimId}`,
        chargeSourceId: null,
        claimSourceId: claimId,
        amount: negateCents(amount),
        paidAt,
      });
    }
  }
  if (collection.copayAmount !== null && collection.copayAmount > 0) {
    records.push({
      ...base,
      sourceId: `epayment-${tag}-copay`,
      chargeSourceId: null,
      claimSourceId: null,
      amount: negateCents(collection.copayAmount),
      paidAt,
    });
  }
  if (collection.otherAmount !== null && collection.otherAmount > 0) {
    records.push({
      ...base,
      sourceId: `epayment-${tag}-other`,
      chargeSourceId: null,
      claimSourceId: null,
      amount: negateCents(collection.otherAmount),
      paidAt,
    });
  }
  return records;
}

/**
 * The collectpayment form: every field of the spec, amounts as decimal strings, `claimpayment` a
 * JSON string. `nameoncard` and `billingaddress` are cut to athenahealth's limits (30 and 20).
 */
export function collectPaymentForm(collection: CardCollection): URLSearchParams {
  const { card } = collection;
  const form = new URLSearchParams();
  form.set('departmentid', collection.departmentId);
  form.set('accountnumber', card.number.replace(/[\s-]/g, ''));
  form.set('expirationmonthmm', String(card.expMonth).padStart(2, '0'));
  form.set('expirationyearyyyy', String(card.expYear < 100 ? 2000 + card.expYear : card.expYear));
  form.set('cardsecuritycode', card.cvv);
  form.set('nameoncard', card.nameOnCard.slice(0, 30));
  form.set('billingaddress', card.billingAddress.slice(0, 20));
  form.set('billingzip', card.billingZip);
  form.set('ecommercemode', 'true');
  if (collection.copayAmount !== null && collection.copayAmount > 0) {
    form.set('copayamount', formatCents(collection.copayAmount));
  }
  if (collection.appointmentId) form.set('appointmentid', collection.appointmentId);
  if (collection.otherAmount !== null && collection.otherAmount > 0) {
    form.set('otheramount', formatCents(collection.otherAmount));
  }
  if (collection.claimPayments.length > 0) {
    form.set('claimpayment', JSON.stringify(collection.claimPayments.map((c) => ({ [c.claimId]: formatCents(c.amount) }))));
  }
  form.set('allowduplicatepayments', collection.allowDuplicate ? 'true' : 'false');
  return form;
}
