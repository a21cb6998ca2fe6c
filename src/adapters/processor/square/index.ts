/** The Square processor adapter (Square API 2026-09-16, `square` SDK 46.0.0). */
import { defineProcessorSystem } from '../../system';
import { createSquareAdapter } from './adapter';
import { squareConnectionSchema } from './connection';
import { squareRateLimits } from './rate-limits';

export { createSquareAdapter, squareCapabilities, SQUARE_SUBSCRIPTION_NAME } from './adapter';
export { SQUARE_API_VERSION, toUpstreamError } from './client';
export { squareConnectionSchema, type SquareConnection } from './connection';
export { squareRateLimits, SQUARE_MAX_CONCURRENT_CALLS } from './rate-limits';
export { signSquareWebhook, SQUARE_EVENT_TYPES, SQUARE_SIGNATURE_HEADER } from './webhooks';

/** Square as a registered processor (`registry.ts`). */
export const squareSystem = defineProcessorSystem({
  system: 'square',
  processor: 'SQUARE',
  connection: squareConnectionSchema,
  createAdapter: (connection, options) => createSquareAdapter(connection, options),
  rateLimits: squareRateLimits,
  sandbox: { start: async (options) => (await import('../../../sandbox/square/mode')).startSandboxMode(options) },
});
