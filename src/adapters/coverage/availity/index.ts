/** The Availity eligibility adapter (Coverages API 1.0.0, X12 270/271; see README.md here). */
import { defineCoverageSystem } from '../../system';
import { createAvailityAdapter } from './adapter';
import { availityConnectionSchema } from './connection';
import { availityRateLimits } from './rate-limits';

export { availityCapabilities, coverageForm, createAvailityAdapter } from './adapter';
export { AvailityClient, type AvailityClientOptions, MAX_429_RETRIES, TOKEN_REUSE_MS } from './client';
export {
  AVAILITY_DEFAULT_BASE_URL,
  AVAILITY_DEFAULT_SCOPE,
  AVAILITY_DEFAULT_TOKEN_URL,
  type AvailityConnection,
  availityConnectionSchema,
} from './connection';
export { benefitsOf, calendarDate, percentOf } from './mapping';
export { availityRateLimits } from './rate-limits';

/** Availity as a registered eligibility clearinghouse (`registry.ts`). */
export const availitySystem = defineCoverageSystem({
  system: 'availity',
  service: 'eligibility',
  connection: availityConnectionSchema,
  createAdapter: (connection, options) => createAvailityAdapter(connection, options),
  rateLimits: availityRateLimits,
  sandbox: { start: async (options) => (await import('../../../sandbox/availity/mode')).startSandboxMode(options) },
});
