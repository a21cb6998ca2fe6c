/**
 * FHIR `Money` ↔ integer cents, without float arithmetic.
 *
 * R4 JSON sends `value` as a number, Oracle's `account-balance` examples as a string ("1250.00",
 * "-5.00"); both are read as decimal text and converted digit by digit. A value with more than two
 * decimals, or in another currency than USD, is a parse error for the resource that holds it (the
 * caller turns it into an error on that resource alone).
 *
 *     moneyToCents({ value: 180, currency: 'USD' })        // 18000
 *     moneyToCents({ value: '-5.00', currency: 'USD' })    // -500
 *     moneyToCents({ value: 1.005, currency: 'USD' })      // throws MoneyParseError
 *     centsToFhirValue(18000)                               // 180 (sent as the JSON number 180.00)
 */

/** A money value that cannot be taken as exact USD cents. */
export class MoneyParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyParseError';
  }
}

export interface FhirMoneyLike {
  value?: number | string | null;
  currency?: string | null;
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/**
 * Decimal text (or a JSON number) to integer cents. Exactly representable up to two decimals; more
 * digits are accepted only when they are zeros ("1.500"), since anything else would need rounding
 * the upstream did not ask for.
 */
export function decimalToCents(value: number | string, where = 'money'): number {
  // A JSON number arrives already parsed; String() gives its shortest round-trip text, which is the
  // decimal the upstream wrote (180.5 → "180.5"), so no float arithmetic happens on it.
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const m = DECIMAL.exec(text);
  if (!m) throw new MoneyParseError(`${where}: expected a decimal amount, got ${JSON.stringify(value)}`);
  const [, sign, whole, fraction = ''] = m;
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > 2) {
    throw new MoneyParseError(`${where}: expected at most 2 decimals, got ${JSON.stringify(value)}`);
  }
  const cents = BigInt(whole!) * 100n + BigInt(significant.padEnd(2, '0') || '0');
  if (cents > BigInt(Number.MAX_SAFE_INTEGER)) throw new MoneyParseError(`${where}: amount ${text} is out of range`);
  const n = Number(cents);
  return sign === '-' && n !== 0 ? -n : n;
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new MoneyParseError(`expected a finite amount, got ${value}`);
  const text = String(value);
  // 1e21 and 1e-7 style: not a plain decimal (too large or too many decimals).
  if (/e/i.test(text)) throw new MoneyParseError(`expected a plain decimal amount, got ${text}`);
  return text;
}

/** A FHIR Money to cents; `currency` must be USD (absent is taken as USD, as R4 allows it to be implied). */
export function moneyToCents(money: FhirMoneyLike | null | undefined, where = 'money'): number {
  if (!money || money.value === undefined || money.value === null) {
    throw new MoneyParseError(`${where}: expected a Money with a value, got none`);
  }
  if (money.currency != null && money.currency !== 'USD') {
    throw new MoneyParseError(`${where}: expected currency USD, got ${JSON.stringify(money.currency)}`);
  }
  return decimalToCents(money.value, where);
}

/** Cents to the decimal number a write sends (two decimals in the JSON text: 180 → 180.00 is the same number). */
export function centsToFhirValue(cents: number): number {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`expected integer cents, got ${cents}`);
  return Number(centsToDecimalText(cents));
}

/** Cents to decimal text with exactly two decimals ("180.00", "-5.00"). */
export function centsToDecimalText(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A Money for a write: USD, the value as a number. */
export function usd(cents: number): { value: number; currency: 'USD' } {
  return { value: centsToFhirValue(cents), currency: 'USD' };
}
