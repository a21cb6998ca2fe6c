/**
 * Recipients: how a phone number or an address is normalized (the suppression list's key, what is
 * sent) and masked (what the API and the logs show). Pure.
 *
 *     normalizePhone('(555) 201-7919')     // '+15552017919' (a US number gets +1)
 *     maskRecipient('SMS', '+15552017919') // '***-***-7919'
 *     maskRecipient('EMAIL', 'dana@example.com') // 'd***@example.com'
 */
import type { Channel } from '../../adapters/messaging/port';

/**
 * A number in E.164, or `null` when it cannot be one: ten digits (or eleven starting with 1) are a
 * US/NANP number and get `+1`; a number written with `+` keeps its country code (8 to 15 digits).
 */
export function normalizePhone(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const trimmed = raw.trim();
  const digits = trimmed.replace(/\D/g, '');
  if (trimmed.startsWith('+')) return digits.length >= 8 && digits.length <= 15 ? `+${digits}` : null;
  if (digits.length === 10) return `+1${digits}`;
  if (digits.length === 11 && digits.startsWith('1')) return `+${digits}`;
  return null;
}

/** An address as the suppression list compares it (lowercase, trimmed), or `null` when it is not one. */
export function normalizeEmail(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const address = raw.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address) ? address : null;
}

/** The recipient as anyone but the provider sees it: the last four digits, or the first letter and the domain. */
export function maskRecipient(channel: Channel, recipient: string): string {
  if (channel === 'SMS') {
    const digits = recipient.replace(/\D/g, '');
    return `***-***-${digits.slice(-4).padStart(4, '*')}`;
  }
  const at = recipient.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${recipient[0]}***${recipient.slice(at)}`;
}

/** The key a recipient is flagged under: E.164 for SMS, the lowercase address for email. */
export function recipientKey(channel: Channel, recipient: string): string | null {
  return channel === 'SMS' ? normalizePhone(recipient) : normalizeEmail(recipient);
}
