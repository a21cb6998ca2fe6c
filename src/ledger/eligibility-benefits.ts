/**
 * What an eligibility answer (a 271, flattened into EB rows by the clearinghouse's adapter) means
 * for the front desk: is the coverage active on the date of service, what is the office-visit copay,
 * how much deductible and out-of-pocket are left, what coinsurance applies. Pure: no clock, no I/O,
 * no vendor names; the rows are the coverage port's `BenefitRow`s (X12 terms).
 *
 *     eligibilityFigures(answer, { asOfDate: '2026-07-30', inNetwork: true })
 *     // { status: 'COMPLETE', coverageActive: true, officeVisitCopay: 2500, copayAmbiguous: false,
 *     //   coinsurancePercent: 20, deductible: { individual: { total: 150000, remaining: 120000 }, … }, … }
 *
 * Row selection (every figure): the rule's candidate rows (its EB01 code, level, time qualifier, a
 * place of service of `11` or none), then, in this order, the first **service type** with any
 * candidate (each rule names its order), the first **network** with any candidate (config
 * `inNetwork`: Y, W, U; else N, W, U), the first **place of service** (`11`, else none; another POS
 * never counts), then the rule's own choice among what is left: the largest amount (a copay that
 * differs among the finalists is `copayAmbiguous`). No candidate row → `null`, never 0; an explicit
 * `"0"` upstream is a row of 0. See `README.md` here, "Eligibility".
 */
import type { BenefitRow, EligibilityAnswer, EligibilityBenefits, EligibilityPlan } from '../adapters/coverage/port';
import { type EligibilityReason, eligibilityReasons } from './eligibility-rejection';
import type { Cents, IsoDate } from './records';

/** What a check found; `REJECTED` is the payer's rejection, a result with reasons. */
export type EligibilityStatus = 'COMPLETE' | 'PARTIAL' | 'REJECTED';

/** A limit and what is left of it, in cents; each `null` when the payer gave no such row. */
export interface LimitFigures {
  total: Cents | null;
  remaining: Cents | null;
}

/** Individual (`IND`) and family (`FAM`) limits of one kind. */
export interface LevelFigures {
  individual: LimitFigures;
  family: LimitFigures;
}

/**
 * The numbers of an `EligibilityCheck` (everything but the flow's `checkId` and `checkedAt`). Money
 * in cents; every figure the payer did not give is `null`, never 0.
 */
export interface EligibilityFigures {
  status: EligibilityStatus;
  /** `true` active on `asOfDate`; `false` inactive or outside every active plan's dates; `null` unknown. */
  coverageActive: boolean | null;
  payerName: string | null;
  /** The plan that decided `coverageActive` (the first active plan covering the date), else the first plan. */
  planName: string | null;
  groupNumber: string | null;
  /** The date of service the answer is for: the payer's echo, else the date asked about. */
  asOfDate: IsoDate;
  officeVisitCopay: Cents | null;
  /** The finalist copay rows differ (the largest is `officeVisitCopay`). */
  copayAmbiguous: boolean;
  /** The patient's share, in percent (20 = the patient pays 20 %). */
  coinsurancePercent: number | null;
  deductible: LevelFigures;
  outOfPocket: LevelFigures;
  /** The network the figures were read for (config `inNetwork`). */
  network: 'IN' | 'OUT';
  /** The payer's reasons, on a `REJECTED` check; empty otherwise. */
  reasons: EligibilityReason[];
}

export interface EligibilityFiguresOptions {
  /** The date of service asked about; used when the answer does not echo one. */
  asOfDate: IsoDate;
  /** The practice's network with the payer (config `inNetwork`, default true). */
  inNetwork: boolean;
}

/** Network values in the order they are preferred. */
export function networkPreference(inNetwork: boolean): ReadonlyArray<NonNullable<BenefitRow['network']>> {
  return inNetwork ? ['Y', 'W', 'U'] : ['N', 'W', 'U'];
}

/** EB01 codes `1`–`5`: active coverage and its variants. */
const ACTIVE_CODES = new Set(['1', '2', '3', '4', '5']);
/** EB01 codes `6`–`8`: inactive, inactive pending eligibility update, inactive pending investigation. */
const INACTIVE_CODES = new Set(['6', '7', '8']);
const OFFICE = '11';
const PLAN_COVERAGE = '30';
const OFFICE_VISIT = '98';

/** The rows one figure may come from, and the order of service types to try. */
export interface RowRule {
  code: BenefitRow['code'];
  serviceTypes: readonly string[];
  level: 'IND' | 'FAM';
  /** Time qualifiers allowed (`null` in the list: a row without one); absent: any. */
  times?: ReadonlyArray<string | null>;
}

/**
 * The finalists of a rule: its candidates narrowed to the first service type, then the first
 * network, then the first place of service that has any. Empty when there is no candidate.
 */
export function selectRows(rows: readonly BenefitRow[], rule: RowRule, inNetwork: boolean): BenefitRow[] {
  const networks = networkPreference(inNetwork);
  const candidates = rows.filter(
    (row) =>
      row.code === rule.code &&
      rule.serviceTypes.includes(row.serviceTypeCode) &&
      row.network !== null &&
      networks.includes(row.network) &&
      (row.placeOfServiceCode === null || row.placeOfServiceCode === OFFICE) &&
      row.coverageLevelCode === rule.level &&
      (rule.times === undefined || rule.times.includes(row.timeQualifierCode)),
  );
  const firstWith = <T>(rows: BenefitRow[], order: readonly T[], key: (row: BenefitRow) => T) => {
    for (const value of order) {
      const matching = rows.filter((row) => key(row) === value);
      if (matching.length > 0) return matching;
    }
    return [];
  };
  const byService = firstWith(candidates, rule.serviceTypes, (row) => row.serviceTypeCode);
  const byNetwork = firstWith(byService, networks, (row) => row.network);
  return firstWith(byNetwork, [OFFICE, null], (row) => row.placeOfServiceCode);
}

/** The largest amount among rows that state one; `null` when none does. */
function largestAmount(rows: readonly BenefitRow[]): Cents | null {
  let largest: Cents | null = null;
  for (const row of rows) if (row.amount !== null && (largest === null || row.amount > largest)) largest = row.amount;
  return largest;
}

/**
 * The office-visit copay: `B` rows of service type `98`, else `30`; level `IND`; time qualifier
 * `27` (per visit) or none. The largest finalist; `ambiguous` when the finalists' amounts differ.
 */
export function officeVisitCopay(rows: readonly BenefitRow[], inNetwork: boolean): { amount: Cents | null; ambiguous: boolean } {
  const finalists = selectRows(
    rows,
    { code: 'B', serviceTypes: [OFFICE_VISIT, PLAN_COVERAGE], level: 'IND', times: ['27', null] },
    inNetwork,
  );
  const amounts = new Set(finalists.flatMap((row) => (row.amount === null ? [] : [row.amount])));
  return { amount: largestAmount(finalists), ambiguous: amounts.size > 1 };
}

/** Time qualifiers of a limit's total: calendar year, service year, year to date. */
const TOTAL_TIMES = ['23', '22', '24'] as const;
/** The time qualifier of what is left: remaining. */
const REMAINING_TIMES = ['29'] as const;

/**
 * A limit (`C` deductible, `G` out-of-pocket) at one level: service type `30`, else `98`; `total`
 * from time `23`/`22`/`24`, `remaining` from time `29`, each chosen on its own (a total alone is
 * not a remainder). The largest finalist of each.
 */
export function limitFigures(
  rows: readonly BenefitRow[],
  code: 'C' | 'G',
  level: 'IND' | 'FAM',
  inNetwork: boolean,
): LimitFigures {
  const serviceTypes = [PLAN_COVERAGE, OFFICE_VISIT];
  return {
    total: largestAmount(selectRows(rows, { code, serviceTypes, level, times: TOTAL_TIMES }, inNetwork)),
    remaining: largestAmount(selectRows(rows, { code, serviceTypes, level, times: REMAINING_TIMES }, inNetwork)),
  };
}

/**
 * The coinsurance: `A` rows of `98`, else `30`; level `IND`; any time qualifier. The patient's share
 * in percent; the largest finalist (the patient is told the most she may pay).
 */
export function coinsurancePercent(rows: readonly BenefitRow[], inNetwork: boolean): number | null {
  const finalists = selectRows(rows, { code: 'A', serviceTypes: [OFFICE_VISIT, PLAN_COVERAGE], level: 'IND' }, inNetwork);
  let largest: number | null = null;
  for (const row of finalists) if (row.percent !== null && (largest === null || row.percent > largest)) largest = row.percent;
  return largest;
}

/** A plan's period: eligibility dates first, coverage dates where those are absent; open ends are `null`. */
function covers(plan: EligibilityPlan, date: IsoDate): boolean {
  const start = plan.eligibilityStartDate ?? plan.coverageStartDate;
  const end = plan.eligibilityEndDate ?? plan.coverageEndDate;
  return (start === null || start <= date) && (end === null || end >= date);
}

/**
 * Coverage on `date`: `true` when a plan has status `1`–`5` and its period covers the date; `false`
 * when every plan is `6`/`7`/`8`, or every plan is known and no active one covers the date; `null`
 * otherwise (no plan, or a plan without a status: unknown).
 */
export function coverageActiveOn(
  plans: readonly EligibilityPlan[],
  date: IsoDate,
): { active: boolean | null; plan: EligibilityPlan | null } {
  const decided = plans.find((plan) => plan.statusCode !== null && ACTIVE_CODES.has(plan.statusCode) && covers(plan, date));
  if (decided) return { active: true, plan: decided };
  const known =
    plans.length > 0 &&
    plans.every((plan) => plan.statusCode !== null && (ACTIVE_CODES.has(plan.statusCode) || INACTIVE_CODES.has(plan.statusCode)));
  return { active: known ? false : null, plan: plans[0] ?? null };
}

const EMPTY_LIMIT: LimitFigures = { total: null, remaining: null };

/** The figures of a completed answer (`COMPLETE`, or `PARTIAL` when the clearinghouse marked it incomplete). */
export function benefitFigures(benefits: EligibilityBenefits, options: EligibilityFiguresOptions): EligibilityFigures {
  const asOfDate = benefits.asOfDate ?? options.asOfDate;
  const { active, plan } = coverageActiveOn(benefits.plans, asOfDate);
  const { rows } = benefits;
  const copay = officeVisitCopay(rows, options.inNetwork);
  const levels = (code: 'C' | 'G'): LevelFigures => ({
    individual: limitFigures(rows, code, 'IND', options.inNetwork),
    family: limitFigures(rows, code, 'FAM', options.inNetwork),
  });
  return {
    status: benefits.complete ? 'COMPLETE' : 'PARTIAL',
    coverageActive: active,
    payerName: benefits.payer.name,
    planName: plan?.name ?? null,
    groupNumber: plan?.groupNumber ?? null,
    asOfDate,
    officeVisitCopay: copay.amount,
    copayAmbiguous: copay.ambiguous,
    coinsurancePercent: coinsurancePercent(rows, options.inNetwork),
    deductible: levels('C'),
    outOfPocket: levels('G'),
    network: options.inNetwork ? 'IN' : 'OUT',
    reasons: [],
  };
}

/**
 * The figures of an answer the payer gave: its benefits, or a `REJECTED` check with its reasons and
 * nothing else known. A `PENDING` answer has no figures (the flow polls it); check
 * `eligibilityRejectionOutcome` before presenting a rejection as a result.
 */
export function eligibilityFigures(
  answer: Exclude<EligibilityAnswer, { state: 'PENDING' }>,
  options: EligibilityFiguresOptions,
): EligibilityFigures {
  if (answer.state === 'ANSWERED') return benefitFigures(answer.benefits, options);
  return {
    status: 'REJECTED',
    coverageActive: null,
    payerName: null,
    planName: null,
    groupNumber: null,
    asOfDate: options.asOfDate,
    officeVisitCopay: null,
    copayAmbiguous: false,
    coinsurancePercent: null,
    deductible: { individual: EMPTY_LIMIT, family: EMPTY_LIMIT },
    outOfPocket: { individual: EMPTY_LIMIT, family: EMPTY_LIMIT },
    network: options.inNetwork ? 'IN' : 'OUT',
    reasons: eligibilityReasons(answer.reasons),
  };
}
