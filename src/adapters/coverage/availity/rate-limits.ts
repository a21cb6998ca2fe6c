/**
 * Availity's limits: published per plan (Standard 100 transactions/s and 100,000/day; Demo 5/s and
 * 500/day). The eligibility README decides a client-side bucket of 10 requests/s per connection,
 * polls and token calls included (the daily figure is left to Availity: a log of 100,000 calls per
 * credential would cost more than the 429 it saves). A credential is the OAuth client
 * (base URL + client id + secret). Availity declares no `Retry-After`; the client's 429 rule waits
 * 1 s, 2 s, 4 s then gives up.
 */
import type { UpstreamLimits } from '../../../upstream-budget';
import type { AvailityConnection } from './connection';

export const availityRateLimits: UpstreamLimits<AvailityConnection> = {
  limits: [{ name: 'per-second', limit: 10, windowMs: 1_000 }],
  credential: (connection) => ({ baseUrl: connection.baseUrl, secret: `${connection.clientId}\n${connection.clientSecret}` }),
};
