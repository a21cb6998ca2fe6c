/**
 * What an eligibility check answers (money in integer cents), and what the flow needs of a
 * practice: its eligibility adapter and the settings of its `coverage.eligibility` config. See
 * `README.md` here.
 */
import type { CoverageAdapter } from '../../adapters/coverage/port';
import type { EligibilityFigures } from '../../ledger/eligibility-benefits';

/**
 * The interpreted answer (the spec's `EligibilityRecord`), as stored and as the API shows it: the
 * benefit rules' figures (`src/ledger/eligibility-benefits.ts`) plus the coverage asked about and
 * when the payer answered.
 */
export interface EligibilityResult extends EligibilityFigures {
  coverageId: string;
  /** When the payer's answer was received (ISO 8601). */
  checkedAt: string;
}

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
export type EligibilityResolver = (practiceId: string) => { adapter: CoverageAdapter; settings: EligibilitySettings } | null;

/** What `Patient.eligibility` resolves to: the result and whether it came from the store. */
export type EligibilityCheckModel = EligibilityResult & { cached: boolean };
