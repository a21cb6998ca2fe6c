/**
 * Pure mapping from Square's parsed payloads to the processor port's records: cents from `Money`,
 * upper-case currencies, ISO timestamps as Square writes them (RFC 3339 UTC), the port's statuses.
 *
 * - Payment: `COMPLETED` is the only "paid" (`SUCCEEDED`); `APPROVED`/`PENDING` are `PENDING`.
 * - Checkout (a payment link and its order): `CANCELED` order → `CANCELED`; an order tender whose
 *   payment is `COMPLETED` → `PAID`; otherwise `OPEN` (a declined attempt leaves the link payable).
 *   Square links never expire (`expiresAt: null`); the flow cancels them at its own time.
 * - Refund: only `COMPLETED` is final (`SUCCEEDED`); `REJECTED`/`FAILED` → `FAILED`.
 */
import type {
  CheckoutRecord,
  ProcessorCheckoutStatus,
  ProcessorPaymentRecord,
  ProcessorPaymentStatus,
  ProcessorRefundStatus,
  RefundRecord,
} from '../port';
import type { SquareOrder, SquarePayment, SquareRefund } from './schemas';

export function paymentStatus(status: string): ProcessorPaymentStatus {
  switch (status) {
    case 'COMPLETED':
      return 'SUCCEEDED';
    case 'FAILED':
      return 'FAILED';
    case 'CANCELED':
      return 'CANCELED';
    default:
      // APPROVED (authorized, not captured), PENDING, or a status Square adds later: not money yet.
      return 'PENDING';
  }
}

export function refundStatus(status: string): ProcessorRefundStatus {
  if (status === 'COMPLETED') return 'SUCCEEDED';
  if (status === 'REJECTED' || status === 'FAILED') return 'FAILED';
  return 'PENDING';
}

export function toPaymentRecord(payment: SquarePayment): ProcessorPaymentRecord {
  const status = paymentStatus(payment.status);
  const error = payment.cardDetails?.errors?.[0];
  return {
    id: payment.id,
    checkoutMatchId: payment.orderId ?? null,
    transactionId: null,
    status,
    amount: payment.amountMoney.amount,
    amountReceived: status === 'SUCCEEDED' ? (payment.totalMoney ?? payment.amountMoney).amount : 0,
    amountRefunded: payment.refundedMoney?.amount ?? 0,
    currency: payment.amountMoney.currency.toUpperCase(),
    failure:
      status === 'FAILED'
        ? {
            code: error?.code ?? null,
            message:
              error?.detail ??
              (error?.code ? `Square declined the payment (${error.code})` : 'Square reports the payment failed'),
          }
        : null,
    updatedAt: payment.updatedAt ?? payment.createdAt,
  };
}

export function toRefundRecord(refund: SquareRefund): RefundRecord {
  const status = refundStatus(refund.status);
  return {
    id: refund.id,
    paymentId: refund.paymentId,
    transactionId: null,
    status,
    amount: refund.amountMoney.amount,
    currency: refund.amountMoney.currency.toUpperCase(),
    failureReason: status === 'FAILED' ? `Square refund ${refund.status}` : null,
    createdAt: refund.createdAt,
    updatedAt: refund.updatedAt ?? null,
  };
}

/** What a checkout's link and order say, with the payment of its tender when there is one. */
export interface CheckoutParts {
  linkId: string;
  url: string | null;
  createdAt: string;
  order: SquareOrder;
  /** The tender's payment, read separately (`null`: no tender yet). */
  payment: SquarePayment | null;
  /** True when the link is known to be gone (deleted). */
  linkDeleted?: boolean;
}

export function toCheckoutRecord(parts: CheckoutParts): CheckoutRecord {
  const { order, payment } = parts;
  const paid = payment !== null && payment.status === 'COMPLETED';
  let status: ProcessorCheckoutStatus;
  if (paid) status = 'PAID';
  else if (order.state === 'CANCELED' || parts.linkDeleted) status = 'CANCELED';
  else status = 'OPEN';
  return {
    id: parts.linkId,
    matchId: order.id,
    transactionId: null,
    url: status === 'OPEN' ? parts.url : null,
    status,
    amount: order.totalMoney.amount,
    currency: order.totalMoney.currency.toUpperCase(),
    paymentId: paid ? payment.id : null,
    amountPaid: paid ? (payment.totalMoney ?? payment.amountMoney).amount : 0,
    expiresAt: null,
    createdAt: parts.createdAt,
  };
}

/** The payment an order's tenders name (the last one: a link takes one payment). */
export function tenderPaymentId(order: SquareOrder): string | null {
  const tenders = order.tenders ?? [];
  for (let i = tenders.length - 1; i >= 0; i--) {
    const id = tenders[i]?.paymentId;
    if (id) return id;
  }
  return null;
}
