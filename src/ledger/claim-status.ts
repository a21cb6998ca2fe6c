/**
 * What a claim-status answer (a 277, as the coverage port's `ClaimStatusRow`s in X12 terms) means
 * for the gateway: which row is our claim, its category, what the payer paid, the most the patient
 * may owe, and whether anything changed since the last inquiry. Pure: no clock, no I/O.
 *
 *     const match = matchClaim(answer.claims, key);          // { kind: 'MATCHED', claim, by: 'PAYER_CLAIM_NUMBER' }
 *     const figures = claimPayerStatusFigures(match.claim, { billed: 18000 });
 *     // { category: 'FINALIZED_PAID', paid: 9600, maxPatientResponsibility: 8400, … }
 *     claimStatusEvent(stored?.fingerprint ?? null, match.claim)   // 'CLAIM_PROCESSED' | 'PAYER_UPDATE_RECEIVED' | null
 *
 * A payer status never overrides the ledger system's claim status, stage or balance: these figures
 * are shown beside them (`Claim.payerStatus`). See `README.md` here, "Claim status".
 */
import type { ClaimStatusRow } from '../adapters/coverage/port';
import { subtractCents, sumCents } from './money';
import type { Cents, IsoDate } from './records';

/** The gateway's reading of an STC category (STC01-1). */
export type ClaimPayerCategory =
  | 'ACKNOWLEDGED'
  | 'PENDING'
  | 'INFO_REQUESTED'
  | 'REJECTED'
  | 'NOT_FOUND'
  | 'FINALIZED_PAID'
  | 'FINALIZED_DENIED'
  | 'FINALIZED_OTHER'
  | 'ERROR';

const CATEGORIES: Record<string, ClaimPayerCategory> = {
  A0: 'ACKNOWLEDGED',
  A1: 'ACKNOWLEDGED',
  A2: 'ACKNOWLEDGED',
  A5: 'ACKNOWLEDGED',
  A3: 'REJECTED',
  A6: 'REJECTED',
  A7: 'REJECTED',
  A8: 'REJECTED',
  A4: 'NOT_FOUND',
  D0: 'NOT_FOUND',
  F1: 'FINALIZED_PAID',
  F2: 'FINALIZED_DENIED',
  F0: 'FINALIZED_OTHER',
  F3: 'FINALIZED_OTHER',
  F3F: 'FINALIZED_OTHER',
  F3N: 'FINALIZED_OTHER',
  F4: 'FINALIZED_OTHER',
};

/**
 * The category of an STC01-1 code: the X12 table (`A0`–`A2`, `A5` acknowledged; `A3`, `A6`–`A8`
 * rejected; `A4`, `D0` not found; `P0`–`P5` pending; `R0`–`R16` information requested; `F1` paid;
 * `F2` denied; `F0`, `F3`, `F3F`, `F3N`, `F4` other finalized; `E0`–`E4` error). A code outside the
 * table is `ERROR`: the gateway cannot tell what the payer did, so it claims nothing.
 */
export function claimCategory(statusCategoryCode: string): ClaimPayerCategory {
  const code = statusCategoryCode.trim().toUpperCase();
  const listed = CATEGORIES[code];
  if (listed) return listed;
  if (/^P[0-5]$/.test(code)) return 'PENDING';
  if (/^R([0-9]|1[0-6])$/.test(code)) return 'INFO_REQUESTED';
  return 'ERROR';
}

/** A finalized category: the payer has adjudicated the claim. */
export function isFinalized(category: ClaimPayerCategory): boolean {
  return category === 'FINALIZED_PAID' || category === 'FINALIZED_DENIED' || category === 'FINALIZED_OTHER';
}

/** What identifies our claim among the rows of an answer (its inquiry key and what an earlier answer gave). */
export interface ClaimMatchKey {
  /** The payer's claim control number stored from an earlier answer; `null` before one came. */
  payerClaimControlNumber: string | null;
  /** Our patient control number (the 837's CLM01). */
  patientControlNumber: string;
  serviceFrom: IsoDate;
  serviceTo: IsoDate;
  /** What the claim billed, in cents. */
  billed: Cents;
}

/** Which rule found our claim. */
export type ClaimMatchRule = 'PAYER_CLAIM_NUMBER' | 'PATIENT_CONTROL_NUMBER' | 'SERVICE_DATES_AND_BILLED';

export type ClaimMatch =
  | { kind: 'MATCHED'; claim: ClaimStatusRow; by: ClaimMatchRule }
  /** No row is ours: no update. */
  | { kind: 'NONE' }
  /** Several rows fit the first rule any row fits: no update, logged "ambiguous". */
  | { kind: 'AMBIGUOUS'; by: ClaimMatchRule; count: number };

/**
 * Our claim among an answer's rows, by the first rule any row fits: the stored payer claim number
 * (`tradingPartnerClaimNumber`), else our patient control number, else the service dates and billed
 * amount together. One row fitting a rule is the match; several are ambiguous (no guess).
 */
export function matchClaim(claims: readonly ClaimStatusRow[], key: ClaimMatchKey): ClaimMatch {
  const rules: Array<[ClaimMatchRule, (row: ClaimStatusRow) => boolean]> = [
    [
      'PAYER_CLAIM_NUMBER',
      (row) => key.payerClaimControlNumber !== null && row.payerClaimControlNumber === key.payerClaimControlNumber,
    ],
    ['PATIENT_CONTROL_NUMBER', (row) => row.patientControlNumber === key.patientControlNumber],
    [
      'SERVICE_DATES_AND_BILLED',
      (row) =>
        row.serviceFrom === key.serviceFrom && (row.serviceTo ?? row.serviceFrom) === key.serviceTo && row.billed === key.billed,
    ],
  ];
  for (const [by, fits] of rules) {
    const found = claims.filter(fits);
    if (found.length === 1) return { kind: 'MATCHED', claim: found[0]!, by };
    if (found.length > 1) return { kind: 'AMBIGUOUS', by, count: found.length };
  }
  return { kind: 'NONE' };
}

/** One service line as `ClaimPayerStatus.lines` shows it (the line's first status). */
export interface ClaimPayerStatusLine {
  procedureCode: string | null;
  billed: Cents | null;
  paid: Cents | null;
  statusCategoryCode: string | null;
  statusCode: string | null;
}

/** The numbers of a `ClaimPayerStatus` (everything but the flow's `claimSourceId` and `checkedAt`). Money in cents. */
export interface ClaimPayerStatusFigures {
  category: ClaimPayerCategory;
  statusCategoryCode: string;
  statusCode: string | null;
  statusText: string | null;
  entityCode: string | null;
  effectiveDate: IsoDate | null;
  payerClaimControlNumber: string | null;
  patientControlNumber: string | null;
  /** The payer's billed figure (STC04), else the claim's own. */
  billed: Cents | null;
  /** STC05, else the sum of the lines' paid when every line states one; `null` when unknown (never 0 for "absent"). */
  paid: Cents | null;
  paidDate: IsoDate | null;
  checkNumber: string | null;
  /**
   * The most the patient may owe after the payer's decision: `billed − paid` (floored at 0) once paid
   * or otherwise finalized — an **upper bound**, since it still holds contractual write-offs —
   * `billed` once denied, `null` before adjudication or when a figure is missing. The exact figure
   * is the ledger system's, after it posts the remittance.
   */
  maxPatientResponsibility: Cents | null;
  lines: ClaimPayerStatusLine[];
}

/** What the figures need beside the row. */
export interface ClaimPayerStatusOptions {
  /** The claim's billed amount in the ledger system, used when the payer's row does not state one. */
  billed: Cents | null;
}

/** The paid amount: the row's, else the lines' sum when every line (at least one) states one. */
function paidOf(row: ClaimStatusRow): Cents | null {
  if (row.paid !== null) return row.paid;
  if (row.lines.length === 0 || row.lines.some((line) => line.paid === null)) return null;
  return sumCents(row.lines.map((line) => line.paid as Cents));
}

/** The payer status of our claim, from its row. */
export function claimPayerStatusFigures(row: ClaimStatusRow, options: ClaimPayerStatusOptions): ClaimPayerStatusFigures {
  const category = claimCategory(row.statusCategoryCode);
  const billed = row.billed ?? options.billed;
  const paid = paidOf(row);
  let maxPatientResponsibility: Cents | null = null;
  // A row with an unreadable amount: any bound computed from what remains could be wrong, so none.
  if (row.lossy === true) maxPatientResponsibility = null;
  else if (category === 'FINALIZED_DENIED') maxPatientResponsibility = billed;
  else if ((category === 'FINALIZED_PAID' || category === 'FINALIZED_OTHER') && billed !== null && paid !== null) {
    maxPatientResponsibility = Math.max(0, subtractCents(billed, paid));
  }
  return {
    category,
    statusCategoryCode: row.statusCategoryCode,
    statusCode: row.statusCode,
    statusText: row.statusText,
    entityCode: row.entityCode,
    effectiveDate: row.effectiveDate,
    payerClaimControlNumber: row.payerClaimControlNumber,
    patientControlNumber: row.patientControlNumber,
    billed,
    paid,
    paidDate: row.paidDate,
    checkNumber: row.checkNumber,
    maxPatientResponsibility,
    lines: row.lines.map((line) => ({
      procedureCode: line.procedureCode,
      billed: line.billed,
      paid: line.paid,
      statusCategoryCode: line.statuses[0]?.statusCategoryCode ?? null,
      statusCode: line.statuses[0]?.statusCode ?? null,
    })),
  };
}

/**
 * The text that decides "changed": the row's category and status codes, entity, effective date,
 * amount paid, check number and payer claim number, in a fixed order (stored with the claim's
 * status, so it must not change between releases).
 */
export function claimStatusFingerprint(row: ClaimStatusRow): string {
  return JSON.stringify([
    row.statusCategoryCode,
    row.statusCode,
    row.entityCode,
    row.effectiveDate,
    row.paid,
    row.checkNumber,
    row.payerClaimControlNumber,
  ]);
}

/** What a new answer triggers. */
export type ClaimStatusEvent = 'CLAIM_PROCESSED' | 'PAYER_UPDATE_RECEIVED';

/**
 * The event of a new row against the stored fingerprint (`null`: no earlier result, which always
 * counts): `null` when unchanged; `CLAIM_PROCESSED` when changed and now finalized; else
 * `PAYER_UPDATE_RECEIVED`.
 */
export function claimStatusEvent(storedFingerprint: string | null, row: ClaimStatusRow): ClaimStatusEvent | null {
  if (storedFingerprint !== null && storedFingerprint === claimStatusFingerprint(row)) return null;
  return isFinalized(claimCategory(row.statusCategoryCode)) ? 'CLAIM_PROCESSED' : 'PAYER_UPDATE_RECEIVED';
}

/**
 * What a payer's rejection of a claim-status inquiry (the 277's `AAA` reject reason) asks for:
 * `RETRY` for `42` (unable to respond now) and `80` (no response); `NEEDS_ATTENTION` for any other
 * (the practice must correct the member, name or provider before another inquiry).
 */
export function claimRejectionAction(code: string): 'RETRY' | 'NEEDS_ATTENTION' {
  return code === '42' || code === '80' ? 'RETRY' : 'NEEDS_ATTENTION';
}
