/**
 * The API's route table: each Square v2 endpoint the simulator serves, what it reads from the
 * request (validated: `validate.ts`) and what it answers. Authorization, `Square-Version`, the JSON
 * body and faults are checked before a handler runs (`server.ts`).
 */
import type { ParsedQuery } from '../shared/request-log';
import { invalid, ok, type Reply } from './errors';
import { readLinkRequest } from './link-request';
import { listPayments } from './list-payments';
import type { Seller } from './records';
import type { SquareStore } from './store';
import { httpUrl, type Json, money, object, text } from './validate';

/** What a handler gets: the authorized seller, the path's captured ids, the query and the JSON body. */
export interface Ctx {
  seller: Seller;
  params: string[];
  query: ParsedQuery;
  body: Json;
}

export interface Route {
  method: string;
  pattern: RegExp;
  handle: (ctx: Ctx) => Reply;
}

export function apiRoutes(store: SquareStore): Route[] {
  const id = '([^/]+)';
  return [
    {
      method: 'POST',
      pattern: /^\/v2\/online-checkout\/payment-links$/,
      handle: ({ seller, body }) => {
        const key = text(body['idempotency_key'], 'idempotency_key', { max: 192 });
        const input = readLinkRequest(body, seller);
        return ok(
          store.idempotent(seller, 'CreatePaymentLink', key, body, () => {
            const { link, order } = store.createLink(seller, input);
            return { payment_link: store.linkJson(link), related_resources: { orders: [store.orderJson(order)] } };
          }),
        );
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v2/online-checkout/payment-links/${id}$`),
      handle: ({ seller, params }) => ok({ payment_link: store.linkJson(store.link(seller, params[0]!)) }),
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/v2/online-checkout/payment-links/${id}$`),
      handle: ({ seller, params }) => ok(store.deleteLink(seller, params[0]!)),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v2/orders/${id}$`),
      handle: ({ seller, params }) => ok({ order: store.orderJson(store.order(seller, params[0]!)) }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v2/payments/${id}$`),
      handle: ({ seller, params }) => ok({ payment: store.paymentJson(store.payment(seller, params[0]!)) }),
    },
    { method: 'GET', pattern: /^\/v2\/payments$/, handle: (ctx) => listPayments(store, ctx) },
    {
      method: 'POST',
      pattern: /^\/v2\/refunds$/,
      handle: ({ seller, body }) => {
        const key = text(body['idempotency_key'], 'idempotency_key', { required: true, max: 45 })!;
        const paymentId = text(body['payment_id'], 'payment_id', { required: true })!;
        const amount = money(body['amount_money'], 'amount_money');
        const reason = text(body['reason'], 'reason', { max: 192 });
        return ok(
          store.idempotent(seller, 'RefundPayment', key, body, () => {
            const payment = store.payment(seller, paymentId);
            return { refund: store.refundJson(store.createRefund(seller, payment, amount, reason)) };
          }),
        );
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v2/refunds/${id}$`),
      handle: ({ seller, params }) => ok({ refund: store.refundJson(store.refund(seller, params[0]!)) }),
    },
    {
      method: 'POST',
      pattern: /^\/v2\/webhooks\/subscriptions$/,
      handle: ({ seller, body }) => {
        const key = text(body['idempotency_key'], 'idempotency_key', { max: 45 });
        const sub = object(body['subscription'], 'subscription')!;
        const name = text(sub['name'], 'subscription.name', { max: 64 });
        const types = sub['event_types'];
        if (!Array.isArray(types) || types.length === 0 || types.some((t) => typeof t !== 'string' || t === ''))
          throw invalid(
            'INVALID_VALUE',
            'subscription.event_types must be a non-empty list of event types.',
            'subscription.event_types',
          );
        const url = httpUrl(
          text(sub['notification_url'], 'subscription.notification_url', { required: true })!,
          'subscription.notification_url',
        );
        const apiVersion = text(sub['api_version'], 'subscription.api_version');
        if (apiVersion !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(apiVersion))
          throw invalid('INVALID_VALUE', 'subscription.api_version must be YYYY-MM-DD.', 'subscription.api_version');
        return ok(
          store.idempotent(seller, 'CreateWebhookSubscription', key, body, () => ({
            subscription: store.subscriptionJson(
              store.createSubscription(seller, { name, eventTypes: types as string[], notificationUrl: url, apiVersion }),
            ),
          })),
        );
      },
    },
  ];
}
