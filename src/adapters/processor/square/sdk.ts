/**
 * The `square` SDK, loaded on the adapter's first call instead of at import: every vendor registers
 * itself in `registry.ts`, and the SDK alone holds ≈ 79 MB of RSS in a fresh process, which a gateway
 * whose practices use no Square would pay for nothing (`lazy-sdk.ts`). Only this file names the
 * package as a value; everywhere else it is `import type`.
 *
 *     const { SquareClient } = await squareSdk.load();    // API calls (client.ts)
 *     const { serialization } = squareSdkNow();          // webhook parsing, which the port keeps synchronous
 */
import { createRequire } from 'node:module';
import { lazySdk } from '../../lazy-sdk';

export type SquareSdk = typeof import('square');

export const squareSdk = lazySdk<SquareSdk>(() => import('square'));

// `square` is CommonJS only (its `exports` has no `import` entry), so `require` and `import()` share
// Node's one module cache: the module either way is the same instance, and `instanceof` still holds.
const requireHere = createRequire(import.meta.url);

/**
 * The SDK for a synchronous caller: `verifyWebhook` is synchronous in the port, so the first Square
 * webhook of a process, arriving before any API call, loads the SDK with `require`. The import is
 * then started too, so `squareSdk.loaded()` (and `isInstance`) agree with what is in memory.
 */
export function squareSdkNow(): SquareSdk {
  const loaded = squareSdk.loaded();
  if (loaded) return loaded;
  const required = requireHere('square') as SquareSdk;
  void squareSdk.load().catch(() => undefined); // already in the module cache: it cannot fail here
  return required;
}
