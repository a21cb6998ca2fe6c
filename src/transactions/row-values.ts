/**
 * Normalize values as the drivers return them (pg: BIGINT as string; PGlite: number or bigint;
 * TIMESTAMPTZ as Date; JSONB as object) into what the store's callers use.
 *
 *     toSafeInteger('-13850', 'amount_cents') // -13850
 *     toSafeInteger(2n ** 60n, 'amount_cents') // throws StoreIntegrityError
 *     toIso(new Date(0))                       // '1970-01-01T00:00:00.000Z'
 */
import { StoreIntegrityError } from './errors';

/** A BIGINT/INTEGER column as a JS number, refusing anything outside the safe-integer range. */
export function toSafeInteger(value: unknown, column: string): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new StoreIntegrityError(`${column} = ${value} is outside the safe-integer range`);
    }
    n = Number(value);
  } else if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) {
    return toSafeInteger(BigInt(value), column);
  } else {
    throw new StoreIntegrityError(`${column}: expected an integer, got ${JSON.stringify(String(value))}`);
  }
  if (!Number.isSafeInteger(n)) throw new StoreIntegrityError(`${column} = ${n} is not a safe integer`);
  return n === 0 ? 0 : n;
}

/** A TIMESTAMPTZ column as an ISO 8601 string (UTC), `null` for SQL NULL. */
export function toIsoOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new StoreIntegrityError(`not a timestamp: ${String(value)}`);
  return date.toISOString();
}

/** A NOT NULL TIMESTAMPTZ column as an ISO 8601 string. */
export function toIso(value: unknown): string {
  const iso = toIsoOrNull(value);
  if (iso === null) throw new StoreIntegrityError('unexpected NULL timestamp');
  return iso;
}

/** A JSONB column as a parsed value (drivers normally parse it already). */
export function fromJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
