/**
 * What writes share: money written with two decimals in the JSON text (JSON.stringify would write
 * 180.00 as 180), the additive `tender` details, and the configured type lists.
 *
 *     serializeFhir({ valueMoney: money(18000) })   // '{"valueMoney":{"value":180.00,"currency":"USD"}}'
 */
import { centsToDecimalText } from './money';

/** Card and check details of a payment: the port's `LedgerWrite.tender` (the GraphQL input `tender`). */
export type { Tender } from '../port';

const MARK = '\u0000cents:';

/** A Money whose value is serialized with exactly two decimals. */
export function money(cents: number): { value: number; currency: 'USD' } {
  // Typed as a number for `fhir/r4`; replaced by the exact text in `serializeFhir`.
  return { value: `${MARK}${centsToDecimalText(cents)}` as unknown as number, currency: 'USD' };
}

/** JSON text of a resource, with each `money()` value as a two-decimal number. */
export function serializeFhir(resource: unknown): string {
  return JSON.stringify(resource).replace(/"\\u0000cents:(-?\d+\.\d{2})"/g, '$1');
}

/** The date part of an ISO date-time (UTC). */
export function datePart(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso.slice(0, 10) : new Date(t).toISOString().slice(0, 10);
}
