/**
 * The port every payment-processor adapter implements (Stripe, Square): the kind of system that
 * collects a patient's money on a hosted page, refunds it, and tells the gateway what happened
 * through signed webhooks (see `src/adapters/README.md`).
 *
 * The collection flow (`src/flows/`) drives one state machine per COLLECTION transaction: open a
 * checkout, learn it was paid (webhook, or polling while it is open), post the payment to the
 * ledger with the processor's payment id as the posting's idempotency key, and later refund. This
 * port gives it vendor-neutral records only: money in integer cents, timestamps as ISO 8601
 * strings, statuses in the port's words. Every record keeps the processor's own ids (opaque
 * strings, compared whole, never parsed) because they are what the store matches events with.
 *
 * Writes and idempotency. Every method that creates or changes something upstream takes an
 * `idempotencyKey`, built and saved by the transaction store *before* the call, one per intended
 * effect: `<transactionId>:<op>:<attempt>` (e.g. `LG:1042:checkout:1`, `LG:1043:refund:1`,
 * `LG:1042:cancel:1`). A call repeated with the same key (a crash, a lost answer) replays the first
 * answer upstream instead of acting twice; a deliberate new attempt gets a new key. Keys are at most
 * {@link MAX_IDEMPOTENCY_KEY_LENGTH} characters, the strictest processor's limit (Square refunds).
 * Adapters send the key verbatim (Stripe: `Idempotency-Key` header; Square: `idempotency_key`) and
 * never make up one of their own. An adapter never retries a write itself.
 *
 * Matching. A payment or refund event must find its transaction. Each record carries every
 * reference its processor gives: `transactionId` where the processor echoes the gateway's id back
 * (Stripe: `client_reference_id`, metadata), `checkoutMatchId` where it names the checkout's
 * payment container (Square: the order behind a payment link), and `paymentId` once paid. The store
 * indexes a checkout by all three.
 *
 * Errors. Upstream trouble throws `UpstreamError` (from the ledger port): `UPSTREAM_REJECTED` for a
 * 4xx (with `status`), `UPSTREAM_UNAVAILABLE` for 5xx, timeouts, network errors and 429 (with
 * `status` 429). A card decline is never an error here: it is a `FAILED` payment the patient may
 * retry on the same page.
 *
 * Usage (from the collection flow, never from a resolver):
 *
 *     const checkout = await processor.createCheckout({
 *       transactionId: 'LG:1042', practiceId: 'smile-dental', patientSourceId: '42',
 *       title: 'Balance at Smile Dental', amount: 12_500, currency: 'USD',
 *       expiresAt: '2026-07-31T09:59:00.000Z', returnUrl: 'https://gw.example/pay/Zt…',
 *       cancelUrl: 'https://gw.example/pay/Zt…?canceled=1', payerEmail: null, payerPhone: null,
 *       idempotencyKey: 'LG:1042:checkout:1',
 *     });
 *     // store checkout.id, checkout.matchId, checkout.url; then, on a webhook:
 *     const event = processor.verifyWebhook({ url, headers, rawBody, secret, now: new Date() });
 *     if (event.type === 'PAYMENT_UPDATED' && event.payment.status === 'SUCCEEDED') {
 *       // post event.payment.amountReceived to the ledger, keyed by event.payment.id
 *     }
 *
 * Upstream-touching methods are listed in {@link PROCESSOR_METHODS} for decorators (circuit
 * breaker, tracing, upstream budget); `verifyWebhook` (no I/O) and `close` are not.
 */
import type { Cents, Page, WebhookRegistration } from '../ledger/port';
import type { UpstreamMethods, WebhookDelivery } from '../system';

export type { Cents, IsoDate, Page } from '../ledger/port';

/** The processors the gateway speaks to; the GraphQL enum `Processor` mirrors it. */
export type ProcessorName = 'STRIPE' | 'SQUARE';

/**
 * The longest idempotency key the gateway may pass: Square limits refund keys to 45 characters
 * (Stripe allows 255, Square payment links 192).
 */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 45;

/**
 * How the webhook route answers a delivery this port's `verifyWebhook` refused. Adapters throw
 * `WebhookRejected` with 401 for a bad or missing signature (or a stale timestamp) and 400 for a
 * malformed body, as every port does; for processors the route answers a signature failure with
 * 400, as Stripe's documentation asks (Square prescribes no status; any non-2xx makes it retry).
 */
export const PROCESSOR_WEBHOOK_REJECTION = { signature: 400, body: 400 } as const;

// ---------------------------------------------------------------------------------------------
// Capabilities
// ---------------------------------------------------------------------------------------------

/**
 * What a processor can do, as data: the collection flow decides with these, never with
 * `if (processor === …)`. An adapter's capabilities may depend on its connection (Square registers
 * its own webhook subscription only when the config allows it).
 */
export interface ProcessorCapabilities {
  /** The processor hosts the payment page (`createCheckout` answers a `url`). Stripe, Square: true. */
  hostedCheckout: boolean;
  /**
   * A checkout may be paid with a method that settles later: the checkout goes `PROCESSING` and a
   * later event says `PAID` or `FAILED` (Stripe's async payment methods). Square: false.
   */
  asyncSettlement: boolean;
  /**
   * The checkout expires upstream at `expiresAt` (Stripe: 30 min to 24 h after creation). When
   * false (Square payment links never expire), the flow cancels the checkout itself at `expiresAt`.
   */
  checkoutExpiry: boolean;
  /**
   * The gateway registers its webhook endpoint upstream itself (`registerWebhook`) and receives the
   * signing secret there. Stripe: true. Square: true unless the connection carries a
   * `signatureKey` (a subscription made by hand), in which case the adapter verifies with that key.
   */
  webhookRegistration: boolean;
  /** Money can be given back through the processor (`refund`). Stripe, Square: true. */
  refunds: boolean;
  /** A refund may be less than what is left of the payment, several times. Stripe, Square: true. */
  partialRefunds: boolean;
  /**
   * The smallest checkout amount the processor accepts, in cents (Stripe: 50; Square: 1). The
   * gateway refuses a smaller amount with `AMOUNT_OUT_OF_RANGE` before any upstream call.
   */
  minAmount: Cents;
}

// ---------------------------------------------------------------------------------------------
// Checkouts
// ---------------------------------------------------------------------------------------------

/** What the gateway asks the processor to collect. Frozen at creation: never edited afterwards. */
export interface CheckoutRequest {
  /**
   * The COLLECTION transaction's id (`LG:1042`). Sent where the processor can carry it back
   * (Stripe: `client_reference_id` and metadata of the session and of its payment; Square: the
   * payment note, for people only: Square payments are matched by `checkoutMatchId`).
   */
  transactionId: string;
  /** The config's practice id; sent as metadata where the processor takes it, for support staff. */
  practiceId: string;
  /** The patient's id in the ledger system; sent as metadata where the processor takes it. */
  patientSourceId: string;
  /**
   * What the hosted page shows as the item, e.g. `Balance at Smile Dental` (1–255 characters). Never
   * a procedure, a diagnosis or anything beyond the practice's name (no PHI upstream).
   */
  title: string;
  /** What to collect, in cents: positive, at least `capabilities.minAmount`. */
  amount: Cents;
  /** ISO 4217 code, upper case (`USD`); adapters write their processor's case (Stripe: `usd`). */
  currency: string;
  /**
   * When the page must stop taking payments (ISO 8601). Sent where `capabilities.checkoutExpiry`
   * (Stripe accepts 30 min to 24 h from now); otherwise the flow cancels at that time.
   */
  expiresAt: string;
  /** Where the processor sends the patient after paying: the gateway's `/pay/<token>` page (or the client's `returnUrl`). */
  returnUrl: string;
  /** Where the page's "back"/cancel link leads, where the processor has one (Stripe); `null` for none. */
  cancelUrl: string | null;
  /** Prefills the page's email field where the processor takes it; `null` to leave it empty. */
  payerEmail: string | null;
  /** Prefills the page's phone field where the processor takes it (Square), E.164; `null` to leave it empty. */
  payerPhone: string | null;
  /** `<transactionId>:checkout:<attempt>`; see the header. */
  idempotencyKey: string;
}

/**
 * Where a checkout stands upstream, in the port's words:
 * - `OPEN`: the page takes payments (declined attempts leave it open).
 * - `PROCESSING`: the patient paid with a method that settles later (`capabilities.asyncSettlement`).
 * - `PAID`: the money is collected (Stripe: session `complete` + `paid`; Square: a `COMPLETED` payment on its order).
 * - `FAILED`: a `PROCESSING` payment failed to settle; the page takes no more payments.
 * - `EXPIRED`: it timed out upstream. Stripe reports a session the gateway expired on purpose as
 *   expired too: only `cancelCheckout`'s own answer says `CANCELED`, so the flow remembers it.
 * - `CANCELED`: the gateway canceled it (Square: the link was deleted).
 * The gateway's `CheckoutStatus` (OPEN, PAID, EXPIRED, CANCELED) is derived from this by the flow.
 */
export type ProcessorCheckoutStatus = 'OPEN' | 'PROCESSING' | 'PAID' | 'FAILED' | 'EXPIRED' | 'CANCELED';

/** A checkout as the processor holds it. */
export interface CheckoutRecord {
  /** The processor's id for the checkout itself, what `getCheckout`/`cancelCheckout` take (Stripe session `cs_…`; Square payment link id). */
  id: string;
  /**
   * The id the processor's payments refer to this checkout by (Stripe: the session id, equal to
   * `id`; Square: the order behind the link, a payment's order). The store indexes it.
   */
  matchId: string;
  /** The gateway transaction id as the processor echoes it back; `null` where it cannot (Square). */
  transactionId: string | null;
  /** The hosted page; `null` when the processor no longer serves it (Stripe, once not open). */
  url: string | null;
  status: ProcessorCheckoutStatus;
  /** What the checkout asks for, in cents (positive). */
  amount: Cents;
  /** ISO 4217, upper case. */
  currency: string;
  /** The payment that paid (or is settling) it: Stripe `pi_…`, Square payment id; `null` before the patient submits. */
  paymentId: string | null;
  /** Collected so far, in cents (positive; 0 until `PAID`). */
  amountPaid: Cents;
  /** When it stops taking payments upstream (ISO 8601); `null` where checkouts do not expire (Square). */
  expiresAt: string | null;
  /** When the processor created it (ISO 8601). */
  createdAt: string;
}

// ---------------------------------------------------------------------------------------------
// Payments and refunds
// ---------------------------------------------------------------------------------------------

/**
 * A payment's state: `PENDING` (submitted, authorized or settling, not money yet: Stripe
 * `processing`/`requires_action`/…; Square `APPROVED`/`PENDING`), `SUCCEEDED` (the money is
 * collected: Stripe `succeeded`; Square `COMPLETED`, the only "paid"), `FAILED` (this attempt was
 * declined or failed; the checkout usually stays payable), `CANCELED` (voided, or its checkout expired).
 */
export type ProcessorPaymentStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';

/** Why a payment attempt failed, in the processor's own words (for staff and logs, never logic). */
export interface PaymentFailure {
  /** The processor's decline or error code (`card_declined`, `insufficient_funds`, `GENERIC_DECLINE`); `null` when it gives none. */
  code: string | null;
  /** A human-readable message; safe to show staff (never card data). */
  message: string;
}

/** One payment as the processor holds it. */
export interface ProcessorPaymentRecord {
  /** Stripe PaymentIntent `pi_…`, Square payment id. The ledger posting's idempotency key. */
  id: string;
  /** The checkout's `matchId` where the payment names it (Square: its order); `null` otherwise (Stripe). */
  checkoutMatchId: string | null;
  /** The gateway transaction id where the processor echoes it back (Stripe metadata); `null` otherwise. */
  transactionId: string | null;
  status: ProcessorPaymentStatus;
  /** What the payment is for, in cents (positive). */
  amount: Cents;
  /** What was actually collected, in cents (positive; 0 unless `SUCCEEDED`). */
  amountReceived: Cents;
  /**
   * Refunded so far, cumulative, in cents (positive). `null` when this read does not say (a Stripe
   * PaymentIntent does not carry it; its `charge.refunded` event does). The flow posts a refund for
   * any increase over the refunds it already knows.
   */
  amountRefunded: Cents | null;
  /** ISO 4217, upper case. */
  currency: string;
  /** Set when `status` is `FAILED` (the last attempt's decline); otherwise `null`. */
  failure: PaymentFailure | null;
  /** When the processor last changed it (ISO 8601), to ignore stale states; `null` where it does not say (Stripe). */
  updatedAt: string | null;
}

/** What the gateway asks the processor to give back. */
export interface RefundRequest {
  /** The REFUND transaction's id (`LG:1043`); sent as metadata where the processor takes it (Stripe `lg_refund_id`). */
  transactionId: string;
  /** The payment to refund (`ProcessorPaymentRecord.id`). */
  paymentId: string;
  /**
   * How much, in cents: positive, at most what is left of the payment. Always stated: the port has
   * no "refund the rest", so a retry can never refund more than was asked.
   */
  amount: Cents;
  /** ISO 4217, upper case; the payment's currency. */
  currency: string;
  /**
   * Staff's reason, sent where the processor takes free text (Square `reason`); Stripe takes only its
   * fixed `requested_by_customer`. `null` for none. Never PHI.
   */
  reason: string | null;
  /** `<refund transactionId>:refund:<attempt>` (≤45 characters: Square's refund limit). */
  idempotencyKey: string;
}

/** A refund's state: `PENDING` (Square until settled, Stripe `pending`/`requires_action`), `SUCCEEDED` (final; Square `COMPLETED`), `FAILED` (failed, rejected or canceled). */
export type ProcessorRefundStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** One refund as the processor holds it. */
export interface RefundRecord {
  /** Stripe `re_…`, Square refund id. Carried to the books (`PrivateNote`) and the reconciliation. */
  id: string;
  /** The refunded payment's id. */
  paymentId: string;
  /** The REFUND transaction's id where the processor echoes it (Stripe metadata); `null` otherwise, e.g. a refund made in the processor's dashboard. */
  transactionId: string | null;
  status: ProcessorRefundStatus;
  /** Given back, in cents: positive (the ledger posting signs it: a refund raises the balance). */
  amount: Cents;
  /** ISO 4217, upper case. */
  currency: string;
  /** Why it failed, when `FAILED`; otherwise `null`. */
  failureReason: string | null;
  /** When the processor created it (ISO 8601): the refund's date in the books. */
  createdAt: string;
  /** When it last changed (ISO 8601); `null` where the processor does not say. */
  updatedAt: string | null;
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

/** What every processor event carries. */
interface ProcessorEventBase {
  /**
   * The processor's id of this event (Stripe `evt_…`, Square `event_id`): deliveries are
   * at-least-once, so the store dedupes on it. A redelivery carries the same id.
   */
  eventId: string;
  /** When the processor produced it (ISO 8601). Deliveries are unordered: the flow never lets an older state overwrite a newer one. */
  occurredAt: string;
}

/**
 * A verified delivery (or a polled change), reduced to the snapshot it carries:
 * - `CHECKOUT_UPDATED`: a checkout changed (Stripe `checkout.session.*`).
 * - `PAYMENT_UPDATED`: a payment changed (Stripe `payment_intent.*`; Stripe `charge.refunded`
 *   as a `SUCCEEDED` payment whose `amountRefunded` grew; Square `payment.created|updated`).
 * - `REFUND_UPDATED`: a refund changed (Square `refund.created|updated`).
 * - `IGNORED`: verified but of no use to the gateway (another event type); the route answers 2xx.
 */
export type ProcessorEvent = ProcessorEventBase &
  (
    | { type: 'CHECKOUT_UPDATED'; checkout: CheckoutRecord }
    | { type: 'PAYMENT_UPDATED'; payment: ProcessorPaymentRecord }
    | { type: 'REFUND_UPDATED'; refund: RefundRecord }
    | { type: 'IGNORED'; reason: string }
  );

/** A webhook endpoint the gateway registered upstream: the signing secret, and the URL it signs with. */
export interface ProcessorWebhookRegistration extends WebhookRegistration {
  /**
   * The exact URL registered (`{publicUrl}/webhooks/<system>/<practiceId>`). Square signs this
   * string with each body, so the route verifies against it, never against the request's `Host`.
   */
  url: string;
}

/** A webhook endpoint that exists upstream (secrets are never listed). */
export interface ProcessorWebhookEndpoint {
  endpointId: string;
  url: string;
  enabled: boolean;
}

// ---------------------------------------------------------------------------------------------
// The port
// ---------------------------------------------------------------------------------------------

export interface ProcessorAdapter {
  /** Which processor; the value of the GraphQL enum `Processor` its checkouts answer with. */
  readonly system: ProcessorName;
  readonly capabilities: ProcessorCapabilities;

  /** Authenticate / try the connection once. Rejects with an `UpstreamError` when it cannot. */
  connect(): Promise<void>;

  /** Open a hosted checkout page for one amount. */
  createCheckout(request: CheckoutRequest): Promise<CheckoutRecord>;
  /**
   * A checkout as it stands now, with its payment when one exists. The polling fallback for a
   * missed webhook while a checkout is open. Throws `UpstreamError` `NOT_FOUND` for an unknown id.
   */
  getCheckout(checkoutId: string): Promise<CheckoutRecord>;
  /**
   * Stop a checkout from taking payments (Stripe: expire the session; Square: delete the link).
   * Answers the checkout as it stands after the attempt: `CANCELED` when the cancel took effect,
   * otherwise its real state (`PAID`, `EXPIRED`, …) — a patient may pay while staff cancel, and the
   * flow must learn it rather than read an error.
   */
  cancelCheckout(args: { checkoutId: string; idempotencyKey: string }): Promise<CheckoutRecord>;

  /** One payment as it stands now (to refetch a state after an out-of-order event, and for reconciliation). */
  getPayment(paymentId: string): Promise<ProcessorPaymentRecord>;

  /** Give money back, where `capabilities.refunds` (a part of it, where `capabilities.partialRefunds`). */
  refund(request: RefundRequest): Promise<RefundRecord>;
  /** One refund as it stands now (a `PENDING` refund is polled until final). */
  getRefund(refundId: string): Promise<RefundRecord>;

  /**
   * What changed upstream since `since` (ISO 8601), oldest first, for catching up after missed
   * webhooks: the same events a webhook would carry, with the same `eventId`s where the processor
   * lists events (Stripe, 30 days back); Square lists payments instead, as `PAYMENT_UPDATED` events
   * whose `eventId` is made of the payment id and its `updatedAt`. `after` is the previous page's
   * `endCursor`.
   */
  listChanges(args: { since: string; after: string | null }): Promise<Page<ProcessorEvent>>;

  /**
   * Register `targetUrl` for this port's events (where `capabilities.webhookRegistration`); returns
   * the signing secret, which the store keeps (it is shown only once) and hands to `verifyWebhook`.
   */
  registerWebhook?(args: { targetUrl: string; idempotencyKey: string }): Promise<ProcessorWebhookRegistration>;
  /** The endpoints registered upstream, to avoid registering the same URL twice. */
  listWebhooks?(): Promise<ProcessorWebhookEndpoint[]>;

  /**
   * Verify one delivery's signature over its raw bytes (Stripe: `Stripe-Signature`, 300 s tolerance
   * on its timestamp; Square: HMAC over the registered URL + body) and parse it. `delivery.secret`
   * is the registration's secret, `null` where the adapter verifies with a key of its connection.
   * Throws `WebhookRejected` (401: signature or timestamp; 400: malformed body). No I/O.
   */
  verifyWebhook(delivery: WebhookDelivery): ProcessorEvent;

  close(): Promise<void>;
}

/** The methods that touch the upstream, by shape (see `UpstreamMethods`); none is a batch. */
export const PROCESSOR_METHODS = {
  batch: [],
  whole: [
    'connect',
    'createCheckout',
    'getCheckout',
    'cancelCheckout',
    'getPayment',
    'refund',
    'getRefund',
    'listChanges',
    'registerWebhook',
    'listWebhooks',
  ],
} as const satisfies UpstreamMethods<ProcessorAdapter>;
