/**
 * Signed Event Webhook verification with the official `@sendgrid/eventwebhook` (8.0.0): ECDSA P-256
 * with SHA-256 over the UTF-8 bytes of `X-Twilio-Email-Event-Webhook-Timestamp` + the raw body,
 * signature base64 DER in `X-Twilio-Email-Event-Webhook-Signature`, checked with the account's
 * verification key (base64 DER SubjectPublicKeyInfo). SendGrid documents no timestamp tolerance, and
 * the gateway enforces none: a replayed batch only repeats events deduped on `sg_event_id`.
 *
 * A missing or bad signature is `WebhookRejected` 401 (the route answers it 403, as SendGrid asks:
 * `MESSAGING_WEBHOOK_REJECTION`); a verified body that is not a JSON array is 400.
 *
 * The library is loaded on the first delivery verified, not at start: every vendor is registered,
 * so a static import would load it (and `starkbank-ecdsa`) into gateways that receive no SendGrid
 * events. It is `require`d, synchronously (`lazyRequire`, ../../lazy-sdk.ts): the port's
 * `verifyWebhook` is synchronous (no I/O) and the webhook routes call it so.
 */
import type * as EventWebhookSdk from '@sendgrid/eventwebhook';
import { lazyRequire } from '../../lazy-sdk';
import { WebhookRejected } from '../../ledger/port';
import type { WebhookDelivery } from '../../system';

/** The headers' names as the library spells them (`EventWebhookHeader`), here so that reading them loads nothing. */
const SIGNATURE_HEADER_NAME = 'X-Twilio-Email-Event-Webhook-Signature';
const TIMESTAMP_HEADER_NAME = 'X-Twilio-Email-Event-Webhook-Timestamp';
export const SIGNATURE_HEADER = SIGNATURE_HEADER_NAME.toLowerCase();
export const TIMESTAMP_HEADER = TIMESTAMP_HEADER_NAME.toLowerCase();

const eventWebhookSdk = lazyRequire<typeof EventWebhookSdk>('@sendgrid/eventwebhook');
const eventWebhookModule = (): typeof EventWebhookSdk => eventWebhookSdk.now();

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

/** Checks one delivery's signature and answers its events as parsed JSON (not yet mapped). */
export type EventBatchVerifier = (delivery: Pick<WebhookDelivery, 'headers' | 'rawBody'>) => unknown[];

/**
 * A verifier for one account's key; the library is loaded and the key decoded on the first delivery,
 * once (the connection schema has checked the key).
 */
export function createEventBatchVerifier(publicKeyBase64: string): EventBatchVerifier {
  let verifier:
    | { webhook: EventWebhookSdk.EventWebhook; publicKey: ReturnType<EventWebhookSdk.EventWebhook['convertPublicKeyToECDSA']> }
    | undefined;
  const ready = () => {
    if (!verifier) {
      const webhook = new (eventWebhookModule().EventWebhook)();
      verifier = { webhook, publicKey: webhook.convertPublicKeyToECDSA(publicKeyBase64) };
    }
    return verifier;
  };
  return (delivery) => {
    const signature = single(delivery.headers[SIGNATURE_HEADER]);
    const timestamp = single(delivery.headers[TIMESTAMP_HEADER]);
    if (!signature || !timestamp) {
      throw new WebhookRejected(
        `SendGrid event batch refused: expected the ${SIGNATURE_HEADER_NAME} and ${TIMESTAMP_HEADER_NAME} headers once each`,
        401,
      );
    }
    const { webhook, publicKey } = ready();
    let valid = false;
    try {
      valid = webhook.verifySignature(publicKey, delivery.rawBody, signature, timestamp);
    } catch {
      valid = false; // a signature that is not base64 DER: the library throws instead of answering false
    }
    if (!valid) {
      throw new WebhookRejected('SendGrid event batch refused: the signature does not match the timestamp and body', 401);
    }
    let body: unknown;
    try {
      body = JSON.parse(delivery.rawBody.toString('utf8'));
    } catch (error) {
      throw new WebhookRejected(`SendGrid event batch is not JSON: ${(error as Error).message}`, 400);
    }
    if (!Array.isArray(body)) {
      throw new WebhookRejected(
        `SendGrid event batch: expected a JSON array of events, got ${body === null ? 'null' : typeof body}`,
        400,
      );
    }
    return body;
  };
}
