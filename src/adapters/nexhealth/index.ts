/** The NexHealth adapter (Synchronizer API v20240412). */
export { createNexhealthAdapter, LOCATION_SCAN_SINCE } from './adapter';
export { nexhealthCapabilities } from './capabilities';
export { verifyNexhealthWebhook, signNexhealthWebhook, WEBHOOK_TOLERANCE_MS } from './webhooks';
export {
  NEXHEALTH_API_VERSION,
  type NexhealthConnection,
  type NexhealthAdapterOptions,
  type UpstreamCallEvent,
} from './types';
