/**
 * FHIR rate limits: no profile publishes request quotas (Oracle documents 429 `throttled` for bulk
 * data only), so nothing is declared here; the adapter honours `Retry-After` on 429/503 and keeps
 * its per-practice concurrency (oracle-health 4, epic 4, generic 8). A credential is the client id
 * at a service root. A deployment with a contract sets limits with `limitsBySystem` on the registry.
 */
import type { UpstreamLimits } from '../../../upstream-budget';
import type { FhirConnection } from './connection';

export const fhirRateLimits: UpstreamLimits<FhirConnection> = {
  limits: [],
  credential: (connection) => ({ baseUrl: connection.baseUrl, secret: connection.clientId }),
};
