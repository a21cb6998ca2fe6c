/**
 * A Mail Send exchange in the port's words (see `../port.ts`, "Errors" and `SendOutcome`):
 *
 * | exchange | answer | retried by the adapter |
 * |---|---|---|
 * | 2xx with `X-Message-Id` | `ACCEPTED`, `QUEUED` (202 only means queued; events say the rest) | — |
 * | 2xx without `X-Message-Id` | `UNKNOWN` (queued, but no id to match events on but `lg_reminder_id`) | no |
 * | 400 whose every error is about the recipient's address | `REFUSED`, `FAILED`, recipient `INVALID` | no |
 * | 429 | `UpstreamError` `UPSTREAM_UNAVAILABLE` (status 429) once the retries are spent | yes, after `X-RateLimit-Reset` |
 * | other 4xx (401 key, 403 unverified sender or scope, 400 template / group, 406, 413) | `UpstreamError` `UPSTREAM_REJECTED` with the status | no |
 * | no connection made (refused, unresolvable) | `UpstreamError` `UPSTREAM_UNAVAILABLE` once the retries are spent | yes |
 * | 5xx, timeout, reset | `UNKNOWN`: it may have been sent, so it is never sent again | no |
 *
 * Every `UpstreamError` here means nothing was sent, so the caller may try again later.
 */
import type { AttemptOutcome } from '../../http';
import { UpstreamError } from '../../ledger/port';
import type { SendOutcome } from '../port';
import { MAIL_SEND_ENDPOINT, type MailExchange, type SendgridErrorEntry } from './client';

const ENDPOINT = `POST ${MAIL_SEND_ENDPOINT}`;

/** `personalizations.0.to.0.email`: the one recipient's address, the only refusal that is about her. */
const RECIPIENT_FIELD = /^personalizations\.\d+\.to\.\d+\.email$/;

/** SendGrid's words for the log: `field: message` per entry (never the request's values). */
export function describeErrors(errors: readonly SendgridErrorEntry[]): string {
  if (errors.length === 0) return 'no error details';
  return errors
    .slice(0, 5)
    .map((e) => (e.field ? `${e.field}: ${e.message}` : e.message))
    .join('; ');
}

/** One exchange as a step of the adapter's retry loop: an answer, or an error that may be retried. */
export function sendStep(exchange: MailExchange): AttemptOutcome<SendOutcome> {
  switch (exchange.kind) {
    case 'accepted':
      if (exchange.messageId === null) {
        return { done: true, value: { state: 'UNKNOWN', reason: `HTTP ${exchange.status} without X-Message-Id` } };
      }
      return {
        done: true,
        value: {
          state: 'ACCEPTED',
          providerMessageId: exchange.messageId,
          status: 'QUEUED',
          acceptedAt: exchange.at.toISOString(),
        },
      };
    case 'lost':
      return { done: true, value: { state: 'UNKNOWN', reason: exchange.reason } };
    case 'unsent':
      return {
        done: false,
        retryable: true,
        error: new UpstreamError(
          `SendGrid ${ENDPOINT} unreachable (nothing sent): ${exchange.reason}`,
          'UPSTREAM_UNAVAILABLE',
          null,
          ENDPOINT,
        ),
      };
    case 'invalid':
      return {
        done: false,
        retryable: false,
        error: new UpstreamError(
          `SendGrid ${ENDPOINT} not sent, the SDK refused the request: ${exchange.reason}`,
          'UPSTREAM_REJECTED',
          null,
          ENDPOINT,
        ),
      };
    case 'refused':
      return refusal(exchange);
  }
}

function refusal(exchange: Extract<MailExchange, { kind: 'refused' }>): AttemptOutcome<SendOutcome> {
  const { status, errors } = exchange;
  const words = describeErrors(errors);
  if (status === 429) {
    return {
      done: false,
      retryable: true,
      retryAfterMs: exchange.retryAfterMs,
      error: new UpstreamError(`SendGrid ${ENDPOINT} rate limited (429): ${words}`, 'UPSTREAM_UNAVAILABLE', 429, ENDPOINT),
    };
  }
  if (status === 400 && errors.length > 0 && errors.every((e) => e.field !== null && RECIPIENT_FIELD.test(e.field))) {
    return {
      done: true,
      value: { state: 'REFUSED', status: 'FAILED', reason: `invalid address: ${words}`, errorCode: '400', recipient: 'INVALID' },
    };
  }
  return {
    done: false,
    retryable: false,
    error: new UpstreamError(`SendGrid ${ENDPOINT} rejected (${status}): ${words}`, 'UPSTREAM_REJECTED', status, ENDPOINT),
  };
}
