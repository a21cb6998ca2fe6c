/**
 * The generic profile's write: `POST /PaymentReconciliation`, conditional on `If-None-Exist:
 * identifier=urn:ledger-gateway:transaction-id|{txId}` (an existing match answers 200 with it, so a
 * retried POST never creates twice). Invalid resources → 422 `business-rule` naming the rule.
 */
import { readAmount, sumCents } from '../shared/wire-money';
import type { MountState } from './context';
import { badRequest, FhirHttpError, type Reply, unprocessable } from './outcome';
import { GENERIC_SEED } from './seed-generic';
import { referenceOf, type Resource } from './store';

export const PATIENT_TAG_SYSTEM = 'urn:ledger-gateway:patient';
export const TRANSACTION_ID_SYSTEM = 'urn:ledger-gateway:transaction-id';

interface Detail {
  type?: { coding?: Array<{ code?: unknown }>; text?: unknown };
  request?: unknown;
  amount?: { value?: unknown; currency?: unknown };
}

const rule = (message: string) => unprocessable('business-rule', message);

function amountOf(what: string, money: Detail['amount']): number {
  if (!money || (typeof money.value !== 'number' && typeof money.value !== 'string')) throw rule(`${what} is required`);
  if (money.currency !== undefined && money.currency !== 'USD')
    throw rule(`${what}: currency must be USD, got ${String(money.currency)}`);
  const cents = readAmount(money.value);
  if (cents === null) throw rule(`${what}: ${String(money.value)} is not a decimal amount with at most 2 places`);
  return cents;
}

const identifiersOf = (r: Resource) => (r['identifier'] as Array<{ system?: unknown; value?: unknown }> | undefined) ?? [];

export function createPaymentReconciliation(
  state: MountState,
  body: unknown,
  headers: Record<string, string | undefined>,
): Reply {
  const { store, baseUrl } = state;
  const condition = headers['if-none-exist'];
  if (condition !== undefined) {
    const query = new URLSearchParams(condition.replace(/^.*\?/, ''));
    const wanted = query.get('identifier');
    if (wanted === null || [...query.keys()].length !== 1)
      throw badRequest(`If-None-Exist supports identifier=system|value only, got ${condition}`);
    const bar = wanted.indexOf('|');
    const [system, value] = bar < 0 ? [null, wanted] : [wanted.slice(0, bar), wanted.slice(bar + 1)];
    const existing = store
      .all('PaymentReconciliation')
      .filter((r) => identifiersOf(r).some((i) => (system === null || i.system === system) && i.value === value));
    if (existing.length > 1) throw new FhirHttpError(412, `If-None-Exist matched ${existing.length} resources`);
    const found = existing[0];
    if (found)
      return {
        status: 200,
        body: found,
        headers: { Location: `${baseUrl}/PaymentReconciliation/${found.id}/_history/1`, ETag: 'W/"1"' },
      };
  }
  const resource = validate(state, body);
  const id = `pr-${store.next('pr', 3)}`;
  const created: Resource = {
    ...resource,
    id,
    meta: { ...(resource['meta'] as object), versionId: '1', lastUpdated: new Date().toISOString() },
  };
  store.put(created);
  const minimal = /return=minimal/.test(headers['prefer'] ?? '');
  return {
    status: 201,
    body: minimal ? null : created,
    headers: { Location: `${baseUrl}/PaymentReconciliation/${id}/_history/1`, ETag: 'W/"1"' },
  };
}

function validate(state: MountState, body: unknown): Resource {
  const { store } = state;
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw badRequest('the body must be a PaymentReconciliation resource');
  const r = body as Resource;
  if (r.resourceType !== 'PaymentReconciliation')
    throw rule(`resourceType must be PaymentReconciliation, got ${String(r.resourceType)}`);
  const tags = (r['meta'] as { tag?: Array<{ system?: unknown; code?: unknown }> } | undefined)?.tag ?? [];
  const patientId = tags.find((t) => t.system === PATIENT_TAG_SYSTEM)?.code;
  if (typeof patientId !== 'string' || !store.get('Patient', patientId))
    throw rule(`meta.tag ${PATIENT_TAG_SYSTEM} must name an existing Patient, got ${String(patientId ?? 'none')}`);
  for (const field of ['status', 'created', 'paymentDate'] as const)
    if (typeof r[field] !== 'string' || r[field] === '') throw rule(`${field} is required`);
  if (r['paymentAmount'] === undefined) throw rule('paymentAmount is required');
  const paymentAmount = amountOf('paymentAmount', r['paymentAmount'] as Detail['amount']);
  const details = Array.isArray(r['detail']) ? (r['detail'] as Detail[]) : [];
  if (details.length === 0) throw rule('detail[] needs at least one entry');
  const amounts = details.map((detail, i) => {
    const kind = detail.type?.coding?.[0]?.code;
    if (kind !== 'payment' && kind !== 'adjustment')
      throw rule(`detail[${i}].type is required (payment or adjustment), got ${String(kind ?? 'none')}`);
    const name = detail.type?.text;
    const known =
      kind === 'payment' ? (GENERIC_SEED.paymentTypes as readonly string[]) : Object.keys(GENERIC_SEED.adjustmentTypes);
    if (typeof name !== 'string' || !known.includes(name))
      throw rule(
        `detail[${i}].type.text must be a ${kind} type of this practice (${known.join(', ')}), got ${String(name ?? 'none')}`,
      );
    checkRequest(state, patientId, referenceOf(detail.request), i);
    return amountOf(`detail[${i}].amount`, detail.amount);
  });
  const total = sumCents(amounts);
  if (total !== paymentAmount)
    throw rule(`paymentAmount ${String((r['paymentAmount'] as Detail['amount'])?.value)} must equal the sum of detail amounts`);
  const txIds = identifiersOf(r).filter((i) => i.system === TRANSACTION_ID_SYSTEM);
  for (const id of txIds)
    if (
      store
        .all('PaymentReconciliation')
        .some((other) => identifiersOf(other).some((i) => i.system === TRANSACTION_ID_SYSTEM && i.value === id.value))
    )
      throw unprocessable(
        'duplicate',
        `identifier ${TRANSACTION_ID_SYSTEM}|${String(id.value)} already exists (send If-None-Exist to get it back)`,
      );
  return r;
}

/** A detail's `request` must be the tagged patient's ChargeItem or Account, or the Patient itself. */
function checkRequest(state: MountState, patientId: string, reference: string, i: number): void {
  const target = reference ? state.store.resolve(reference) : undefined;
  const ours =
    (target?.resourceType === 'Patient' && target.id === patientId) ||
    (target?.resourceType === 'ChargeItem' && referenceOf(target['subject']) === `Patient/${patientId}`) ||
    (target?.resourceType === 'Account' &&
      ((target['subject'] as unknown[] | undefined) ?? []).some((s) => referenceOf(s) === `Patient/${patientId}`));
  if (!ours)
    throw rule(
      `detail[${i}].request must reference a ChargeItem, Account or Patient of Patient/${patientId}, got ${reference || 'none'}`,
    );
}
