/**
 * Stripe's published rate limits, per account (one secret key is one account here): 100
 * operations/s in live mode and 25 in test mode, 25 requests/s per endpoint by default. The
 * declaration cannot tell the modes apart by key, so it keeps test mode's 25/s, which live mode
 * also honors (collection traffic is far below it). Over → 429 (`UPSTREAM_UNAVAILABLE`).
 */
import type { UpstreamLimits } from '../../../upstream-budget';
import type { StripeConnection } from './connection';

export const stripeRateLimits: UpstreamLimits<StripeConnection> = {
  limits: [{ name: 'per-second', limit: 25, windowMs: 1_000 }],
  credential: (connection) => ({ baseUrl: connection.baseUrl, secret: connection.secretKey }),
};
