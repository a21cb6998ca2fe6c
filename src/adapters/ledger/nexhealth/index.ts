/** The NexHealth adapter (Synchronizer API v20240412). */
import { defineLedgerSystem } from '../../system';
import { nexhealthRateLimits } from './rate-limits';
import { createNexhealthAdapter as create } from './adapter';
import { nexhealthConnectionSchema } from './connection';

export { nexhealthRateLimits } from './rate-limits';
export { createNexhealthAdapter, LOCATION_SCAN_SINCE } from './adapter';
export { nexhealthCapabilities } from './capabilities';
export { verifyNexhealthWebhook, signNexhealthWebhook, WEBHOOK_TOLERANCE_MS } from './webhooks';
export {
  NEXHEALTH_API_VERSION,
  type NexhealthConnection,
  type NexhealthAdapterOptions,
  type UpstreamCallEvent,
} from './types';

export { nexhealthConnectionSchema } from './connection';

/** NexHealth (Synchronizer API; Dentrix, Eaglesoft, Open Dental behind it) as a registered system. */
export const nexhealthSystem = defineLedgerSystem({
  system: 'nexhealth',
  practiceSystem: 'NEXHEALTH',
  connection: nexhealthConnectionSchema,
  createAdapter: (connection, options) => create(connection, options),
  rateLimits: nexhealthRateLimits,
  sandbox: { start: async (options) => (await import('../../../sandbox/nexhealth/mode')).startSandboxMode(options) },
});
