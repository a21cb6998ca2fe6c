/**
 * SendGrid's rate limits. Every v3 answer carries `X-RateLimit-Limit`/`-Remaining`/`-Reset`, but no
 * figure is published per endpoint and plan; Mail Send is reported to allow about 10,000 requests/s
 * (unconfirmed). The declaration keeps a conservative tenth of that, 1,000 sends/s per API key,
 * far above what a practice's reminders need, and the client sends at most
 * {@link SENDGRID_MAX_CONCURRENT_SENDS} requests at once per key. Over the limit SendGrid answers 429
 * until `X-RateLimit-Reset`, which the client waits for (the upstream budget pauses the key too).
 */
import type { UpstreamLimits } from '../../../upstream-budget';
import type { SendgridConnection } from './connection';

/** Requests in flight at once per API key (base URL + key), shared by every adapter on that key in this process. */
export const SENDGRID_MAX_CONCURRENT_SENDS = 10;

export const sendgridRateLimits: UpstreamLimits<SendgridConnection> = {
  limits: [{ name: 'mail-send-per-second', limit: 1_000, windowMs: 1_000, endpointsStartingWith: ['/v3/mail/send'] }],
  credential: (connection) => ({ baseUrl: connection.baseUrl, secret: connection.apiKey }),
};
