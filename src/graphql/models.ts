/**
 * What resolvers pass between each other for each GraphQL object type (codegen's mappers). Each model
 * is the adapter's normalized record plus the practice it came from, so a nested field knows which
 * practice's loaders to use without re-deriving it.
 */
import type {
  ChargeRecord,
  ClaimRecord,
  CopayRecord,
  PatientRecord,
  PaymentRecord,
  AdjustmentRecord,
  ProviderRecord,
} from '../adapters/ledger/port';
import type { CheckoutView } from '../flows/collection/flow';
import type { CheckoutLine } from '../ledger/checkout-lines';
import type { JobRecord } from '../jobs/types';
import type { Aging } from '../ledger/aging';
import type { PatientBalance } from '../ledger/patient-balance';
import type { Reconciliation } from '../ledger/reconciliation';
import type { Practice } from '../practices';
import type { TransactionRow } from '../transactions/types';

export type PracticeModel = Practice;

export interface PatientModel {
  practiceId: string;
  record: PatientRecord;
}

/**
 * A guarantor is a patient record (or a synthetic one where the system has no guarantor record);
 * `role` tells it apart from the same record seen as a patient.
 */
export interface GuarantorModel {
  practiceId: string;
  record: PatientRecord;
  role: 'guarantor';
}

export interface ChargeModel {
  practiceId: string;
  record: ChargeRecord;
}

export interface PaymentModel {
  practiceId: string;
  record: PaymentRecord;
}

export interface AdjustmentModel {
  practiceId: string;
  record: AdjustmentRecord;
}

export interface ClaimModel {
  practiceId: string;
  record: ClaimRecord;
}

export interface ProviderModel {
  practiceId: string;
  record: ProviderRecord;
}

/** Money is integer cents until the `Money` type renders it. */
export type MoneyModel = number;

export type PatientBalanceModel = PatientBalance;
export type AgingModel = Aging;
export type ReconciliationModel = Reconciliation;
export type TransactionModel = TransactionRow;

/** A job of the durable queue (`src/jobs/`), as stored; its payload is never rendered whole. */
export type JobModel = JobRecord;
export type CopayModel = CopayRecord;

/** A processor checkout (`src/flows/collection/`), with the practice and patient its lines' charges belong to. */
export type CheckoutModel = CheckoutView & { patientSourceId: string };
export interface CheckoutLineModel {
  practiceId: string;
  patientSourceId: string;
  line: CheckoutLine;
}
