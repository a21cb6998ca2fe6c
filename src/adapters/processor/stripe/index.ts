/** The Stripe processor adapter (API version 2026-10-28.endive, SDK `stripe` 23.1.0). */
import { defineProcessorSystem } from '../../system';
import { createStripeAdapter } from './adapter';
import { stripeConnectionSchema } from './connection';
import { stripeRateLimits } from './rate-limits';

export { createStripeAdapter, stripeCapabilities } from './adapter';
export { STRIPE_API_VERSION, createStripeClient } from './client';
export { stripeConnectionSchema, type StripeConnection } from './connection';
export { STRIPE_EVENTS } from './mapping';
export { stripeRateLimits } from './rate-limits';
export { signStripePayload, WEBHOOK_TOLERANCE_SECONDS } from './webhooks';

/** Stripe as a registered processor (`registry.ts`). */
export const stripeSystem = defineProcessorSystem({
  system: 'stripe',
  processor: 'STRIPE',
  connection: stripeConnectionSchema,
  createAdapter: (connection, options) => createStripeAdapter(connection, options),
  rateLimits: stripeRateLimits,
  sandbox: { start: async (options) => (await import('../../../sandbox/stripe/mode')).startSandboxMode(options) },
});
