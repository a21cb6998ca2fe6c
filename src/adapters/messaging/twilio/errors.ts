/**
 * Twilio failures in the port's words (see `../port.ts`). A send has three outcomes besides success:
 * - a refusal of this recipient (HTTP 400 with a code of `RECIPIENT_REFUSALS`): `REFUSED`, an answer;
 * - nothing was created and retrying is safe: `UpstreamError` — a 429 (`20429`), bad credentials
 *   (401 `20003`), any other 4xx about our request (sender, body), or a connection refused before any
 *   byte was sent;
 * - the request may have reached Twilio but no answer came: a 5xx, a timeout, a reset, an unreadable
 *   201: `UNKNOWN`, never retried (the Messages API has no idempotency key; a retry can send twice).
 * Reads map the same failures to `UpstreamError`: 404 → `NOT_FOUND`, 429/5xx/network →
 * `UPSTREAM_UNAVAILABLE` (429 keeps its status), other 4xx → `UPSTREAM_REJECTED`.
 */
import type twilio from 'twilio';
import { UpstreamError } from '../../ledger/port';
import { UnreadableAnswer } from './client';
import { twilioSdk } from './sdk';

type RestException = InstanceType<typeof twilio.RestException>;

/** Network errors raised while connecting: the request never left, so nothing was sent. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** False until the SDK is loaded (`sdk.ts`): no `RestException` can exist before. */
export function isRestException(error: unknown): error is RestException {
  return twilioSdk.isInstance((sdk) => sdk.RestException, error);
}

function networkCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

/** True when the failure happened before any byte of the request was sent. */
export function failedBeforeSending(error: unknown): boolean {
  const code = networkCode(error);
  return code !== null && CONNECT_ERRORS.has(code);
}

/** What a network failure was, for a reason or a log (no URL: it carries the AccountSid). */
export function networkReason(error: unknown, timeoutMs: number): string {
  const code = networkCode(error);
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return `timeout after ${timeoutMs} ms`;
  return code ? `network error ${code}` : (error as Error)?.message || String(error);
}

/**
 * Phone numbers in Twilio's words (`Invalid 'To' Phone Number: +15551234567`) kept to their last four
 * digits: error texts reach logs, and a patient's number is PHI.
 */
export function maskPhoneNumbers(text: string): string {
  return text.replace(/\+?\d[\d\s().-]{5,}(\d{4})/g, '***-***-$1');
}

/** Twilio's words for the log: `[20003] Authenticate`, phone numbers masked. */
export function restText(error: RestException): string {
  return maskPhoneNumbers(`${error.code !== undefined ? `[${error.code}] ` : ''}${error.message}`);
}

export function toUpstreamError(error: unknown, endpoint: string, timeoutMs: number): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof UnreadableAnswer) {
    return new UpstreamError(error.message, 'UPSTREAM_UNAVAILABLE', error.status, endpoint);
  }
  if (isRestException(error)) {
    const { status } = error;
    const words = restText(error);
    if (status === 429)
      return new UpstreamError(`Twilio ${endpoint} rate limited (429): ${words}`, 'UPSTREAM_UNAVAILABLE', 429, endpoint);
    if (status >= 500)
      return new UpstreamError(`Twilio ${endpoint} failed (${status}): ${words}`, 'UPSTREAM_UNAVAILABLE', status, endpoint);
    if (status === 404) return new UpstreamError(`Twilio ${endpoint}: not found (${words})`, 'NOT_FOUND', 404, endpoint);
    return new UpstreamError(`Twilio ${endpoint} rejected (${status}): ${words}`, 'UPSTREAM_REJECTED', status, endpoint);
  }
  return new UpstreamError(
    `Twilio ${endpoint} unreachable: ${networkReason(error, timeoutMs)}`,
    'UPSTREAM_UNAVAILABLE',
    null,
    endpoint,
  );
}
