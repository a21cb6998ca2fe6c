/**
 * What an eligibility check answers, in the gateway's terms (money in integer cents), and what the
 * flow needs of a practice: its eligibility adapter and the settings of its
 * `coverage.eligibility` config. See `README.md` here.
 */
import type { CoverageAdapter, EligibilityBenefits, PayerRejection } from '../../adapters/coverage/port';
import type { Cents, IsoDate } from '../../ledger/records';

export type EligibilityStatus = 'COMPLETE' | 'PARTIAL' | 'REJECTED';

/** A limit and what is left of it, in cents; each `null` when the payer gave no row for it (never 0 for "absent"). */
export interface BenefitAmount {
  total: Cents | null;
  remaining: Cents | null;
}

/** A deductible or out-of-pocket maximum at the individual and the family level. */
export interface BenefitLimits {
  individual: BenefitAmount;
  family: BenefitAmount;
}

/** The interpreted answer (the spec's `EligibilityRecord`), as stored and as the API shows it. */
export interface EligibilityResult {
  status: EligibilityStatus;
  coverageId: string;
  coverageActive: boolean | null;
  payerName: string | null;
  planName: string | null;
  groupNumber: string | null;
  asOfDate: IsoDate;
  officeVisitCopay: Cents | null;
  copayAmbiguous: boolean;
  /** The patient's share in percent (20 = the patient pays 20 %). */
  coinsurancePercent: number | null;
  deductible: BenefitLimits;
  outOfPocket: BenefitLimits;
  network: 'IN' | 'OUT';
  reasons: PayerRejection[];
  /** When the payer's answer was received (ISO 8601). */
  checkedAt: string;
}

/** The figures the benefit rules derive from a payer's answer (the 271 → numbers rules of `src/ledger/`). */
export type EligibilityFigures = Pick<
  EligibilityResult,
  | 'coverageActive'
  | 'payerName'
  | 'planName'
  | 'groupNumber'
  | 'officeVisitCopay'
  | 'copayAmbiguous'
  | 'coinsurancePercent'
  | 'deductible'
  | 'outOfPocket'
>;

/** The benefit rules, injected (they are pure; the flow only calls them). */
export type InterpretBenefits = (
  benefits: EligibilityBenefits,
  options: { inNetwork: boolean; asOfDate: IsoDate },
) => EligibilityFigures;

/** How a payer's rejection reason is handled (the spec's AAA table). */
export type RejectionClass = 'REJECTED' | 'SETUP' | 'RETRY';

/** A practice's `coverage.eligibility` settings the flow reads. */
export interface EligibilitySettings {
  providerNpi: string;
  providerName: string;
  /** Coverage payor reference or display → the clearinghouse's payer id. */
  payerIds: Readonly<Record<string, string>>;
  /** Prefer in-network rows (default true). */
  inNetwork: boolean;
}

/** A practice's eligibility connection: the adapter and its settings; `null` where none is configured. */
export type EligibilityResolver = (
  practiceId: string,
) => { adapter: CoverageAdapter; settings: EligibilitySettings } | null;

/** What `Patient.eligibility` resolves to: the result and whether it came from the store. */
export type EligibilityCheckModel = EligibilityResult & { cached: boolean };
