/**
 * The `square` SDK, loaded on the adapter's first call instead of at import: every vendor registers
 * itself in `registry.ts`, and the SDK alone holds ≈ 79 MB of RSS in a fresh process, which a gateway
 * whose practices use no Square would pay for nothing (`lazy-sdk.ts`). Only this file names the
 * package as a value; everywhere else it is `import type`.
 *
 *     const { SquareClient } = await squareSdk.load();    // API calls (client.ts)
 *     const { serialization } = squareSdkNow();          // webhook parsing, which the port keeps synchronous
 */
import { lazyRequire } from '../../lazy-sdk';

export type SquareSdk = typeof import('square');

/** `square` is CommonJS only (its `exports` has no `import` entry): one cached copy however it is loaded. */
export const squareSdk = lazyRequire<SquareSdk>('square');

/** The SDK for a synchronous caller: `verifyWebhook` is synchronous in the port. */
export const squareSdkNow = (): SquareSdk => squareSdk.now();
