/**
 * The athenahealth simulator's state, as its seed builds it and its routes read and change it:
 * practices, departments, patients, charges and their transactions, claims, appointments, receipts.
 * Amounts are integer cents; the routes turn them into loose wire values when they answer.
 */
import type { Cents } from '../shared/wire-money';

export type TransactionType = 'PAYMENT' | 'TRANSFERIN' | 'TRANSFEROUT' | 'ADJUSTMENT';
/** `1` primary insurance, `2` secondary insurance, `p` patient. */
export type TransferType = '1' | '2' | 'p';

export interface SimTransaction {
  id: string;
  /** MM/DD/YYYY */
  date: string;
  /** Signed: into a bucket positive, out of it (payments, credit adjustments, transfers out) negative. */
  amount: Cents;
  type: TransactionType;
  epaymentid: string | null;
  description: string;
  transfertype: TransferType;
}

export interface SimCharge {
  id: string;
  procedurecode: string;
  description: string;
  amount: Cents;
  servicedate: string;
  transactions: SimTransaction[];
}

export interface SimClaim {
  claimid: string;
  departmentid: string;
  servicedate: string;
  charges: SimCharge[];
  /** On a payment plan: not clean. */
  paymentPlan: boolean;
  /** Tied to a contract: not clean. */
  contractId: string | null;
}

export interface SimPatient {
  patientid: string;
  firstname: string;
  lastname: string;
  /** MM/DD/YYYY */
  dob: string;
  email: string;
  /** Current/primary department. */
  departmentid: string;
  guarantorfirstname: string;
  guarantorlastname: string;
  /** 1 = self. */
  guarantorrelationshiptopatient: number;
  claims: SimClaim[];
  /** Unapplied credit per provider group id ('' for a non-enterprise practice), from `otheramount`. */
  unapplied: Map<string, Cents>;
}

export interface SimAppointment {
  appointmentid: string;
  patientid: string;
  departmentid: string;
  /** MM/DD/YYYY */
  date: string;
  copay: Cents;
  insurancecopay: Cents;
  collectedforappointment: Cents;
  collectedforother: Cents;
}

export interface SimDepartment {
  departmentid: string;
  name: string;
  providergroupid: string;
  providergroupname: string;
  creditcardtypes: string[];
  timezonename: string;
}

export interface SimReceipt {
  epaymentid: string;
  patientid: string;
  departmentid: string;
  amount: Cents;
  type: 'PURCHASE' | 'VOID';
  /** ISO date-time */
  requestdate: string;
  cardnumberlast4digits: string;
}

export interface SimPractice {
  practiceid: string;
  name: string;
  departments: SimDepartment[];
  patients: Map<string, SimPatient>;
  appointments: Map<string, SimAppointment>;
  receipts: SimReceipt[];
}

export interface SimState {
  practices: Map<string, SimPractice>;
  /** Next ids handed out by writes. */
  nextTransactionId: number;
  nextEpaymentId: number;
}
