/**
 * `CreateCheckoutInput` beyond its GraphQL type, validated with zod: exactly one of `amount`,
 * `chargeIds`, `payBalance`; a positive decimal amount; ids of printable ASCII; a lifetime of 30 to
 * 1440 minutes; an http(s) return URL. A failure is BAD_USER_INPUT naming the field (AMOUNT_OUT_OF_RANGE
 * for an amount too large to hold), through `parseInput`.
 */
import { z } from 'zod';
import { amountText, idempotencyKey } from './inputs';

const id = z
  .string()
  .min(1, 'expected a non-empty id')
  .max(64, 'expected an id of at most 64 characters')
  .regex(/^[\x21-\x7e]+$/, 'expected an id of printable ASCII without spaces');

/** Stripe takes 30 min to 24 h; Square links do not expire (the flow closes them at `expiresAt`). */
export const EXPIRES_IN_MINUTES = { min: 30, max: 1_440 } as const;

export const checkoutInput = z
  .object({
    practiceId: z.string(),
    patientId: id,
    amount: amountText.refine((cents) => cents > 0, 'expected a positive amount').nullish(),
    chargeIds: z.array(id).min(1, 'expected at least one charge id').max(100, 'expected at most 100 charge ids').nullish(),
    payBalance: z.boolean().nullish(),
    processor: z.enum(['STRIPE', 'SQUARE']).nullish(),
    paymentTypeId: id.nullish(),
    expiresInMinutes: z
      .number()
      .int()
      .min(EXPIRES_IN_MINUTES.min, `expected at least ${EXPIRES_IN_MINUTES.min} minutes`)
      .max(EXPIRES_IN_MINUTES.max, `expected at most ${EXPIRES_IN_MINUTES.max} minutes (24 h)`)
      .nullish(),
    returnUrl: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
      .max(2_000, 'expected a URL of at most 2000 characters')
      .nullish(),
    idempotencyKey,
  })
  .refine((input) => [input.amount != null, input.chargeIds != null, input.payBalance === true].filter(Boolean).length === 1, {
    message: 'expected exactly one of amount, chargeIds or payBalance: true',
    path: ['amount'],
  });

export type CheckoutInput = z.output<typeof checkoutInput>;

/** A canonical text of the request (charge ids sorted, the key left out): same key + other text = conflict. */
export function checkoutFingerprint(input: CheckoutInput): string {
  return JSON.stringify([
    'checkout',
    input.patientId,
    input.amount ?? null,
    input.chargeIds ? [...input.chargeIds].sort() : null,
    input.payBalance === true,
    input.processor ?? null,
    input.paymentTypeId ?? null,
    input.expiresInMinutes ?? null,
    input.returnUrl ?? null,
  ]);
}

export const refundInput = z.object({
  practiceId: z.string(),
  transactionId: z.string().min(1).max(50, 'expected a transaction id of at most 50 characters'),
  amount: amountText.refine((cents) => cents > 0, 'expected a positive amount'),
  reason: z.string().max(500, 'expected a reason of at most 500 characters').nullish(),
  idempotencyKey,
});

/** The refund's canonical text, the key left out. */
export function refundFingerprint(input: z.output<typeof refundInput>): string {
  return JSON.stringify(['refund', input.transactionId, input.amount, input.reason ?? null]);
}
