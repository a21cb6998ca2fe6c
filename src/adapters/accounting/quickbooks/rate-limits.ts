/**
 * QuickBooks Online's published limits are per company (realm) per app: 500 requests a minute and
 * at most 10 at once (over either, 429 `ThrottleExceeded`). One credential is therefore the app's
 * client id with the realm id: every practice on the same company shares one budget
 * (`src/upstream-budget/`), and every instance does on a postgres:// store.
 *
 * The adapter plans for 400 a minute (a 20 % headroom instead of the budget's default 10 %) and
 * keeps at most {@link QUICKBOOKS_MAX_CONCURRENT_PER_REALM} calls in flight per realm in a process,
 * well under the 10: a booking burst then never meets a 429, and the accountant's own tools on the
 * same app keep room. Token refreshes go to Intuit's OAuth host, not the company's API, and are not
 * counted against the company's limit.
 */
import type { UpstreamLimits } from '../../../upstream-budget';
import type { QuickbooksConnection } from './connection';

/** The endpoint template of the token refresh (reported and budgeted apart from the company's API). */
export const QUICKBOOKS_TOKEN_ENDPOINT = '/oauth2/v1/tokens/bearer';

/** At most this many calls in flight per realm (base URL + realm id) in one process. */
export const QUICKBOOKS_MAX_CONCURRENT_PER_REALM = 4;

export const quickbooksRateLimits: UpstreamLimits<QuickbooksConnection> = {
  limits: [
    {
      name: 'per-minute',
      limit: 500,
      windowMs: 60_000,
      headroom: 0.2,
      exceptEndpointsStartingWith: [QUICKBOOKS_TOKEN_ENDPOINT],
    },
  ],
  credential: (connection) => ({ baseUrl: connection.baseUrl, secret: `${connection.clientId}:${connection.realmId}` }),
};
