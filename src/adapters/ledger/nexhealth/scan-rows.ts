/**
 * The rows of NexHealth's location-wide scans (scans.ts): guarantor balances, payments, patients.
 * Each row is checked by a zod schema of its wire shape that has no transform, then turned by plain
 * code into exactly what the row schemas of schemas.ts give (ids as strings, `""` refs as null,
 * money as integer cents through `parseWireAmount`, absent strings as null), so the mapping is
 * shared. A bad amount is a ZodError at `[row, field]`, like the row schemas'.
 *
 *     const rows = await parseScanRows(envelope, guarantorBalanceRow, toWireGuarantorBalance);
 *
 * Why not the row schemas: a zod 4 schema with transforms (every id, ref and money field of those)
 * leaves zod's fast path; a page of 1,000 guarantor balances took ~50 ms of zod and ~20 ms of
 * garbage collection per page against ~8 ms and ~1 ms this way (test/bench/reports-part.ts measures
 * it). During a report those pauses were what held back a single patient's balance on the same
 * event loop (the README's reports bench).
 */
import { setImmediate } from 'node:timers/promises';
import { z } from 'zod';
import { parseWireAmount } from '../../../ledger/money';
import { ShapeError } from './client';
import { isDeletedRow, type Envelope, type WireGuarantorBalance, type WirePatient, type WirePayment } from './schemas';

/**
 * Rows checked between two turns of the event loop (~1 ms of work at 1,000-row pages), so that a
 * page never holds back other requests' I/O for long.
 */
const ROWS_PER_TURN = 100;

const wireId = z.union([z.string().min(1), z.number().int()]);
const wireRef = z.union([z.string(), z.number().int()]).nullish();
const wireText = z.string().nullish();

interface WireMoney {
  amount: string | number;
  currency?: string | null;
}
const isWireMoney = (v: unknown): v is WireMoney => {
  if (typeof v !== 'object' || v === null) return false;
  const { amount, currency } = v as { amount?: unknown; currency?: unknown };
  return (typeof amount === 'string' || typeof amount === 'number') && (currency == null || typeof currency === 'string');
};
const wireMoney = z.custom<WireMoney>(isWireMoney, {
  message: 'expected { "amount": string | number, "currency"?: string }',
});

export const guarantorBalanceRow = z.object({
  id: wireId,
  guarantor_id: wireId,
  location_id: wireRef,
  total_balance: wireMoney,
  guarantor_portion: wireMoney,
  insurance_estimate: wireMoney,
  write_off_estimate: wireMoney.nullish(),
  total_balance_under_30: wireMoney,
  total_balance_31_60: wireMoney,
  total_balance_61_90: wireMoney,
  total_balance_over_90: wireMoney,
  updated_at: wireText,
});

export const paymentRow = z.object({
  id: wireId,
  patient_id: wireId,
  guarantor_id: wireRef,
  provider_id: wireRef,
  charge_id: wireRef,
  claim_id: wireRef,
  insurance_plan_id: wireRef,
  payment_type_id: wireRef,
  payment_amount: wireMoney,
  paid_at: wireText,
  transaction_id: wireRef,
});

export const patientRow = z.object({
  id: wireId,
  first_name: wireText,
  last_name: wireText,
  name: wireText,
  email: wireText,
  guarantor_id: z.union([z.string(), z.number()]).nullish(),
  bio: z
    .object({
      non_patient: z.boolean().nullish(),
      date_of_birth: z.string().nullish(),
      cell_phone_number: z.string().nullish(),
      phone_number: z.string().nullish(),
    })
    .nullish(),
  location_ids: z.array(z.union([z.string(), z.number()])).nullish(),
  inactive: z.boolean().nullish(),
});

const ref = (v: string | number | null | undefined): string | null =>
  v === null || v === undefined || v === '' ? null : String(v);

/** Integer cents, or a ZodError at `[row, field]` with the row schemas' message. */
function cents(money: WireMoney, index: number, field: string): number {
  try {
    return parseWireAmount(money.amount);
  } catch (err) {
    throw new z.ZodError([
      {
        code: 'custom',
        path: [index, field],
        input: money.amount,
        message: `expected a decimal amount with at most 2 decimals, got ${JSON.stringify(money.amount)} (${err instanceof Error ? err.message : 'unreadable'})`,
      },
    ]);
  }
}

export function toWireGuarantorBalance(row: z.output<typeof guarantorBalanceRow>, i: number): WireGuarantorBalance {
  return {
    id: String(row.id),
    guarantor_id: String(row.guarantor_id),
    location_id: ref(row.location_id),
    total_balance: cents(row.total_balance, i, 'total_balance'),
    guarantor_portion: cents(row.guarantor_portion, i, 'guarantor_portion'),
    insurance_estimate: cents(row.insurance_estimate, i, 'insurance_estimate'),
    write_off_estimate: row.write_off_estimate == null ? null : cents(row.write_off_estimate, i, 'write_off_estimate'),
    total_balance_under_30: cents(row.total_balance_under_30, i, 'total_balance_under_30'),
    total_balance_31_60: cents(row.total_balance_31_60, i, 'total_balance_31_60'),
    total_balance_61_90: cents(row.total_balance_61_90, i, 'total_balance_61_90'),
    total_balance_over_90: cents(row.total_balance_over_90, i, 'total_balance_over_90'),
    updated_at: row.updated_at ?? null,
  };
}

export function toWirePayment(row: z.output<typeof paymentRow>, i: number): WirePayment {
  return {
    id: String(row.id),
    patient_id: String(row.patient_id),
    guarantor_id: ref(row.guarantor_id),
    provider_id: ref(row.provider_id),
    charge_id: ref(row.charge_id),
    claim_id: ref(row.claim_id),
    insurance_plan_id: ref(row.insurance_plan_id),
    payment_type_id: ref(row.payment_type_id),
    payment_amount: cents(row.payment_amount, i, 'payment_amount'),
    paid_at: row.paid_at ?? null,
    transaction_id: ref(row.transaction_id),
  };
}

export function toWirePatient(row: z.output<typeof patientRow>): WirePatient {
  return {
    ...row,
    id: String(row.id),
    first_name: row.first_name ?? null,
    last_name: row.last_name ?? null,
    name: row.name ?? null,
    email: row.email ?? null,
  };
}

/**
 * The rows of a scan page: `data` must be an array (a ShapeError otherwise); deleted rows are
 * dropped; every other row must match `schema` (a ZodError whose paths start at the row's index
 * among the kept rows, as `parseListData`'s), then `convert` makes it the row schema's output.
 */
export async function parseScanRows<S extends z.ZodType, T>(
  envelope: Envelope,
  schema: S,
  convert: (row: z.output<S>, index: number) => T,
): Promise<T[]> {
  if (!Array.isArray(envelope.data)) {
    throw new ShapeError(`expected "data" to be an array of rows, got ${envelope.data === null ? 'null' : typeof envelope.data}`);
  }
  const rows = envelope.data.filter((row) => !isDeletedRow(row));
  const items: T[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    if (i > 0 && i % ROWS_PER_TURN === 0) await setImmediate();
    const parsed = schema.safeParse(rows[i]);
    if (!parsed.success) throw new z.ZodError(parsed.error.issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
    items[i] = convert(parsed.data, i);
  }
  return items;
}
