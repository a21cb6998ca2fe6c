/**
 * Twilio publishes no REST request rate, only a per-account concurrency limit (over it: 429 `20429`,
 * nothing created); messages then leave at each sender's own throughput, queued by Twilio. So the
 * adapter runs at most {@link TWILIO_MAX_CONCURRENT_CREATES} creates at once per account (shared by
 * every adapter of that account in this process), and the budget keeps a conservative rate of our
 * own per account, so that a billing cycle of a thousand reminders never trips the limit.
 */
import type { UpstreamLimits } from '../../../upstream-budget';
import type { TwilioConnection } from './connection';

/** At most this many `POST …/Messages.json` in flight per account (base URL + AccountSid). */
export const TWILIO_MAX_CONCURRENT_CREATES = 5;

export const twilioRateLimits: UpstreamLimits<TwilioConnection> = {
  limits: [{ name: 'per-second', limit: 25, windowMs: 1_000 }],
  credential: (connection) => ({
    baseUrl: connection.baseUrl,
    secret: `${connection.accountSid}:${connection.apiKeySid ?? ''}:${connection.apiKeySecret ?? connection.authToken}`,
  }),
};
