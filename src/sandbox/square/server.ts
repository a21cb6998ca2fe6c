/**
 * The HTTP server (node:http, no framework) and its pipeline:
 *
 *   `/_sandbox/…` controls (JSON, no auth, not logged) | `/pay/{id}` hosted page (logged)
 *   API: request log → faults → route (404) → `Authorization: Bearer` (401) → `Square-Version`
 *   (400 `INVALID_SQUARE_VERSION_FORMAT`; missing means 2026-09-16) → JSON body (400) → handler
 *
 * Every API answer is JSON in Square's snake_case; errors are Square's envelope.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FaultDecision, FaultInjector, FaultRule } from '../shared/fault-injection';
import { parseQuery, type ParsedQuery, type RecordedRequest } from '../shared/request-log';
import { faultErrors, invalid, notFound, type Reply, SquareHttpError, unauthorized } from './errors';
import { completeHtml, notFoundHtml, payPageHtml, unavailableHtml } from './pay-page';
import type { CardAttempt, Seller, SquareStore } from './store';
import { bool, httpUrl, type Json, money, object, text, time } from './validate';
import type { SquareWebhookHub } from './webhooks';
import { readBody, sleep } from '../shared/http-body';

export const SQUARE_VERSION = '2026-09-16';
const LIST_MAX = 100;

export interface ServerParts {
  store: SquareStore;
  hub: SquareWebhookHub;
  faults: FaultInjector;
  /** Bodies of fault rules added through the control (`body`), by rule id. */
  faultBodies: Map<string, unknown>;
  log: RecordedRequest[];
  reset(): void;
}

interface Ctx {
  seller: Seller;
  params: string[];
  query: ParsedQuery;
  body: Json;
}

interface Route {
  method: string;
  pattern: RegExp;
  handle: (ctx: Ctx) => Reply;
}

const ok = (body: unknown): Reply => ({ status: 200, body });

function routes(parts: ServerParts): Route[] {
  const { store } = parts;
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

/** The two forms of a CreatePaymentLink body: `quick_pay` or `order` (exactly one). */
function readLinkRequest(body: Json, seller: Seller): Parameters<SquareStore['createLink']>[1] {
  const quickPay = object(body['quick_pay'], 'quick_pay', false);
  const order = object(body['order'], 'order', false);
  if (quickPay && order) throw invalid('BAD_REQUEST', 'Only one of quick_pay and order may be set.');
  if (!quickPay && !order) throw invalid('MISSING_REQUIRED_PARAMETER', 'One of quick_pay or order is required.', 'quick_pay');
  const checkoutOptions = object(body['checkout_options'], 'checkout_options', false);
  if (checkoutOptions) {
    const redirect = text(checkoutOptions['redirect_url'], 'checkout_options.redirect_url', { max: 2048 });
    if (redirect !== undefined) httpUrl(redirect, 'checkout_options.redirect_url');
    bool(checkoutOptions['allow_tipping'], 'checkout_options.allow_tipping');
    bool(checkoutOptions['ask_for_shipping_address'], 'checkout_options.ask_for_shipping_address');
  }
  const prePopulated = object(body['pre_populated_data'], 'pre_populated_data', false);
  if (prePopulated) {
    text(prePopulated['buyer_email'], 'pre_populated_data.buyer_email', { max: 255 });
    text(prePopulated['buyer_phone_number'], 'pre_populated_data.buyer_phone_number', { max: 32 });
  }
  const paymentNote = text(body['payment_note'], 'payment_note', { max: 500 });
  const description = text(body['description'], 'description', { max: 4096 });
  const common = {
    ...(checkoutOptions ? { checkoutOptions } : {}),
    ...(prePopulated ? { prePopulatedData: prePopulated } : {}),
    ...(paymentNote !== undefined ? { paymentNote } : {}),
    ...(description !== undefined ? { description } : {}),
  };
  const location = (value: unknown, field: string) => {
    const locationId = text(value, field, { required: true })!;
    if (locationId !== seller.locationId)
      throw invalid('INVALID_LOCATION', `Location ${locationId} is not a location of this seller.`, field);
  };
  if (quickPay) {
    const name = text(quickPay['name'], 'quick_pay.name', { required: true, min: 1, max: 255 })!;
    const price = money(quickPay['price_money'], 'quick_pay.price_money');
    location(quickPay['location_id'], 'quick_pay.location_id');
    return { name, lineItems: [{ name, quantity: '1', base: price }], ...common };
  }
  location(order!['location_id'], 'order.location_id');
  const referenceId = text(order!['reference_id'], 'order.reference_id', { max: 40 });
  const items = order!['line_items'];
  if (!Array.isArray(items) || items.length === 0)
    throw invalid('MISSING_REQUIRED_PARAMETER', 'order.line_items must list at least one item.', 'order.line_items');
  const lineItems = items.map((raw, i) => {
    const field = `order.line_items[${i}]`;
    const item = object(raw, field)!;
    const name = text(item['name'], `${field}.name`, { required: true, max: 512 })!;
    const quantity = text(item['quantity'], `${field}.quantity`, { required: true })!;
    if (!/^[1-9][0-9]{0,4}$/.test(quantity))
      throw invalid('INVALID_VALUE', `${field}.quantity must be a positive whole number.`, `${field}.quantity`);
    return { name, quantity, base: money(item['base_price_money'], `${field}.base_price_money`) };
  });
  return { name: lineItems[0]!.name, lineItems, ...(referenceId !== undefined ? { referenceId } : {}), ...common };
}

/** `GET /v2/payments`: created in [begin_time, end_time), newest first unless `sort_order=ASC`, pages by `cursor`. */
function listPayments(store: SquareStore, { seller, query }: Ctx): Reply {
  const one = (key: string): string | undefined => {
    const value = query[key];
    return Array.isArray(value) ? value[0] : value;
  };
  const locationId = one('location_id');
  if (locationId !== undefined && locationId !== seller.locationId)
    throw invalid('INVALID_LOCATION', `Location ${locationId} is not a location of this seller.`, 'location_id');
  const now = store.now();
  const requestedBegin = time(one('begin_time'), 'begin_time');
  const requestedEnd = time(one('end_time'), 'end_time');
  const sortOrder = one('sort_order') ?? 'DESC';
  if (sortOrder !== 'ASC' && sortOrder !== 'DESC')
    throw invalid('INVALID_ENUM_VALUE', 'sort_order must be ASC or DESC.', 'sort_order');
  const limitText = one('limit');
  const limit = limitText === undefined ? LIST_MAX : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX)
    throw invalid('INVALID_VALUE', `limit must be between 1 and ${LIST_MAX}.`, 'limit');
  // The cursor carries the first page's time range (its defaults included) and the offset.
  const signature = `${seller.merchantId}|${sortOrder}`;
  let begin = requestedBegin ?? now - 365 * 24 * 3600 * 1000;
  let end = requestedEnd ?? now + 1;
  let offset = 0;
  const cursor = one('cursor');
  if (cursor !== undefined) {
    const [sig, b, e, o, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('\n');
    const numbers = [b, e, o].every((x) => x !== undefined && /^-?\d+$/.test(x));
    if (sig !== signature || rest.length || !numbers || (requestedBegin !== undefined && requestedBegin !== Number(b)))
      throw invalid('INVALID_CURSOR', 'The cursor is not valid for this request.', 'cursor');
    begin = Number(b);
    end = requestedEnd ?? Number(e);
    offset = Number(o);
  }
  const all = store.listPayments(seller, begin, end, sortOrder);
  const page = all.slice(offset, offset + limit);
  const next =
    offset + limit < all.length
      ? Buffer.from(`${signature}\n${begin}\n${end}\n${offset + limit}`).toString('base64url')
      : undefined;
  // Square answers `{}` when nothing matches.
  return ok({ ...(page.length ? { payments: page.map((p) => store.paymentJson(p)) } : {}), ...(next ? { cursor: next } : {}) });
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(res: http.ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...reply.headers,
  });
  res.end(text);
}

function sendHtml(res: http.ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), ...headers });
  res.end(html);
}

interface HtmlReply {
  status: number;
  html: string;
  headers?: Record<string, string>;
}

const html = (status: number, text: string, headers?: Record<string, string>): HtmlReply => ({
  status,
  html: text,
  ...(headers ? { headers } : {}),
});

function resetSocket(socket: Socket): void {
  const s = socket as Socket & { resetAndDestroy?: () => void };
  if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
  else s.destroy();
}

export function createSquareServer(parts: ServerParts): http.Server {
  const table = routes(parts);
  const { store, faults, log } = parts;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const query = parseQuery(url.searchParams);
    const raw =
      method === 'GET' || method === 'HEAD' ? '' : await readBody(req, () => invalid('BAD_REQUEST', 'Request body too large.'));

    if (path.startsWith('/_sandbox/')) {
      sendJson(res, await control(method, path, raw, parts));
      return;
    }

    let body: unknown;
    let bodyError = false;
    const isForm = (header(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded');
    if (raw.trim() !== '') {
      if (isForm) body = Object.fromEntries(new URLSearchParams(raw));
      else
        try {
          body = JSON.parse(raw);
        } catch {
          bodyError = true;
        }
    }
    const entry: RecordedRequest = {
      method,
      path,
      query,
      headers: { ...req.headers },
      body,
      time: Date.now(),
      status: null,
      answeredAt: null,
    };
    log.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.answeredAt = Date.now();
    });

    const payMatch = /^\/pay\/([^/]+)$/.exec(path);
    if (payMatch) {
      const page = payPage(method, payMatch[1]!, (body ?? {}) as Record<string, string>);
      sendHtml(res, page.status, page.html, page.headers);
      return;
    }

    const decision = faults.decide(method, path);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (res.destroyed) return;
    if (decision.effect?.kind === 'reset') {
      resetSocket(req.socket);
      return;
    }
    if (decision.effect?.kind === 'malformed') {
      const text = '{"payment": {"id": "trunc';
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    try {
      sendJson(res, answer(req, method, path, query, body, bodyError, decision));
    } catch (error) {
      if (!(error instanceof SquareHttpError)) throw error;
      sendJson(res, error.toReply());
    }
  }

  function answer(
    req: http.IncomingMessage,
    method: string,
    path: string,
    query: ParsedQuery,
    body: unknown,
    bodyError: boolean,
    decision: FaultDecision,
  ): Reply {
    const effect = decision.effect;
    if (effect?.kind === 'status') {
      const custom = decision.ruleIds.map((id) => parts.faultBodies.get(id)).find((b) => b !== undefined);
      return {
        status: effect.status,
        body: custom ?? { errors: faultErrors(effect.status) },
        headers: effect.status === 429 ? { 'Retry-After': String(effect.retryAfterSeconds ?? 1) } : {},
      };
    }
    let params: string[] = [];
    const route = table.find((r) => {
      if (r.method !== method) return false;
      const match = r.pattern.exec(path);
      if (match) params = match.slice(1).map(decodeURIComponent);
      return match !== null;
    });
    if (!route) throw notFound(`No route for ${method} ${path}.`);

    const authorization = header(req, 'authorization') ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
    if (!token) throw unauthorized('This request could not be authorized: missing access token.');
    const seller = store.sellerByToken(token);
    if (!seller) throw unauthorized('This request could not be authorized.');

    const version = header(req, 'square-version');
    if (version !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(version))
      throw invalid('INVALID_SQUARE_VERSION_FORMAT', `Square-Version ${version} is not a YYYY-MM-DD date.`);

    if (bodyError) throw invalid('BAD_REQUEST', 'The request body is not valid JSON.');
    if (method !== 'GET' && method !== 'DELETE' && (body === undefined || typeof body !== 'object' || Array.isArray(body)))
      throw invalid('BAD_REQUEST', 'The request body must be a JSON object.');
    return route.handle({ seller, params, query, body: (body ?? {}) as Json });
  }

  function payPage(method: string, linkId: string, form: Record<string, string>): HtmlReply {
    const link = store.links.get(linkId);
    if (!link) return html(404, notFoundHtml());
    const order = store.orders.get(link.order_id)!;
    if (method === 'GET') {
      if (!store.payable(link)) return html(410, unavailableHtml());
      const prefill = link.pre_populated_data?.['buyer_email'];
      return html(
        200,
        payPageHtml({
          name: order.line_items[0]?.name ?? '',
          amount: order.total_money.amount,
          error: null,
          buyerEmail: typeof prefill === 'string' ? prefill : '',
        }),
      );
    }
    if (method !== 'POST') return html(405, notFoundHtml(), { allow: 'GET, POST' });
    const result = store.pay(linkId, cardFromForm(form))!;
    if (result.outcome === 'unavailable') return html(410, unavailableHtml());
    if (result.outcome === 'declined')
      return html(
        200,
        payPageHtml({
          name: order.line_items[0]?.name ?? '',
          amount: order.total_money.amount,
          error: 'Card declined.',
          buyerEmail: form['buyerEmail'],
        }),
      );
    if (result.redirectUrl) return html(303, '', { location: result.redirectUrl });
    return html(200, completeHtml(result.payment.amount_money.amount));
  }

  return http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (error instanceof SquareHttpError) sendJson(res, error.toReply());
      else
        sendJson(res, {
          status: 500,
          body: {
            errors: [
              {
                category: 'API_ERROR',
                code: 'INTERNAL_SERVER_ERROR',
                detail: error instanceof Error ? error.message : String(error),
              },
            ],
          },
        });
    });
  });
}

function cardFromForm(form: Record<string, string>): CardAttempt {
  return {
    card: form['cardNumber'] ?? '',
    cvv: form['cvv'],
    postalCode: form['postalCode'],
    expirationDate: form['expirationDate'] ?? '',
    buyerEmail: form['buyerEmail'],
  };
}

/** A fault as the control takes it: `{method, path (a prefix), status, body?, delayMs?, times? (1), drop?}`. */
export function faultRuleFromControl(json: Json): { rule: FaultRule; body: unknown } {
  const rule: FaultRule = { times: 1 };
  if (typeof json['method'] === 'string') rule.method = json['method'];
  if (typeof json['path'] === 'string') rule.path = json['path'];
  if (typeof json['status'] === 'number') rule.status = json['status'];
  if (typeof json['delayMs'] === 'number') rule.latencyMs = json['delayMs'];
  if (json['times'] !== undefined) rule.times = json['times'] as number;
  if (json['drop'] === true) rule.reset = true;
  return { rule, body: json['body'] };
}

/** The `/_sandbox/…` controls. */
async function control(method: string, path: string, raw: string, parts: ServerParts): Promise<Reply> {
  const { store, hub } = parts;
  try {
    const json = (raw.trim() ? JSON.parse(raw) : {}) as Json;
    const payLink = /^\/_sandbox\/payment-links\/([^/]+)\/pay$/.exec(path);
    const settle = /^\/_sandbox\/refunds\/([^/]+)\/settle$/.exec(path);
    const resend = /^\/_sandbox\/events\/([^/]+)\/resend$/.exec(path);
    if (method === 'POST' && payLink) {
      const result = store.pay(decodeURIComponent(payLink[1]!), {
        card: String(json['card'] ?? ''),
        ...(typeof json['cvv'] === 'string' ? { cvv: json['cvv'] } : {}),
        ...(typeof json['postalCode'] === 'string' ? { postalCode: json['postalCode'] } : {}),
        ...(typeof json['expirationDate'] === 'string' ? { expirationDate: json['expirationDate'] } : {}),
        ...(typeof json['buyerEmail'] === 'string' ? { buyerEmail: json['buyerEmail'] } : {}),
      });
      if (!result) return { status: 404, body: { error: 'no such payment link' } };
      if (result.outcome === 'unavailable') return { status: 410, body: { outcome: 'unavailable' } };
      return {
        status: 200,
        body: {
          outcome: result.outcome,
          ...(result.outcome === 'declined' ? { code: result.code } : {}),
          payment: store.paymentJson(result.payment),
        },
      };
    }
    if (method === 'POST' && path === '/_sandbox/refunds') {
      const auto = json['autoComplete'];
      if (typeof auto !== 'boolean') return { status: 400, body: { error: 'autoComplete must be a boolean' } };
      store.autoCompleteRefunds = auto;
      return ok({ autoComplete: auto });
    }
    if (method === 'POST' && settle) {
      const status = json['status'];
      if (status !== 'COMPLETED' && status !== 'REJECTED' && status !== 'FAILED')
        return { status: 400, body: { error: 'status must be COMPLETED, REJECTED or FAILED' } };
      return ok({ refund: store.refundJson(store.settleRefund(decodeURIComponent(settle[1]!), status)) });
    }
    if (method === 'POST' && path === '/_sandbox/webhooks') {
      if (json['hold'] === true) hub.hold();
      else if (json['hold'] === false) await hub.release();
      return ok({ holding: hub.isHolding });
    }
    if (method === 'POST' && path === '/_sandbox/webhooks/release') {
      const order = json['order'] === 'reverse' || json['order'] === 'shuffle' ? json['order'] : 'fifo';
      const seed = typeof json['seed'] === 'number' && Number.isInteger(json['seed']) ? json['seed'] : undefined;
      return ok({ released: await hub.release({ order, duplicate: json['duplicate'] === true, seed }) });
    }
    if (method === 'POST' && resend) {
      const sent = await hub.resend(decodeURIComponent(resend[1]!));
      return sent ? ok({ sent }) : { status: 404, body: { error: 'no deliveries for that event' } };
    }
    if (method === 'GET' && path === '/_sandbox/webhooks')
      return ok({ holding: hub.isHolding, deliveries: hub.deliveries, events: hub.events });
    if (method === 'POST' && path === '/_sandbox/faults') {
      const { rule, body } = faultRuleFromControl(json);
      const id = parts.faults.add(rule);
      if (body !== undefined) parts.faultBodies.set(id, body);
      return ok({ id });
    }
    if (method === 'DELETE' && path === '/_sandbox/faults') {
      parts.faults.clear();
      parts.faultBodies.clear();
      return ok({});
    }
    if (method === 'GET' && path === '/_sandbox/requests') return ok({ requests: parts.log });
    if (method === 'POST' && path === '/_sandbox/reset') {
      parts.reset();
      return ok({});
    }
  } catch (error) {
    if (error instanceof SquareHttpError) return error.toReply();
    return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
  }
  return { status: 404, body: { error: `no control ${method} ${path}` } };
}
