/**
 * The simulated Stripe accounts: Checkout Sessions, PaymentIntents, Charges, Refunds, webhook
 * endpoints and events, with the transitions the spec decides (a success, a decline, an async
 * payment settling later, expiry on the sandbox clock, refunds). Every change that Stripe announces
 * becomes an event (kept for `GET /v1/events`) handed to `onEvent` for delivery.
 */
import { randomBytes } from 'node:crypto';

export const API_VERSION = '2026-10-28.endive';

export const randomId = (prefix: string, bytes = 12): string => `${prefix}_${randomBytes(bytes).toString('hex')}`;

/** The sandbox clock: real time plus what `/_sandbox/clock` advanced. */
export class SandboxClock {
  private offsetMs = 0;
  constructor(private readonly base: () => number = Date.now) {}
  nowMs(): number {
    return this.base() + this.offsetMs;
  }
  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
  reset(): void {
    this.offsetMs = 0;
  }
}

export type Metadata = Record<string, string>;

export interface PaymentError {
  type: 'card_error';
  code: string;
  decline_code?: string;
  message: string;
}

export interface Session {
  id: string;
  created: number;
  expires_at: number;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'paid' | 'unpaid';
  payment_intent: string | null;
  client_reference_id: string | null;
  metadata: Metadata;
  intentMetadata: Metadata;
  intentDescription: string | null;
  amount_total: number;
  currency: string;
  success_url: string;
  cancel_url: string | null;
  customer_email: string | null;
  customerDetailsEmail: string | null;
  lineItemName: string;
}

export interface Intent {
  id: string;
  created: number;
  status: 'requires_payment_method' | 'processing' | 'succeeded' | 'canceled';
  amount: number;
  amount_received: number;
  currency: string;
  metadata: Metadata;
  description: string | null;
  latest_charge: string | null;
  last_payment_error: PaymentError | null;
  sessionId: string;
}

export interface Charge {
  id: string;
  created: number;
  payment_intent: string;
  amount: number;
  amount_refunded: number;
  currency: string;
  metadata: Metadata;
}

export interface Refund {
  id: string;
  created: number;
  amount: number;
  currency: string;
  payment_intent: string;
  charge: string;
  status: 'succeeded';
  reason: string | null;
  metadata: Metadata;
}

export interface Endpoint {
  id: string;
  created: number;
  url: string;
  secret: string;
  status: 'enabled' | 'disabled';
  enabled_events: string[];
  api_version: string | null;
  description: string | null;
  metadata: Metadata;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
}

/** What caused an event: the API request (its id and idempotency key), or none (the clock, a control). */
export interface Cause {
  requestId: string | null;
  idempotencyKey: string | null;
}
const NO_CAUSE: Cause = { requestId: null, idempotencyKey: null };

export class Account {
  readonly sessions = new Map<string, Session>();
  readonly intents = new Map<string, Intent>();
  readonly charges = new Map<string, Charge>();
  readonly refunds = new Map<string, Refund>();
  readonly endpoints = new Map<string, Endpoint>();
  /** Oldest first (lists answer newest first). */
  readonly events: StripeEvent[] = [];

  constructor(
    readonly id: string,
    readonly secretKey: string,
  ) {}
}

/** The test cards of the hosted page (spaces ignored; any future expiry, any CVC). */
export const TEST_CARDS: Record<string, PaymentError | null> = {
  '4242424242424242': null,
  '4000000000000002': {
    type: 'card_error',
    code: 'card_declined',
    decline_code: 'generic_decline',
    message: 'Your card was declined.',
  },
  '4000000000009995': {
    type: 'card_error',
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  '4000000000000069': { type: 'card_error', code: 'expired_card', message: 'Your card has expired.' },
  '4000000000000127': { type: 'card_error', code: 'incorrect_cvc', message: "Your card's security code is incorrect." },
  '4000000000000119': {
    type: 'card_error',
    code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
};

/** A card form's problem found before any charge is attempted (no PaymentIntent change, no event). */
export interface CardInputError {
  code: 'incorrect_number' | 'invalid_expiry_year' | 'invalid_expiry_month' | 'invalid_cvc';
  message: string;
}

export interface CardInput {
  number: string;
  expiry?: string;
  cvc?: string;
}

/** Validate the card fields; `expiry` and `cvc` may be omitted by the control (`/_sandbox/…/pay`). */
export function checkCard(card: CardInput, nowMs: number): { number: string } | CardInputError {
  const number = card.number.replace(/\s+/g, '');
  if (!(number in TEST_CARDS)) return { code: 'incorrect_number', message: 'Your card number is incorrect.' };
  if (card.expiry !== undefined) {
    const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(card.expiry);
    const month = Number(match?.[1]);
    if (!match || month < 1 || month > 12)
      return { code: 'invalid_expiry_month', message: "Your card's expiration date is invalid." };
    const yearText = match[2] ?? '';
    const year = yearText.length === 2 ? 2000 + Number(yearText) : Number(yearText);
    const now = new Date(nowMs);
    const endOfMonth = Date.UTC(year, month, 1);
    if (endOfMonth <= now.getTime())
      return { code: 'invalid_expiry_year', message: "Your card's expiration year is in the past." };
  }
  if (card.cvc !== undefined && !/^\d{3,4}$/.test(card.cvc.trim()))
    return { code: 'invalid_cvc', message: "Your card's security code is invalid." };
  return { number };
}

export type PayOutcome =
  | { kind: 'succeeded'; intent: Intent }
  | { kind: 'declined'; intent: Intent; error: PaymentError }
  | { kind: 'processing'; intent: Intent }
  | { kind: 'invalid'; error: CardInputError }
  | { kind: 'closed'; session: Session };

export class StripeSim {
  readonly accounts = new Map<string, Account>();
  private onEvent: (account: Account, event: StripeEvent) => void = () => {};

  constructor(
    readonly clock: SandboxClock,
    private readonly seed: ReadonlyArray<{ id: string; secretKey: string }>,
  ) {
    this.reset();
  }

  setEventSink(sink: (account: Account, event: StripeEvent) => void): void {
    this.onEvent = sink;
  }

  reset(): void {
    this.accounts.clear();
    for (const { id, secretKey } of this.seed) this.accounts.set(secretKey, new Account(id, secretKey));
  }

  accountForKey(key: string): Account | undefined {
    return this.accounts.get(key);
  }

  findSession(sessionId: string): { account: Account; session: Session } | undefined {
    for (const account of this.accounts.values()) {
      const session = account.sessions.get(sessionId);
      if (session) return { account, session };
    }
    return undefined;
  }

  findIntent(intentId: string): { account: Account; intent: Intent } | undefined {
    for (const account of this.accounts.values()) {
      const intent = account.intents.get(intentId);
      if (intent) return { account, intent };
    }
    return undefined;
  }

  // --- Events ---------------------------------------------------------------------------------

  emit(account: Account, type: string, object: Record<string, unknown>, cause: Cause = NO_CAUSE): StripeEvent {
    const pending = [...account.endpoints.values()].filter((e) => subscribes(e, type)).length;
    const event: StripeEvent = {
      id: randomId('evt', 12),
      object: 'event',
      api_version: API_VERSION,
      created: this.clock.nowSeconds(),
      livemode: false,
      pending_webhooks: pending,
      request: { id: cause.requestId, idempotency_key: cause.idempotencyKey },
      type,
      // A snapshot: later changes to the object do not change the event.
      data: { object: structuredClone(object) },
    };
    account.events.push(event);
    this.onEvent(account, event);
    return event;
  }

  // --- Expiry ---------------------------------------------------------------------------------

  /** Expire every open session whose `expires_at` has passed on the sandbox clock. */
  sweep(): void {
    const now = this.clock.nowSeconds();
    for (const account of this.accounts.values()) {
      for (const session of account.sessions.values()) {
        if (session.status === 'open' && session.expires_at <= now) this.expire(account, session, NO_CAUSE);
      }
    }
  }

  expire(account: Account, session: Session, cause: Cause): void {
    session.status = 'expired';
    const intent = session.payment_intent ? account.intents.get(session.payment_intent) : undefined;
    if (intent && intent.status === 'requires_payment_method') {
      intent.status = 'canceled';
      this.emit(account, 'payment_intent.canceled', intentJson(intent), cause);
    }
    this.emit(account, 'checkout.session.expired', sessionJson(session, account, false), cause);
  }

  // --- Paying ---------------------------------------------------------------------------------

  private intentFor(account: Account, session: Session): Intent {
    if (session.payment_intent) {
      const existing = account.intents.get(session.payment_intent);
      if (existing) return existing;
    }
    const intent: Intent = {
      id: randomId('pi', 12),
      created: this.clock.nowSeconds(),
      status: 'requires_payment_method',
      amount: session.amount_total,
      amount_received: 0,
      currency: session.currency,
      metadata: { ...session.intentMetadata },
      description: session.intentDescription,
      latest_charge: null,
      last_payment_error: null,
      sessionId: session.id,
    };
    account.intents.set(intent.id, intent);
    session.payment_intent = intent.id;
    return intent;
  }

  private charge(account: Account, intent: Intent): void {
    const charge: Charge = {
      id: randomId('ch', 12),
      created: this.clock.nowSeconds(),
      payment_intent: intent.id,
      amount: intent.amount,
      amount_refunded: 0,
      currency: intent.currency,
      metadata: { ...intent.metadata },
    };
    account.charges.set(charge.id, charge);
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    intent.latest_charge = charge.id;
    intent.last_payment_error = null;
  }

  /** The hosted page's submit (or the control's): a card, or an async method that settles later. */
  pay(account: Account, session: Session, payment: { card: CardInput } | { async: true }, email: string | null): PayOutcome {
    this.sweep();
    if (session.status !== 'open') return { kind: 'closed', session };
    if ('card' in payment) {
      const checked = checkCard(payment.card, this.clock.nowMs());
      if ('code' in checked) return { kind: 'invalid', error: checked };
      if (email) session.customerDetailsEmail = email;
      const intent = this.intentFor(account, session);
      const decline = TEST_CARDS[checked.number];
      if (decline) {
        intent.status = 'requires_payment_method';
        intent.last_payment_error = { ...decline };
        this.emit(account, 'payment_intent.payment_failed', intentJson(intent));
        return { kind: 'declined', intent, error: decline };
      }
      this.charge(account, intent);
      session.status = 'complete';
      session.payment_status = 'paid';
      this.emit(account, 'payment_intent.succeeded', intentJson(intent));
      this.emit(account, 'checkout.session.completed', sessionJson(session, account, false));
      return { kind: 'succeeded', intent };
    }
    if (email) session.customerDetailsEmail = email;
    const intent = this.intentFor(account, session);
    intent.status = 'processing';
    intent.last_payment_error = null;
    session.status = 'complete';
    session.payment_status = 'unpaid';
    this.emit(account, 'checkout.session.completed', sessionJson(session, account, false));
    return { kind: 'processing', intent };
  }

  /** An async payment settles: `checkout.session.async_payment_*` then `payment_intent.*`. */
  settle(account: Account, intent: Intent, succeeded: boolean): void {
    const session = account.sessions.get(intent.sessionId);
    if (succeeded) {
      this.charge(account, intent);
      if (session) {
        session.payment_status = 'paid';
        this.emit(account, 'checkout.session.async_payment_succeeded', sessionJson(session, account, false));
      }
      this.emit(account, 'payment_intent.succeeded', intentJson(intent));
    } else {
      intent.status = 'requires_payment_method';
      intent.last_payment_error = {
        type: 'card_error',
        code: 'payment_failed',
        message: 'The payment failed to settle.',
      };
      if (session) this.emit(account, 'checkout.session.async_payment_failed', sessionJson(session, account, false));
      this.emit(account, 'payment_intent.payment_failed', intentJson(intent));
    }
  }
}

export function subscribes(endpoint: Endpoint, type: string): boolean {
  return endpoint.status === 'enabled' && (endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(type));
}

// --- JSON renderings ----------------------------------------------------------------------------

export function intentJson(intent: Intent): Record<string, unknown> {
  return {
    id: intent.id,
    object: 'payment_intent',
    amount: intent.amount,
    amount_received: intent.amount_received,
    created: intent.created,
    currency: intent.currency,
    description: intent.description,
    last_payment_error: intent.last_payment_error,
    latest_charge: intent.latest_charge,
    livemode: false,
    metadata: intent.metadata,
    status: intent.status,
  };
}

export function sessionJson(session: Session, account: Account, expandIntent: boolean, baseUrl = ''): Record<string, unknown> {
  const intent = session.payment_intent ? account.intents.get(session.payment_intent) : undefined;
  return {
    id: session.id,
    object: 'checkout.session',
    amount_subtotal: session.amount_total,
    amount_total: session.amount_total,
    cancel_url: session.cancel_url,
    client_reference_id: session.client_reference_id,
    created: session.created,
    currency: session.currency,
    customer_details: session.customerDetailsEmail ? { email: session.customerDetailsEmail } : null,
    customer_email: session.customer_email,
    expires_at: session.expires_at,
    livemode: false,
    metadata: session.metadata,
    mode: 'payment',
    payment_intent: expandIntent && intent ? intentJson(intent) : session.payment_intent,
    payment_status: session.payment_status,
    status: session.status,
    success_url: session.success_url,
    url: session.status === 'open' ? `${baseUrl}/c/pay/${session.id}` : null,
  };
}

export function chargeJson(charge: Charge): Record<string, unknown> {
  return {
    id: charge.id,
    object: 'charge',
    amount: charge.amount,
    amount_captured: charge.amount,
    amount_refunded: charge.amount_refunded,
    captured: true,
    created: charge.created,
    currency: charge.currency,
    livemode: false,
    metadata: charge.metadata,
    paid: true,
    payment_intent: charge.payment_intent,
    refunded: charge.amount_refunded >= charge.amount,
    status: 'succeeded',
  };
}

export function refundJson(refund: Refund): Record<string, unknown> {
  return {
    id: refund.id,
    object: 'refund',
    amount: refund.amount,
    charge: refund.charge,
    created: refund.created,
    currency: refund.currency,
    failure_reason: null,
    metadata: refund.metadata,
    payment_intent: refund.payment_intent,
    reason: refund.reason,
    status: refund.status,
  };
}

export function endpointJson(endpoint: Endpoint, withSecret: boolean): Record<string, unknown> {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint',
    api_version: endpoint.api_version,
    created: endpoint.created,
    description: endpoint.description,
    enabled_events: endpoint.enabled_events,
    livemode: false,
    metadata: endpoint.metadata,
    status: endpoint.status,
    url: endpoint.url,
    ...(withSecret ? { secret: endpoint.secret } : {}),
  };
}
