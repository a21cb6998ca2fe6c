/**
 * Pure functions from parsed Stripe payloads (`schemas.ts`) to the port's records: cents as they are
 * (Stripe's minor units), unix seconds → ISO 8601, lower-case currency → upper case, Stripe's
 * statuses → the port's words. Nothing here does I/O.
 */
import type {
  CheckoutRecord,
  PaymentFailure,
  ProcessorCheckoutStatus,
  ProcessorEvent,
  ProcessorPaymentRecord,
  ProcessorPaymentStatus,
  ProcessorRefundStatus,
  RefundRecord,
} from '../port';
import {
  type StripeCharge,
  type StripeCheckoutSession,
  type StripeEvent,
  type StripePaymentIntent,
  type StripeRefund,
  chargeSchema,
  checkoutSessionSchema,
  paymentIntentSchema,
} from './schemas';

/** The events the gateway subscribes to (the webhook endpoint's `enabled_events`, in this order). */
export const STRIPE_EVENTS = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'charge.refunded',
] as const;

export const iso = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();
export const toUnixSeconds = (isoDate: string): number => Math.floor(Date.parse(isoDate) / 1000);

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  value == null ? null : typeof value === 'string' ? value : value.id;

const upper = (currency: string | null): string => (currency ?? '').toUpperCase();

/**
 * A session's status in the port's words. `complete` + `unpaid` is an async payment settling; with
 * the PaymentIntent at hand (expanded), a failed settlement (the intent back to
 * `requires_payment_method`, or `canceled`) is `FAILED` and a settled one `PAID`. `eventType`
 * refines it for a webhook snapshot, whose `payment_intent` is only an id.
 */
export function checkoutStatus(session: StripeCheckoutSession, eventType?: string): ProcessorCheckoutStatus {
  if (session.status === 'expired') return 'EXPIRED';
  if (session.status === 'open' || session.status === null) return 'OPEN';
  if (session.payment_status !== 'unpaid') return 'PAID';
  if (eventType === 'checkout.session.async_payment_failed') return 'FAILED';
  const intent = typeof session.payment_intent === 'object' ? session.payment_intent : null;
  if (intent?.status === 'succeeded') return 'PAID';
  if (intent && (intent.status === 'requires_payment_method' || intent.status === 'canceled')) return 'FAILED';
  return 'PROCESSING';
}

export function checkoutRecord(session: StripeCheckoutSession, eventType?: string): CheckoutRecord {
  const status = checkoutStatus(session, eventType);
  const intent = typeof session.payment_intent === 'object' ? session.payment_intent : null;
  const amount = session.amount_total ?? 0;
  const amountPaid = status === 'PAID' ? (intent?.amount_received ?? amount) : 0;
  return {
    id: session.id,
    matchId: session.id,
    transactionId: session.client_reference_id ?? session.metadata?.['lg_transaction_id'] ?? null,
    url: session.status === 'open' ? (session.url ?? null) : null,
    status,
    amount,
    currency: upper(session.currency),
    paymentId: idOf(session.payment_intent),
    amountPaid,
    expiresAt: iso(session.expires_at),
    createdAt: iso(session.created),
  };
}

export function paymentFailure(error: StripePaymentIntent['last_payment_error']): PaymentFailure | null {
  if (!error) return null;
  return {
    code: error.decline_code ?? error.code ?? null,
    message: error.message ?? 'The payment failed.',
  };
}

export function paymentStatus(intent: StripePaymentIntent): ProcessorPaymentStatus {
  switch (intent.status) {
    case 'succeeded':
      return 'SUCCEEDED';
    case 'canceled':
      return 'CANCELED';
    case 'requires_payment_method':
      // After a decline the intent waits for another card; before any attempt it is just waiting.
      return intent.last_payment_error ? 'FAILED' : 'PENDING';
    default:
      return 'PENDING';
  }
}

export function paymentRecord(intent: StripePaymentIntent, eventType?: string): ProcessorPaymentRecord {
  // `payment_intent.payment_failed` is a failed attempt whatever state the snapshot was rendered in.
  const status = eventType === 'payment_intent.payment_failed' ? 'FAILED' : paymentStatus(intent);
  return {
    id: intent.id,
    checkoutMatchId: null,
    transactionId: intent.metadata?.['lg_transaction_id'] ?? null,
    status,
    amount: intent.amount,
    amountReceived: status === 'SUCCEEDED' ? (intent.amount_received ?? intent.amount) : 0,
    amountRefunded: null,
    currency: upper(intent.currency),
    failure:
      status === 'FAILED' ? (paymentFailure(intent.last_payment_error) ?? { code: null, message: 'The payment failed.' }) : null,
    updatedAt: null,
  };
}

/** A `charge.refunded` Charge as the payment it refunds: `SUCCEEDED`, with the cumulative `amountRefunded`. */
export function chargeAsPayment(charge: StripeCharge): ProcessorPaymentRecord | null {
  const paymentId = idOf(charge.payment_intent);
  if (!paymentId) return null;
  return {
    id: paymentId,
    checkoutMatchId: null,
    transactionId: charge.metadata?.['lg_transaction_id'] ?? null,
    status: 'SUCCEEDED',
    amount: charge.amount,
    amountReceived: charge.amount_captured ?? charge.amount,
    amountRefunded: charge.amount_refunded,
    currency: upper(charge.currency),
    failure: null,
    updatedAt: null,
  };
}

export function refundStatus(status: StripeRefund['status']): ProcessorRefundStatus {
  switch (status) {
    case 'succeeded':
      return 'SUCCEEDED';
    case 'failed':
    case 'canceled':
      return 'FAILED';
    default:
      return 'PENDING';
  }
}

export function refundRecord(refund: StripeRefund): RefundRecord {
  const status = refundStatus(refund.status);
  return {
    id: refund.id,
    paymentId: idOf(refund.payment_intent) ?? '',
    transactionId: refund.metadata?.['lg_refund_id'] ?? null,
    status,
    amount: refund.amount,
    currency: upper(refund.currency),
    failureReason: status === 'FAILED' ? (refund.failure_reason ?? refund.status ?? 'failed') : null,
    createdAt: iso(refund.created),
    updatedAt: null,
  };
}

/**
 * A verified (or polled) event as the port's snapshot. Throws a zod error when the object of a
 * subscribed event type is not what that type carries (the caller turns it into a 400).
 */
export function processorEvent(event: StripeEvent): ProcessorEvent {
  const base = { eventId: event.id, occurredAt: iso(event.created) };
  const object = event.data.object;
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired':
      return { ...base, type: 'CHECKOUT_UPDATED', checkout: checkoutRecord(checkoutSessionSchema.parse(object), event.type) };
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed':
      return { ...base, type: 'PAYMENT_UPDATED', payment: paymentRecord(paymentIntentSchema.parse(object), event.type) };
    case 'charge.refunded': {
      const payment = chargeAsPayment(chargeSchema.parse(object));
      if (!payment) return { ...base, type: 'IGNORED', reason: 'charge.refunded of a charge without a PaymentIntent' };
      return { ...base, type: 'PAYMENT_UPDATED', payment };
    }
    default:
      return { ...base, type: 'IGNORED', reason: `event type ${event.type} is not used by the gateway` };
  }
}
