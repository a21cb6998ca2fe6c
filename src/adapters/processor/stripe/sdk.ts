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
import { createRequire } from 'node:module';
import type Stripe from 'stripe';
import { lazySdk } from '../../lazy-sdk';

export type StripeModule = typeof Stripe;

const requireSdk = createRequire(import.meta.url);

/** The SDK for calls: `await stripeSdk.load()`; `stripeSdk.isInstance` for its errors. */
export const stripeSdk = lazySdk(async () => requireSdk('stripe') as StripeModule);

/**
 * The SDK now, synchronously (webhook verification, test signatures): the copy `stripeSdk.load()`
 * resolves to, since `require` caches it. Its errors are checked against the module returned here,
 * not `stripeSdk.isInstance`, which sees the module only once `load` has settled.
 */
export function stripeSdkNow(): StripeModule {
  const loaded = stripeSdk.loaded();
  if (loaded) return loaded;
  const module = requireSdk('stripe') as StripeModule;
  void stripeSdk.load(); // settles on the same cached module, for later `isInstance` checks
  return module;
}
