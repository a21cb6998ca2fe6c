/**
 * NexHealth insertion-status webhooks: registering the gateway's endpoint upstream, and verifying and
 * parsing deliveries.
 *
 * A delivery carries headers `timestamp` (ISO 8601) and `signature` =
 * hex(HMAC-SHA256(secret_key, `${timestamp}.${base64(rawBody)}`)). A bad or missing signature, or a
 * timestamp more than 5 minutes from `now`, is a 401; a body that is not an insertion event is a 400.
 *
 *     const event = verifyNexhealthWebhook({ headers: req.headers, rawBody, secret, now: new Date() });
 *     // event.outcome === 'COMPLETED', event.records.payments, event.eventKey (sha256 of the body)
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { UpstreamError, WebhookRejected, type InsertionEvent, type WebhookRegistration } from '../port';
import { describeIssues, type NexhealthClient } from './client';
import { mapAdjustment, mapPayment } from './mapping';
import { listAll } from './pagination';
import { adjustmentSchema, isDeletedRow, paymentSchema, webhookDeliverySchema, webhookEndpointSchema } from './schemas';

/** How far a delivery's timestamp may be from now. */
export const WEBHOOK_TOLERANCE_MS = 5 * 60 * 1000;

/** The subscriptions a new endpoint gets. */
export const INSERTION_SUBSCRIPTIONS = [
  { resource_type: 'Payment', event: 'payment_insertion' },
  { resource_type: 'Adjustment', event: 'adjustment_insertion' },
] as const;

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** `hex(HMAC-SHA256(secret, `${timestamp}.${base64(rawBody)}`))`. */
export function signNexhealthWebhook(secret: string, timestamp: string, rawBody: Buffer): string {
  return createHmac('sha256', secret)
    .update(`${timestamp}.${rawBody.toString('base64')}`)
    .digest('hex');
}

function describeDeliveryError(item: unknown): string {
  if (typeof item === 'string') return item;
  if (item && typeof item === 'object') {
    const o = item as Record<string, unknown>;
    for (const key of ['message', 'error', 'description', 'reason']) {
      const v = o[key];
      if (typeof v === 'string' && v) return v;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length) return v.join('; ');
    }
  }
  return JSON.stringify(item);
}

export function verifyNexhealthWebhook(args: {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  secret: string;
  now: Date;
}): InsertionEvent {
  const timestamp = header(args.headers, 'timestamp');
  const signature = header(args.headers, 'signature');
  if (!timestamp) throw new WebhookRejected('expected a "timestamp" header (ISO 8601), got none', 401);
  if (!signature) throw new WebhookRejected('expected a "signature" header (hex HMAC-SHA256), got none', 401);
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) throw new WebhookRejected('expected the "timestamp" header in ISO 8601, got an unreadable date', 401);
  const skew = Math.abs(args.now.getTime() - at);
  if (skew > WEBHOOK_TOLERANCE_MS) {
    throw new WebhookRejected(`expected a timestamp within 5 minutes of now, got one ${Math.round(skew / 1000)} s away`, 401);
  }
  const expected = Buffer.from(signNexhealthWebhook(args.secret, timestamp, args.rawBody), 'hex');
  const given =
    /^[0-9a-fA-F]+$/.test(signature.trim()) && signature.trim().length % 2 === 0
      ? Buffer.from(signature.trim(), 'hex')
      : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new WebhookRejected('expected a valid signature (hex HMAC-SHA256 of "<timestamp>.<base64 body>"), got a mismatch', 401);
  }

  let json: unknown;
  try {
    json = JSON.parse(args.rawBody.toString('utf8'));
  } catch {
    throw new WebhookRejected('expected a JSON body, got malformed JSON', 400);
  }
  const delivery = webhookDeliverySchema.safeParse(json);
  if (!delivery.success) {
    throw new WebhookRejected(`expected an insertion event body, got a mismatch: ${describeIssues(delivery.error)}`, 400);
  }
  const body = delivery.data;
  const rows = z.object({
    payments: z.array(paymentSchema).default([]),
    adjustments: z.array(adjustmentSchema).default([]),
  });
  const parsedRows = rows.safeParse({
    payments: (body.data.payments ?? []).filter((r) => !isDeletedRow(r)),
    adjustments: (body.data.adjustments ?? []).filter((r) => !isDeletedRow(r)),
  });
  if (!parsedRows.success) {
    throw new WebhookRejected(
      `expected payment/adjustment rows in data, got a mismatch: ${describeIssues(parsedRows.error)}`,
      400,
    );
  }
  const failed = body.event_name.endsWith('.failed');
  const errors = (body.delivery_errors ?? []).map(describeDeliveryError).filter((e) => e !== '');
  return {
    transactionId: body.data.transaction_id,
    outcome: failed ? 'FAILED' : 'COMPLETED',
    records: {
      payments: failed ? [] : parsedRows.data.payments.map(mapPayment),
      adjustments: failed ? [] : parsedRows.data.adjustments.map(mapAdjustment),
    },
    reason: failed ? (errors.length ? errors.join('; ') : 'insertion failed (no reason given)') : null,
    eventKey: createHash('sha256').update(args.rawBody).digest('hex'),
  };
}

/**
 * Reuse an endpoint with the same `target_url` that has a `secret_key`; otherwise create one and its
 * two insertion subscriptions. Writes are sent once (never retried).
 */
export async function registerNexhealthWebhooks(
  client: NexhealthClient,
  targetUrl: string,
  perPage: number,
  locationId: string,
): Promise<WebhookRegistration> {
  const existing = await listAll(
    client,
    { endpoint: '/webhook_endpoints', path: '/webhook_endpoints', query: { location_id: locationId } },
    webhookEndpointSchema,
    perPage,
  );
  const reuse = existing.find((e) => e.target_url === targetUrl && e.secret_key);
  if (reuse?.secret_key) return { endpointId: reuse.id, secret: reuse.secret_key };

  const createSpec = { endpoint: '/webhook_endpoints', path: '/webhook_endpoints' };
  const created = await client.write(createSpec, { target_url: targetUrl, active: true });
  if (created.status < 200 || created.status >= 300) throw client.writeError(createSpec, created);
  const endpoint = webhookEndpointSchema.safeParse(created.envelope?.data);
  if (!endpoint.success || !endpoint.data.secret_key) {
    throw new UpstreamError(
      `NexHealth POST /webhook_endpoints: expected data { id, target_url, secret_key }, got ${endpoint.success ? 'no secret_key' : describeIssues(endpoint.error)}`,
      'UPSTREAM_UNAVAILABLE',
      created.status,
      '/webhook_endpoints',
    );
  }
  const { id, secret_key: secret } = endpoint.data;
  for (const subscription of INSERTION_SUBSCRIPTIONS) {
    const spec = {
      endpoint: '/webhook_endpoints/{id}/webhook_subscriptions',
      path: `/webhook_endpoints/${encodeURIComponent(id)}/webhook_subscriptions`,
    };
    const res = await client.write(spec, { ...subscription, active: true });
    if (res.status < 200 || res.status >= 300) throw client.writeError(spec, res);
  }
  return { endpointId: id, secret };
}
