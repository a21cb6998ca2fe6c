/**
 * NexHealth rows (already zod-parsed, money in cents) → the port's normalized records.
 *
 *     mapClaimStatus('received')   // { status: 'RECEIVED', stage: 'ADJUDICATED', rawStatus: 'received' }
 *     mapPatient(row).guarantorSourceId   // null for every encoding of "own guarantor"
 */
import type {
  AdjustmentAction,
  AdjustmentRecord,
  AdjustmentTypeRecord,
  ChargeRecord,
  ClaimRecord,
  ClaimStage,
  ClaimStatus,
  GuarantorBalanceRecord,
  InsuranceBalanceRecord,
  IsoDate,
  PatientRecord,
  PaymentRecord,
  PaymentTypeRecord,
  ProcedureRecord,
  ProviderRecord,
} from '../port';
import type { z } from 'zod';
import type {
  adjustmentTypeSchema,
  paymentTypeSchema,
  procedureSchema,
  providerSchema,
  WireAdjustment,
  WireCharge,
  WireClaim,
  WireGuarantorBalance,
  WireInsuranceBalance,
  WirePatient,
  WirePayment,
} from './schemas';

/**
 * The `YYYY-MM-DD` a date or date-time starts with (after any leading whitespace), else `null`.
 * Read character by character: every row has a date or two, and a regex match made an array and
 * two strings for each (measured: a tenth of the NexHealth adapter's own CPU on a charges page).
 */
export function toIsoDate(value: string | null | undefined): IsoDate | null {
  if (!value) return null;
  const text = value.trimStart();
  if (text.length < 10) return null;
  for (let i = 0; i < 10; i++) {
    const c = text.charCodeAt(i);
    if (i === 4 || i === 7 ? c !== 0x2d /* - */ : c < 0x30 || c > 0x39 /* 0-9 */) return null;
  }
  return text.length === 10 ? text : text.slice(0, 10);
}

/** `guarantor_id` equal to the patient's own id, `0`, `"0"`, `""` or null all mean "own guarantor". */
export function guarantorOf(patientId: string, guarantorId: string | number | null | undefined): string | null {
  if (guarantorId === null || guarantorId === undefined) return null;
  const id = String(guarantorId).trim();
  if (id === '' || id === '0' || id === patientId) return null;
  return id;
}

export function mapPatient(row: WirePatient): PatientRecord {
  let firstName = row.first_name ?? '';
  let lastName = row.last_name ?? '';
  if (!firstName && !lastName && row.name) {
    const parts = row.name.trim().split(/\s+/);
    lastName = parts.length > 1 ? parts.pop()! : '';
    firstName = parts.join(' ');
  }
  return {
    sourceId: row.id,
    firstName,
    lastName,
    email: row.email,
    phone: row.bio?.cell_phone_number || row.bio?.phone_number || null,
    dateOfBirth: toIsoDate(row.bio?.date_of_birth),
    guarantorSourceId: guarantorOf(row.id, row.guarantor_id),
    nonPatient: row.bio?.non_patient === true,
    inactive: row.inactive === true,
    departmentId: null,
    guarantorName: null,
  };
}

export function mapCharge(row: WireCharge): ChargeRecord {
  return {
    sourceId: row.id,
    patientSourceId: row.patient_id,
    providerSourceId: row.provider_id,
    procedureSourceId: row.procedure_id,
    procedureCode: row.procedure_code,
    description: row.description,
    fee: row.fee,
    serviceDate: toIsoDate(row.charged_at),
    claimPayouts: row.claim_payouts.map((p) => ({
      claimSourceId: p.claim_id,
      billedToInsurance: p.amount_billed_to_insurance,
      estimatedInsurancePayment: p.estimated_insurance_payment,
      insurancePayment: p.insurance_payment,
      writeOff: p.write_off,
      allowedAmount: p.allowed_amount,
    })),
    claimSourceId: null,
    statedPatientAmount: null,
  };
}

const CLAIM_STATUSES: Record<string, { status: ClaimStatus; stage: ClaimStage }> = {
  draft: { status: 'DRAFT', stage: 'PENDING' },
  sent: { status: 'SENT', stage: 'PENDING' },
  received: { status: 'RECEIVED', stage: 'ADJUDICATED' },
  paid: { status: 'PAID', stage: 'ADJUDICATED' },
  canceled: { status: 'CANCELED', stage: 'VOID' },
};

/** Known words map to a status and stage; anything else is UNKNOWN and PENDING, the word kept. */
export function mapClaimStatus(raw: string | null): { status: ClaimStatus; stage: ClaimStage; rawStatus: string | null } {
  const known = raw === null ? undefined : CLAIM_STATUSES[raw.trim().toLowerCase()];
  return known ? { ...known, rawStatus: raw } : { status: 'UNKNOWN', stage: 'PENDING', rawStatus: raw };
}

export function mapClaim(row: WireClaim): ClaimRecord {
  const { status, stage, rawStatus } = mapClaimStatus(row.status);
  return {
    sourceId: row.id,
    patientSourceId: row.patient_id,
    providerSourceId: row.provider_id,
    status,
    rawStatus,
    stage,
    serviceDate: toIsoDate(row.date_of_service),
    patientBalance: null,
    clean: true,
    collectible: stage !== 'VOID',
    providerGroupId: null,
    departmentIds: [],
    billed: row.billed,
  };
}

export function mapPayment(row: WirePayment): PaymentRecord {
  return {
    sourceId: row.id,
    patientSourceId: row.patient_id,
    providerSourceId: row.provider_id,
    chargeSourceId: row.charge_id,
    claimSourceId: row.claim_id,
    paymentTypeSourceId: row.payment_type_id,
    amount: row.payment_amount,
    paidAt: row.paid_at,
    transactionId: row.transaction_id,
    fromInsurance: isSet(row.insurance_plan_id) || isSet(row.claim_id),
  };
}

function isSet(ref: string | null): boolean {
  return ref !== null && ref !== '0';
}

export function mapAdjustment(row: WireAdjustment): AdjustmentRecord {
  return {
    sourceId: row.id,
    patientSourceId: row.patient_id,
    providerSourceId: row.provider_id,
    chargeSourceId: row.charge_id,
    claimSourceId: row.claim_id,
    adjustmentTypeSourceId: row.adjustment_type_id,
    typeName: null,
    amount: row.adjustment_amount,
    adjustedAt: row.adjusted_at,
    transactionId: row.transaction_id,
    description: row.description,
  };
}

export function mapGuarantorBalance(row: WireGuarantorBalance): GuarantorBalanceRecord {
  return {
    sourceId: row.id,
    guarantorSourceId: row.guarantor_id,
    totalBalance: row.total_balance,
    guarantorPortion: row.guarantor_portion,
    insuranceEstimate: row.insurance_estimate,
    writeOffEstimate: row.write_off_estimate,
    buckets: {
      current: row.total_balance_under_30,
      days31To60: row.total_balance_31_60,
      days61To90: row.total_balance_61_90,
      over90: row.total_balance_over_90,
    },
    updatedAt: row.updated_at,
  };
}

export function mapInsuranceBalance(row: WireInsuranceBalance): InsuranceBalanceRecord {
  return {
    sourceId: row.id,
    patientSourceId: row.patient_id,
    guarantorSourceId: row.guarantor_id,
    estimated: {
      current: row.estimated_amount_under_30,
      days31To60: row.estimated_amount_31_60,
      days61To90: row.estimated_amount_61_90,
      over90: row.estimated_amount_over_90,
    },
    billed: {
      current: row.billed_amount_under_30,
      days31To60: row.billed_amount_31_60,
      days61To90: row.billed_amount_61_90,
      over90: row.billed_amount_over_90,
    },
  };
}

export function mapProvider(row: z.output<typeof providerSchema>): ProviderRecord {
  const name = row.name?.trim() || [row.first_name, row.last_name].filter((p) => p?.trim()).join(' ');
  return { sourceId: row.id, name };
}

export function mapProcedure(row: z.output<typeof procedureSchema>): ProcedureRecord {
  return { sourceId: row.id, code: row.code, name: row.name };
}

export function mapPaymentType(row: z.output<typeof paymentTypeSchema>): PaymentTypeRecord {
  return { sourceId: row.id, name: row.name, active: row.active ?? true };
}

export function mapAdjustmentAction(action: string | null): AdjustmentAction {
  switch (action?.trim().toLowerCase()) {
    case 'credit':
      return 'CREDIT';
    case 'debit':
      return 'DEBIT';
    default:
      return 'UNKNOWN';
  }
}

export function mapAdjustmentType(row: z.output<typeof adjustmentTypeSchema>): AdjustmentTypeRecord {
  return { sourceId: row.id, name: row.name, active: row.active ?? true, action: mapAdjustmentAction(row.action) };
}
