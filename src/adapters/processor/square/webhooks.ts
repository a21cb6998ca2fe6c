/**
 * Square webhook deliveries: the signature and the parsing.
 *
 * `x-square-hmacsha256-signature` = base64(HMAC-SHA256(key = the subscription's `signature_key`,
 * message = notification URL + raw body)). The URL is the exact string the subscription was
 * registered with (the route passes `{publicUrl}/webhooks/square/<practiceId>`, never one built
 * from `Host`). The comparison is constant-time (the SDK's `WebhooksHelper.verifySignature` is
 * async and compares with `===`, so it is not used). No timestamp is signed: replays are stopped
 * by the store's `event_id` dedupe. The legacy `x-square-signature` (HMAC-SHA1) is ignored.
 *
 * The object inside `data.object` goes through the SDK's own serializer (snake_case → camelCase,
 * amounts → bigint), so webhook payloads and API answers meet the same zod schemas. The SDK is
 * loaded only then, once the signature has been checked (`sdk.ts`): a forged delivery costs no SDK.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { WebhookRejected } from '../../ledger/port';
import type { WebhookDelivery } from '../../system';
import type { ProcessorEvent } from '../port';
import { toPaymentRecord, toRefundRecord } from './mapping';
import { paymentSchema, refundSchema, webhookEnvelopeSchema } from './schemas';
import { squareSdkNow } from './sdk';

export const SQUARE_SIGNATURE_HEADER = 'x-square-hmacsha256-signature';

/** The event types the gateway subscribes to. */
export const SQUARE_EVENT_TYPES = ['payment.created', 'payment.updated', 'refund.created', 'refund.updated'] as const;

/** base64(HMAC-SHA256(signatureKey, notificationUrl + body)). */
export function signSquareWebhook(signatureKey: string, notificationUrl: string, body: string | Buffer): string {
  return createHmac('sha256', Buffer.from(signatureKey, 'utf8'))
    .update(Buffer.from(notificationUrl, 'utf8'))
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest('base64');
}

/** Constant-time check of one delivery's signature; throws `WebhookRejected` (401) when it does not match. */
export function checkSquareSignature(delivery: WebhookDelivery, signatureKey: string): void {
  const raw = delivery.headers[SQUARE_SIGNATURE_HEADER];
  const header = Array.isArray(raw) ? raw[0] : raw;
  if (!header) throw new WebhookRejected(`missing ${SQUARE_SIGNATURE_HEADER} header`, 401);
  const expected = Buffer.from(signSquareWebhook(signatureKey, delivery.url, delivery.rawBody), 'utf8');
  const given = Buffer.from(header.trim(), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new WebhookRejected('the Square webhook signature does not match', 401);
}

const SDK_PARSE = {
  unrecognizedObjectKeys: 'passthrough',
  allowUnrecognizedUnionMembers: true,
  allowUnrecognizedEnumValues: true,
  skipValidation: true,
} as const;

function objectOf(kind: 'payment' | 'refund', object: Record<string, unknown> | null | undefined): unknown {
  const raw = object?.[kind];
  if (raw === undefined || raw === null) throw new WebhookRejected(`data.object.${kind} is missing`, 400);
  const { serialization } = squareSdkNow();
  const parsed =
    kind === 'payment' ? serialization.Payment.parse(raw, SDK_PARSE) : serialization.PaymentRefund.parse(raw, SDK_PARSE);
  if (!parsed.ok) throw new WebhookRejected(`data.object.${kind} is malformed`, 400);
  return parsed.value;
}

/** A verified body as the port's event. Throws `WebhookRejected` (400) for a malformed body. */
export function parseSquareEvent(rawBody: Buffer): ProcessorEvent {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookRejected('the webhook body is not JSON', 400);
  }
  const envelope = webhookEnvelopeSchema.safeParse(json);
  if (!envelope.success) throw new WebhookRejected('the webhook body is not a Square notification', 400);
  const { type, event_id: eventId, created_at: occurredAt, data } = envelope.data;
  try {
    if (type === 'payment.created' || type === 'payment.updated') {
      const payment = paymentSchema.parse(objectOf('payment', data?.object));
      return { type: 'PAYMENT_UPDATED', eventId, occurredAt, payment: toPaymentRecord(payment) };
    }
    if (type === 'refund.created' || type === 'refund.updated') {
      const refund = refundSchema.parse(objectOf('refund', data?.object));
      return { type: 'REFUND_UPDATED', eventId, occurredAt, refund: toRefundRecord(refund) };
    }
  } catch (error) {
    if (error instanceof z.ZodError) throw new WebhookRejected(`the ${type} object is malformed`, 400);
    throw error;
  }
  return { type: 'IGNORED', eventId, occurredAt, reason: `Square event ${type} is not used` };
}
