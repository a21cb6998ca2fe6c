/**
 * Money as integer cents. Decimal strings exist only at the wire; nothing here touches a float.
 *
 *     parseDecimal('-138.50')   // -13850
 *     parseWireAmount(-138.5)   // -13850 (a JSON number from a vendor, read through its decimal text)
 *     formatCents(-13850)       // '-138.50'
 *     sumCents([1, 2, 3])       // 6, or a MoneyError past Number.MAX_SAFE_INTEGER
 */
import type { Cents } from './records';

export class MoneyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyError';
  }
}

/**
 * A well-formed amount, or a sum, past the safe-integer range of cents (±90,071,992,547,409.91): the
 * figure exists but the gateway cannot hold it exactly. A MoneyError like any other, so existing
 * `instanceof MoneyError` checks still catch it; callers that must tell "too big" from "malformed"
 * (a client's input: AMOUNT_OUT_OF_RANGE rather than BAD_USER_INPUT) test for this class.
 */
export class MoneyRangeError extends MoneyError {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyRangeError';
  }
}

/** `-`? digits, optionally `.` and one or two digits. No exponent, no spaces, no `+`, ASCII only. */
const DECIMAL = /^(-)?(0|[1-9][0-9]*)(?:\.([0-9]{1,2}))?$/;
/** The same, but tolerant of what vendors send: leading zeros, a `+`, a bare trailing `.`, and zeros past 2 decimals. */
const WIRE_DECIMAL = /^([-+])?([0-9]+)(?:\.([0-9]*))?$/;

function assertSafe(cents: number, what: string): Cents {
  if (typeof cents !== 'number' || !Number.isSafeInteger(cents)) {
    throw new MoneyRangeError(`expected ${what} within the safe-integer range of cents, got ${cents}`);
  }
  return cents === 0 ? 0 : cents; // fold -0 into 0
}

/**
 * Whole parts up to 13 digits are computed as doubles: every value on the way (at most
 * 9,999,999,999,999 × 100 + 99) is an integer below 2^53, where double arithmetic is exact. Longer
 * ones go through BigInt. The fast path matters: a 1,000-row page reads thousands of amounts.
 */
const EXACT_WHOLE_DIGITS = 13;

function toCents(sign: string | undefined, whole: string, frac: string, source: string): Cents {
  const hundredths = frac.length === 0 ? 0 : frac.length === 1 ? Number(frac) * 10 : Number(frac.slice(0, 2));
  if (whole.length <= EXACT_WHOLE_DIGITS) {
    const cents = Number(whole) * 100 + hundredths;
    return assertSafe(sign === '-' ? -cents : cents, 'an amount');
  }
  const big = BigInt(whole) * 100n + BigInt(hundredths);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MoneyRangeError(`expected an amount within the safe-integer range of cents, got "${source}"`);
  }
  const cents = Number(big);
  return assertSafe(sign === '-' ? -cents : cents, 'an amount');
}

/**
 * Parse a client's decimal string strictly: `"12"`, `"12.5"`, `"-0.75"`. Rejects exponents,
 * whitespace, more than two decimals, leading zeros, unicode digits and anything else.
 */
export function parseDecimal(text: string): Cents {
  const match = typeof text === 'string' ? DECIMAL.exec(text) : null;
  if (!match) {
    throw new MoneyError(`expected a decimal amount with at most 2 decimal places (e.g. "125.00"), got ${JSON.stringify(text)}`);
  }
  return toCents(match[1], match[2]!, match[3] ?? '', text);
}

/**
 * Read an amount from a vendor payload: a decimal string (`"-978.7"`, `"62.00"`) or a JSON number
 * (`-138.5`). A number is read through its shortest decimal text (what JSON.parse saw), so no float
 * arithmetic happens. More than two significant decimals is an error, never a rounding.
 */
export function parseWireAmount(value: string | number): Cents {
  if (typeof value === 'string') {
    const plain = plainWireCents(value);
    if (plain !== undefined) return plain;
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new MoneyError(`expected a decimal amount, got ${typeof value}`);
  }
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const match = WIRE_DECIMAL.exec(text);
  if (!match) throw new MoneyError(`expected a decimal amount, got ${JSON.stringify(value)}`);
  const frac = (match[3] ?? '').replace(/0+$/, '');
  if (frac.length > 2) throw new MoneyError(`expected at most 2 decimal places, got ${JSON.stringify(value)}`);
  return toCents(match[1], match[2]!, frac, text);
}

/**
 * The form nearly every vendor amount takes, `-?digits` with up to 13 digits, then optionally `.`
 * and up to 2 digits, read without a regex (no match array, no substrings: a report reads thousands
 * per page); `undefined` for anything else, which the regex then reads or refuses. Every value on
 * the way is an integer below 2^53 (at most 9,999,999,999,999 × 100 + 99), so double arithmetic is exact.
 */
function plainWireCents(text: string): Cents | undefined {
  const length = text.length;
  let i = text.charCodeAt(0) === 0x2d /* - */ ? 1 : 0;
  const negative = i === 1;
  let whole = 0;
  const wholeStart = i;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    whole = whole * 10 + (c - 0x30);
  }
  if (i === wholeStart || i - wholeStart > EXACT_WHOLE_DIGITS) return undefined;
  let hundredths = 0;
  if (i < length) {
    if (text.charCodeAt(i) !== 0x2e /* . */ || length - i - 1 > 2) return undefined;
    for (let k = i + 1, weight = 10; k < length; k++, weight /= 10) {
      const c = text.charCodeAt(k);
      if (c < 0x30 || c > 0x39) return undefined;
      hundredths += (c - 0x30) * weight;
    }
  }
  const cents = whole * 100 + hundredths;
  return negative && cents !== 0 ? -cents : cents;
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new MoneyError(`expected a finite amount, got ${value}`);
  const text = String(value);
  if (/e/i.test(text)) throw new MoneyError(`expected an amount in plain decimal notation, got ${text}`);
  return text;
}

/**
 * `-13850` → `"-138.50"`: always two decimals, `-` only for a negative amount (never `"-0.00"`).
 * The inverse of {@link parseDecimal} for every safe integer. A MoneyError for anything else.
 */
export function formatCents(cents: Cents): string {
  const safe = assertSafe(cents, 'cents');
  const abs = Math.abs(safe);
  const rest = abs % 100;
  const whole = (abs - rest) / 100; // an exact multiple of 100 divided by 100: no rounding
  return `${safe < 0 ? '-' : ''}${whole}.${String(rest).padStart(2, '0')}`;
}

/** True for a safe integer (an amount of cents); false for floats, NaN, ±Infinity and non-numbers. */
export function isCents(value: unknown): value is Cents {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/**
 * `value` itself (with `-0` folded into `0`) when it is a safe integer of cents; a MoneyError
 * naming `what` otherwise. For amounts arriving from outside the ledger.
 */
export function assertCents(value: unknown, what = 'an amount'): Cents {
  if (!isCents(value)) {
    throw new MoneyError(`expected ${what} within the safe-integer range of cents, got ${String(value)}`);
  }
  return value === 0 ? 0 : value;
}

/** Exact sum; a MoneyError if any partial sum leaves the safe-integer range. */
export function sumCents(values: Iterable<Cents>): Cents {
  let total = 0;
  for (const value of values) {
    total = assertSafe(total + assertSafe(value, 'an addend'), 'a sum');
  }
  return total;
}

/** Exact difference `a − b`. */
export function subtractCents(a: Cents, b: Cents): Cents {
  return assertSafe(assertSafe(a, 'a minuend') - assertSafe(b, 'a subtrahend'), 'a difference');
}

/** Exact `−a` (`-0` folded into `0`). */
export function negateCents(a: Cents): Cents {
  return assertSafe(-assertSafe(a, 'an amount'), 'an amount');
}

/** Exact `|a|`. */
export function absCents(a: Cents): Cents {
  return assertSafe(Math.abs(assertSafe(a, 'an amount')), 'an amount');
}

/**
 * Cents as a vendor's JSON number of dollars (`12550` → `125.5`), for wires that take a number
 * rather than a string. The number is parsed from {@link formatCents}' text, and read back through
 * {@link parseWireAmount}: past ~15 significant digits a double cannot carry the amount, and that
 * is a MoneyRangeError rather than a silently different figure on the wire.
 */
export function wireNumberOf(cents: Cents): number {
  const value = Number(formatCents(cents));
  let back: Cents | null = null;
  try {
    back = parseWireAmount(value);
  } catch {
    back = null;
  }
  if (back !== cents) throw new MoneyRangeError(`expected an amount a JSON number carries exactly, got ${cents} cents`);
  return value === 0 ? 0 : value;
}
