/**
 * The `/v1/…` endpoints the spec lists, each with the parameters it accepts (any other → 400
 * `parameter_unknown`) and the refusals the spec decides. Handlers get a decoded form (body or
 * query) and answer JSON; the server does auth, idempotency, faults and the log around them.
 */
import { randomBytes } from 'node:crypto';
import { invalid, invalidInteger, missing, noSuch, refused, StripeHttpError, unknownParameter } from './errors';
import { type FormObject, type FormValue, parameterTemplates } from './form';
import {
  type Account,
  type Cause,
  chargeJson,
  type Endpoint,
  endpointJson,
  intentJson,
  type Metadata,
  randomId,
  type Refund,
  refundJson,
  type Session,
  sessionJson,
  type StripeSim,
} from './sim';

export interface ApiContext {
  sim: StripeSim;
  account: Account;
  form: FormObject;
  params: string[];
  /** The sandbox's own base URL (the hosted page lives there). */
  baseUrl: string;
  cause: Cause;
}

export interface ApiRoute {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** Parameter templates accepted (`line_items[N][quantity]`, `metadata[*]`). */
  accepts: string[];
  handle(ctx: ApiContext): { status: number; body: unknown };
}

const ok = (body: unknown) => ({ status: 200, body });

function checkParameters(form: FormObject, accepts: string[]): void {
  for (const template of parameterTemplates(form)) {
    if (!accepts.includes(template)) throw unknownParameter(template.replace(/\[N\]/g, '[0]'));
  }
}

const str = (form: FormObject, key: string): string | undefined => {
  const value = form[key];
  return typeof value === 'string' ? value : undefined;
};

function integer(value: FormValue | undefined, param: string, { min, max }: { min?: number; max?: number } = {}): number {
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) throw invalidInteger(param);
  const n = Number(value);
  if ((min !== undefined && n < min) || (max !== undefined && n > max)) throw invalidInteger(param);
  return n;
}

function metadataOf(value: FormValue | undefined, param: string): Metadata {
  if (value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`Invalid object: ${param}`, param);
  const out: Metadata = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalid(`Invalid metadata value for ${key}`, `${param}[${key}]`);
    if (key.length > 40) throw invalid(`Metadata keys can have up to 40 characters: ${key}`, `${param}[${key}]`);
    if (v.length > 500) throw invalid(`Metadata values can have up to 500 characters (${key})`, `${param}[${key}]`);
    if (v !== '') out[key] = v; // an empty value unsets
  }
  if (Object.keys(out).length > 50) throw invalid('Metadata can have up to 50 keys.', param);
  return out;
}

const MIN_AMOUNT = 50;
const MAX_AMOUNT = 99_999_999;
const MIN_EXPIRY_S = 30 * 60;
const MAX_EXPIRY_S = 24 * 60 * 60;

function createSession(ctx: ApiContext) {
  const { form, sim, account } = ctx;
  const mode = str(form, 'mode');
  if (mode === undefined) throw missing('mode');
  if (mode !== 'payment') throw invalid(`Invalid mode: must be "payment" in this sandbox`, 'mode');
  const successUrl = str(form, 'success_url');
  if (!successUrl) throw missing('success_url');
  const items = form['line_items'];
  if (!Array.isArray(items) || items.length === 0) throw missing('line_items');
  let total = 0;
  let currency: string | undefined;
  let name = '';
  items.forEach((item, i) => {
    const p = `line_items[${i}]`;
    if (typeof item !== 'object' || Array.isArray(item)) throw invalid(`Invalid object: ${p}`, p);
    const price = item['price_data'];
    if (typeof price !== 'object' || Array.isArray(price)) throw missing(`${p}[price_data]`);
    const c = price['currency'];
    if (typeof c !== 'string' || !/^[a-z]{3}$/.test(c)) throw missing(`${p}[price_data][currency]`);
    if (currency && c !== currency) throw invalid('All line items must have the same currency.', `${p}[price_data][currency]`);
    currency = c;
    const unit = integer(price['unit_amount'], `${p}[price_data][unit_amount]`, { min: 0 });
    const product = price['product_data'];
    const productName = typeof product === 'object' && !Array.isArray(product) ? product['name'] : undefined;
    if (typeof productName !== 'string' || !productName) throw missing(`${p}[price_data][product_data][name]`);
    if (i === 0) name = productName;
    const quantity = integer(item['quantity'], `${p}[quantity]`, { min: 1 });
    total += unit * quantity;
  });
  if (total < MIN_AMOUNT)
    throw invalid("The Checkout Session's total amount due must add up to at least $0.50 usd", 'line_items', 'amount_too_small');
  if (total > MAX_AMOUNT) throw invalid('Amount must be no more than $999,999.99', 'line_items', 'amount_too_large');
  const now = sim.clock.nowSeconds();
  let expiresAt = now + MAX_EXPIRY_S;
  if (form['expires_at'] !== undefined) {
    expiresAt = integer(form['expires_at'], 'expires_at');
    if (expiresAt < now + MIN_EXPIRY_S || expiresAt > now + MAX_EXPIRY_S)
      throw invalidInteger(
        'expires_at',
        'The `expires_at` timestamp must be between 30 minutes and 24 hours after the Checkout Session is created.',
      );
  }
  const reference = str(form, 'client_reference_id');
  if (reference !== undefined && reference.length > 200)
    throw invalid('client_reference_id can have up to 200 characters.', 'client_reference_id');
  const intentData = form['payment_intent_data'];
  const intentObject = typeof intentData === 'object' && !Array.isArray(intentData) ? intentData : {};
  const description = intentObject['description'];
  const session: Session = {
    id: randomId('cs_test', 24),
    created: now,
    expires_at: expiresAt,
    status: 'open',
    payment_status: 'unpaid',
    payment_intent: null,
    client_reference_id: reference || null,
    metadata: metadataOf(form['metadata'], 'metadata'),
    intentMetadata: metadataOf(intentObject['metadata'], 'payment_intent_data[metadata]'),
    intentDescription: typeof description === 'string' && description ? description : null,
    amount_total: total,
    currency: currency ?? 'usd',
    success_url: successUrl,
    cancel_url: str(form, 'cancel_url') || null,
    customer_email: str(form, 'customer_email') || null,
    customerDetailsEmail: null,
    lineItemName: name,
  };
  account.sessions.set(session.id, session);
  return ok(sessionJson(session, account, false, ctx.baseUrl));
}

function sessionOf(ctx: ApiContext): Session {
  const id = ctx.params[0] ?? '';
  const session = ctx.account.sessions.get(id);
  if (!session) throw noSuch('checkout.session', id);
  return session;
}

function expandsIntent(form: FormObject): boolean {
  const expand = form['expand'];
  const list = Array.isArray(expand) ? expand : typeof expand === 'string' ? [expand] : [];
  for (const item of list) {
    if (item !== 'payment_intent') throw invalid(`This property cannot be expanded (${String(item)}).`, 'expand');
  }
  return list.length > 0;
}

function createRefund(ctx: ApiContext) {
  const { form, account, sim } = ctx;
  const intentId = str(form, 'payment_intent');
  if (!intentId) throw missing('payment_intent');
  const amount = form['amount'] === undefined ? null : integer(form['amount'], 'amount', { min: 1 });
  const reason = str(form, 'reason');
  if (reason !== undefined && !['duplicate', 'fraudulent', 'requested_by_customer'].includes(reason))
    throw invalid(`Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer`, 'reason');
  const metadata = metadataOf(form['metadata'], 'metadata');
  const intent = account.intents.get(intentId);
  if (!intent) throw noSuch('payment_intent', intentId, 'payment_intent');
  const charge = intent.latest_charge ? account.charges.get(intent.latest_charge) : undefined;
  if (intent.status !== 'succeeded' || !charge)
    throw refused(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, undefined, 'payment_intent');
  const left = charge.amount - charge.amount_refunded;
  if (left <= 0) throw refused(`Charge ${charge.id} has already been refunded.`, 'charge_already_refunded');
  const value = amount ?? left;
  if (value > left)
    throw refused(
      `Refund amount ($${(value / 100).toFixed(2)}) is greater than unrefunded amount on charge ($${(left / 100).toFixed(2)})`,
      'amount_too_large',
      'amount',
    );
  const refund: Refund = {
    id: randomId('re', 12),
    created: sim.clock.nowSeconds(),
    amount: value,
    currency: charge.currency,
    payment_intent: intent.id,
    charge: charge.id,
    status: 'succeeded',
    reason: reason ?? null,
    metadata,
  };
  account.refunds.set(refund.id, refund);
  const before = charge.amount_refunded;
  charge.amount_refunded += value;
  const object = chargeJson(charge);
  const event = sim.emit(account, 'charge.refunded', object, ctx.cause);
  event.data.previous_attributes = { amount_refunded: before, refunded: false };
  return ok(refundJson(refund));
}

const ENDPOINT_FIELDS = ['url', 'enabled_events[N]', 'api_version', 'description', 'metadata[*]'];

function createEndpoint(ctx: ApiContext) {
  const { form, account, sim } = ctx;
  const url = str(form, 'url');
  if (!url) throw missing('url');
  if (!/^https?:\/\//.test(url)) throw invalid('Invalid URL: must be an http(s) URL', 'url', 'url_invalid');
  const events = form['enabled_events'];
  if (!Array.isArray(events) || events.length === 0) throw missing('enabled_events');
  const list = events.map((e, i) => {
    if (typeof e !== 'string' || !e) throw invalid(`Invalid enabled_events[${i}]`, `enabled_events[${i}]`);
    return e;
  });
  const description = str(form, 'description');
  const endpoint: Endpoint = {
    id: randomId('we', 12),
    created: sim.clock.nowSeconds(),
    url,
    secret: `whsec_${randomBytes(16).toString('hex')}`,
    status: 'enabled',
    enabled_events: list,
    api_version: str(form, 'api_version') ?? null,
    description: description ?? null,
    metadata: metadataOf(form['metadata'], 'metadata'),
  };
  account.endpoints.set(endpoint.id, endpoint);
  return ok(endpointJson(endpoint, true));
}

function limitOf(form: FormObject): number {
  return form['limit'] === undefined ? 10 : integer(form['limit'], 'limit', { min: 1, max: 100 });
}

function listEvents(ctx: ApiContext) {
  const { form, account } = ctx;
  const limit = limitOf(form);
  const type = str(form, 'type');
  const created = form['created'];
  let gte: number | null = null;
  if (created !== undefined) {
    if (typeof created !== 'object' || Array.isArray(created)) throw invalid('Invalid created: use created[gte]', 'created');
    gte = integer(created['gte'], 'created[gte]');
  }
  const matchesType = (t: string) =>
    type === undefined ? true : type.endsWith('*') ? t.startsWith(type.slice(0, -1)) : t === type;
  // Newest first, as Stripe lists.
  let events = [...account.events].reverse().filter((e) => matchesType(e.type) && (gte === null || e.created >= gte));
  const after = str(form, 'starting_after');
  if (after !== undefined) {
    const index = events.findIndex((e) => e.id === after);
    if (index < 0) throw invalid(`No such event: '${after}'`, 'starting_after', 'resource_missing');
    events = events.slice(index + 1);
  }
  const data = events.slice(0, limit);
  return ok({ object: 'list', url: '/v1/events', has_more: events.length > limit, data });
}

export function apiRoutes(): ApiRoute[] {
  const id = '([^/]+)';
  return [
    {
      method: 'POST',
      pattern: /^\/v1\/checkout\/sessions$/,
      accepts: [
        'mode',
        'line_items[N][price_data][currency]',
        'line_items[N][price_data][unit_amount]',
        'line_items[N][price_data][product_data][name]',
        'line_items[N][quantity]',
        'success_url',
        'cancel_url',
        'client_reference_id',
        'customer_email',
        'metadata[*]',
        'payment_intent_data[metadata][*]',
        'payment_intent_data[description]',
        'expires_at',
      ],
      handle: createSession,
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/checkout/sessions/${id}$`),
      accepts: ['expand[N]'],
      handle: (ctx) => ok(sessionJson(sessionOf(ctx), ctx.account, expandsIntent(ctx.form), ctx.baseUrl)),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/checkout/sessions/${id}/expire$`),
      accepts: [],
      handle: (ctx) => {
        const session = sessionOf(ctx);
        if (session.status !== 'open')
          throw refused(
            `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
          );
        ctx.sim.expire(ctx.account, session, ctx.cause);
        return ok(sessionJson(session, ctx.account, false, ctx.baseUrl));
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/payment_intents/${id}$`),
      accepts: [],
      handle: (ctx) => {
        const intent = ctx.account.intents.get(ctx.params[0] ?? '');
        if (!intent) throw noSuch('payment_intent', ctx.params[0] ?? '');
        return ok(intentJson(intent));
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/refunds$/,
      accepts: ['payment_intent', 'amount', 'reason', 'metadata[*]'],
      handle: createRefund,
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/refunds/${id}$`),
      accepts: [],
      handle: (ctx) => {
        const refund = ctx.account.refunds.get(ctx.params[0] ?? '');
        if (!refund) throw noSuch('refund', ctx.params[0] ?? '');
        return ok(refundJson(refund));
      },
    },
    { method: 'POST', pattern: /^\/v1\/webhook_endpoints$/, accepts: ENDPOINT_FIELDS, handle: createEndpoint },
    {
      method: 'GET',
      pattern: /^\/v1\/webhook_endpoints$/,
      accepts: ['limit'],
      handle: (ctx) => {
        const limit = limitOf(ctx.form);
        const all = [...ctx.account.endpoints.values()].reverse();
        return ok({
          object: 'list',
          url: '/v1/webhook_endpoints',
          has_more: all.length > limit,
          data: all.slice(0, limit).map((e) => endpointJson(e, false)),
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/events$/,
      accepts: ['type', 'created[gte]', 'limit', 'starting_after'],
      handle: listEvents,
    },
  ];
}

export function runRoute(route: ApiRoute, ctx: ApiContext): { status: number; body: unknown } {
  checkParameters(ctx.form, route.accepts);
  return route.handle(ctx);
}

export { StripeHttpError };
