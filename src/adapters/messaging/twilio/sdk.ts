/**
 * The `twilio` SDK, loaded on the adapter's first call or first webhook verification rather than at
 * import: every vendor registers itself in `registry.ts`, so a static import would load Twilio's SDK
 * (axios and its helpers included) into every gateway, whatever its config names (`../../lazy-sdk.ts`).
 *
 * Loaded through `require`: the port's `verifyWebhook` is synchronous, so a delivery that arrives
 * before any call must load the SDK synchronously (`twilio` is CommonJS only, so `require` and
 * `import()` share one copy either way). Only types are imported statically.
 */
import type twilio from 'twilio';
import { lazyRequire } from '../../lazy-sdk';

export type TwilioModule = typeof twilio;

/** The SDK: `await twilioSdk.load()` for calls, `twilioSdk.isInstance` for its errors. */
export const twilioSdk = lazyRequire<TwilioModule>('twilio');

/** The SDK now, synchronously (webhook verification, test signatures). */
export const twilioSdkNow = (): TwilioModule => twilioSdk.now();
