/**
 * Reading one field of a request body the way QBO judges it: references `{ "value": "<Id>" }` to
 * live entities (a malformed one → 2500, an unknown or inactive one → 610), dates `YYYY-MM-DD`,
 * strings with their maximum lengths (2050), money as dollars with at most two decimals.
 */
import { readAmount } from '../shared/wire-money';
import type { EntityType, RealmBooks, StoredEntity } from './store';
import { invalidProperty, invalidReference, invalidStringLength, objectNotFound, requiredParamMissing } from './wire';

export type Body = Record<string, unknown>;

export function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A reference field: the live, active entity it names; `null` when absent and not `required`. */
export function readRef(
  books: RealmBooks,
  body: Body,
  element: string,
  type: EntityType,
  required: boolean,
): StoredEntity | null {
  const ref = body[element];
  if (ref === undefined || ref === null) {
    if (required) throw requiredParamMissing(element);
    return null;
  }
  const value = isObject(ref) ? ref.value : undefined;
  if (typeof value !== 'string' || !/^[0-9]+$/.test(value)) throw invalidReference(element, isObject(ref) ? value : ref);
  const found = books.get(type, value);
  if (!found || found.data.Active === false) {
    throw objectNotFound(`${type} ${value} (${element})${found ? ' is inactive' : ''}`, element);
  }
  return found;
}

/** The reference as QBO echoes it: `{ value, name }`. */
export function refOf(entity: StoredEntity): { value: string; name: string } {
  const name = entity.data.DisplayName ?? entity.data.Name ?? '';
  return { value: String(entity.data.Id), name: String(name) };
}

/** An optional string of at most `max` characters. */
export function readText(body: Body, element: string, max: number): string | undefined {
  const value = body[element];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidProperty(element, `must be a string, got ${typeof value}`);
  if (value.length > max) throw invalidStringLength(element, max, value.length);
  return value;
}

/** `YYYY-MM-DD` of a real calendar day; `fallback` when absent. */
export function readDate(body: Body, element: string, fallback: string): string {
  const value = body[element];
  if (value === undefined || value === null) return fallback;
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ||
    new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value
  ) {
    throw invalidProperty(element, `must be a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Money in dollars (a JSON number, or a numeric string) → integer cents; at most two decimals. */
export function readMoney(value: unknown, element: string): number {
  const cents = typeof value === 'number' || typeof value === 'string' ? readAmount(value) : null;
  if (cents === null)
    throw invalidProperty(element, `must be an amount in dollars with at most 2 decimals, got ${JSON.stringify(value)}`);
  return cents;
}

/** A quantity with at most two decimals, in hundredths (so `Qty × UnitPrice` is checked in integers). */
export function readQtyHundredths(value: unknown, element: string): number {
  const hundredths = typeof value === 'number' || typeof value === 'string' ? readAmount(value) : null;
  if (hundredths === null)
    throw invalidProperty(element, `must be a number with at most 2 decimals, got ${JSON.stringify(value)}`);
  return hundredths;
}

/** The company's date today (Pacific standard time, as QBO dates a transaction without `TxnDate`). */
export function companyToday(nowMs: number): string {
  return new Date(nowMs - 8 * 3_600_000).toISOString().slice(0, 10);
}
