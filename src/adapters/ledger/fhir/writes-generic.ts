/**
 * generic writes: one PaymentReconciliation per gateway transaction, posted conditionally
 * (`If-None-Exist: identifier=urn:ledger-gateway:transaction-id|{txId}`), so repeating the POST after
 * a timeout or a 503 can never create a second one: the server answers 200 with the existing one.
 *
 *     const body = paymentReconciliationBody({ write, typeName, accountId });   // pure
 *     const outcome = await submitGenericWrite(deps, write);                     // COMPLETED | FAILED
 *
 * Details: one per split (else one for the whole amount). Payment amounts are money received
 * (positive; a refund negative); adjustments carry the ledger's sign.
 */
import type { PaymentReconciliation, PaymentReconciliationDetail } from 'fhir/r4';
import { type OutgoingLedgerWrite, UpstreamError, type WriteOutcome } from '../port';
import type { FhirClient } from './client';
import type { FhirConnection } from './connection';
import { outcomeOf } from './outcome';
import { PATIENT_TAG_SYSTEM, reconciliationRows, TX_SYSTEM } from './reads-generic';
import { datePart, money, serializeFhir } from './write-body';

const PAYMENT_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/payment-type';
/** Repeats of the conditional POST after no answer (the same bound as "Rate limits"). */
const NO_ANSWER_REPEATS = 3;

export function paymentReconciliationBody(args: {
  write: OutgoingLedgerWrite;
  typeName: string;
  accountId: string | null;
}): PaymentReconciliation {
  const { write, typeName, accountId } = args;
  const kind = write.kind === 'PAYMENT' ? 'payment' : 'adjustment';
  // Payments are sent as money received; adjustments with the ledger's sign.
  const wire = (cents: number) => (write.kind === 'PAYMENT' ? -cents : cents);
  const whole = accountId ? `Account/${accountId}` : `Patient/${write.patientSourceId}`;
  const parts: Array<{ amount: number; request: string; payee?: string }> = write.chargeSplits?.length
    ? write.chargeSplits.map((s) => ({ amount: s.amount, request: `ChargeItem/${s.id}` }))
    : write.providerSplits?.length
      ? write.providerSplits.map((s) => ({ amount: s.amount, request: whole, payee: `Practitioner/${s.id}` }))
      : [{ amount: write.amount, request: whole }];
  const date = datePart(write.occurredAt);
  const detail: PaymentReconciliationDetail[] = parts.map((p, i) => ({
    identifier: { system: TX_SYSTEM, value: `${write.transactionId}-${i + 1}` },
    type: { coding: [{ system: PAYMENT_TYPE_SYSTEM, code: kind }], text: typeName },
    request: { reference: p.request },
    ...(p.payee ? { payee: { reference: p.payee } } : {}),
    date,
    amount: money(wire(p.amount)),
  }));
  return {
    resourceType: 'PaymentReconciliation',
    meta: { tag: [{ system: PATIENT_TAG_SYSTEM, code: write.patientSourceId }] },
    identifier: [{ system: TX_SYSTEM, value: write.transactionId }],
    status: 'active',
    created: write.occurredAt,
    paymentDate: date,
    outcome: 'complete',
    paymentAmount: money(parts.reduce((s, p) => s + wire(p.amount), 0)),
    detail,
  };
}

export interface GenericWriteDeps {
  client: FhirClient;
  connection: FhirConnection;
  /** The patient's active account id, if any (a detail's `request` without a charge split). */
  accountOf(patientId: string): Promise<string | null>;
}

export async function submitGenericWrite(deps: GenericWriteDeps, write: OutgoingLedgerWrite): Promise<WriteOutcome> {
  const list = write.kind === 'PAYMENT' ? deps.connection.paymentTypes : deps.connection.adjustmentTypes;
  const type = list?.find((t) => t.id === write.typeSourceId);
  if (!type)
    return {
      state: 'FAILED',
      reason: `type "${write.typeSourceId}" is not in the practice's ${write.kind === 'PAYMENT' ? 'payment' : 'adjustment'} types`,
    };
  if ('action' in type && (type.action === 'credit') !== write.amount < 0) {
    return { state: 'FAILED', reason: `adjustment type "${type.name}" is a ${type.action}; the amount has the other sign` };
  }
  const body = serializeFhir(
    paymentReconciliationBody({ write, typeName: type.name, accountId: await deps.accountOf(write.patientSourceId) }),
  );
  const headers = {
    'if-none-exist': `identifier=${TX_SYSTEM}|${write.transactionId}`,
    prefer: 'return=representation',
  };
  let res: Awaited<ReturnType<FhirClient['post']>> | null = null;
  for (let n = 0; res === null; n++) {
    try {
      res = await deps.client.post('PaymentReconciliation', body, headers);
    } catch (err) {
      // No answer: the conditional create makes the same POST safe to repeat.
      const noAnswer = err instanceof UpstreamError && err.status === null && err.code === 'UPSTREAM_UNAVAILABLE';
      if (!noAnswer || n >= NO_ANSWER_REPEATS) throw err;
    }
  }
  if (res.status === 200 || res.status === 201) {
    let json: unknown = null;
    try {
      json = JSON.parse(res.text);
    } catch {
      json = null;
    }
    const records = json ? reconciliationRows(write.patientSourceId, [json]) : { payments: [], adjustments: [] };
    const id = (json as { id?: unknown } | null)?.id;
    return { state: 'COMPLETED', records, receiptId: typeof id === 'string' ? id : null };
  }
  if (res.status === 422) {
    return {
      state: 'FAILED',
      reason: outcomeOf(res.text)?.diagnostics ?? 'the FHIR server refused the PaymentReconciliation (HTTP 422)',
    };
  }
  throw deps.client.failure('POST', '/PaymentReconciliation', res);
}
