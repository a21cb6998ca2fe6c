/**
 * The NexHealth sandbox's internal records: what its store holds and what its seed is made of.
 *
 * These mirror the wire rows the NexHealth spec gives, with two differences: money is
 * integer cents (the serializer turns it into `{ amount: "62.00", currency: "USD" }`), and every row
 * carries the `location_id` it belongs to. Ids are numbers, as on the wire.
 */
import type { Cents } from '../shared/wire-money';

export type { Cents };

export interface NexInstitution {
  id: number;
  subdomain: string;
  name: string;
}

/** The EHR behind a location decides the insertion quirks (Dentrix turns refunds into adjustments, …). */
export type NexEhr = 'open_dental' | 'dentrix';

export interface NexLocation {
  id: number;
  name: string;
  ehr: NexEhr;
}

export interface NexProvider {
  id: number;
  location_id: number;
  first_name: string;
  last_name: string;
  npi: string;
  updated_at: string;
}

export interface NexProcedure {
  id: number;
  code: string;
  name: string;
  status: 'active' | 'inactive';
  start_date: string;
  /** The practice's usual fee, used by the seed. */
  fee: Cents;
}

export interface NexPatient {
  id: number;
  location_id: number;
  first_name: string;
  last_name: string;
  email: string | null;
  /** The patient's own id, `0` or `null` all mean "own guarantor". */
  guarantor_id: number | null;
  non_patient: boolean;
  date_of_birth: string | null;
  gender: 'Female' | 'Male' | null;
  phone_number: string | null;
  inactive: boolean;
  created_at: string;
  updated_at: string;
}

export interface NexClaimPayout {
  claim_id: number;
  amount_billed_to_insurance: Cents;
  estimated_insurance_payment: Cents;
  insurance_payment: Cents;
  write_off: Cents;
  allowed_amount: Cents | null;
}

/** `paid` is not one of the documented statuses; readers must tolerate it (the seed has one). */
export type NexClaimStatus = 'draft' | 'sent' | 'received' | 'canceled' | 'paid';

export interface NexClaim {
  id: number;
  location_id: number;
  patient_id: number;
  provider_id: number;
  insurance_plan_id: number;
  status: NexClaimStatus;
  date_of_service: string;
  sent_at: string | null;
  received_at: string | null;
  updated_at: string;
}

export interface NexCharge {
  id: number;
  location_id: number;
  patient_id: number;
  provider_id: number;
  procedure_id: number;
  procedure_code: string;
  description: string;
  fee: Cents;
  charged_at: string;
  claim_payouts: NexClaimPayout[];
  deleted_at: string | null;
  updated_at: string;
}

export interface NexPayment {
  id: number;
  location_id: number;
  patient_id: number;
  provider_id: number | null;
  charge_id: number | null;
  claim_id: number | null;
  insurance_plan_id: number | null;
  payment_type_id: number;
  /** Signed: a payment is negative, a refund positive. */
  payment_amount: Cents;
  paid_at: string;
  transaction_id: string | null;
  description: string | null;
  deleted_at: string | null;
  updated_at: string;
}

export interface NexAdjustment {
  id: number;
  location_id: number;
  patient_id: number;
  provider_id: number | null;
  charge_id: number | null;
  claim_id: number | null;
  adjustment_type_id: number;
  /** Signed: credit negative, debit positive. */
  adjustment_amount: Cents;
  adjusted_at: string;
  transaction_id: string | null;
  description: string | null;
  deleted_at: string | null;
  updated_at: string;
}

export interface NexGuarantorBalance {
  id: number;
  location_id: number;
  guarantor_id: number;
  total_balance: Cents;
  guarantor_portion: Cents;
  insurance_estimate: Cents;
  /** `null` on Dentrix locations (no write-off estimates), never 0 in its place. */
  write_off_estimate: Cents | null;
  total_balance_under_30: Cents;
  total_balance_31_60: Cents;
  total_balance_61_90: Cents;
  total_balance_over_90: Cents;
  updated_at: string;
}

export interface NexInsuranceBalance {
  id: number;
  location_id: number;
  patient_id: number;
  guarantor_id: number;
  estimated_amount_under_30: Cents;
  estimated_amount_31_60: Cents;
  estimated_amount_61_90: Cents;
  estimated_amount_over_90: Cents;
  billed_amount_under_30: Cents;
  billed_amount_31_60: Cents;
  billed_amount_61_90: Cents;
  billed_amount_over_90: Cents;
  updated_at: string;
}

export interface NexPaymentType {
  id: number;
  location_id: number;
  name: string;
  active: boolean;
}

export type NexAdjustmentAction = 'credit' | 'debit' | 'unknown';

export interface NexAdjustmentType {
  id: number;
  location_id: number;
  name: string;
  active: boolean;
  action: NexAdjustmentAction;
}

/** Everything a sandbox starts from. `startNexhealthSandbox` deep-copies it, so one seed serves many sandboxes. */
export interface NexSeed {
  apiKey: string;
  institution: NexInstitution;
  locations: NexLocation[];
  providers: NexProvider[];
  procedures: NexProcedure[];
  patients: NexPatient[];
  claims: NexClaim[];
  charges: NexCharge[];
  payments: NexPayment[];
  adjustments: NexAdjustment[];
  guarantorBalances: NexGuarantorBalance[];
  insuranceBalances: NexInsuranceBalance[];
  paymentTypes: NexPaymentType[];
  adjustmentTypes: NexAdjustmentType[];
  /** Adjustment type a Dentrix location uses when a refund (positive payment) lands as an adjustment. */
  dentrixRefundAdjustmentTypeId: Record<number, number>;
}
