/**
 * The four per-patient ledger lists of NexHealth (`/charges`, `/payments`, `/adjustments`,
 * `/claims`) as data: endpoint, row schema, mapping, whose row it is, what to include, and whether the
 * list can be scanned location-wide. The adapter reads each the same three ways: by patient, by
 * guarantor (a family's rows in one call) and location-wide.
 */
import type { z } from 'zod';
import type { AdjustmentRecord, ChargeRecord, ClaimRecord, PaymentRecord } from '../port';
import { mapAdjustment, mapCharge, mapClaim, mapPayment } from './mapping';
import { adjustmentSchema, chargeSchema, claimSchema, paymentSchema } from './schemas';

/** One list: how its rows are read and whose they are. */
export interface ByPatientKind<S extends z.ZodType, R> {
  endpoint: string;
  schema: S;
  map: (row: z.output<S>) => R;
  patientOf: (row: z.output<S>) => string;
  include?: string[];
  /** The list documents `updated_since`, so a location-wide scan is possible. */
  scannable: boolean;
}

export const CHARGES: ByPatientKind<typeof chargeSchema, ChargeRecord> = {
  endpoint: '/charges',
  schema: chargeSchema,
  map: mapCharge,
  patientOf: (r) => r.patient_id,
  include: ['claim_payouts'],
  scannable: true,
};

export const PAYMENTS: ByPatientKind<typeof paymentSchema, PaymentRecord> = {
  endpoint: '/payments',
  schema: paymentSchema,
  map: mapPayment,
  patientOf: (r) => r.patient_id,
  scannable: true,
};

export const ADJUSTMENTS: ByPatientKind<typeof adjustmentSchema, AdjustmentRecord> = {
  endpoint: '/adjustments',
  schema: adjustmentSchema,
  map: mapAdjustment,
  patientOf: (r) => r.patient_id,
  scannable: true,
};

export const CLAIMS: ByPatientKind<typeof claimSchema, ClaimRecord> = {
  endpoint: '/claims',
  schema: claimSchema,
  map: mapClaim,
  patientOf: (r) => r.patient_id,
  scannable: false,
};
