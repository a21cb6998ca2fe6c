/**
 * zod schemas of NexHealth's wire format (API v20240412), as the NexHealth spec gives it.
 *
 * Tolerant where the spec says so (unknown claim statuses, nullable fields, `description` as a string,
 * a list of strings or null, ids as numbers or strings), strict about money: every monetary field of a
 * read is `{ amount, currency }` and is turned into integer cents with `parseWireAmount`, never a float.
 *
 *     const charge = chargeSchema.parse(row);   // charge.fee is cents
 */
import { z } from 'zod';
import { parseWireAmount } from '../../../ledger/money';

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

/** An id, sent as a JSON number or string; always a string after parsing. */
export const idSchema = z.union([z.string().min(1), z.number().int()]).transform((v) => String(v));

/** An optional reference to another row: `null`/absent stay `null`. */
export const refSchema = z
  .union([z.string(), z.number().int()])
  .nullish()
  .transform((v) => (v === null || v === undefined || v === '' ? null : String(v)));

/** `{ "amount": "62.00", "currency": "USD" }` → 6200 (cents). */
export const moneySchema = z
  .object({ amount: z.union([z.string(), z.number()]), currency: z.string().nullish() })
  .transform((value, ctx) => {
    try {
      return parseWireAmount(value.amount);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a decimal amount with at most 2 decimals, got ${JSON.stringify(value.amount)} (${err instanceof Error ? err.message : 'unreadable'})`,
      });
      return z.NEVER;
    }
  });

export const nullableMoneySchema = moneySchema.nullish().transform((v) => (v === undefined ? null : v));

const nullableString = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

/** `description`: a string, a list of strings, or null. */
export const descriptionSchema = z
  .union([z.string(), z.array(z.string())])
  .nullish()
  .transform((v) => (v == null ? null : Array.isArray(v) ? v.join('; ') : v));

/** `deleted_at`: anything but null/absent/empty means the row is deleted. */
export function isDeletedRow(row: unknown): boolean {
  if (typeof row !== 'object' || row === null) return false;
  const deletedAt = (row as { deleted_at?: unknown }).deleted_at;
  return deletedAt !== null && deletedAt !== undefined && deletedAt !== '' && deletedAt !== false;
}

// ---------------------------------------------------------------------------------------------
// Envelope
// ---------------------------------------------------------------------------------------------

export const pageInfoSchema = z.object({
  has_previous_page: z.boolean().nullish(),
  has_next_page: z.boolean().nullish(),
  start_cursor: z.union([z.string(), z.number()]).nullish(),
  end_cursor: z.union([z.string(), z.number()]).nullish(),
});

/** `{ code, description, error, data, count?, page_info? }`; `data` is checked by the caller. */
export const envelopeSchema = z.object({
  code: z.boolean(),
  description: descriptionSchema,
  error: z
    .union([z.array(z.unknown()), z.string()])
    .nullish()
    .transform((v) => (v == null ? [] : Array.isArray(v) ? v.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))) : [v])),
  data: z.unknown().optional(),
  count: z.number().nullish(),
  page_info: pageInfoSchema.nullish(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

export const authDataSchema = z.object({ token: z.string().min(1) });

// ---------------------------------------------------------------------------------------------
// Patients
// ---------------------------------------------------------------------------------------------

const bioSchema = z
  .object({
    non_patient: z.boolean().nullish(),
    date_of_birth: z.string().nullish(),
    cell_phone_number: z.string().nullish(),
    phone_number: z.string().nullish(),
  })
  .nullish();

export const patientSchema = z.object({
  id: idSchema,
  first_name: nullableString,
  last_name: nullableString,
  name: nullableString,
  email: nullableString,
  guarantor_id: z.union([z.string(), z.number()]).nullish(),
  bio: bioSchema,
  location_ids: z.array(z.union([z.string(), z.number()])).nullish(),
  inactive: z.boolean().nullish(),
});
export type WirePatient = z.infer<typeof patientSchema>;

export const patientWithChildrenSchema = patientSchema.extend({
  children: z.array(z.unknown()).nullish(),
});

// ---------------------------------------------------------------------------------------------
// Ledger rows
// ---------------------------------------------------------------------------------------------

/** A payout figure the balance rule does not use: tolerated when a server leaves it out (0). */
const informativeMoneySchema = moneySchema.nullish().transform((v) => v ?? 0);

export const claimPayoutSchema = z.object({
  claim_id: idSchema,
  amount_billed_to_insurance: informativeMoneySchema,
  estimated_insurance_payment: moneySchema,
  insurance_payment: informativeMoneySchema,
  write_off: moneySchema,
  allowed_amount: nullableMoneySchema,
});

export const chargeSchema = z.object({
  id: idSchema,
  patient_id: idSchema,
  guarantor_id: refSchema,
  provider_id: refSchema,
  procedure_id: refSchema,
  procedure_code: nullableString,
  description: descriptionSchema,
  fee: moneySchema,
  charged_at: nullableString,
  claim_payouts: z
    .array(claimPayoutSchema)
    .nullish()
    .transform((v) => v ?? []),
});
export type WireCharge = z.infer<typeof chargeSchema>;

/** Where a claim's billed total may sit in `totals`, in order of preference. */
export const CLAIM_BILLED_KEYS = [
  'amount_billed_to_insurance',
  'billed_amount',
  'amount_billed',
  'total_billed',
  'billed',
] as const;

/** Claim statuses are an open set: unknown words are kept, not rejected. */
export const claimSchema = z
  .object({
    id: idSchema,
    patient_id: idSchema,
    guarantor_id: refSchema,
    provider_id: refSchema,
    status: nullableString,
    date_of_service: nullableString,
    sent_at: nullableString,
    received_at: nullableString,
    totals: z.record(z.string(), z.unknown()).nullish(),
  })
  .transform((claim, ctx) => {
    // `totals{…}` is not itemized by the spec; the billed figure is read under the charge totals' name
    // (`amount_billed_to_insurance`) or the usual alternatives, always as a money object.
    let billed: number | null = null;
    const totals = claim.totals ?? null;
    if (totals) {
      const key = CLAIM_BILLED_KEYS.find((k) => totals[k] !== undefined && totals[k] !== null);
      if (key) {
        const parsed = moneySchema.safeParse(totals[key]);
        if (parsed.success) billed = parsed.data;
        else {
          ctx.addIssue({ code: 'custom', path: ['totals', key], message: 'expected a money object { amount, currency }' });
          return z.NEVER;
        }
      }
    }
    return { ...claim, billed };
  });
export type WireClaim = z.infer<typeof claimSchema>;

export const paymentSchema = z.object({
  id: idSchema,
  patient_id: idSchema,
  guarantor_id: refSchema,
  provider_id: refSchema,
  charge_id: refSchema,
  claim_id: refSchema,
  insurance_plan_id: refSchema,
  payment_type_id: refSchema,
  payment_amount: moneySchema,
  paid_at: nullableString,
  transaction_id: refSchema,
});
export type WirePayment = z.infer<typeof paymentSchema>;

export const adjustmentSchema = z.object({
  id: idSchema,
  patient_id: idSchema,
  guarantor_id: refSchema,
  provider_id: refSchema,
  charge_id: refSchema,
  claim_id: refSchema,
  adjustment_type_id: refSchema,
  adjustment_amount: moneySchema,
  adjusted_at: nullableString,
  transaction_id: refSchema,
  description: descriptionSchema,
});
export type WireAdjustment = z.infer<typeof adjustmentSchema>;

// ---------------------------------------------------------------------------------------------
// Balances
// ---------------------------------------------------------------------------------------------

export const guarantorBalanceSchema = z.object({
  id: idSchema,
  guarantor_id: idSchema,
  location_id: refSchema,
  total_balance: moneySchema,
  guarantor_portion: moneySchema,
  insurance_estimate: moneySchema,
  write_off_estimate: nullableMoneySchema,
  total_balance_under_30: moneySchema,
  total_balance_31_60: moneySchema,
  total_balance_61_90: moneySchema,
  total_balance_over_90: moneySchema,
  updated_at: nullableString,
});
export type WireGuarantorBalance = z.infer<typeof guarantorBalanceSchema>;

export const insuranceBalanceSchema = z.object({
  id: idSchema,
  patient_id: refSchema,
  guarantor_id: refSchema,
  estimated_amount_under_30: moneySchema,
  estimated_amount_31_60: moneySchema,
  estimated_amount_61_90: moneySchema,
  estimated_amount_over_90: moneySchema,
  billed_amount_under_30: moneySchema,
  billed_amount_31_60: moneySchema,
  billed_amount_61_90: moneySchema,
  billed_amount_over_90: moneySchema,
});
export type WireInsuranceBalance = z.infer<typeof insuranceBalanceSchema>;

// ---------------------------------------------------------------------------------------------
// Reference data
// ---------------------------------------------------------------------------------------------

export const providerSchema = z.object({
  id: idSchema,
  name: nullableString,
  first_name: nullableString,
  last_name: nullableString,
});

export const procedureSchema = z.object({
  id: idSchema,
  code: nullableString,
  name: nullableString,
});

export const paymentTypeSchema = z.object({
  id: idSchema,
  name: z.string(),
  active: z.boolean().nullish(),
});

export const adjustmentTypeSchema = z.object({
  id: idSchema,
  name: z.string(),
  active: z.boolean().nullish(),
  action: nullableString,
});

// ---------------------------------------------------------------------------------------------
// Writes and webhooks
// ---------------------------------------------------------------------------------------------

export const webhookEndpointSchema = z.object({
  id: idSchema,
  target_url: z.string(),
  secret_key: nullableString,
  active: z.boolean().nullish(),
});

export const INSERTION_EVENTS = [
  'payment_insertion.complete',
  'payment_insertion.failed',
  'adjustment_insertion.complete',
  'adjustment_insertion.failed',
] as const;

/** A webhook delivery body; `data.payments` / `data.adjustments` rows are parsed separately. */
export const webhookDeliverySchema = z.object({
  institution_id: z.union([z.string(), z.number()]).nullish(),
  webhook_subscription_id: z.union([z.string(), z.number()]).nullish(),
  resource_type: nullableString,
  event_name: z.enum(INSERTION_EVENTS),
  event_time: nullableString,
  delivery_errors: z.array(z.unknown()).nullish(),
  data: z.object({
    transaction_id: idSchema,
    payments: z.array(z.unknown()).nullish(),
    adjustments: z.array(z.unknown()).nullish(),
  }),
});
