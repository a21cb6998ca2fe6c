/** The claim-status adapter (real-time claim status JSON v2, X12 276/277; the `office-ally` connection; see README.md here). */
import { defineCoverageSystem } from '../../system';
import { createClaimStatusAdapter } from './adapter';
import { claimStatusConnectionSchema } from './connection';
import { claimStatusRateLimits } from './rate-limits';

export {
  CLAIM_STATUS_PATH,
  claimStatusCapabilities,
  type ClaimStatusAdapterOptions,
  createClaimStatusAdapter,
  MAX_429_RETRIES,
} from './adapter';
export { type ClaimStatusConnection, claimStatusConnectionSchema } from './connection';
export { answerOf, inquiryBody, rowOf, serviceDates } from './mapping';
export { CLAIM_STATUS_MAX_IN_FLIGHT, claimStatusRateLimits } from './rate-limits';

/** The claim-status clearinghouse as a registered coverage system (`registry.ts`). */
export const claimStatusSystem = defineCoverageSystem({
  system: 'office-ally',
  service: 'claimStatus',
  connection: claimStatusConnectionSchema,
  createAdapter: (connection, options) => createClaimStatusAdapter(connection, options),
  rateLimits: claimStatusRateLimits,
  sandbox: { start: async (options) => (await import('../../../sandbox/claim-status/mode')).startSandboxMode(options) },
});
