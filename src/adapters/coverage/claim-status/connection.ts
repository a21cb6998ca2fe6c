/**
 * The `connection` of a practice's claim-status clearinghouse (`coverage.claimStatus.connection`):
 * the real-time claim-status JSON API's root (no default: each translator has its own) and its key.
 */
import { z } from 'zod';
import { httpUrl, nonEmpty } from '../../connection-fields';

export const claimStatusConnectionSchema = z.strictObject({
  /** The API root; `/change/medicalnetwork/claimstatus/v2` is relative to it, so its path prefix is kept. */
  baseUrl: httpUrl,
  /** Sent as `Authorization: Key <apiKey>`. */
  apiKey: nonEmpty,
});

export type ClaimStatusConnection = z.output<typeof claimStatusConnectionSchema>;
