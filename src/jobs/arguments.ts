/** Checks of the values callers pass to the queue (options, keys), with messages that show what arrived. */

const KEY_MAX = 255;

/** A value for an error message: its JSON (200 characters at most), or what it is. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** `value` if it is a safe integer of at least `min`, `fallback` if it is undefined; throws otherwise. */
export function positiveInt(value: unknown, what: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`${what} must be an integer of at least ${min}, got ${describeValue(value)}`);
  }
  return value;
}

/** A singleton or idempotency key: `null` when absent, else a string of 1 to 255 characters. */
export function key(value: unknown, what: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > KEY_MAX) {
    throw new TypeError(`${what} must be a string of 1 to ${KEY_MAX} characters, got ${describeValue(value)}`);
  }
  return value;
}
