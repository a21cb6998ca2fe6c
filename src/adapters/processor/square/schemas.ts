/**
 * zod schemas of the Square payloads the adapter reads, one field per field it uses (unknown fields
 * pass). They parse what the `square` SDK hands back: camelCase keys (the SDK maps Square's
 * snake_case wire) and `bigint` amounts. Webhook objects arrive as snake_case JSON and go through the
 * SDK's own serializer first (`webhooks.ts`), so both paths meet these same schemas.
 */
import { z } from 'zod';

/** Square's `Money.amount`: integer cents as `bigint` from the SDK; a plain integer is accepted too. */
const cents = z.union([z.bigint(), z.number().int()]).transform((value, ctx) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: 'custom', message: 'amount is outside the safe-integer range of cents' });
    return z.NEVER;
  }
  return n;
});

export const moneySchema = z.object({ amount: cents, currency: z.string().min(1) });
export type SquareMoney = z.output<typeof moneySchema>;

const optionalString = z.string().nullish();

export const paymentLinkSchema = z.object({
  id: z.string().min(1),
  version: z.number().int().nullish(),
  orderId: z.string().min(1),
  url: z.string().min(1),
  longUrl: optionalString,
  createdAt: z.string().min(1),
  paymentNote: optionalString,
});
export type SquarePaymentLink = z.output<typeof paymentLinkSchema>;

export const tenderSchema = z.object({
  id: optionalString,
  paymentId: optionalString,
  amountMoney: moneySchema.nullish(),
  type: optionalString,
});

export const orderSchema = z.object({
  id: z.string().min(1),
  locationId: z.string().min(1),
  referenceId: optionalString,
  /** `DRAFT` (a quick-pay order at creation), `OPEN` once paid, `COMPLETED`, `CANCELED`. */
  state: z.string().min(1),
  totalMoney: moneySchema,
  netAmountDueMoney: moneySchema.nullish(),
  tenders: z.array(tenderSchema).nullish(),
  updatedAt: optionalString,
  version: z.number().int().nullish(),
});
export type SquareOrder = z.output<typeof orderSchema>;

export const createPaymentLinkResponseSchema = z.object({
  paymentLink: paymentLinkSchema,
  relatedResources: z.object({ orders: z.array(orderSchema).nullish() }).nullish(),
});

export const getPaymentLinkResponseSchema = z.object({ paymentLink: paymentLinkSchema });

/** `cancelledOrderId` is absent when the order could not be canceled (it was paid first). */
export const deletePaymentLinkResponseSchema = z.object({ id: optionalString, cancelledOrderId: optionalString });

export const getOrderResponseSchema = z.object({ order: orderSchema });

const cardErrorSchema = z.object({ category: optionalString, code: optionalString, detail: optionalString });

export const paymentSchema = z.object({
  id: z.string().min(1),
  /** `APPROVED` | `PENDING` | `COMPLETED` | `CANCELED` | `FAILED`. */
  status: z.string().min(1),
  orderId: optionalString,
  locationId: optionalString,
  amountMoney: moneySchema,
  totalMoney: moneySchema.nullish(),
  refundedMoney: moneySchema.nullish(),
  note: optionalString,
  sourceType: optionalString,
  cardDetails: z.object({ status: optionalString, errors: z.array(cardErrorSchema).nullish() }).nullish(),
  createdAt: z.string().min(1),
  updatedAt: optionalString,
});
export type SquarePayment = z.output<typeof paymentSchema>;

export const getPaymentResponseSchema = z.object({ payment: paymentSchema });

export const listPaymentsResponseSchema = z.object({
  payments: z.array(paymentSchema).nullish(),
  cursor: optionalString,
});

export const refundSchema = z.object({
  id: z.string().min(1),
  /** `PENDING` | `COMPLETED` | `REJECTED` | `FAILED`. */
  status: z.string().min(1),
  paymentId: z.string().min(1),
  orderId: optionalString,
  amountMoney: moneySchema,
  reason: optionalString,
  createdAt: z.string().min(1),
  updatedAt: optionalString,
});
export type SquareRefund = z.output<typeof refundSchema>;

export const refundResponseSchema = z.object({ refund: refundSchema });

export const subscriptionResponseSchema = z.object({
  subscription: z.object({
    id: z.string().min(1),
    enabled: z.boolean().nullish(),
    eventTypes: z.array(z.string()).nullish(),
    notificationUrl: z.string().min(1),
    signatureKey: z.string().min(1),
  }),
});

/** A webhook notification's envelope, as JSON on the wire (snake_case; the object inside goes through the SDK). */
export const webhookEnvelopeSchema = z.object({
  merchant_id: optionalString,
  type: z.string().min(1),
  event_id: z.string().min(1),
  created_at: z.string().min(1),
  data: z
    .object({
      type: optionalString,
      id: optionalString,
      object: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
});
