/**
 * Fuzzing the mutation inputs in-process (no network): the zod input schemas and the money parser
 * with hostile amounts, ids and splits. Properties: nothing throws (a refusal is a zod issue, never an
 * exception), and whatever is accepted is exactly a strict decimal with at most two places, in the
 * safe-integer range of cents, with the sign each mutation requires and well-formed ids.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { adjustmentInput, amountText, collectInput, paymentInput, cardInput, parseInput } from '../../src/graphql/inputs';
import { AMOUNT_EDGE_CASES, HOSTILE_AMOUNTS } from './hostile';

const STRICT = /^-?(0|[1-9]\d*)(\.\d{1,2})?$/;

const amount = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_AMOUNTS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 999 })).map(([w, f]) => `${w}.${f}`),
  },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.bigInt().map(String) },
);
const id = fc.oneof(
  fc.constantFrom('', ' ', '1', '1001', 'unknown-999', '\u0000', 'a b', '🦷', 'x'.repeat(65), '１'),
  fc.string({ maxLength: 70 }),
);
const split = fc.record({ id, amount });
const splits = fc.option(
  fc.oneof(
    fc.array(split, { maxLength: 5 }),
    fc.array(split, { minLength: 1, maxLength: 3 }).map((l) => [...l, ...l]),
    fc.constant([]),
  ),
  { nil: null },
);

const paymentArb = fc.record({
  practiceId: fc.constantFrom('smile-dental', 'northside', ''),
  patientId: id,
  amount,
  paymentTypeId: id,
  providerSplits: splits,
  chargeSplits: splits,
  refund: fc.option(fc.boolean(), { nil: null }),
  notes: fc.option(fc.string({ maxLength: 600 }), { nil: null }),
  idempotencyKey: id,
});
const adjustmentArb = fc.record({
  practiceId: fc.constantFrom('smile-dental', 'bright-dentrix'),
  patientId: id,
  amount,
  typeName: fc.option(fc.oneof(fc.constantFrom('Discount', 'discount', 'DISCOUNT ', ''), fc.string({ maxLength: 120 })), {
    nil: null,
  }),
  typeId: fc.option(id, { nil: null }),
  providerSplits: splits,
  chargeSplits: splits,
  notes: fc.option(fc.string({ maxLength: 600 }), { nil: null }),
  idempotencyKey: id,
});

const ID_OK = /^[\x21-\x7e]{1,64}$/;
let cases = 0;

function checkAccepted(
  data: {
    amount: number;
    patientId: string;
    providerSplits: Array<{ id: string; amount: number }> | null;
    chargeSplits: Array<{ id: string; amount: number }> | null;
  },
  raw: { amount: string },
) {
  expect(STRICT.test(raw.amount), raw.amount).toBe(true);
  expect(Number.isSafeInteger(data.amount)).toBe(true);
  expect(ID_OK.test(data.patientId)).toBe(true);
  for (const s of [...(data.providerSplits ?? []), ...(data.chargeSplits ?? [])]) {
    expect(ID_OK.test(s.id)).toBe(true);
    expect(Number.isSafeInteger(s.amount)).toBe(true);
  }
}

describe('mutation inputs (in-process)', () => {
  it('every hostile amount is refused or parsed exactly', () => {
    for (const text of HOSTILE_AMOUNTS) {
      const r = amountText.safeParse(text);
      cases++;
      if (r.success) {
        expect(STRICT.test(text), text).toBe(true);
        const [whole, frac = ''] = text.replace('-', '').split('.');
        expect(Math.abs(r.data)).toBe(Number(BigInt(whole!) * 100n + BigInt((frac + '00').slice(0, 2))));
      }
    }
    expect(amountText.safeParse('1e3').success).toBe(false);
    expect(amountText.safeParse('0.001').success).toBe(false);
    expect(amountText.safeParse('  5').success).toBe(false);
    expect(amountText.safeParse('٣').success).toBe(false);
    expect(amountText.safeParse('').success).toBe(false);
    expect(amountText.safeParse('9'.repeat(30)).success).toBe(false);
    expect(paymentInput.shape.amount.safeParse('-0').success).toBe(false);
  });

  it('amount edge cases: the parser refuses each malformed one (BAD_USER_INPUT) and each too large to hold (AMOUNT_OUT_OF_RANGE)', () => {
    const card = {
      number: '4111111111111111',
      expMonth: 12,
      expYear: 2099,
      cvv: '737',
      nameOnCard: 'A',
      billingAddress: 'B',
      billingZip: '02134',
    };
    const inputs = (amount: string) =>
      [
        [paymentInput, { practiceId: 'p', patientId: '1', paymentTypeId: '7', amount, idempotencyKey: 'k' }],
        [
          paymentInput,
          {
            practiceId: 'p',
            patientId: '1',
            paymentTypeId: '7',
            amount: '1.00',
            providerSplits: [{ id: '1', amount }],
            idempotencyKey: 'k',
          },
        ],
        [adjustmentInput, { practiceId: 'p', patientId: '1', typeName: 'T', amount, idempotencyKey: 'k' }],
        [collectInput, { practiceId: 'p', patientId: '1', card, otherAmount: amount, idempotencyKey: 'k' }],
        [collectInput, { practiceId: 'p', patientId: '1', card, claimPayments: [{ claimId: '1', amount }], idempotencyKey: 'k' }],
      ] as const;
    for (const { text, code } of AMOUNT_EDGE_CASES) {
      for (const [schema, input] of inputs(text)) {
        cases++;
        let got: unknown = null;
        try {
          parseInput(schema, input);
        } catch (error) {
          expect(error).toBeInstanceOf(GraphQLError);
          got = (error as GraphQLError).extensions.code;
        }
        // Left to the ledger rules, after parsing: the ceiling (100000.01 against limits.maxAmount), and
        // a zero split ("-0.00" where the split, not the amount, carries the case).
        const isSplit = 'providerSplits' in input;
        const ledgerRule = (code === 'AMOUNT_OUT_OF_RANGE' && text !== '99999999999999999') || (isSplit && text === '-0.00');
        const expected = ledgerRule ? null : code;
        expect(got, `${JSON.stringify(text)} in ${JSON.stringify(input)}`).toBe(expected);
      }
    }
  });

  it('createPaymentTransaction input: never throws; accepted ⇒ strict positive amount and well-formed ids', () => {
    fc.assert(
      fc.property(paymentArb, (raw) => {
        cases++;
        const r = paymentInput.safeParse(raw);
        if (!r.success) return;
        checkAccepted(r.data, raw);
        expect(r.data.amount).toBeGreaterThan(0);
        expect(r.data.idempotencyKey).toMatch(/^[\x21-\x7e]{1,200}$/);
      }),
      { numRuns: 6000, seed: 42 },
    );
  });

  it('createAdjustmentTransaction input: never throws; accepted ⇒ non-zero strict amount and exactly one type', () => {
    fc.assert(
      fc.property(adjustmentArb, (raw) => {
        cases++;
        const r = adjustmentInput.safeParse(raw);
        if (!r.success) return;
        checkAccepted(r.data, raw);
        expect(r.data.amount).not.toBe(0);
        expect(Boolean(r.data.typeName) !== Boolean(r.data.typeId)).toBe(true);
      }),
      { numRuns: 5000, seed: 43 },
    );
  });

  it('card input: never throws; accepted ⇒ digits only', () => {
    fc.assert(
      fc.property(
        fc.record({
          number: fc.oneof(
            fc.string({ maxLength: 22 }),
            fc.stringMatching(/^[0-9]{10,20}$/),
            fc.constantFrom('４１１１１１１１１１１１１１１１', '4111 1111 1111 1111'),
          ),
          expMonth: fc.oneof(fc.integer(), fc.double()),
          expYear: fc.oneof(fc.integer({ min: 1990, max: 2200 }), fc.double()),
          cvv: fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom('１２３', '12 3')),
          nameOnCard: fc.string({ maxLength: 40 }),
          billingAddress: fc.string({ maxLength: 30 }),
          billingZip: fc.oneof(fc.string({ maxLength: 11 }), fc.constantFrom('12345', '12345-6789', '１２３４５')),
        }),
        (raw) => {
          cases++;
          const r = cardInput.safeParse(raw);
          if (!r.success) return;
          expect(r.data.number).toMatch(/^[0-9]{12,19}$/);
          expect(r.data.cvv).toMatch(/^[0-9]{3,4}$/);
          expect(Number.isInteger(r.data.expMonth)).toBe(true);
        },
      ),
      { numRuns: 2000, seed: 44 },
    );
    console.info(`in-process input fuzz cases: ${cases}`);
  });
});
