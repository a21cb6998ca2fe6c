/**
 * Store records → wire JSON, exactly as the spec names the fields. Money becomes
 * `{ amount: "62.00", currency: "USD" }`; ledger rows carry their patient's
 * `guarantor_id` as the patient record does (her id, `0` or `null` for an own guarantor).
 */
import { sumCents } from '../shared/wire-money';
import { money, moneyOrNull } from './envelope';
import type { NexStore } from './store';
import type {
  NexAdjustment,
  NexAdjustmentType,
  NexCharge,
  NexClaim,
  NexClaimPayout,
  NexGuarantorBalance,
  NexInsuranceBalance,
  NexPatient,
  NexPayment,
  NexPaymentType,
  NexProcedure,
  NexProvider,
} from './types';

export function patientJson(p: NexPatient): Record<string, unknown> {
  return {
    id: p.id,
    first_name: p.first_name,
    last_name: p.last_name,
    name: `${p.first_name} ${p.last_name}`,
    email: p.email,
    guarantor_id: p.guarantor_id,
    inactive: p.inactive,
    location_ids: [p.location_id],
    bio: {
      non_patient: p.non_patient,
      date_of_birth: p.date_of_birth,
      gender: p.gender,
      phone_number: p.phone_number,
    },
    created_at: p.created_at,
    updated_at: p.updated_at,
  };
}

/**
 * `include[]=guarantor` names the record `guarantor_id` points at (the patient herself when it is her
 * own id; `null` for the `0` / `null` encodings); `include[]=children` lists the patients whose
 * guarantor she is, herself excluded.
 */
export function patientWithIncludes(store: NexStore, p: NexPatient, include: readonly string[]): Record<string, unknown> {
  const json = patientJson(p);
  if (include.includes('guarantor')) {
    const g = p.guarantor_id ? store.patients.get(p.guarantor_id) : undefined;
    json['guarantor'] = g ? patientJson(g) : null;
  }
  if (include.includes('children')) {
    json['children'] = [...store.patients.values()]
      .filter((c) => c.id !== p.id && store.guarantorIdOf(c.id) === p.id)
      .sort((a, b) => a.id - b.id)
      .map(patientJson);
  }
  return json;
}

export function claimPayoutJson(p: NexClaimPayout): Record<string, unknown> {
  return {
    claim_id: p.claim_id,
    amount_billed_to_insurance: money(p.amount_billed_to_insurance),
    estimated_insurance_payment: money(p.estimated_insurance_payment),
    insurance_payment: money(p.insurance_payment),
    write_off: money(p.write_off),
    allowed_amount: moneyOrNull(p.allowed_amount),
  };
}

function payoutTotals(payouts: readonly NexClaimPayout[]): Record<string, unknown> {
  return {
    amount_billed_to_insurance: money(sumCents(payouts.map((p) => p.amount_billed_to_insurance))),
    estimated_insurance_payment: money(sumCents(payouts.map((p) => p.estimated_insurance_payment))),
    insurance_payment: money(sumCents(payouts.map((p) => p.insurance_payment))),
    write_off: money(sumCents(payouts.map((p) => p.write_off))),
  };
}

export function chargeJson(store: NexStore, c: NexCharge, includePayouts: boolean): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: c.id,
    patient_id: c.patient_id,
    guarantor_id: store.rowGuarantorId(c.patient_id),
    provider_id: c.provider_id,
    procedure_id: c.procedure_id,
    procedure_code: c.procedure_code,
    description: c.description,
    fee: money(c.fee),
    charged_at: c.charged_at,
    location_id: c.location_id,
    deleted_at: c.deleted_at,
    updated_at: c.updated_at,
  };
  if (includePayouts) json['claim_payouts'] = c.claim_payouts.map(claimPayoutJson);
  return json;
}

/**
 * `GET /charges/{id}` with `include[]` of patient, provider, procedure, claims, claim_payouts, totals.
 * `totals` sums the payouts of the charge's claims that are not canceled.
 */
export function chargeWithIncludes(store: NexStore, c: NexCharge, include: readonly string[]): Record<string, unknown> {
  const json = chargeJson(store, c, include.includes('claim_payouts'));
  if (include.includes('patient')) {
    const p = store.patients.get(c.patient_id);
    json['patient'] = p ? patientJson(p) : null;
  }
  if (include.includes('provider')) {
    const p = store.providers.get(c.provider_id);
    json['provider'] = p ? providerJson(p) : null;
  }
  if (include.includes('procedure')) {
    const p = store.procedures.get(c.procedure_id);
    json['procedure'] = p ? procedureJson(p) : null;
  }
  if (include.includes('claims')) {
    json['claims'] = c.claim_payouts
      .map((p) => store.claims.get(p.claim_id))
      .filter((claim): claim is NexClaim => claim !== undefined)
      .map((claim) => claimJson(store, claim));
  }
  if (include.includes('totals')) {
    json['totals'] = payoutTotals(c.claim_payouts.filter((p) => store.claimStatus(p.claim_id) !== 'canceled'));
  }
  return json;
}

export function claimJson(store: NexStore, c: NexClaim): Record<string, unknown> {
  const payouts = [...store.charges.values()]
    .filter((ch) => !ch.deleted_at)
    .flatMap((ch) => ch.claim_payouts.filter((p) => p.claim_id === c.id));
  return {
    id: c.id,
    patient_id: c.patient_id,
    guarantor_id: store.rowGuarantorId(c.patient_id),
    provider_id: c.provider_id,
    insurance_plan_id: c.insurance_plan_id,
    status: c.status,
    date_of_service: c.date_of_service,
    sent_at: c.sent_at,
    received_at: c.received_at,
    location_id: c.location_id,
    totals: payoutTotals(payouts),
    updated_at: c.updated_at,
  };
}

export function paymentJson(store: NexStore, p: NexPayment): Record<string, unknown> {
  return {
    id: p.id,
    patient_id: p.patient_id,
    guarantor_id: store.rowGuarantorId(p.patient_id),
    provider_id: p.provider_id,
    charge_id: p.charge_id,
    claim_id: p.claim_id,
    insurance_plan_id: p.insurance_plan_id,
    payment_type_id: p.payment_type_id,
    payment_amount: money(p.payment_amount),
    paid_at: p.paid_at,
    transaction_id: p.transaction_id,
    description: p.description,
    location_id: p.location_id,
    deleted_at: p.deleted_at,
    updated_at: p.updated_at,
  };
}

export function adjustmentJson(store: NexStore, a: NexAdjustment): Record<string, unknown> {
  return {
    id: a.id,
    patient_id: a.patient_id,
    guarantor_id: store.rowGuarantorId(a.patient_id),
    provider_id: a.provider_id,
    charge_id: a.charge_id,
    claim_id: a.claim_id,
    adjustment_type_id: a.adjustment_type_id,
    adjustment_amount: money(a.adjustment_amount),
    adjusted_at: a.adjusted_at,
    transaction_id: a.transaction_id,
    description: a.description,
    location_id: a.location_id,
    deleted_at: a.deleted_at,
    updated_at: a.updated_at,
  };
}

export function guarantorBalanceJson(g: NexGuarantorBalance): Record<string, unknown> {
  return {
    id: g.id,
    guarantor_id: g.guarantor_id,
    location_id: g.location_id,
    total_balance: money(g.total_balance),
    guarantor_portion: money(g.guarantor_portion),
    insurance_estimate: money(g.insurance_estimate),
    write_off_estimate: moneyOrNull(g.write_off_estimate),
    total_balance_under_30: money(g.total_balance_under_30),
    total_balance_31_60: money(g.total_balance_31_60),
    total_balance_61_90: money(g.total_balance_61_90),
    total_balance_over_90: money(g.total_balance_over_90),
    updated_at: g.updated_at,
  };
}

export function insuranceBalanceJson(i: NexInsuranceBalance): Record<string, unknown> {
  return {
    id: i.id,
    patient_id: i.patient_id,
    guarantor_id: i.guarantor_id,
    location_id: i.location_id,
    estimated_amount_under_30: money(i.estimated_amount_under_30),
    estimated_amount_31_60: money(i.estimated_amount_31_60),
    estimated_amount_61_90: money(i.estimated_amount_61_90),
    estimated_amount_over_90: money(i.estimated_amount_over_90),
    billed_amount_under_30: money(i.billed_amount_under_30),
    billed_amount_31_60: money(i.billed_amount_31_60),
    billed_amount_61_90: money(i.billed_amount_61_90),
    billed_amount_over_90: money(i.billed_amount_over_90),
    updated_at: i.updated_at,
  };
}

export function providerJson(p: NexProvider): Record<string, unknown> {
  return {
    id: p.id,
    name: `${p.first_name} ${p.last_name}`,
    first_name: p.first_name,
    last_name: p.last_name,
    npi: p.npi,
    location_ids: [p.location_id],
    updated_at: p.updated_at,
  };
}

export function procedureJson(p: NexProcedure): Record<string, unknown> {
  return { id: p.id, code: p.code, name: p.name, status: p.status, start_date: p.start_date };
}

export function paymentTypeJson(t: NexPaymentType): Record<string, unknown> {
  return { id: t.id, name: t.name, active: t.active, location_id: t.location_id };
}

export function adjustmentTypeJson(t: NexAdjustmentType): Record<string, unknown> {
  return { id: t.id, name: t.name, active: t.active, action: t.action, location_id: t.location_id };
}
