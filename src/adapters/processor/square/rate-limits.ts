/**
 * Square publishes no rate-limit numbers (over the limit it answers 429 `RATE_LIMITED`). This is a
 * conservative figure of our own, per access token, so that a burst of checkouts never trips it;
 * the adapter also runs at most {@link SQUARE_MAX_CONCURRENT_CALLS} calls at once per seller.
 */
import type { UpstreamLimits } from '../../../upstream-budget';
import type { SquareConnection } from './connection';

/** At most this many calls in flight per seller (base URL + access token). */
export const SQUARE_MAX_CONCURRENT_CALLS = 4;

export const squareRateLimits: UpstreamLimits<SquareConnection> = {
  limits: [{ name: 'per-second', limit: 10, windowMs: 1_000 }],
  credential: (connection) => ({ baseUrl: connection.baseUrl, secret: connection.accessToken }),
};
