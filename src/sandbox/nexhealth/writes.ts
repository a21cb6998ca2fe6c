/**
 * `POST /payments` and `POST /adjustments`: every validation of the spec's *Decision*, then a 202
 * `{ code: true, data: { transaction_id, status: "pending" } }`. The write is handed to the
 * insertion engine (see `insertion.ts`), which lands it later or fails it.
 *
 * Accepted amounts: JSON numbers in dollars (`-138.5`) or decimal strings (`"-138.50"`), read exactly
 * (never through float arithmetic). Splits are maps `{ "<id>": amount }` signed like `amount`.
 */
import { readAmount, sumCents } from '../shared/wire-money';
import type { RequestContext } from './context';
import { badRequest, ok, type Reply } from './envelope';
import type { Cents } from './types';

export const MAX_TRANSACTION_ID_LENGTH = 50;

export type WriteKind = 'payment' | 'adjustment';

/** A validated write waiting to land. */
export interface AcceptedWrite {
  kind: WriteKind;
  transactionId: string;
  locationId: number;
  patientId: number;
  amount: Cents;
  /** payment_type_id or adjustment_type_id. */
  typeId: number;
  chargeSplits: Array<{ id: number; amount: Cents }> | null;
  providerSplits: Array<{ id: number; amount: Cents }> | null;
  /** paid_at / adjusted_at (ISO), defaulting to the time of the request. */
  occurredAt: string;
  notes: string | null;
  acceptedAt: number;
}

function amountOf(name: string, value: unknown): Cents {
  if (typeof value !== 'number' && typeof value !== 'string') throw badRequest(`${name} must be a number or a decimal string`);
  const cents = readAmount(value);
  if (cents === null) throw badRequest(`${name} is invalid: expected a plain decimal amount with at most 2 decimal places`);
  return cents;
}

function idOf(name: string, value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  if (typeof value === 'string' && /^[1-9][0-9]*$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  throw badRequest(`${name} is required and must be an id`);
}

function splitsOf(name: string, value: unknown): Array<{ id: number; amount: Cents }> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest(`${name} must be an object of { "<id>": amount }`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return null;
  return entries.map(([key, amount]) => ({ id: idOf(`${name} key`, key), amount: amountOf(`${name}["${key}"]`, amount) }));
}

/** Validate a write body against the store; returns the accepted write or throws a 400. */
export function validateWrite(ctx: RequestContext, kind: WriteKind): AcceptedWrite {
  const { store } = ctx;
  const locationId = ctx.locationId!;
  const envelope = ctx.body;
  const payload = envelope && typeof envelope === 'object' ? (envelope as Record<string, unknown>)[kind] : undefined;
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw badRequest(`${kind} is required`);
  const body = payload as Record<string, unknown>;

  const transactionId = body['transaction_id'];
  if (typeof transactionId !== 'string' || transactionId.trim() === '') throw badRequest('transaction_id is required');
  if (transactionId.length > MAX_TRANSACTION_ID_LENGTH) {
    throw badRequest(`transaction_id is too long (maximum is ${MAX_TRANSACTION_ID_LENGTH} characters)`);
  }
  if (store.usedTransactionIds.has(transactionId)) throw badRequest('transaction_id has already been used');

  if (body['amount'] === undefined || body['amount'] === null) throw badRequest('amount is required');
  const amount = amountOf('amount', body['amount']);
  if (amount === 0) throw badRequest('amount must not be zero');
  const currency = body['currency'];
  if (currency !== undefined && currency !== null && currency !== 'USD') throw badRequest('currency must be USD');

  const typeField = kind === 'payment' ? 'payment_type_id' : 'adjustment_type_id';
  const typeId = idOf(typeField, body[typeField]);
  const types = kind === 'payment' ? store.seed.paymentTypes : store.seed.adjustmentTypes;
  if (!types.some((t) => t.id === typeId && t.location_id === locationId)) {
    throw badRequest(
      `${kind === 'payment' ? 'Payment' : 'Adjustment'} type with ID ${typeId} not found in location ${locationId}`,
    );
  }

  const patientId = idOf('patient_id', body['patient_id']);
  if (!store.patientInLocation(patientId, locationId))
    throw badRequest(`Patient with ID ${patientId} not found in location ${locationId}`);

  const chargeSplits = splitsOf('charge_splits', body['charge_splits']);
  const providerSplits = splitsOf('provider_splits', body['provider_splits']);
  if (chargeSplits && providerSplits) throw badRequest('charge_splits and provider_splits cannot be used together');
  const splits = chargeSplits ?? providerSplits;
  if (splits) {
    for (const split of splits) {
      if (split.amount === 0 || split.amount > 0 !== amount > 0)
        throw badRequest('split amounts must have the same sign as amount');
    }
    const total = sumCents(splits.map((s) => s.amount));
    if (total !== amount) throw badRequest('the sum of the splits must equal amount');
  }
  for (const split of chargeSplits ?? []) {
    const charge = store.charges.get(split.id);
    if (!charge || charge.patient_id !== patientId || charge.deleted_at) {
      throw badRequest(`Charge with ID ${split.id} not found for patient ${patientId}`);
    }
  }
  for (const split of providerSplits ?? []) {
    const provider = store.providers.get(split.id);
    if (!provider || provider.location_id !== locationId)
      throw badRequest(`Provider with ID ${split.id} not found in location ${locationId}`);
  }
  if (kind === 'adjustment' && amount > 0 && !splits)
    throw badRequest('A positive adjustment requires charge_splits or provider_splits');

  const dateField = kind === 'payment' ? 'paid_at' : 'adjusted_at';
  const dateValue = body[dateField];
  let occurredAt = new Date().toISOString();
  if (dateValue !== undefined && dateValue !== null) {
    if (typeof dateValue !== 'string' || Number.isNaN(Date.parse(dateValue)))
      throw badRequest(`${dateField} must be an ISO 8601 date-time`);
    occurredAt = new Date(Date.parse(dateValue)).toISOString();
  }
  const notes = typeof body['notes'] === 'string' ? body['notes'] : null;

  return {
    kind,
    transactionId,
    locationId,
    patientId,
    amount,
    typeId,
    chargeSplits,
    providerSplits,
    occurredAt,
    notes,
    acceptedAt: Date.now(),
  };
}

/** The 202 answer of an accepted write. */
export function acceptedReply(write: AcceptedWrite): Reply {
  return ok({ transaction_id: write.transactionId, status: 'pending' }, 202, 'Accepted');
}
