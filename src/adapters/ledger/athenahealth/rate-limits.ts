/**
 * athenahealth's rate limits, per OAuth client (every practice configured with the same client id
 * and secret against the same base URL shares one budget, `src/upstream-budget/`):
 *
 * - the token endpoint: 50 new tokens a minute (published for production; preview allows 5, and the
 *   adapter caches its token for an hour, so it asks for few);
 * - data calls: athenahealth publishes no figure for them in what this adapter follows, so the
 *   gateway declares a conservative 15 requests/s (bursts of 5) and 900/min, well under what a
 *   production client is granted. A deployment with a contract for more sets it with `limitsBySystem` on the registry.
 */
import type { UpstreamLimits } from '../../../upstream-budget';
import { ATHENA_TOKEN_PATH } from './client';
import type { AthenahealthConnection } from './connection';

export const athenahealthRateLimits: UpstreamLimits<AthenahealthConnection> = {
  limits: [
    { name: 'token-per-minute', limit: 50, windowMs: 60_000, endpointsStartingWith: [ATHENA_TOKEN_PATH] },
    { name: 'per-second', limit: 15, windowMs: 1_000, burst: 5, exceptEndpointsStartingWith: [ATHENA_TOKEN_PATH] },
    { name: 'per-minute', limit: 900, windowMs: 60_000, exceptEndpointsStartingWith: [ATHENA_TOKEN_PATH] },
  ],
  credential: (connection) => ({ baseUrl: connection.baseUrl, secret: `${connection.clientId}:${connection.clientSecret}` }),
};
