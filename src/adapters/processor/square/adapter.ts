/**
 * The Square processor adapter (Square API 2026-09-16 through the `square` SDK 46.0.0): a checkout
 * is a payment link (quick pay) and the order behind it; payments are matched by their order
 * (`checkoutMatchId`), never by the note; refunds go through the Refunds API; webhooks are verified
 * with the subscription's signature key. See `README.md` here for every endpoint and decision.
 */
import { WebhookRejected } from '../../ledger/port';
import type { AdapterOptions } from '../../system';
import type {
  CheckoutRecord,
  CheckoutRequest,
  Page,
  ProcessorAdapter,
  ProcessorCapabilities,
  ProcessorEvent,
  ProcessorPaymentRecord,
  ProcessorWebhookRegistration,
  RefundRecord,
  RefundRequest,
} from '../port';
import { SQUARE_API_VERSION, SquareApi } from './client';
import type { SquareConnection } from './connection';
import { tenderPaymentId, toCheckoutRecord, toPaymentRecord, toRefundRecord } from './mapping';
import {
  createPaymentLinkResponseSchema,
  deletePaymentLinkResponseSchema,
  getOrderResponseSchema,
  getPaymentLinkResponseSchema,
  getPaymentResponseSchema,
  listPaymentsResponseSchema,
  refundResponseSchema,
  type SquareOrder,
  type SquarePayment,
  subscriptionResponseSchema,
} from './schemas';
import { checkSquareSignature, parseSquareEvent, SQUARE_EVENT_TYPES } from './webhooks';

/** The name the gateway's webhook subscription carries in Square's dashboard. */
export const SQUARE_SUBSCRIPTION_NAME = 'ledger-gateway';

/** Payments listed per page by `listChanges` (Square's maximum). */
const LIST_LIMIT = 100;

export function squareCapabilities(connection: SquareConnection): ProcessorCapabilities {
  return {
    hostedCheckout: true,
    asyncSettlement: false,
    checkoutExpiry: false,
    webhookRegistration: connection.signatureKey === undefined,
    refunds: true,
    partialRefunds: true,
    minAmount: 1,
  };
}

export function createSquareAdapter(connection: SquareConnection, options: AdapterOptions = {}): ProcessorAdapter {
  const api = new SquareApi(connection, options);
  const capabilities = squareCapabilities(connection);

  async function order(orderId: string): Promise<SquareOrder> {
    const answer = await api.read('GET /v2/orders/{order_id}', getOrderResponseSchema, (sq) => sq.orders.get({ orderId }));
    return answer.order;
  }

  async function payment(paymentId: string): Promise<SquarePayment> {
    const answer = await api.read('GET /v2/payments/{payment_id}', getPaymentResponseSchema, (sq) =>
      sq.payments.get({ paymentId }),
    );
    return answer.payment;
  }

  /** The checkout as its order and the order's tender payment say. */
  async function checkoutOf(link: { id: string; url: string | null; createdAt: string; orderId: string }, linkDeleted = false) {
    const current = await order(link.orderId);
    const paymentId = tenderPaymentId(current);
    return toCheckoutRecord({
      linkId: link.id,
      url: link.url,
      createdAt: link.createdAt,
      order: current,
      payment: paymentId ? await payment(paymentId) : null,
      linkDeleted,
    });
  }

  const adapter: ProcessorAdapter = {
    system: 'SQUARE',
    capabilities,

    async connect() {
      // The cheapest call of the spec that proves the token and the location: one payment, or none.
      await api.read('GET /v2/payments', listPaymentsResponseSchema, (sq) =>
        sq.payments.list({ locationId: connection.locationId, limit: 1 }).then((page) => page.response),
      );
    },

    async createCheckout(request: CheckoutRequest): Promise<CheckoutRecord> {
      const prePopulated = {
        ...(request.payerEmail ? { buyerEmail: request.payerEmail } : {}),
        ...(request.payerPhone ? { buyerPhoneNumber: request.payerPhone } : {}),
      };
      const answer = await api.write('POST /v2/online-checkout/payment-links', createPaymentLinkResponseSchema, (sq) =>
        sq.checkout.paymentLinks.create({
          idempotencyKey: request.idempotencyKey,
          quickPay: {
            name: request.title,
            priceMoney: { amount: BigInt(request.amount), currency: request.currency.toUpperCase() as 'USD' },
            locationId: connection.locationId,
          },
          checkoutOptions: { redirectUrl: request.returnUrl, allowTipping: false, askForShippingAddress: false },
          ...(Object.keys(prePopulated).length > 0 ? { prePopulatedData: prePopulated } : {}),
          paymentNote: `${request.transactionId} ${request.practiceId}/${request.patientSourceId}`,
        }),
      );
      const link = answer.paymentLink;
      const linkOrder = answer.relatedResources?.orders?.find((o) => o.id === link.orderId);
      return {
        id: link.id,
        matchId: link.orderId,
        transactionId: null,
        url: link.url,
        status: 'OPEN',
        amount: linkOrder?.totalMoney.amount ?? request.amount,
        currency: (linkOrder?.totalMoney.currency ?? request.currency).toUpperCase(),
        paymentId: null,
        amountPaid: 0,
        expiresAt: null,
        createdAt: link.createdAt,
      };
    },

    async getCheckout(checkoutId: string): Promise<CheckoutRecord> {
      const { paymentLink } = await api.read('GET /v2/online-checkout/payment-links/{id}', getPaymentLinkResponseSchema, (sq) =>
        sq.checkout.paymentLinks.get({ id: checkoutId }),
      );
      return checkoutOf(paymentLink);
    },

    async cancelCheckout({ checkoutId }): Promise<CheckoutRecord> {
      // Square's DeletePaymentLink takes no idempotency key; the link is read first so that its
      // order can be read after the delete (a paid order is not canceled, and the flow must learn it).
      const { paymentLink } = await api.read('GET /v2/online-checkout/payment-links/{id}', getPaymentLinkResponseSchema, (sq) =>
        sq.checkout.paymentLinks.get({ id: checkoutId }),
      );
      await api.write('DELETE /v2/online-checkout/payment-links/{id}', deletePaymentLinkResponseSchema, (sq) =>
        sq.checkout.paymentLinks.delete({ id: checkoutId }),
      );
      return checkoutOf(paymentLink, true);
    },

    async getPayment(paymentId: string): Promise<ProcessorPaymentRecord> {
      return toPaymentRecord(await payment(paymentId));
    },

    async refund(request: RefundRequest): Promise<RefundRecord> {
      const answer = await api.write('POST /v2/refunds', refundResponseSchema, (sq) =>
        sq.refunds.refundPayment({
          idempotencyKey: request.idempotencyKey,
          paymentId: request.paymentId,
          amountMoney: { amount: BigInt(request.amount), currency: request.currency.toUpperCase() as 'USD' },
          ...(request.reason !== null ? { reason: request.reason } : {}),
        }),
      );
      return toRefundRecord(answer.refund);
    },

    async getRefund(refundId: string): Promise<RefundRecord> {
      const answer = await api.read('GET /v2/refunds/{refund_id}', refundResponseSchema, (sq) => sq.refunds.get({ refundId }));
      return toRefundRecord(answer.refund);
    },

    async listChanges({ since, after }): Promise<Page<ProcessorEvent>> {
      const answer = await api.read('GET /v2/payments', listPaymentsResponseSchema, (sq) =>
        sq.payments
          .list({ locationId: connection.locationId, beginTime: since, limit: LIST_LIMIT, ...(after ? { cursor: after } : {}) })
          .then((page) => page.response),
      );
      const items: ProcessorEvent[] = (answer.payments ?? []).map((p) => {
        const record = toPaymentRecord(p);
        return {
          type: 'PAYMENT_UPDATED',
          eventId: `${p.id}:${record.updatedAt}`,
          occurredAt: record.updatedAt ?? p.createdAt,
          payment: record,
        };
      });
      // Square lists newest first by default; the port wants oldest first within what it answers.
      items.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.eventId < b.eventId ? -1 : 1));
      const cursor = answer.cursor ?? null;
      return { items, endCursor: cursor, hasNextPage: cursor !== null };
    },

    verifyWebhook(delivery): ProcessorEvent {
      const key = delivery.secret ?? connection.signatureKey ?? null;
      if (key === null) throw new WebhookRejected('no Square signature key for this practice', 401);
      checkSquareSignature(delivery, key);
      return parseSquareEvent(delivery.rawBody);
    },

    async close() {
      // The SDK keeps no pool of its own (global fetch); nothing to release.
    },
  };

  if (capabilities.webhookRegistration) {
    adapter.registerWebhook = async ({ targetUrl, idempotencyKey }): Promise<ProcessorWebhookRegistration> => {
      const { subscription } = await api.write('POST /v2/webhooks/subscriptions', subscriptionResponseSchema, (sq) =>
        sq.webhooks.subscriptions.create({
          idempotencyKey,
          subscription: {
            name: SQUARE_SUBSCRIPTION_NAME,
            eventTypes: [...SQUARE_EVENT_TYPES],
            notificationUrl: targetUrl,
            apiVersion: SQUARE_API_VERSION,
          },
        }),
      );
      return { endpointId: subscription.id, secret: subscription.signatureKey, url: subscription.notificationUrl };
    };
  }

  return adapter;
}
