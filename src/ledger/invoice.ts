/**
 * An itemized invoice: a patient's (or family's) charges grouped by patient, provider or service
 * date, each group with its subtotals, and the invoice with its totals.
 *
 *     const groups = buildInvoice(lines, 'PROVIDER');
 *     invoiceTotals(groups)   // { total: Σ subtotals, feeTotal: Σ fee subtotals }
 *
 * Ordering is deterministic: groups by key with `null` last, lines by service date (`null` last)
 * then charge id. Ids made only of digits sort numerically and before any other id ("9" < "10" <
 * "A7"); other ids and dates sort by UTF-16 code units, never by locale.
 */
import type { Cents, IsoDate } from './records';
import { sumCents } from './money';

/** One charge on an invoice. */
export interface InvoiceLine {
  chargeSourceId: string;
  patientSourceId: string;
  providerSourceId: string | null;
  serviceDate: IsoDate | null;
  /** What the patient owes on the charge (see chargePatientAmount). */
  patientAmount: Cents;
  fee: Cents;
}

/** What an invoice's lines are grouped by. */
export type InvoiceGroupBy = 'PATIENT' | 'PROVIDER' | 'SERVICE_DATE';

/** The lines sharing one key, with their sums. */
export interface InvoiceGroup {
  /** The patient id, provider id or service date; `null` for lines without one. */
  key: string | null;
  lines: InvoiceLine[];
  /** Σ patient amounts of the lines. */
  subtotal: Cents;
  /** Σ fees of the lines. */
  feeSubtotal: Cents;
}

/** A whole invoice. */
export interface Invoice {
  groupBy: InvoiceGroupBy;
  groups: InvoiceGroup[];
  /** Σ group subtotals = Σ patient amounts of every line. */
  total: Cents;
  /** Σ group fee subtotals = Σ fees of every line. */
  feeTotal: Cents;
}

const DIGITS = /^[0-9]+$/;

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A total order on ids: digit-only ids first, numerically (then by text, so "01" and "1" still
 * order), then every other id by UTF-16 code units.
 */
export function compareIds(a: string, b: string): number {
  const aDigits = DIGITS.test(a);
  const bDigits = DIGITS.test(b);
  if (aDigits !== bDigits) return aDigits ? -1 : 1;
  if (aDigits) {
    const aValue = a.replace(/^0+(?=.)/, '');
    const bValue = b.replace(/^0+(?=.)/, '');
    if (aValue.length !== bValue.length) return aValue.length - bValue.length;
    return compareCodeUnits(aValue, bValue) || compareCodeUnits(a, b);
  }
  return compareCodeUnits(a, b);
}

/** {@link compareIds} with `null` after every string. */
function compareNullableIds(a: string | null, b: string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return compareIds(a, b);
}

/** The line order: service date (`null` last), then charge id. */
export function compareInvoiceLines(a: InvoiceLine, b: InvoiceLine): number {
  return compareNullableIds(a.serviceDate, b.serviceDate) || compareIds(a.chargeSourceId, b.chargeSourceId);
}

/** The key a line is grouped under. */
export function invoiceKey(line: InvoiceLine, groupBy: InvoiceGroupBy): string | null {
  switch (groupBy) {
    case 'PATIENT':
      return line.patientSourceId;
    case 'PROVIDER':
      return line.providerSourceId;
    case 'SERVICE_DATE':
      return line.serviceDate;
    default:
      throw new TypeError(`unknown invoice grouping ${JSON.stringify(groupBy satisfies never)}`);
  }
}

/**
 * Groups `lines` by `groupBy`: groups ordered by key (`null` last), lines within a group by service
 * date then charge id, each group with exact subtotals. The input is not modified; no lines → `[]`.
 */
export function buildInvoice(lines: readonly InvoiceLine[], groupBy: InvoiceGroupBy): InvoiceGroup[] {
  const byKey = new Map<string | null, InvoiceLine[]>();
  for (const line of lines) {
    const key = invoiceKey(line, groupBy);
    const group = byKey.get(key);
    if (group) group.push(line);
    else byKey.set(key, [line]);
  }
  return [...byKey.keys()].sort(compareNullableIds).map((key) => {
    const groupLines = [...byKey.get(key)!].sort(compareInvoiceLines);
    return {
      key,
      lines: groupLines,
      subtotal: sumCents(groupLines.map((line) => line.patientAmount)),
      feeSubtotal: sumCents(groupLines.map((line) => line.fee)),
    };
  });
}

/** The invoice totals: Σ subtotals and Σ fee subtotals of the groups. */
export function invoiceTotals(groups: readonly InvoiceGroup[]): { total: Cents; feeTotal: Cents } {
  return {
    total: sumCents(groups.map((group) => group.subtotal)),
    feeTotal: sumCents(groups.map((group) => group.feeSubtotal)),
  };
}

/** {@link buildInvoice} with its totals. */
export function buildItemizedInvoice(lines: readonly InvoiceLine[], groupBy: InvoiceGroupBy): Invoice {
  const groups = buildInvoice(lines, groupBy);
  return { groupBy, groups, ...invoiceTotals(groups) };
}
