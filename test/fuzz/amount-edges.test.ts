/**
 * Every money input of every mutation, through the public API, with each amount edge case of
 * `AMOUNT_EDGE_CASES` (hostile.ts): the answer's code is the one the case must get, and nothing is
 * written anywhere (no upstream POST, no stored row). The rest of each input is valid but for a
 * patient that does not exist, so an amount that passes every amount rule ends in NOT_FOUND after
 * reads, never in a write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, startTestGateway, type TestGateway } from '../e2e/harness';
import { AMOUNT_EDGE_CASES } from './hostile';

let t: TestGateway;
let seq = 0;

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});

const NO_PATIENT = '999999';
const CARD = {
  number: '4111111111111111',
  expMonth: 12,
  expYear: 2099,
  cvv: '737',
  nameOnCard: 'A',
  billingAddress: 'B',
  billingZip: '02134',
};

/** One money input: the mutation, its input type, and the input with `amount` in that place. */
const PLACES: Record<string, { field: string; type: string; input: (amount: string) => Record<string, unknown> }> = {
  'payment amount': {
    field: 'createPaymentTransaction',
    type: 'CreatePaymentTransactionInput',
    input: (amount) => ({ practiceId: 'smile-dental', patientId: NO_PATIENT, paymentTypeId: '502', amount }),
  },
  'refund amount': {
    field: 'createPaymentTransaction',
    type: 'CreatePaymentTransactionInput',
    input: (amount) => ({ practiceId: 'smile-dental', patientId: NO_PATIENT, paymentTypeId: '502', amount, refund: true }),
  },
  'payment provider split': {
    field: 'createPaymentTransaction',
    type: 'CreatePaymentTransactionInput',
    input: (amount) => ({
      practiceId: 'smile-dental',
      patientId: NO_PATIENT,
      paymentTypeId: '502',
      amount: '100000.00',
      providerSplits: [{ id: '301', amount }],
    }),
  },
  'payment charge split': {
    field: 'createPaymentTransaction',
    type: 'CreatePaymentTransactionInput',
    input: (amount) => ({
      practiceId: 'smile-dental',
      patientId: NO_PATIENT,
      paymentTypeId: '502',
      amount: '100000.00',
      chargeSplits: [{ id: '100001', amount }],
    }),
  },
  'adjustment amount': {
    field: 'createAdjustmentTransaction',
    type: 'CreateAdjustmentTransactionInput',
    // A debit needs a split: the same amount on one provider, so a valid amount passes the split rules.
    input: (amount) => ({
      practiceId: 'smile-dental',
      patientId: NO_PATIENT,
      typeName: 'Finance Charge',
      amount,
      providerSplits: [{ id: '301', amount }],
    }),
  },
  'adjustment split': {
    field: 'createAdjustmentTransaction',
    type: 'CreateAdjustmentTransactionInput',
    input: (amount) => ({
      practiceId: 'smile-dental',
      patientId: NO_PATIENT,
      typeName: 'Finance Charge',
      amount: '100000.00',
      chargeSplits: [{ id: '100001', amount }],
    }),
  },
  'collection copay': {
    field: 'collectPayment',
    type: 'CollectPaymentInput',
    input: (amount) => ({ practiceId: 'northside', patientId: NO_PATIENT, card: CARD, copayAmount: amount, appointmentId: '1' }),
  },
  'collection claim payment': {
    field: 'collectPayment',
    type: 'CollectPaymentInput',
    input: (amount) => ({
      practiceId: 'northside',
      patientId: NO_PATIENT,
      card: CARD,
      claimPayments: [{ claimId: '1001', amount }],
    }),
  },
  'collection other amount': {
    field: 'collectPayment',
    type: 'CollectPaymentInput',
    input: (amount) => ({ practiceId: 'northside', patientId: NO_PATIENT, card: CARD, otherAmount: amount }),
  },
};

async function writes() {
  let rows = 0;
  for (const p of ['smile-dental', 'bright-dentrix', 'northside', 'lakeside'])
    rows += (await t.gateway.store.listByPractice(p)).length;
  const posts = [...t.nex.requests, ...t.athena.requests].filter(
    (r) => r.method !== 'GET' && !/authenticate|token/.test(r.path),
  ).length;
  return { rows, posts };
}

describe('amount edge cases on every money input', () => {
  it.each(Object.entries(PLACES))('%s: each edge case gets its code, nothing written', async (_place, { field, type, input }) => {
    const query = `mutation ($input: ${type}!) { ${field}(input: $input) { transaction { transactionId } } }`;
    const before = await writes();
    for (const { text, code } of AMOUNT_EDGE_CASES) {
      const r = await t.gql(query, { input: { ...input(text), idempotencyKey: `edge-${++seq}` } }, KEYS.all);
      const codes = (r.errors ?? []).map((e) => e.extensions?.code);
      // A valid amount passes every amount rule and meets the missing patient.
      expect(codes, `${JSON.stringify(text)}: ${JSON.stringify(r.errors)}`).toEqual([code ?? 'NOT_FOUND']);
      expect(r.data?.[field] ?? null).toBeNull();
    }
    expect(await writes()).toEqual(before);
  });
});
