/**
 * `Stripe-Signature` verification on the raw bytes: `t=<unix s>,v1=<hex>[,v1=…]`, where
 * `v1 = hex(HMAC-SHA256(the whole "whsec_…" secret, "<t>.<raw body>"))`; any `v1` may match
 * (constant-time), `v0` is ignored, and a timestamp older than 300 s is refused (a future one is
 * not). This is the SDK's own `webhooks.constructEvent`, given the delivery's `now` as its clock.
 */
import Stripe from 'stripe';
import { WebhookRejected } from '../../ledger/port';

export const WEBHOOK_TOLERANCE_SECONDS = 300;

export interface SignatureCheck {
  rawBody: Buffer;
  header: string;
  secret: string;
  now: Date;
  toleranceSeconds: number;
}

/** The verified payload, JSON-parsed; throws `WebhookRejected` 401 (signature, timestamp) or 400 (not JSON). */
export function verifyStripeSignature(stripe: Stripe, check: SignatureCheck): unknown {
  try {
    return stripe.webhooks.constructEvent(
      check.rawBody,
      check.header,
      check.secret,
      check.toleranceSeconds,
      undefined,
      check.now.getTime(),
    );
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      throw new WebhookRejected(`Stripe signature refused: ${error.message}`, 401);
    }
    throw new WebhookRejected(`Stripe webhook body is not JSON: ${(error as Error).message}`, 400);
  }
}

/** `Stripe-Signature` for `payload` (tests and tools): the header Stripe would send at `timestamp`. */
export function signStripePayload(payload: string, secret: string, timestamp: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}
