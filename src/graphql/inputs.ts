/**
 * The mutation inputs beyond their GraphQL types, validated with zod: decimal amounts (at most two
 * places, no exponent, no spaces), ids, idempotency keys and card fields. A failure becomes
 * BAD_USER_INPUT naming the field, and nothing is written.
 */
import { z } from 'zod';
import { MoneyError, MoneyRangeError, parseDecimal } from '../ledger/money';
import type { Tender } from '../ledger/records';
import { gatewayError } from './errors';

/** The issue parameter that makes `parseInput` answer AMOUNT_OUT_OF_RANGE instead of BAD_USER_INPUT. */
const OUT_OF_RANGE = { code: 'AMOUNT_OUT_OF_RANGE' } as const;

/**
 * A decimal string → cents; a refinement error carries the money parser's message. A well-formed
 * decimal too large to hold (e.g. "99999999999999999") is above any `limits.maxAmount`, so it is
 * refused as AMOUNT_OUT_OF_RANGE like one just above the ceiling, not as malformed input.
 */
export const amountText = z.string().transform((text, ctx) => {
  try {
    return parseDecimal(text);
  } catch (error) {
    if (error instanceof MoneyRangeError) {
      ctx.addIssue({
        code: 'custom',
        message: `expected at most limits.maxAmount, got ${JSON.stringify(text)}`,
        params: OUT_OF_RANGE,
      });
    } else {
      ctx.addIssue({ code: 'custom', message: error instanceof MoneyError ? error.message : 'expected a decimal amount' });
    }
    return z.NEVER;
  }
});

const sourceId = z
  .string()
  .min(1, 'expected a non-empty id')
  .max(64, 'expected an id of at most 64 characters')
  .regex(/^[\x21-\x7e]+$/, 'expected an id of printable ASCII without spaces');

export const idempotencyKey = z
  .string()
  .min(1, 'expected a non-empty idempotency key')
  .max(200, 'expected an idempotency key of at most 200 characters')
  .regex(/^[\x21-\x7e]+$/, 'expected an idempotency key of printable ASCII without spaces');

const splits = z
  .array(z.object({ id: sourceId, amount: amountText }))
  .max(100, 'expected at most 100 splits')
  .nullish()
  .transform((list) => (list && list.length > 0 ? list : null));

const notes = z.string().max(500, 'expected notes of at most 500 characters').nullish();

/**
 * 12 to 19 digits, spaces and dashes aside: what a full card number (a PAN) looks like. Any tender
 * field that holds one is refused before anything else is read of it, and the message never
 * repeats it: a PAN must not reach the store, the logs or an error.
 */
const looksLikePan = (text: string) => /[0-9]{12,}/.test(text.replace(/[\s-]/g, ''));
const PAN_REFUSED = 'expected no full card number (send only the last 4 digits); the value is not repeated here';

/** A tender text field: never a PAN, then `rule`. */
const tenderText = (rule: z.ZodType<string, string>) =>
  z
    .string()
    .refine((text) => !looksLikePan(text), { message: PAN_REFUSED, abort: true })
    .pipe(rule)
    .nullish();

/** Card or check details of a payment (GraphQL `TenderInput`); see `Tender` in src/ledger/records.ts. */
export const tenderInput = z
  .object({
    cardBrand: tenderText(z.string().regex(/^(visa|master|amex|discover)$/i, 'expected VISA, MASTER, AMEX or DISCOVER')),
    cardLast4: tenderText(z.string().regex(/^[0-9]{4}$/, 'expected exactly the last 4 digits of the card')),
    cardExpiry: tenderText(z.string().regex(/^[0-9]{4}-(0[1-9]|1[0-2])$/, 'expected a card expiry YYYY-MM')),
    checkNumber: tenderText(z.string().regex(/^[0-9]{1,10}$/, 'expected a check number of 1 to 10 digits')),
    // The `Date` scalar (graphql-scalars) hands over a Date at UTC midnight; stored as `YYYY-MM-DD`.
    checkDate: z
      .preprocess((v) => (v instanceof Date ? dateArgText(v) : v), z.iso.date('expected a check date YYYY-MM-DD'))
      .nullish(),
    tendered: amountText.refine((cents) => cents > 0, 'expected a positive amount tendered').nullish(),
  })
  .transform((t): Tender => {
    // Only the fields given, so the stored write (and its fingerprint) holds nothing but them.
    const given: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(t)) if (value != null) given[key] = value;
    return given as Tender;
  });

export const paymentInput = z
  .object({
    practiceId: z.string(),
    patientId: sourceId,
    amount: amountText.refine((cents) => cents > 0, 'expected a positive amount: the sum collected'),
    paymentTypeId: sourceId,
    providerSplits: splits,
    chargeSplits: splits,
    refund: z.boolean().nullish(),
    notes,
    idempotencyKey,
    tender: tenderInput.nullish(),
  })
  // Cash handed over is at least what was paid (the change goes back); checked here for any payment
  // type, since only the cash types use it and none may record less than the amount.
  .refine((input) => input.tender?.tendered == null || input.tender.tendered >= input.amount, {
    message: 'expected tendered to be at least the amount',
    path: ['tender', 'tendered'],
  });

export const adjustmentInput = z
  .object({
    practiceId: z.string(),
    patientId: sourceId,
    amount: amountText.refine((cents) => cents !== 0, 'expected a non-zero amount (credit negative, debit positive)'),
    typeName: z.string().min(1).max(100).nullish(),
    typeId: sourceId.nullish(),
    providerSplits: splits,
    chargeSplits: splits,
    notes,
    idempotencyKey,
  })
  .refine((input) => Boolean(input.typeName) !== Boolean(input.typeId), {
    message: 'expected exactly one of typeName or typeId',
    path: ['typeName'],
  });

const digits = (min: number, max: number, what: string) =>
  z.string().regex(new RegExp(`^[0-9]{${min},${max}}$`), `expected ${what}`);

export const cardInput = z.object({
  number: digits(12, 19, 'a card number of 12 to 19 digits'),
  expMonth: z.number().int().min(1).max(12),
  expYear: z.number().int().min(2000).max(2100),
  cvv: digits(3, 4, 'a security code of 3 or 4 digits'),
  nameOnCard: z.string().min(1).max(30, 'expected a name on card of at most 30 characters'),
  billingAddress: z.string().min(1).max(20, 'expected a billing address of at most 20 characters'),
  billingZip: z.string().regex(/^[0-9]{5}(-[0-9]{4})?$/, 'expected a ZIP code'),
});

const positiveAmount = amountText.refine((cents) => cents > 0, 'expected a positive amount');

export const collectInput = z
  .object({
    practiceId: z.string(),
    patientId: sourceId,
    departmentId: sourceId.nullish(),
    card: cardInput,
    copayAmount: positiveAmount.nullish(),
    appointmentId: sourceId.nullish(),
    claimPayments: z
      .array(z.object({ claimId: sourceId, amount: positiveAmount }))
      .max(50)
      .nullish()
      .transform((list) => list ?? []),
    otherAmount: positiveAmount.nullish(),
    allowDuplicate: z.boolean().nullish(),
    idempotencyKey,
  })
  .refine((input) => !input.copayAmount || Boolean(input.appointmentId), {
    message: 'expected appointmentId with copayAmount',
    path: ['appointmentId'],
  })
  .refine((input) => Boolean(input.copayAmount || input.otherAmount || input.claimPayments.length), {
    message: 'expected at least one of copayAmount, otherAmount or claimPayments',
    path: ['copayAmount'],
  })
  .refine((input) => new Set(input.claimPayments.map((c) => c.claimId)).size === input.claimPayments.length, {
    message: 'expected each claim at most once',
    path: ['claimPayments'],
  });

/**
 * Parse or throw BAD_USER_INPUT naming the first bad field (never echoing card data);
 * AMOUNT_OUT_OF_RANGE when that field is an amount too large to hold.
 */
/**
 * The ids `refreshClaimStatus` and `Patient.eligibility` send upstream (in a 276 / a coverage
 * lookup): checked like every other id before any clearinghouse or ledger request.
 */
export const refreshClaimStatusInput = z.object({ claimId: sourceId, patientId: sourceId.nullish() });
export const eligibilityInput = z.object({ coverageId: sourceId.nullish() });

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.') || 'input';
  const code = issue.code === 'custom' && issue.params?.code === OUT_OF_RANGE.code ? OUT_OF_RANGE.code : 'BAD_USER_INPUT';
  throw gatewayError(code, `input.${field}: ${issue.message}`, { field });
}

/**
 * A `Date` argument as `YYYY-MM-DD` text: graphql-scalars' `Date` parses to a JS Date at UTC
 * midnight (typed as a string by codegen's scalar map), so its UTC calendar date is the date sent;
 * text passes through for the rules to check. `null`/absent stay `null`.
 */
export function dateArgText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString().slice(0, 10) : String(value);
}
