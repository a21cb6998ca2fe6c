/**
 * Reading Square request bodies the way Square refuses them: 400 `INVALID_REQUEST_ERROR` with the
 * code and the `field` (dotted path) of the first problem.
 */
import { invalid } from './errors';
import type { Money } from './records';

export type Json = Record<string, unknown>;

export function object(value: unknown, field: string, required = true): Json | undefined {
  if (value === undefined || value === null) {
    if (required) throw invalid('MISSING_REQUIRED_PARAMETER', `Missing required parameter ${field}.`, field);
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('INVALID_VALUE', `${field} must be an object.`, field);
  return value as Json;
}

export function text(
  value: unknown,
  field: string,
  options: { required?: boolean; max?: number; min?: number } = {},
): string | undefined {
  if (value === undefined || value === null) {
    if (options.required) throw invalid('MISSING_REQUIRED_PARAMETER', `Missing required parameter ${field}.`, field);
    return undefined;
  }
  if (typeof value !== 'string') throw invalid('INVALID_VALUE', `${field} must be a string.`, field);
  if (options.required && value === '')
    throw invalid('MISSING_REQUIRED_PARAMETER', `Missing required parameter ${field}.`, field);
  if (options.min !== undefined && value.length < options.min)
    throw invalid('VALUE_TOO_SHORT', `${field} must be at least ${options.min} characters.`, field);
  if (options.max !== undefined && value.length > options.max)
    throw invalid('VALUE_TOO_LONG', `${field} must be at most ${options.max} characters.`, field);
  return value;
}

/** A `Money`: an integer `amount` above zero and an upper-case currency (USD only in the sandbox). */
export function money(value: unknown, field: string): Money {
  const m = object(value, field)!;
  const amount = m['amount'];
  if (amount === undefined || amount === null)
    throw invalid('MISSING_REQUIRED_PARAMETER', `Missing required parameter ${field}.amount.`, `${field}.amount`);
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount))
    throw invalid('INVALID_VALUE', `${field}.amount must be an integer.`, `${field}.amount`);
  if (amount <= 0) throw invalid('VALUE_TOO_LOW', `${field}.amount must be greater than 0.`, `${field}.amount`);
  const currency = text(m['currency'], `${field}.currency`, { required: true })!;
  if (currency !== 'USD')
    throw invalid('CURRENCY_MISMATCH', `${field}.currency must be USD for this location.`, `${field}.currency`);
  return { amount, currency };
}

export function httpUrl(value: string, field: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // fall through
  }
  throw invalid('INVALID_VALUE', `${field} must be an http(s) URL.`, field);
}

export function bool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid('INVALID_VALUE', `${field} must be a boolean.`, field);
  return value;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function time(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value)))
    throw invalid('INVALID_TIME', `${field} must be an RFC 3339 timestamp.`, field);
  return Date.parse(value);
}
