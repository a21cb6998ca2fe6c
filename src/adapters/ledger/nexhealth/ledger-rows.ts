/**
 * zod schemas of NexHealth's ledger, balance and reference rows (re-exported by schemas.ts): each
 * is `rowSchema(shape, convert)` (wire.ts), the row's wire shape with no transform inside and a
 * plain conversion that gives ids as strings, `""` refs as null, money as integer cents and absent
 * strings as null.
 *
 *     const charge = parseRow(chargeSchema, row);   // charge.fee is cents; a bad fee is an issue at ['fee']
 */
import { z } from 'zod';
import {
  cents,
  type IssueSink,
  rowSchema,
  safeParseRow,
  description,
  moneySchema,
  optionalCents,
  ref,
  text,
  wireDescription,
  wireId,
  wireMoney,
  wireRef,
  wireText,
} from './wire';

// ---------------------------------------------------------------------------------------------
// Ledger rows
// ---------------------------------------------------------------------------------------------

const claimPayoutRow = z.object({
  claim_id: wireId,
  amount_billed_to_insurance: wireMoney.nullish(),
  estimated_insurance_payment: wireMoney,
  insurance_payment: wireMoney.nullish(),
  write_off: wireMoney,
  allowed_amount: wireMoney.nullish(),
});

const chargeRow = z.object({
  id: wireId,
  patient_id: wireId,
  guarantor_id: wireRef,
  provider_id: wireRef,
  procedure_id: wireRef,
  procedure_code: wireText,
  description: wireDescription,
  fee: wireMoney,
  charged_at: wireText,
  claim_payouts: z.array(claimPayoutRow).nullish(),
});

/**
 * A payout's billed and paid figures are ones the balance rule does not use: tolerated when a
 * server leaves them out (0).
 */
function toWireClaimPayout(p: z.output<typeof claimPayoutRow>, issues: IssueSink, at: readonly PropertyKey[]) {
  return {
    claim_id: String(p.claim_id),
    amount_billed_to_insurance: optionalCents(p.amount_billed_to_insurance, issues, 'amount_billed_to_insurance', 0, at),
    estimated_insurance_payment: cents(p.estimated_insurance_payment, issues, 'estimated_insurance_payment', at),
    insurance_payment: optionalCents(p.insurance_payment, issues, 'insurance_payment', 0, at),
    write_off: cents(p.write_off, issues, 'write_off', at),
    allowed_amount: optionalCents(p.allowed_amount, issues, 'allowed_amount', null, at),
  };
}

export const chargeSchema = rowSchema(chargeRow, (r, issues) => ({
  id: String(r.id),
  patient_id: String(r.patient_id),
  guarantor_id: ref(r.guarantor_id),
  provider_id: ref(r.provider_id),
  procedure_id: ref(r.procedure_id),
  procedure_code: text(r.procedure_code),
  description: description(r.description),
  fee: cents(r.fee, issues, 'fee'),
  charged_at: text(r.charged_at),
  claim_payouts: (r.claim_payouts ?? []).map((p, i) => toWireClaimPayout(p, issues, ['claim_payouts', i])),
}));
export type WireCharge = z.infer<typeof chargeSchema>;

/** Where a claim's billed total may sit in `totals`, in order of preference. */
export const CLAIM_BILLED_KEYS = [
  'amount_billed_to_insurance',
  'billed_amount',
  'amount_billed',
  'total_billed',
  'billed',
] as const;

const claimRow = z.object({
  id: wireId,
  patient_id: wireId,
  guarantor_id: wireRef,
  provider_id: wireRef,
  status: wireText,
  date_of_service: wireText,
  sent_at: wireText,
  received_at: wireText,
  totals: z.record(z.string(), z.unknown()).nullish(),
});

/** Claim statuses are an open set: unknown words are kept, not rejected. */
export const claimSchema = rowSchema(claimRow, (r, issues) => {
  // `totals{…}` is not itemized by the spec; the billed figure is read under the charge totals' name
  // (`amount_billed_to_insurance`) or the usual alternatives, always as a money object.
  let billed: number | null = null;
  const totals = r.totals ?? null;
  if (totals) {
    const key = CLAIM_BILLED_KEYS.find((k) => totals[k] !== undefined && totals[k] !== null);
    if (key) {
      const parsed = safeParseRow(moneySchema, totals[key]);
      if (!parsed.success) {
        issues.addIssue({ code: 'custom', path: ['totals', key], message: 'expected a money object { amount, currency }' });
        return z.NEVER;
      }
      billed = parsed.data;
    }
  }
  return {
    ...r,
    id: String(r.id),
    patient_id: String(r.patient_id),
    guarantor_id: ref(r.guarantor_id),
    provider_id: ref(r.provider_id),
    status: text(r.status),
    date_of_service: text(r.date_of_service),
    sent_at: text(r.sent_at),
    received_at: text(r.received_at),
    billed,
  };
});
export type WireClaim = z.infer<typeof claimSchema>;

/** What payments and adjustments share: whose they are and what they post against. */
const postingShape = {
  id: wireId,
  patient_id: wireId,
  guarantor_id: wireRef,
  provider_id: wireRef,
  charge_id: wireRef,
  claim_id: wireRef,
  transaction_id: wireRef,
};
const posting = (r: z.output<z.ZodObject<typeof postingShape>>) => ({
  id: String(r.id),
  patient_id: String(r.patient_id),
  guarantor_id: ref(r.guarantor_id),
  provider_id: ref(r.provider_id),
  charge_id: ref(r.charge_id),
  claim_id: ref(r.claim_id),
  transaction_id: ref(r.transaction_id),
});

const paymentRow = z.object({
  ...postingShape,
  insurance_plan_id: wireRef,
  payment_type_id: wireRef,
  payment_amount: wireMoney,
  paid_at: wireText,
});

export const paymentSchema = rowSchema(paymentRow, (r, issues) => ({
  ...posting(r),
  insurance_plan_id: ref(r.insurance_plan_id),
  payment_type_id: ref(r.payment_type_id),
  payment_amount: cents(r.payment_amount, issues, 'payment_amount'),
  paid_at: text(r.paid_at),
}));
export type WirePayment = z.infer<typeof paymentSchema>;

const adjustmentRow = z.object({
  ...postingShape,
  adjustment_type_id: wireRef,
  adjustment_amount: wireMoney,
  adjusted_at: wireText,
  description: wireDescription,
});

export const adjustmentSchema = rowSchema(adjustmentRow, (r, issues) => ({
  ...posting(r),
  adjustment_type_id: ref(r.adjustment_type_id),
  adjustment_amount: cents(r.adjustment_amount, issues, 'adjustment_amount'),
  adjusted_at: text(r.adjusted_at),
  description: description(r.description),
}));
export type WireAdjustment = z.infer<typeof adjustmentSchema>;

// ---------------------------------------------------------------------------------------------
// Balances
// ---------------------------------------------------------------------------------------------

const guarantorBalanceRow = z.object({
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

export const guarantorBalanceSchema = rowSchema(guarantorBalanceRow, (r, issues) => ({
  id: String(r.id),
  guarantor_id: String(r.guarantor_id),
  location_id: ref(r.location_id),
  total_balance: cents(r.total_balance, issues, 'total_balance'),
  guarantor_portion: cents(r.guarantor_portion, issues, 'guarantor_portion'),
  insurance_estimate: cents(r.insurance_estimate, issues, 'insurance_estimate'),
  write_off_estimate: optionalCents(r.write_off_estimate, issues, 'write_off_estimate', null),
  total_balance_under_30: cents(r.total_balance_under_30, issues, 'total_balance_under_30'),
  total_balance_31_60: cents(r.total_balance_31_60, issues, 'total_balance_31_60'),
  total_balance_61_90: cents(r.total_balance_61_90, issues, 'total_balance_61_90'),
  total_balance_over_90: cents(r.total_balance_over_90, issues, 'total_balance_over_90'),
  updated_at: text(r.updated_at),
}));
export type WireGuarantorBalance = z.infer<typeof guarantorBalanceSchema>;

const INSURANCE_BALANCE_BUCKETS = [
  'estimated_amount_under_30',
  'estimated_amount_31_60',
  'estimated_amount_61_90',
  'estimated_amount_over_90',
  'billed_amount_under_30',
  'billed_amount_31_60',
  'billed_amount_61_90',
  'billed_amount_over_90',
] as const;
type InsuranceBalanceBucket = (typeof INSURANCE_BALANCE_BUCKETS)[number];

const insuranceBalanceRow = z.object({
  id: wireId,
  patient_id: wireRef,
  guarantor_id: wireRef,
  ...(Object.fromEntries(INSURANCE_BALANCE_BUCKETS.map((k) => [k, wireMoney])) as Record<
    InsuranceBalanceBucket,
    typeof wireMoney
  >),
});

export const insuranceBalanceSchema = rowSchema(insuranceBalanceRow, (r, issues) => {
  const buckets = {} as Record<InsuranceBalanceBucket, number>;
  for (const k of INSURANCE_BALANCE_BUCKETS) buckets[k] = cents(r[k], issues, k);
  return { id: String(r.id), patient_id: ref(r.patient_id), guarantor_id: ref(r.guarantor_id), ...buckets };
});
export type WireInsuranceBalance = z.infer<typeof insuranceBalanceSchema>;

// ---------------------------------------------------------------------------------------------
// Reference data
// ---------------------------------------------------------------------------------------------

export const providerSchema = rowSchema(
  z.object({ id: wireId, name: wireText, first_name: wireText, last_name: wireText }),
  (r) => ({ id: String(r.id), name: text(r.name), first_name: text(r.first_name), last_name: text(r.last_name) }),
);

export const procedureSchema = rowSchema(z.object({ id: wireId, code: wireText, name: wireText }), (r) => ({
  id: String(r.id),
  code: text(r.code),
  name: text(r.name),
}));

export const paymentTypeSchema = rowSchema(z.object({ id: wireId, name: z.string(), active: z.boolean().nullish() }), (r) => ({
  ...r,
  id: String(r.id),
}));

export const adjustmentTypeSchema = rowSchema(
  z.object({ id: wireId, name: z.string(), active: z.boolean().nullish(), action: wireText }),
  (r) => ({ ...r, id: String(r.id), action: text(r.action) }),
);
