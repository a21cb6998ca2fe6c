/**
 * Money on the vendors' wires, for the simulators alone: integer cents inside, decimal values outside
 * (`"40.00"`, `"40"`, `40`, `"-978.7"`). The sandboxes read and write the vendors' formats on their
 * own rather than through the gateway's money code (`src/ledger/money.ts`), so a mistake there
 * cannot hide by being made on both sides of the wire.
 *
 *     decimalText(-97870)   // '-978.70'
 *     shortText(-97870)     // '-978.7' (trailing zeros dropped, as athenahealth often sends)
 *     jsonNumber(1250)      // 12.5
 *     readAmount('12.5')    // 1250; readAmount('1.005') → null (never rounded)
 *     sumCents([1, 2, 3])   // 6
 */

/** An amount in integer cents (a safe integer), never a float. */
export type Cents = number;

/** `-97870` → `"-978.70"`: two decimals, `-` only below zero. Integer arithmetic only. */
export function decimalText(cents: Cents): string {
  const abs = Math.abs(cents);
  const rest = abs % 100;
  return `${cents < 0 ? '-' : ''}${(abs - rest) / 100}.${String(rest).padStart(2, '0')}`;
}

/** `4000` → `"40"`, `1250` → `"12.5"`, `-97870` → `"-978.7"`. */
export function shortText(cents: Cents): string {
  return decimalText(cents).replace(/\.?0+$/, '');
}

/** `4000` → `40`, `1250` → `12.5`: the shortest decimal text, as a JSON number. */
export function jsonNumber(cents: Cents): number {
  return Number(shortText(cents));
}

/** A sign, digits, optionally `.` and digits (trailing zeros past the cents are tolerated). */
const AMOUNT = /^([-+])?([0-9]+)(?:\.([0-9]*))?$/;

/**
 * An amount a client sent (a form field or a `claimpayment` value: a decimal string or a JSON
 * number) in cents; `null` when it is not a plain decimal with at most two significant decimals
 * within the safe-integer range of cents.
 */
export function readAmount(value: string | number): Cents | null {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value.trim();
  const match = AMOUNT.exec(text);
  if (!match) return null;
  const decimals = (match[3] ?? '').replace(/0+$/, '');
  if (decimals.length > 2) return null;
  const cents = Number(match[2]) * 100 + Number(decimals.padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) return null;
  return match[1] === '-' && cents !== 0 ? -cents : cents;
}

/** Exact sum of amounts in cents; throws past the safe-integer range instead of losing a cent. */
export function sumCents(values: Iterable<Cents>): Cents {
  let total = 0;
  for (const value of values) {
    total += value;
    if (!Number.isSafeInteger(total)) throw new RangeError(`a sum of cents left the safe-integer range: ${total}`);
  }
  return total;
}
