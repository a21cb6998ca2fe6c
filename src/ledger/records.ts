/**
 * The ledger's own records: what a patient's ledger is made of, whichever system it comes from.
 * They belong to the domain, not to any adapter: the ledger rules in this folder compute over them,
 * and every ledger adapter hands them back (the port in `src/adapters/ledger/port.ts` re-exports
 * them). Money is always integer cents, signed by its effect on the patient's balance (see
 * `README.md` here): charges positive, payments negative (a refund positive), credit adjustments
 * negative, debit adjustments positive.
 */
/** An amount of money in integer cents (safe-integer range), never a float. */
export type Cents = number;

/** A calendar date, `YYYY-MM-DD`. */
export type IsoDate = string;

export interface PatientRecord {
  sourceId: string;
  firstName: string;
  lastName: string;
  email: string | null;
  /**
   * A number to text reminders to, as the system has it (NexHealth `bio.cell_phone_number`, else
   * `bio.phone_number`); absent where the adapter does not read one.
   */
  phone?: string | null;
  dateOfBirth: IsoDate | null;
  /** The guarantor's source id; `null` when the patient is her own guarantor (every encoding of it). */
  guarantorSourceId: string | null;
  /** A guarantor who is not a patient (has no ledger of her own). */
  nonPatient: boolean;
  inactive: boolean;
  /** The patient's current/primary department, where the system has departments. */
  departmentId: string | null;
  /**
   * The guarantor's name where the system only has guarantor fields on the patient (athenahealth);
   * `null` where the guarantor is a record of its own.
   */
  guarantorName: { firstName: string; lastName: string } | null;
}

/** A claim's payout on one charge, as the claim's adjudication stands. */
export interface ClaimPayoutRecord {
  claimSourceId: string;
  billedToInsurance: Cents;
  estimatedInsurancePayment: Cents;
  insurancePayment: Cents;
  writeOff: Cents;
  allowedAmount: Cents | null;
}

/**
 * Where a claim is in its life, which decides how its payouts affect the patient amount:
 * PENDING subtracts estimates and write-offs, ADJUDICATED only write-offs, VOID nothing.
 */
export type ClaimStage = 'PENDING' | 'ADJUDICATED' | 'VOID';

export type ClaimStatus = 'DRAFT' | 'SENT' | 'RECEIVED' | 'PAID' | 'CANCELED' | 'OPEN' | 'UNKNOWN';

export interface ClaimRecord {
  sourceId: string;
  patientSourceId: string;
  providerSourceId: string | null;
  status: ClaimStatus;
  /** The vendor's own status word, for display. */
  rawStatus: string | null;
  stage: ClaimStage;
  serviceDate: IsoDate | null;
  /** What the patient still owes on this claim, where the system reports it per claim. */
  patientBalance: Cents | null;
  /** Not tied to a payment plan or contract. Systems without the notion report `true`. */
  clean: boolean;
  /** Clean, and in the patient's collectible provider group (enterprise scoping). */
  collectible: boolean;
  providerGroupId: string | null;
  departmentIds: string[];
  billed: Cents | null;
}

export interface ChargeRecord {
  sourceId: string;
  patientSourceId: string;
  providerSourceId: string | null;
  procedureSourceId: string | null;
  procedureCode: string | null;
  description: string | null;
  fee: Cents;
  serviceDate: IsoDate | null;
  claimPayouts: ClaimPayoutRecord[];
  /** The claim the charge belongs to where the system ties it directly (athenahealth). */
  claimSourceId: string | null;
  /** A patient amount the system states itself; when `null` the ledger computes it. */
  statedPatientAmount: Cents | null;
  /**
   * The visit (encounter) the charge was billed under, where the system posts a write to one visit
   * at a time (Capabilities.writesOneVisit); absent elsewhere.
   */
  visitSourceId?: string | null;
}

export interface PaymentRecord {
  sourceId: string;
  patientSourceId: string;
  providerSourceId: string | null;
  chargeSourceId: string | null;
  claimSourceId: string | null;
  paymentTypeSourceId: string | null;
  /** Signed effect on the balance: a payment is negative, a refund positive. */
  amount: Cents;
  paidAt: string | null;
  transactionId: string | null;
  /** Paid by insurance (has an insurance plan or claim). */
  fromInsurance: boolean;
}

export interface AdjustmentRecord {
  sourceId: string;
  patientSourceId: string;
  providerSourceId: string | null;
  chargeSourceId: string | null;
  claimSourceId: string | null;
  adjustmentTypeSourceId: string | null;
  /** The type's name where the row carries it; otherwise resolved from the type list. */
  typeName: string | null;
  /** Signed effect on the balance: credit negative, debit positive. */
  amount: Cents;
  adjustedAt: string | null;
  transactionId: string | null;
  description: string | null;
}

/** Amounts in the four aging buckets: 0–30, 31–60, 61–90, over 90 days. */
export interface AgingBuckets {
  current: Cents;
  days31To60: Cents;
  days61To90: Cents;
  over90: Cents;
}

export interface GuarantorBalanceRecord {
  sourceId: string;
  guarantorSourceId: string;
  totalBalance: Cents;
  guarantorPortion: Cents;
  insuranceEstimate: Cents;
  /** `null` where the system has no write-off estimates: never 0 in their place. */
  writeOffEstimate: Cents | null;
  buckets: AgingBuckets;
  updatedAt: string | null;
}

export interface InsuranceBalanceRecord {
  sourceId: string;
  patientSourceId: string | null;
  guarantorSourceId: string | null;
  estimated: AgingBuckets;
  billed: AgingBuckets;
}

export interface ProviderRecord {
  sourceId: string;
  name: string;
}

export interface ProcedureRecord {
  sourceId: string;
  code: string | null;
  name: string | null;
}

export interface PaymentTypeRecord {
  sourceId: string;
  name: string;
  active: boolean;
  /**
   * The tender details a payment of this type must carry (`LedgerWrite.tender`), where the system
   * records them: `card` (brand, last 4, expiry) or `check` (number, date). Absent: none.
   */
  tenderRequired?: 'card' | 'check' | null;
}

export type AdjustmentAction = 'CREDIT' | 'DEBIT' | 'UNKNOWN';

export interface AdjustmentTypeRecord {
  sourceId: string;
  name: string;
  active: boolean;
  action: AdjustmentAction;
}

/**
 * One insurance coverage of a patient (FHIR `Coverage`), for eligibility and claim status. Its
 * `subscriberId` is a member id: PHI, never logged, masked to its last 4 in the API
 * (`maskMemberId` in `coverage.ts`).
 */
export interface CoverageRecord {
  sourceId: string;
  patientSourceId: string;
  /** The upstream's status word (`active`, `cancelled`, `draft`, `entered-in-error`). */
  status: string;
  /** `status` is active and `period` covers today (`coverageActive` in `coverage.ts`). */
  active: boolean;
  /** Coordination-of-benefits order (1 = primary); `null` when the system does not say. */
  order: number | null;
  subscriberId: string | null;
  payerName: string | null;
  /** The payer's reference as the system gives it (`Organization/…`). */
  payerReference: string | null;
  group: { value: string; name: string | null } | null;
  plan: { value: string; name: string | null } | null;
  /** `self`, `spouse`, `child`, `other` (the subscriber-relationship code), as sent. */
  relationship: string | null;
  periodStart: IsoDate | null;
  periodEnd: IsoDate | null;
}

/** A guarantor with the patients she is responsible for (herself included when she is a patient). */
export interface FamilyRecord {
  guarantor: PatientRecord;
  /** Patients whose guarantor she is, not including herself. */
  dependents: PatientRecord[];
}

export interface CopayRecord {
  appointmentSourceId: string;
  patientSourceId: string;
  expected: Cents | null;
  collectedForAppointment: Cents;
  collectedForOther: Cents;
}

export interface Split {
  /** The provider's or charge's source id. */
  id: string;
  /** Signed like the transaction amount it splits. */
  amount: Cents;
}

/**
 * A payment or adjustment to post, as the ledger rules prepare it (`prepare-write.ts`): amounts
 * already signed by their effect on the balance, splits signed like the amount and sorted by id.
 * The port's `OutgoingLedgerWrite` is this plus the transaction id and the date it is posted with.
 */
export interface LedgerWrite {
  kind: 'PAYMENT' | 'ADJUSTMENT';
  patientSourceId: string;
  /** Signed effect on the balance (a payment is negative). */
  amount: Cents;
  currency: string;
  /** Payment type id (PAYMENT) or adjustment type id (ADJUSTMENT). */
  typeSourceId: string;
  providerSplits: Split[] | null;
  chargeSplits: Split[] | null;
  notes: string | null;
  /**
   * A payment's card or check details (the GraphQL input `tender`), for systems that record them
   * (Oracle Health's FinancialTransaction); others ignore it. Absent, not null, when not given, so
   * the fingerprint of a write without it is what it always was. Never a full card number.
   */
  tender?: Tender;
}

/** Card and check details of a payment, checked at the GraphQL boundary. */
export interface Tender {
  /** As given (the adapter sends it uppercase where its system wants that). */
  cardBrand?: string | null;
  /** Exactly 4 digits. */
  cardLast4?: string | null;
  /** `YYYY-MM`. */
  cardExpiry?: string | null;
  /** Digits. */
  checkNumber?: string | null;
  /** `YYYY-MM-DD`. */
  checkDate?: string | null;
  /** Cash handed over, in cents, at least the amount; absent: the amount itself. */
  tendered?: Cents | null;
}

/** The ledger rows one write produced upstream. */
export interface LedgerRecords {
  payments: PaymentRecord[];
  adjustments: AdjustmentRecord[];
}

/** A verified insertion-status delivery from the upstream. */
