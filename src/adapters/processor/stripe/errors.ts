/**
 * Stripe failures in the port's words (see `../port.ts`): a 4xx is `UPSTREAM_REJECTED` with its
 * status (404 on a read of one object is `NOT_FOUND`), a 5xx, a 429, a timeout or a network error is
 * `UPSTREAM_UNAVAILABLE` (429 keeps its status). One 4xx is not a refusal: 409
 * `idempotency_key_in_use` (the first call under the key is still running) is `UPSTREAM_UNAVAILABLE`
 * with status 409, since calling again with the same key gets the first call's answer. The message keeps Stripe's `type`, `code` and
 * words for the log; `UpstreamError` scrubs secrets from it. A Stripe error exists only once the SDK
 * is loaded, so `stripeSdk.isInstance` (false before) replaces a static `instanceof`.
 */
import { UpstreamError } from '../../ledger/port';
import { stripeSdk } from './sdk';

export interface ErrorContext {
  /** `METHOD /v1/template`, e.g. `POST /v1/refunds`. */
  endpoint: string;
  /** A 404 means the object asked for does not exist (reads and expire of one id). */
  notFoundIsMissing?: boolean;
}

const isStripeError = (error: unknown) => stripeSdk.isInstance((sdk) => sdk.errors.StripeError, error);

export function statusOf(error: unknown): number | null {
  return isStripeError(error) && typeof error.statusCode === 'number' ? error.statusCode : null;
}

/** A 429's `Retry-After`, in ms, when Stripe sent one. */
export function retryAfterOf(error: unknown): number | null {
  if (!isStripeError(error)) return null;
  const value = error.headers?.['retry-after'];
  const seconds = Number(Array.isArray(value) ? value[0] : value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

export function toUpstreamError(error: unknown, context: ErrorContext): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const { endpoint } = context;
  if (!isStripeError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new UpstreamError(`Stripe ${endpoint} failed: ${message}`, 'UPSTREAM_UNAVAILABLE', null, endpoint);
  }
  const status = statusOf(error);
  const detail = [error.rawType, error.code, error.decline_code].filter(Boolean).join('/');
  const words = `${detail ? `${detail}: ` : ''}${error.message}`;
  if (status === null) {
    // StripeConnectionError: a timeout, a reset or a refused connection. No answer arrived.
    return new UpstreamError(`Stripe ${endpoint} unreachable: ${words}`, 'UPSTREAM_UNAVAILABLE', null, endpoint);
  }
  if (status === 429 || error.code === 'rate_limit') {
    return new UpstreamError(`Stripe ${endpoint} rate limited (${status}): ${words}`, 'UPSTREAM_UNAVAILABLE', 429, endpoint);
  }
  if (status === 409) {
    // `idempotency_key_in_use`: the first request under this key is still running. Not a refusal:
    // the same call again, under the same key, replays that first request's answer.
    return new UpstreamError(`Stripe ${endpoint} busy (409): ${words}`, 'UPSTREAM_UNAVAILABLE', 409, endpoint);
  }
  if (status >= 500) {
    return new UpstreamError(`Stripe ${endpoint} failed (${status}): ${words}`, 'UPSTREAM_UNAVAILABLE', status, endpoint);
  }
  if (status === 404 && context.notFoundIsMissing) {
    return new UpstreamError(`Stripe ${endpoint}: not found (${words})`, 'NOT_FOUND', 404, endpoint);
  }
  return new UpstreamError(`Stripe ${endpoint} rejected (${status}): ${words}`, 'UPSTREAM_REJECTED', status, endpoint);
}
