/**
 * The hosted page's test cards and the checks a card attempt goes through, in Square's order (see
 * the README here): unknown number, expiry, CVV, postal code, then the decline card.
 */
import type { CardAttempt } from './records';

export const CARD_SUCCESS = '4111111111111111';
export const CARD_DECLINE = '4000000000000002';

/** `null` for a success, else the decline code; `number` without spaces, `nowMs` the sandbox clock. */
export function declineCode(number: string, attempt: CardAttempt, nowMs: number): string | null {
  if (number !== CARD_SUCCESS && number !== CARD_DECLINE) return 'INVALID_CARD';
  if (attempt.expirationDate !== undefined && !validExpiry(attempt.expirationDate, nowMs)) return 'INVALID_EXPIRATION';
  if (attempt.cvv?.trim() === '911') return 'CVV_FAILURE';
  if (attempt.postalCode?.trim() === '99999') return 'ADDRESS_VERIFICATION_FAILURE';
  if (number === CARD_DECLINE) return 'GENERIC_DECLINE';
  return null;
}

/** `MM/YY` in the future; `01/40` is the test value that always fails. */
function validExpiry(text: string, nowMs: number): boolean {
  const match = /^\s*(\d{2})\s*\/\s*(\d{2})\s*$/.exec(text);
  if (!match) return false;
  if (`${match[1]}/${match[2]}` === '01/40') return false;
  const month = Number(match[1]);
  const year = 2000 + Number(match[2]);
  if (month < 1 || month > 12) return false;
  const now = new Date(nowMs);
  return year > now.getUTCFullYear() || (year === now.getUTCFullYear() && month >= now.getUTCMonth() + 1);
}
