/** The `connection` of a practice's Stripe account in the gateway's config (`processor.connection`). */
import { z } from 'zod';
import { httpUrl, nonEmpty } from '../../connection-fields';

export const stripeConnectionSchema = z.strictObject({
  /**
   * `https://api.stripe.com` in production, a simulator's URL otherwise. Only its protocol, host and
   * port are used: the SDK always calls `/v1/…` from the root, so a path prefix cannot be honored and
   * is refused rather than silently dropped.
   */
  baseUrl: httpUrl.refine((url) => {
    const path = new URL(url).pathname;
    return path === '' || path === '/';
  }, 'expected a base URL without a path (the Stripe SDK always calls /v1/… from the root)'),
  /** `sk_test_…`, `sk_live_…` or a restricted `rk_…` key, sent as `Authorization: Bearer`. */
  secretKey: nonEmpty,
});

export type StripeConnection = z.output<typeof stripeConnectionSchema>;
