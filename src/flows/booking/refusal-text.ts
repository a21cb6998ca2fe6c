/**
 * The text a booking keeps (`booking.error`) for a refusal by the books. The books' own message
 * can quote the customer's display name (QuickBooks: "Duplicate Name Exists … Maria Alvarez (123)"),
 * which is the guarantor's name, so every part of the name, the email and the phone the booking
 * sent are masked out of it. The log never gets this text at all (codes and ids only).
 *
 *     refusalText({ cause: 'VALIDATION', code: '6240', reason: 'Duplicate: Maria Alvarez (123)', … }, guarantor)
 *     // 'VALIDATION (6240): Duplicate: *** *** (123)'
 */
import type { AccountingRefusal, CustomerInput } from '../../adapters/accounting/port';

const MASK = '***';

const regexLiteral = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` with the customer's name parts (2+ characters), email and phone replaced by `***`, case-insensitively. */
export function maskCustomer(text: string, customer: Pick<CustomerInput, 'firstName' | 'lastName' | 'email' | 'phone'>): string {
  const parts = [customer.email, customer.phone, ...`${customer.firstName} ${customer.lastName}`.split(/[\s:\\]+/)]
    .filter((part): part is string => typeof part === 'string' && part.trim().length >= 2)
    .map((part) => part.trim())
    // Longest first, so an email is masked whole before a name inside it.
    .sort((a, b) => b.length - a.length);
  if (parts.length === 0) return text;
  return text.replace(new RegExp(parts.map(regexLiteral).join('|'), 'gi'), MASK);
}

/** `<cause> (<code>): <reason>` with the customer masked out of the reason. */
export function refusalText(
  refusal: AccountingRefusal,
  customer: Pick<CustomerInput, 'firstName' | 'lastName' | 'email' | 'phone'>,
): string {
  return `${refusal.cause}${refusal.code ? ` (${refusal.code})` : ''}: ${maskCustomer(refusal.reason, customer)}`;
}
