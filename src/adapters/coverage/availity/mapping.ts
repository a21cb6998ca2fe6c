/**
 * Availity's coverage → the port's records, normalized but not interpreted (the eligibility README
 * here, "Mapping"): every NetworkBenefit of the four network buckets becomes one EB row (two for a
 * deductible or out-of-pocket: its limit and what is left), plan and benefit status codes become
 * status rows, timestamps are cut to their calendar date. A value that does not parse is left out
 * and the answer marked incomplete (`PARTIAL`), never guessed.
 */
import { parseWireAmount } from '../../../ledger/money';
import type { BenefitCode, BenefitRow, EligibilityBenefits, EligibilityPlan, PayerRejection } from '../port';
import type { AvailityCoverage, BenefitDetail, NetworkBenefit } from './schemas';

/** Availity's amount kinds and the EB01 code each becomes. */
const AMOUNT_CODES = [
  ['coPayment', 'B'],
  ['coInsurance', 'A'],
  ['deductibles', 'C'],
  ['outOfPocket', 'G'],
] as const;

/** Availity's network buckets and the EB12 value each becomes. */
const NETWORKS = [
  ['inNetwork', 'Y'],
  ['outOfNetwork', 'N'],
  ['notApplicableNetwork', 'W'],
  ['noNetwork', 'U'],
] as const;

const STATUS_CODES = new Set(['1', '2', '3', '4', '5', '6', '7', '8']);

/** The calendar date of an Availity timestamp: its first 10 characters, no time-zone shift. `undefined` when unreadable. */
export function calendarDate(value: string | null): string | null | undefined {
  if (value === null) return null;
  const date = value.slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : undefined;
}

/** `"20"` → 20; `"0.2"` without a percent unit → 20 (an X12-style fraction). Exact: the decimal point moves in the text. */
export function percentOf(value: string, units: string | null): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(value)) return undefined;
  const number = Number(value);
  if (units?.toLowerCase() === 'percent' || number > 1) return number;
  const [whole = '0', frac = ''] = value.split('.');
  const shifted = `${whole}${frac.padEnd(2, '0').slice(0, 2)}.${frac.slice(2) || '0'}`;
  return Number(shifted);
}

/** What flattening found beside the rows. */
interface Flattened {
  rows: BenefitRow[];
  /** A value was unreadable and left out. */
  lossy: boolean;
}

function flattenDetail(plan: number, code: BenefitCode, serviceTypeCode: string, detail: BenefitDetail, out: Flattened): void {
  if (!detail) return;
  for (const [bucket, network] of NETWORKS) {
    for (const entry of detail[bucket]) flattenEntry(plan, code, serviceTypeCode, network, entry, out);
  }
}

function cents(value: string | null, out: Flattened): number | null | undefined {
  if (value === null) return null;
  try {
    const amount = parseWireAmount(value);
    if (amount < 0) throw new Error('negative');
    return amount;
  } catch {
    out.lossy = true;
    return undefined;
  }
}

function flattenEntry(
  plan: number,
  code: BenefitCode,
  serviceTypeCode: string,
  network: NonNullable<BenefitRow['network']>,
  entry: NetworkBenefit,
  out: Flattened,
): void {
  const base = {
    plan,
    code,
    serviceTypeCode,
    network,
    coverageLevelCode: (entry.levelCode ?? 'IND').toUpperCase(),
    placeOfServiceCode: entry.placeOfServiceCode,
  };
  if (code === 'A') {
    if (entry.amount === null) return;
    const percent = percentOf(entry.amount, entry.units);
    if (percent === undefined) {
      out.lossy = true;
      return;
    }
    out.rows.push({ ...base, timeQualifierCode: entry.amountTimePeriodCode, amount: null, percent });
    return;
  }
  if (code === 'B') {
    const amount = cents(entry.amount, out);
    if (amount === undefined || amount === null) return;
    out.rows.push({ ...base, timeQualifierCode: entry.amountTimePeriodCode, amount, percent: null });
    return;
  }
  // A deductible or out-of-pocket: its limit (own time period, default calendar year) and what is left (remaining).
  const total = cents(entry.total, out);
  if (total !== undefined && total !== null) {
    out.rows.push({ ...base, timeQualifierCode: entry.totalTimePeriodCode ?? '23', amount: total, percent: null });
  }
  const remaining = cents(entry.remaining, out);
  if (remaining !== undefined && remaining !== null) {
    out.rows.push({ ...base, timeQualifierCode: '29', amount: remaining, percent: null });
  }
}

function statusRow(plan: number, code: string, serviceTypeCode: string): BenefitRow {
  return {
    plan,
    code: code as BenefitCode,
    serviceTypeCode,
    network: null,
    coverageLevelCode: 'IND',
    timeQualifierCode: null,
    amount: null,
    percent: null,
    placeOfServiceCode: null,
  };
}

/** A completed coverage (`statusCode` `4`, or `3` when `complete` is false) as the port's benefits. */
export function benefitsOf(coverage: AvailityCoverage, payerId: string, complete: boolean): EligibilityBenefits {
  const out: Flattened = { rows: [], lossy: false };
  const date = (value: string | null) => {
    const parsed = calendarDate(value);
    if (parsed === undefined) out.lossy = true;
    return parsed ?? null;
  };
  const plans: EligibilityPlan[] = coverage.plans.map((plan, index) => {
    const statusCode = plan.statusCode !== null && STATUS_CODES.has(plan.statusCode) ? plan.statusCode : null;
    if (statusCode !== null) out.rows.push(statusRow(index, statusCode, '30'));
    for (const benefit of plan.benefits) {
      if (benefit.type === null) continue; // rules key on the service type; a benefit without one says nothing usable
      if (benefit.statusCode !== null && STATUS_CODES.has(benefit.statusCode))
        out.rows.push(statusRow(index, benefit.statusCode, benefit.type));
      for (const [kind, code] of AMOUNT_CODES) flattenDetail(index, code, benefit.type, benefit.amounts?.[kind], out);
    }
    return {
      name: plan.planName,
      groupNumber: plan.groupNumber,
      groupName: plan.groupName,
      insuranceTypeCode: plan.insuranceTypeCode,
      statusCode,
      coverageStartDate: date(plan.coverageStartDate),
      coverageEndDate: date(plan.coverageEndDate),
      eligibilityStartDate: date(plan.eligibilityStartDate),
      eligibilityEndDate: date(plan.eligibilityEndDate),
    };
  });
  return {
    complete: complete && !out.lossy,
    asOfDate: date(coverage.asOfDate),
    payer: { payerId: coverage.payer?.payerId ?? payerId, name: coverage.payer?.name ?? null },
    plans,
    rows: out.rows,
  };
}

/** Availity's form fields in the port's words (for rejections and 400s). */
export const FIELD_NAMES: Readonly<Record<string, string>> = {
  payerId: 'payerId',
  providerNpi: 'provider.npi',
  providerLastName: 'provider.name',
  memberId: 'member.memberId',
  groupNumber: 'member.groupNumber',
  patientFirstName: 'patient.firstName',
  patientLastName: 'patient.lastName',
  patientBirthDate: 'patient.dateOfBirth',
  patientGender: 'patient.gender',
  subscriberRelationship: 'relationship',
  asOfDate: 'asOfDate',
  serviceType: 'serviceTypeCodes',
};

export function portField(field: string | null): string | null {
  if (field === null) return null;
  return FIELD_NAMES[field.replace(/\[\d*\]$/, '')] ?? null;
}

/** The payer's validation messages of a `19` coverage (the 271's AAA), texts masked. */
export function rejectionsOf(coverage: AvailityCoverage, mask: (text: string) => string): PayerRejection[] {
  return coverage.validationMessages.map((message) => ({
    code: message.code ?? '',
    description: message.errorMessage === null ? null : mask(message.errorMessage),
    field: portField(message.field),
    followUp: null,
  }));
}
