/**
 * `Stripe-Signature` verification on the raw bytes: `t=<unix s>,v1=<hex>[,v1=…]`, where
 * `v1 = hex(HMAC-SHA256(the whole "whsec_…" secret, "<t>.<raw body>"))`; any `v1` may match
 * (constant-time), `v0` is ignored, and a timestamp older than 300 s is refused (a future one is
 * not). This is the SDK's own `webhooks.constructEvent`, given the delivery's `now` as its clock.
 * Synchronous like the port's `verifyWebhook`: the SDK is loaded here on the first delivery when no
 * call has loaded it yet (`sdk.ts`).
 */
import { WebhookRejected } from '../../ledger/port';
import { stripeSdkNow } from './sdk';

export const WEBHOOK_TOLERANCE_SECONDS = 300;

export interface SignatureCheck {
  rawBody: Buffer;
  header: string;
  secret: string;
  now: Date;
  toleranceSeconds: number;
}

/** The verified payload, JSON-parsed; throws `WebhookRejected` 401 (signature, timestamp) or 400 (not JSON). */
export function verifyStripeSignature(check: SignatureCheck): unknown {
  const Stripe = stripeSdkNow();
  try {
    return Stripe.webhooks.constructEvent(
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
  return stripeSdkNow().webhooks.generateTestHeaderString({ payload, secret, timestamp });
}
