/**
 * The reports' inputs, checked before anything is read upstream: amounts as decimal strings, dates
 * as `YYYY-MM-DD`, a period whose end is not before its start, a page size in range. A bad input is
 * a `ReportInputError` (BAD_USER_INPUT) saying what was expected and what arrived.
 *
 *     parsePeriod('2025-06-01', '2025-06-30')   // { from: '2025-06-01', to: '2025-06-30' }
 *     parsePageSize(500, 200)                   // throws: expected first between 1 and 200, got 500
 */
import { z } from 'zod';
import { DomainError } from '../../errors';
import { parseDecimal } from '../money';
import type { Cents } from '../records';

export class ReportInputError extends DomainError {
  readonly code = 'BAD_USER_INPUT' as const;
}

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((text) => {
    const d = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
  });

/** An inclusive period of calendar days. */
export interface Period {
  from: string;
  to: string;
}

/** A calendar day as text: the GraphQL `Date` scalar hands a `Date` at UTC midnight, tests and callers text. */
function dayText(name: string, value: string | Date): string {
  const text = value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString().slice(0, 10) : value;
  if (typeof text !== 'string' || !isoDate.safeParse(text).success) {
    throw new ReportInputError(`expected ${name} to be a date YYYY-MM-DD, got "${String(value)}"`);
  }
  return text;
}

export function parsePeriod(fromValue: string | Date, toValue: string | Date): Period {
  const from = dayText('from', fromValue);
  const to = dayText('to', toValue);
  if (to < from) throw new ReportInputError(`expected to (${to}) on or after from (${from})`);
  return { from, to };
}

/** A non-negative amount as a decimal string (`"100.00"`), in cents; `null` stays `null`. */
export function parseAmountFilter(name: string, text: string | null | undefined): Cents | null {
  if (text == null) return null;
  let cents: Cents;
  try {
    cents = parseDecimal(text);
  } catch {
    throw new ReportInputError(`expected ${name} to be a decimal amount such as "100.00", got "${text}"`);
  }
  // A balance filter below zero would silently match credit balances as if they were owed.
  if (cents < 0) throw new ReportInputError(`expected ${name} to be a non-negative amount such as "100.00", got "${text}"`);
  return cents;
}

export function parsePageSize(first: number | null | undefined, max: number, fallback = 50): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max)
    throw new ReportInputError(`expected first between 1 and ${max}, got ${size}`);
  return size;
}
