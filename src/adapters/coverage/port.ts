/**
 * The port every coverage adapter implements: the kind of system that answers insurance questions
 * through a clearinghouse. Two services, one adapter each (the descriptor's
 * `service`):
 * - `eligibility` (X12 270/271; Availity's Coverages API): is the coverage active, and the benefit
 *   rows from which the office-visit copay, deductible, coinsurance and out-of-pocket are derived.
 * - `claimStatus` (X12 276/277; a clearinghouse's real-time claim-status API): what the payer has
 *   done with a claim (received, pended, paid, denied, rejected).
 *
 * The port returns the clearinghouse's answer **normalized but not interpreted**: flattened
 * eligibility benefit rows in X12 terms (EB01 code, service type, network, coverage level, time
 * qualifier, amount, percent, place of service), claim-status rows in X12 terms (STC category and
 * status codes, amounts, dates), and the payer's rejection reasons (AAA codes). X12 codes are the
 * clearinghouse-neutral vocabulary here, never a vendor's field names. What they *mean* — which row
 * is the office-visit copay, whether coverage is active on a date, which STC category is
 * "finalized, paid", which AAA reason needs the practice to act — is domain logic, pure functions
 * over these rows in `src/ledger/`, so a second clearinghouse only has to flatten its wire format.
 *
 * Results and errors. A payer's answer is a result, even a rejection (`REJECTED` with reasons, like
 * a card decline): never a GraphQL error. Throws `UpstreamError` only when no payer answer exists:
 * `UPSTREAM_UNAVAILABLE` (5xx, timeouts, 429, the clearinghouse could not reach the payer) or
 * `UPSTREAM_REJECTED` (credentials, product not subscribed, the request refused as invalid, an
 * unknown payer id), with `status`. Inquiries change nothing upstream, so they carry no
 * idempotency key and may be repeated — except that an eligibility inquiry already accepted for
 * polling is polled, never posted again.
 *
 * Privacy. Member ids, names and birth dates go upstream and never into logs or errors (at most
 * the last 4 characters of a member id); adapters mask them even in texts the clearinghouse echoes.
 *
 * Usage (from the coverage flow, never from a resolver):
 *
 *     let answer = await eligibility.checkEligibility!({
 *       payerId: 'SANDBOX1', provider: { npi: '1234567893', name: 'Smile Dental' },
 *       member: { memberId: 'AVL000001', groupNumber: null },
 *       patient: { firstName: 'JANE', lastName: 'DOE', dateOfBirth: '1985-04-12', gender: null },
 *       relationship: 'SELF', asOfDate: '2026-07-30', serviceTypeCodes: ['30', '98'],
 *     });
 *     while (answer.state === 'PENDING') answer = await eligibility.pollEligibility!(answer.inquiryId);
 *     // answer.benefits.rows → src/ledger rules → EligibilityCheck
 *
 * Upstream-touching methods are listed in {@link COVERAGE_METHODS} for decorators (circuit
 * breaker, tracing, upstream budget); `close` is not.
 */
import type { Cents, IsoDate } from '../ledger/port';
import type { UpstreamMethods } from '../system';

export type { Cents, IsoDate } from '../ledger/port';

/** The two coverage services; also the keys of a practice's `coverage` config. */
export type CoverageService = 'eligibility' | 'claimStatus';

// ---------------------------------------------------------------------------------------------
// Capabilities
// ---------------------------------------------------------------------------------------------

/** What a coverage connection can do, as data. */
export interface CoverageCapabilities {
  /** Eligibility inquiries (`checkEligibility`). Availity: true; the claim-status clearinghouse: false. */
  eligibility: boolean;
  /** Claim-status inquiries (`inquireClaimStatus`). The claim-status clearinghouse: true; Availity: false. */
  claimStatusInquiry: boolean;
  /**
   * An inquiry may answer `PENDING` and be polled (`pollEligibility`): Availity answers 202 while
   * the payer has not answered. When false, every inquiry answers at once (claim status is real-time).
   */
  asyncPolling: boolean;
}

// ---------------------------------------------------------------------------------------------
// Shared records
// ---------------------------------------------------------------------------------------------

/** A person as the payer knows her. Names as on the insurance card; never logged. */
export interface CoveredPerson {
  firstName: string;
  lastName: string;
  dateOfBirth: IsoDate;
  /** `M`, `F`, `U` (unknown); `null` to leave it out (it is optional upstream). */
  gender: 'M' | 'F' | 'U' | null;
}

/**
 * A payer's reason for rejecting an inquiry (X12 `AAA`): a result, not an error. Classifying it
 * (fix the patient data, fix the practice setup, retry later) is domain logic over `code`.
 */
export interface PayerRejection {
  /** The AAA03 reject reason code (`72` invalid member id, `75` subscriber not found, `42` unable to respond now, …). */
  code: string;
  /** The payer's or clearinghouse's description; member ids in it masked. `null` when none. */
  description: string | null;
  /**
   * The request field at fault in this port's names (`member.memberId`, `patient.dateOfBirth`),
   * when the clearinghouse names one the adapter can map; `null` otherwise.
   */
  field: string | null;
  /** The follow-up action the payer suggests (`Please Correct and Resubmit`); `null` when none. */
  followUp: string | null;
}

/** The payer that answered. */
export interface PayerRecord {
  /** The clearinghouse's payer id (alphanumeric; leading zeros kept). */
  payerId: string;
  /** Its name (`ACME HEALTH PPO`); `null` when the answer does not say. */
  name: string | null;
}

// ---------------------------------------------------------------------------------------------
// Eligibility (270/271)
// ---------------------------------------------------------------------------------------------

/** The patient's relationship to the subscriber (X12: self `18`, spouse `01`, child `19`, other `G8`). */
export type SubscriberRelationship = 'SELF' | 'SPOUSE' | 'CHILD' | 'OTHER';

/** One eligibility inquiry, built by the gateway from the patient, her coverage and the practice's config. */
export interface EligibilityRequest {
  /** The clearinghouse's payer id, from the practice's `payerIds` map (by the coverage's payor reference, then display). */
  payerId: string;
  /** The practice's provider, from config (`providerNpi`, `providerName`). */
  provider: {
    /** 10-digit NPI with a valid check digit. */
    npi: string;
    /** The provider's last name or the organization's name. */
    name: string;
  };
  member: {
    /** The subscriber's member id. Never logged whole. */
    memberId: string;
    /** The group number where the coverage has one; `null` otherwise. */
    groupNumber: string | null;
  };
  /** The patient (the subscriber herself when `relationship` is `SELF`). */
  patient: CoveredPerson;
  relationship: SubscriberRelationship;
  /** The date of service asked about (default: today in the practice's time zone). */
  asOfDate: IsoDate;
  /** X12 service type codes asked about, in order (`['30', '98']`: plan coverage, office visit). */
  serviceTypeCodes: string[];
}

/** One plan in the payer's answer. Dates are calendar dates (the clearinghouse's timestamps cut to their first 10 characters). */
export interface EligibilityPlan {
  /** The plan's name (`ACME PPO`); `null` when none. */
  name: string | null;
  groupNumber: string | null;
  groupName: string | null;
  /** X12 insurance type code; `null` when none. */
  insuranceTypeCode: string | null;
  /** EB01 of the plan's coverage (`1`–`5` active variants, `6` inactive, `7`/`8` inactive pending); `null` when the answer lacks it (a partial answer). */
  statusCode: string | null;
  /** Open ends are `null`. */
  coverageStartDate: IsoDate | null;
  coverageEndDate: IsoDate | null;
  eligibilityStartDate: IsoDate | null;
  eligibilityEndDate: IsoDate | null;
}

/**
 * EB01 of a row: a benefit (`A` coinsurance, `B` copay, `C` deductible, `G` out-of-pocket) or a
 * coverage status (`1`–`8`, from a plan's or a benefit's status).
 */
export type BenefitCode = 'A' | 'B' | 'C' | 'G' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8';

/**
 * One flattened 271 EB row. Every network value of every benefit becomes one row; a deductible or
 * out-of-pocket value becomes two (its limit, with its own time qualifier, default `23`; what is
 * left, time qualifier `29`). The rules in `src/ledger/` read only these rows.
 */
export interface BenefitRow {
  /** Index into `EligibilityBenefits.plans` of the plan it belongs to. */
  plan: number;
  code: BenefitCode;
  /** EB03 service type code (`30` plan coverage, `98` office visit, …). */
  serviceTypeCode: string;
  /** EB12 network: `Y` in, `N` out, `W` not applicable, `U` unknown; `null` on status rows. */
  network: 'Y' | 'N' | 'W' | 'U' | null;
  /** EB02 coverage level (`IND`, `FAM`, `EMP`, …); an empty level is `IND`. */
  coverageLevelCode: string;
  /** EB06 time period (`23` calendar year, `24` year to date, `27` visit, `29` remaining, `32` lifetime); `null` when none. */
  timeQualifierCode: string | null;
  /**
   * Money, in cents (positive): a copay's value, a deductible's or out-of-pocket's limit or
   * remainder. `null` when the row states none (never 0 for "absent"; an explicit `"0"` is 0).
   */
  amount: Cents | null;
  /**
   * A coinsurance: the **patient's** share, in percent (20 means the patient pays 20 %), whatever
   * form the clearinghouse used (a fraction ≤ 1 without a percent unit is multiplied by 100).
   * `null` on other rows.
   */
  percent: number | null;
  /** The 2-digit place of service (`11` office); `null` when the row names none. */
  placeOfServiceCode: string | null;
}

/** A payer's completed eligibility answer, normalized, not interpreted. */
export interface EligibilityBenefits {
  /**
   * `false` when the clearinghouse marked the answer incomplete or invalid and only what parsed is
   * here (Availity `3`): the check is `PARTIAL`.
   */
  complete: boolean;
  /** The date the payer answered for; `null` when it does not echo it. */
  asOfDate: IsoDate | null;
  payer: PayerRecord;
  plans: EligibilityPlan[];
  rows: BenefitRow[];
}

/**
 * An eligibility inquiry's state:
 * - `PENDING`: accepted, the payer has not answered yet (`capabilities.asyncPolling`); poll `inquiryId`.
 *   The flow keeps `inquiryId` on the check, so a later request resumes polling instead of posting.
 * - `ANSWERED`: the payer answered; `benefits` holds it.
 * - `REJECTED`: the payer rejected the inquiry; `reasons` say why (a result, not an error).
 */
export type EligibilityAnswer =
  | {
      state: 'PENDING';
      /** The clearinghouse's id of the inquiry (opaque, ≤ 64 characters). */
      inquiryId: string;
      /** The clearinghouse is retrying the payer (Availity `R1`) rather than waiting for it. */
      retrying: boolean;
      /** When the clearinghouse forgets the inquiry (ISO 8601); `null` when it does not say. Polling after it answers `NOT_FOUND`: post again. */
      expiresAt: string | null;
    }
  | { state: 'ANSWERED'; inquiryId: string; benefits: EligibilityBenefits }
  | { state: 'REJECTED'; inquiryId: string; reasons: PayerRejection[] };

// ---------------------------------------------------------------------------------------------
// Claim status (276/277)
// ---------------------------------------------------------------------------------------------

/**
 * One claim-status inquiry: the claim's inquiry key, supplied by the ledger adapter (or built from
 * the claim and its coverage), plus the practice's billing provider from config.
 */
export interface ClaimStatusRequest {
  /** The claim's id in the ledger system; the default patient control number. */
  claimSourceId: string;
  /** The clearinghouse's payer id, from the practice's `payerIds` map. */
  payerId: string;
  /** The practice's billing provider, from config: an organization name, or a person's name. */
  billingProvider: {
    npi: string;
    organizationName: string | null;
    lastName: string | null;
    firstName: string | null;
    taxId: string | null;
  };
  /** The policy holder (the patient herself when she is the subscriber). `memberId` is never logged whole. */
  subscriber: CoveredPerson & { memberId: string };
  /** The patient when she is not the subscriber (sent as the dependent); `null` when she is. */
  dependent: CoveredPerson | null;
  /** The claim's first and last service dates (the same date for a one-day claim). */
  serviceFrom: IsoDate;
  serviceTo: IsoDate;
  /** What the claim billed, in cents (positive). */
  billed: Cents;
  /** The patient control number (the 837's CLM01); default the claim's `sourceId`. */
  patientControlNumber: string;
  /** The payer's claim control number, once an answer gave it (stored by the gateway); `null` before. */
  payerClaimControlNumber: string | null;
  /** The gateway's trace number for this inquiry, echoed back where the clearinghouse does; `null` for none. */
  traceNumber: string | null;
}

/** One X12 STC status: category (STC01-1) and code (STC01-2). */
export interface ClaimStatusCode {
  /** `A0`–`A8`, `P0`–`P5`, `R0`–`R16`, `F0`–`F4` (and `F3F`, `F3N`), `E0`–`E4`, `D0`. */
  statusCategoryCode: string;
  /** STC01-2 (`20` accepted, `65` paid, …); `null` when absent. */
  statusCode: string | null;
  /** When this status took effect; `null` when not given. */
  effectiveDate: IsoDate | null;
}

/** One service line of a claim in a claim-status answer. */
export interface ClaimStatusLine {
  /** The procedure code (CPT/HCPCS/CDT); `null` when none. */
  procedureCode: string | null;
  /** Billed, in cents; `null` when absent (absent is not 0). */
  billed: Cents | null;
  /** Paid by the payer, in cents; `null` when absent. */
  paid: Cents | null;
  statuses: ClaimStatusCode[];
}

/**
 * One claim in a claim-status answer (an answer may hold several; choosing the one that is ours —
 * payer claim number, else patient control number, else service date and billed amount — is domain
 * logic). Amounts are `null` when absent, never 0 for "absent"; `paid` may appear before the
 * remittance is issued.
 */
export interface ClaimStatusRow extends ClaimStatusCode {
  /** STC01-3 entity code; `null` when absent. */
  entityCode: string | null;
  /** The category's and code's descriptions joined, for display; `null` when none. */
  statusText: string | null;
  /** The service dates the payer has on file (from a date or a date range); `null` when absent. */
  serviceFrom: IsoDate | null;
  serviceTo: IsoDate | null;
  /** STC04, in cents. */
  billed: Cents | null;
  /** STC05, in cents. */
  paid: Cents | null;
  paidDate: IsoDate | null;
  checkIssueDate: IsoDate | null;
  /** The check or EFT trace number of the payment; `null` when none. */
  checkNumber: string | null;
  /** The payer's claim control number; `null` on answers that carry none (e.g. not found). */
  payerClaimControlNumber: string | null;
  /** The patient control number the payer has (our CLM01). */
  patientControlNumber: string | null;
  /** The clearinghouse's own claim number; `null` when none. */
  clearinghouseClaimNumber: string | null;
  /** Our trace number echoed back; `null` when none. */
  traceNumber: string | null;
  lines: ClaimStatusLine[];
  /**
   * `true` when the payer sent an amount (of the claim or a line) the adapter could not read: that
   * amount is `null` here, so figures computed from the row would be partial. Absent means `false`.
   */
  lossy?: boolean;
}

/**
 * A claim-status answer: `ANSWERED` with every claim the payer matched (possibly none), or
 * `REJECTED` with the payer's reasons (the 277's `AAA`: a result, not an error).
 */
export type ClaimStatusAnswer =
  | {
      state: 'ANSWERED';
      /** The inquiry's control number (ours, echoed). */
      controlNumber: string;
      payer: PayerRecord;
      claims: ClaimStatusRow[];
    }
  | { state: 'REJECTED'; controlNumber: string; reasons: PayerRejection[] };

// ---------------------------------------------------------------------------------------------
// The port
// ---------------------------------------------------------------------------------------------

export interface CoverageAdapter {
  /** The system's config word (`availity`, `office-ally`). */
  readonly system: string;
  readonly capabilities: CoverageCapabilities;

  /** Authenticate / try the connection once. Rejects with an `UpstreamError` when it cannot. */
  connect(): Promise<void>;

  /** Ask the payer about coverage (where `capabilities.eligibility`). May answer `PENDING`. */
  checkEligibility?(request: EligibilityRequest): Promise<EligibilityAnswer>;
  /**
   * An accepted inquiry's state now (where `capabilities.asyncPolling`). The cadence (Availity: after
   * 1 s, then every 2 s, 30 s at most) is the flow's. Throws `UpstreamError` `NOT_FOUND` once the
   * clearinghouse forgot it (then post again). `request` is the inquiry's request as posted: an
   * inquiry posted by another instance (or before a restart) is masked with it, so payer texts that
   * echo the member id, name or birth date never come back in clear; pass it whenever you have it.
   */
  pollEligibility?(inquiryId: string, request?: EligibilityRequest): Promise<EligibilityAnswer>;

  /** Ask the payer where one claim stands (where `capabilities.claimStatusInquiry`). Real time. */
  inquireClaimStatus?(request: ClaimStatusRequest): Promise<ClaimStatusAnswer>;

  close(): Promise<void>;
}

/** The adapter a descriptor of one service creates: its service's methods are present. */
export type CoverageAdapterFor<S extends CoverageService> = CoverageAdapter &
  (S extends 'eligibility'
    ? Required<Pick<CoverageAdapter, 'checkEligibility'>>
    : Required<Pick<CoverageAdapter, 'inquireClaimStatus'>>);

/** The methods that touch the upstream, by shape (see `UpstreamMethods`); none is a batch. */
export const COVERAGE_METHODS = {
  batch: [],
  whole: ['connect', 'checkEligibility', 'pollEligibility', 'inquireClaimStatus'],
} as const satisfies UpstreamMethods<CoverageAdapter>;
