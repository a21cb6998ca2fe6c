/**
 * The `stripe` SDK, loaded on the adapter's first call or first webhook verification rather than at
 * import: every vendor registers itself in `registry.ts`, so a static import would load Stripe's SDK
 * into every gateway, whatever its config names (`../../lazy-sdk.ts`).
 *
 * Loaded through `require` (its CommonJS build), not `import()`: the port's `verifyWebhook` is
 * synchronous, so a delivery that arrives before any call must load the SDK synchronously, and one
 * route for both keeps a single copy of the SDK (and of its error classes, for `instanceof`). Only
 * types are imported statically.
 */
import type Stripe from 'stripe';
import { lazyRequire } from '../../lazy-sdk';

export type StripeModule = typeof Stripe;

/** The SDK: `await stripeSdk.load()` for calls, `stripeSdk.isInstance` for its errors. */
export const stripeSdk = lazyRequire<StripeModule>('stripe');

/** The SDK now, synchronously (webhook verification, test signatures). */
export const stripeSdkNow = (): StripeModule => stripeSdk.now();
