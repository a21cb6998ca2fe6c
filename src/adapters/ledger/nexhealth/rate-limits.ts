/**
 * NexHealth's published rate limits, per API key: 100 requests/s; 1,000/min on the patient
 * endpoints (`/patients…`); 2,000/min on every other endpoint. Over → 429 with `Retry-After`. Every
 * practice configured with the same key and base URL shares one budget (`src/upstream-budget/`).
 */
import type { UpstreamLimits } from '../../../upstream-budget';
import type { NexhealthConnection } from './connection';

export const nexhealthRateLimits: UpstreamLimits<NexhealthConnection> = {
  limits: [
    { name: 'per-second', limit: 100, windowMs: 1_000 },
    { name: 'patients-per-minute', limit: 1_000, windowMs: 60_000, endpointsStartingWith: ['/patients'] },
    { name: 'others-per-minute', limit: 2_000, windowMs: 60_000, exceptEndpointsStartingWith: ['/patients'] },
  ],
  credential: (connection) => ({ baseUrl: connection.baseUrl, secret: connection.apiKey }),
};
