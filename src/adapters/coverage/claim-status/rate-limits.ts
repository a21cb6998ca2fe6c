/**
 * The claim-status API publishes no quota; it answers 429 ThrottlingException. The claim-status
 * README decides at most 2 inquiries in flight and 1 per second per connection (base URL + key); on
 * 429, `Retry-After` when present, else 2 s, 4 s, 8 s (+ jitter), then the claim waits for the next cycle.
 */
import type { UpstreamLimits } from '../../../upstream-budget';
import type { ClaimStatusConnection } from './connection';

/** Inquiries in flight at once per connection, shared by every adapter on it in this process. */
export const CLAIM_STATUS_MAX_IN_FLIGHT = 2;

export const claimStatusRateLimits: UpstreamLimits<ClaimStatusConnection> = {
  limits: [{ name: 'per-second', limit: 1, windowMs: 1_000 }],
  credential: (connection) => ({ baseUrl: connection.baseUrl, secret: connection.apiKey }),
};
