/**
 * zod schemas of the Stripe payloads the adapter reads (API version pinned in `client.ts`). Only the
 * fields the adapter uses are declared; everything else Stripe sends passes through unread. Every
 * answer is parsed here, at the boundary, before `mapping.ts` turns it into the port's records.
 */
import { z } from 'zod';

const id = z.string().min(1);
const unixSeconds = z.number().int();
const cents = z.number().int().nonnegative();
const metadata = z.record(z.string(), z.string()).nullish();

export const paymentErrorSchema = z.object({
  type: z.string().nullish(),
  code: z.string().nullish(),
  decline_code: z.string().nullish(),
  message: z.string().nullish(),
});

export const paymentIntentSchema = z.object({
  id,
  object: z.literal('payment_intent').optional(),
  status: z.enum([
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
    'processing',
    'requires_capture',
    'canceled',
    'succeeded',
  ]),
  amount: cents,
  amount_received: cents.nullish(),
  currency: z.string().min(3),
  metadata,
  latest_charge: z.union([id, z.object({ id })]).nullish(),
  last_payment_error: paymentErrorSchema.nullish(),
});
export type StripePaymentIntent = z.output<typeof paymentIntentSchema>;

export const checkoutSessionSchema = z.object({
  id,
  object: z.literal('checkout.session').optional(),
  url: z.string().nullish(),
  status: z.enum(['open', 'complete', 'expired']).nullable(),
  payment_status: z.enum(['paid', 'unpaid', 'no_payment_required']),
  /** An id, or the object with `expand[]=payment_intent`; `null` until the customer submits. */
  payment_intent: z.union([id, paymentIntentSchema]).nullish(),
  client_reference_id: z.string().nullish(),
  metadata,
  amount_total: cents.nullable(),
  currency: z.string().min(3).nullable(),
  expires_at: unixSeconds,
  created: unixSeconds,
  customer_details: z.object({ email: z.string().nullish() }).nullish(),
});
export type StripeCheckoutSession = z.output<typeof checkoutSessionSchema>;

export const refundSchema = z.object({
  id,
  object: z.literal('refund').optional(),
  amount: cents,
  currency: z.string().min(3),
  payment_intent: z.union([id, z.object({ id })]).nullish(),
  charge: z.union([id, z.object({ id })]).nullish(),
  status: z.enum(['pending', 'requires_action', 'succeeded', 'failed', 'canceled']).nullable(),
  reason: z.string().nullish(),
  failure_reason: z.string().nullish(),
  metadata,
  created: unixSeconds,
});
export type StripeRefund = z.output<typeof refundSchema>;

/** The Charge of a `charge.refunded` event (its `refunds` list is not expanded). */
export const chargeSchema = z.object({
  id,
  object: z.literal('charge').optional(),
  payment_intent: z.union([id, z.object({ id })]).nullish(),
  amount: cents,
  amount_captured: cents.nullish(),
  amount_refunded: cents,
  refunded: z.boolean().optional(),
  currency: z.string().min(3),
  metadata,
});
export type StripeCharge = z.output<typeof chargeSchema>;

export const webhookEndpointSchema = z.object({
  id,
  url: z.string(),
  status: z.string(),
  /** Returned only by the create call. */
  secret: z.string().nullish(),
  enabled_events: z.array(z.string()).optional(),
});

export const webhookEndpointListSchema = z.object({
  data: z.array(webhookEndpointSchema),
  has_more: z.boolean(),
});

export const eventSchema = z.object({
  id,
  object: z.literal('event').optional(),
  type: z.string().min(1),
  created: unixSeconds,
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEvent = z.output<typeof eventSchema>;

export const eventListSchema = z.object({
  data: z.array(eventSchema),
  has_more: z.boolean(),
});

/** The error envelope's `error` (only `type` and `message` are always present). */
export const errorBodySchema = z.object({
  type: z.string().optional(),
  code: z.string().nullish(),
  decline_code: z.string().nullish(),
  message: z.string().nullish(),
  param: z.string().nullish(),
});
