/**
 * The `twilio` SDK, loaded on the adapter's first call or first webhook verification rather than at
 * import: every vendor registers itself in `registry.ts`, so a static import would load Twilio's SDK
 * (axios and its helpers included) into every gateway, whatever its config names (`../../lazy-sdk.ts`).
 *
 * Loaded through `require`: the port's `verifyWebhook` is synchronous, so a delivery that arrives
 * before any call must load the SDK synchronously (`twilio` is CommonJS only, so `require` and
 * `import()` share one copy either way). Only types are imported statically.
 */
import { createRequire } from 'node:module';
import type twilio from 'twilio';
import { lazySdk } from '../../lazy-sdk';

export type TwilioModule = typeof twilio;

const requireSdk = createRequire(import.meta.url);

/** The SDK for calls: `await twilioSdk.load()`; `twilioSdk.isInstance` for its errors. */
export const twilioSdk = lazySdk(async () => requireSdk('twilio') as TwilioModule);

/**
 * The SDK now, synchronously (webhook verification, test signatures): the copy `twilioSdk.load()`
 * resolves to, since `require` caches it.
 */
export function twilioSdkNow(): TwilioModule {
  const loaded = twilioSdk.loaded();
  if (loaded) return loaded;
  const module = requireSdk('twilio') as TwilioModule;
  void twilioSdk.load(); // settles on the same cached module, for later `isInstance` checks
  return module;
}
