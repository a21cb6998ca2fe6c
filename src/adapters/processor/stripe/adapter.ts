/**
 * The Stripe processor adapter (`../port.ts`) over the official SDK (`client.ts`): Checkout
 * Sessions on Stripe's hosted page, PaymentIntents, refunds, webhook endpoints and the events list.
 * Every POST carries the port's `idempotencyKey` verbatim as `Idempotency-Key`; only the form fields
 * Stripe's reference lists for each endpoint are sent (a simulator refuses any other parameter).
 */
import type Stripe from 'stripe';
import type { AdapterOptions } from '../../system';
import { UpstreamError, WebhookRejected } from '../../ledger/port';
import type {
  CheckoutRecord,
  CheckoutRequest,
  Page,
  ProcessorAdapter,
  ProcessorCapabilities,
  ProcessorEvent,
  ProcessorPaymentRecord,
  ProcessorWebhookEndpoint,
  ProcessorWebhookRegistration,
  RefundRecord,
  RefundRequest,
} from '../port';
import type { WebhookDelivery } from '../../system';
import { createStripeClient, STRIPE_API_VERSION } from './client';
import type { StripeConnection } from './connection';
import { retryAfterOf, statusOf, toUpstreamError } from './errors';
import { checkoutRecord, paymentRecord, processorEvent, refundRecord, STRIPE_EVENTS, toUnixSeconds } from './mapping';
import {
  checkoutSessionSchema,
  eventListSchema,
  eventSchema,
  paymentIntentSchema,
  refundSchema,
  type StripeEvent,
  webhookEndpointListSchema,
  webhookEndpointSchema,
} from './schemas';
import { verifyStripeSignature, WEBHOOK_TOLERANCE_SECONDS } from './webhooks';

export const stripeCapabilities: ProcessorCapabilities = {
  hostedCheckout: true,
  asyncSettlement: true,
  checkoutExpiry: true,
  webhookRegistration: true,
  refunds: true,
  partialRefunds: true,
  minAmount: 50,
};

/** Stripe's list limit, the largest page it serves. */
const PAGE_LIMIT = 100;
/** Cap on the pages one `listChanges` call reads (10,000 events); beyond it the caller calls again. */
const MAX_EVENT_PAGES = 100;

interface Parsed<T> {
  parse(value: unknown): T;
}

export function createStripeAdapter(connection: StripeConnection, options: AdapterOptions = {}): ProcessorAdapter {
  // Built on the first call, never at construction: that is when the SDK is loaded (`sdk.ts`).
  let client: Promise<Stripe> | undefined;
  const sdkClient = (): Promise<Stripe> => {
    client ??= createStripeClient(connection, options.timeoutMs).catch((error: unknown) => {
      client = undefined; // a failed load is retried by the next call
      throw error;
    });
    return client;
  };
  const subscribed = new Set<string>(STRIPE_EVENTS);

  /** One SDK call: reported to `onUpstreamCall`, its failure mapped, its answer parsed at the boundary. */
  async function call<T>(
    endpoint: string,
    schema: Parsed<T>,
    run: (stripe: Stripe) => Promise<unknown>,
    notFoundIsMissing = false,
  ): Promise<T> {
    // Before the budget and the clock: loading the SDK is no exchange with Stripe.
    const stripe = await sdkClient();
    const [method = 'GET', path = endpoint] = endpoint.split(' ');
    const done = await options.upstreamBudget?.beforeExchange({ endpoint: path, attempt: 1 });
    const started = performance.now();
    let status: number | null = 200;
    let retryAfterMs: number | null = null;
    try {
      const answer = await run(stripe);
      try {
        return schema.parse(answer);
      } catch (error) {
        throw new UpstreamError(
          `Stripe ${endpoint} answered an unexpected shape: ${(error as Error).message}`,
          'UPSTREAM_UNAVAILABLE',
          200,
          endpoint,
        );
      }
    } catch (error) {
      status = statusOf(error);
      retryAfterMs = retryAfterOf(error);
      throw toUpstreamError(error, { endpoint, notFoundIsMissing });
    } finally {
      void done?.(status, retryAfterMs);
      options.onUpstreamCall?.({ endpoint: path, method, status, durationMs: performance.now() - started, attempt: 1 });
    }
  }

  const getCheckout = (checkoutId: string): Promise<CheckoutRecord> =>
    call(
      'GET /v1/checkout/sessions/{id}',
      checkoutSessionSchema,
      (stripe) => stripe.checkout.sessions.retrieve(checkoutId, { expand: ['payment_intent'] }),
      true,
    ).then((session) => checkoutRecord(session));

  const listWebhooks = async (): Promise<ProcessorWebhookEndpoint[]> => {
    const list = await call('GET /v1/webhook_endpoints', webhookEndpointListSchema, (stripe) =>
      stripe.webhookEndpoints.list({ limit: PAGE_LIMIT }),
    );
    return list.data.map((endpoint) => ({ endpointId: endpoint.id, url: endpoint.url, enabled: endpoint.status === 'enabled' }));
  };

  return {
    system: 'STRIPE',
    capabilities: stripeCapabilities,

    async connect() {
      // The cheapest call the gateway makes anyway; a bad key answers 401 (UPSTREAM_REJECTED).
      await listWebhooks();
    },

    async createCheckout(request: CheckoutRequest): Promise<CheckoutRecord> {
      const metadata = {
        lg_transaction_id: request.transactionId,
        lg_practice_id: request.practiceId,
        lg_patient_id: request.patientSourceId,
      };
      const params: Stripe.Checkout.SessionCreateParams = {
        mode: 'payment',
        line_items: [
          {
            price_data: {
              currency: request.currency.toLowerCase(),
              unit_amount: request.amount,
              product_data: { name: request.title },
            },
            quantity: 1,
          },
        ],
        success_url: request.returnUrl,
        client_reference_id: request.transactionId,
        metadata,
        payment_intent_data: { metadata, description: request.title },
        expires_at: toUnixSeconds(request.expiresAt),
      };
      if (request.cancelUrl !== null) params.cancel_url = request.cancelUrl;
      if (request.payerEmail !== null) params.customer_email = request.payerEmail;
      const session = await call('POST /v1/checkout/sessions', checkoutSessionSchema, (stripe) =>
        stripe.checkout.sessions.create(params, { idempotencyKey: request.idempotencyKey }),
      );
      return checkoutRecord(session);
    },

    getCheckout,

    async cancelCheckout({ checkoutId, idempotencyKey }): Promise<CheckoutRecord> {
      try {
        const session = await call(
          'POST /v1/checkout/sessions/{id}/expire',
          checkoutSessionSchema,
          (stripe) => stripe.checkout.sessions.expire(checkoutId, {}, { idempotencyKey }),
          true,
        );
        return { ...checkoutRecord(session), status: 'CANCELED', url: null };
      } catch (error) {
        // Stripe refuses (400) to expire a session that is no longer open: it was paid, is settling,
        // or already expired. The caller needs that state, not the refusal.
        if (error instanceof UpstreamError && error.code === 'UPSTREAM_REJECTED' && error.status === 400) {
          return getCheckout(checkoutId);
        }
        throw error;
      }
    },

    async getPayment(paymentId: string): Promise<ProcessorPaymentRecord> {
      const intent = await call(
        'GET /v1/payment_intents/{id}',
        paymentIntentSchema,
        (stripe) => stripe.paymentIntents.retrieve(paymentId),
        true,
      );
      return paymentRecord(intent);
    },

    async refund(request: RefundRequest): Promise<RefundRecord> {
      const refund = await call('POST /v1/refunds', refundSchema, (stripe) =>
        stripe.refunds.create(
          {
            payment_intent: request.paymentId,
            amount: request.amount,
            reason: 'requested_by_customer',
            metadata: { lg_refund_id: request.transactionId },
          },
          { idempotencyKey: request.idempotencyKey },
        ),
      );
      return refundRecord(refund);
    },

    async getRefund(refundId: string): Promise<RefundRecord> {
      const refund = await call('GET /v1/refunds/{id}', refundSchema, (stripe) => stripe.refunds.retrieve(refundId), true);
      return refundRecord(refund);
    },

    async listChanges({ since, after }): Promise<Page<ProcessorEvent>> {
      // Stripe lists events newest first and pages towards older ones (`starting_after`), while the
      // port answers oldest first: read every page back to `since`, then turn the list around. A
      // cursor exists only when the read was capped (more than MAX_EVENT_PAGES pages since `since`).
      const gte = toUnixSeconds(since);
      const events: StripeEvent[] = [];
      let cursor = after ?? undefined;
      let hasMore = true;
      for (let page = 0; hasMore && page < MAX_EVENT_PAGES; page++) {
        const params: Stripe.EventListParams = { created: { gte }, limit: PAGE_LIMIT };
        if (cursor) params.starting_after = cursor;
        const list = await call('GET /v1/events', eventListSchema, (stripe) => stripe.events.list(params));
        events.push(...list.data);
        hasMore = list.has_more && list.data.length > 0;
        cursor = list.data.at(-1)?.id ?? cursor;
      }
      const ordered = oldestFirst(events).filter((event) => subscribed.has(event.type));
      return {
        items: ordered.map(processorEvent),
        // Only a read capped at MAX_EVENT_PAGES has a next page: it continues past the oldest event read.
        endCursor: hasMore ? (cursor ?? null) : null,
        hasNextPage: hasMore,
      };
    },

    async registerWebhook({ targetUrl, idempotencyKey }): Promise<ProcessorWebhookRegistration> {
      const params: Stripe.WebhookEndpointCreateParams = {
        url: targetUrl,
        enabled_events: [...STRIPE_EVENTS],
        api_version: STRIPE_API_VERSION,
        description: 'ledger-gateway collection events',
      };
      const practiceId = practiceIdOf(targetUrl);
      if (practiceId) params.metadata = { lg_practice_id: practiceId };
      const endpoint = await call('POST /v1/webhook_endpoints', webhookEndpointSchema, (stripe) =>
        stripe.webhookEndpoints.create(params, { idempotencyKey }),
      );
      if (!endpoint.secret) {
        throw new UpstreamError(
          'Stripe POST /v1/webhook_endpoints answered without the signing secret',
          'UPSTREAM_UNAVAILABLE',
          200,
          'POST /v1/webhook_endpoints',
        );
      }
      return { endpointId: endpoint.id, secret: endpoint.secret, url: endpoint.url };
    },

    listWebhooks,

    verifyWebhook(delivery: WebhookDelivery): ProcessorEvent {
      if (!delivery.secret) throw new WebhookRejected('no signing secret is stored for this endpoint', 401);
      const header = delivery.headers['stripe-signature'];
      const signature = Array.isArray(header) ? header[0] : header;
      if (!signature) throw new WebhookRejected('missing Stripe-Signature header', 401);
      const payload = verifyStripeSignature({
        rawBody: delivery.rawBody,
        header: signature,
        secret: delivery.secret,
        now: delivery.now,
        toleranceSeconds: WEBHOOK_TOLERANCE_SECONDS,
      });
      try {
        return processorEvent(eventSchema.parse(payload));
      } catch (error) {
        throw new WebhookRejected(`malformed Stripe event: ${(error as Error).message}`, 400);
      }
    },

    async close() {
      // The SDK keeps no resources that need closing (its agent's sockets time out on their own).
    },
  };
}

/**
 * Events in the order they happened. Within one second Stripe's list order decides; the list is
 * newest first at Stripe (a list found to be oldest first, as a simulator might serve it, is kept).
 */
function oldestFirst(events: StripeEvent[]): StripeEvent[] {
  const first = events[0];
  const last = events.at(-1);
  const ascending = first !== undefined && last !== undefined && first.created < last.created;
  const indexed = events.map((event, index) => ({ event, rank: ascending ? index : -index }));
  // Deduplicate by id (a page boundary moving under concurrent writes may repeat one).
  const seen = new Set<string>();
  const ordered: StripeEvent[] = [];
  for (const { event } of indexed.sort((a, b) => a.event.created - b.event.created || a.rank - b.rank)) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    ordered.push(event);
  }
  return ordered;
}

/** `<practiceId>` of `{publicUrl}/webhooks/stripe/<practiceId>`, for the endpoint's metadata. */
function practiceIdOf(targetUrl: string): string | null {
  try {
    const match = /\/webhooks\/stripe\/([^/?#]+)\/?$/.exec(new URL(targetUrl).pathname);
    return match?.[1] ? decodeURIComponent(match[1]) : null;
  } catch {
    return null;
  }
}
