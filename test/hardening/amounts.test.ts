/**
 * Amount rules through the public API (issue #11, hole 2): every money input of every mutation has a
 * ceiling (`limits.maxAmount`), a refund is bounded by what the patient paid, and a ledger holding an
 * absurd row answers AMOUNT_OUT_OF_RANGE on the affected field instead of INTERNAL_SERVER_ERROR.
 * Every refusal sends nothing upstream (the sandboxes' request logs) and stores nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLimits } from '../../src/config';
import { formatCents } from '../../src/ledger/money';
import { ATHENA_SEED_CARDS, ATHENA_SEED_CLAIMS, ATHENA_SEED_PATIENTS } from '../../src/sandbox/athenahealth';
import { createNexSeed } from '../../src/sandbox/nexhealth/seed';
import { startTestGateway, type GqlResult, type TestGateway } from '../e2e/harness';

const PAYMENT = /* GraphQL */ `
  mutation ($input: CreatePaymentTransactionInput!) {
    createPaymentTransaction(input: $input) { transaction { transactionId status amount { cents } } }
  }
`;
const ADJUSTMENT = /* GraphQL */ `
  mutation ($input: CreateAdjustmentTransactionInput!) {
    createAdjustmentTransaction(input: $input) { transaction { transactionId status } }
  }
`;
const COLLECT = /* GraphQL */ `
  mutation ($input: CollectPaymentInput!) {
    collectPayment(input: $input) { transaction { transactionId status } }
  }
`;

/** 90,071,992,547,409.91: the largest amount of cents a double holds exactly, the figure. */
const HUGE = Number.MAX_SAFE_INTEGER;
const MAX = defaultLimits.maxAmount;
/** The patient that receives the absurd rows (Whitfield family: guarantor 1016 with 1017 and 1018). */
const WHITFIELD = '1016';
/** A patient who paid and was refunded already (an overpayment refund of 45.00). */
const REFUNDED = '1029';

const seed = createNexSeed();
const template = seed.payments.find((p) => p.patient_id === Number(REFUNDED) && p.insurance_plan_id === null)!;
// Two payments by the Whitfield guarantor whose sum is past the safe-integer range: her balance and
// her family's reconciliation can no longer be computed exactly.
for (const [i, amount] of [-HUGE, -100].entries()) {
  seed.payments.push({
    ...template,
    id: 390_000 + i,
    patient_id: Number(WHITFIELD),
    payment_amount: amount,
    transaction_id: null,
  });
}
// An A/R record whose buckets add up past the range: her aging cannot be computed exactly.
const whitfieldBalance = seed.guarantorBalances.find((b) => b.guarantor_id === Number(WHITFIELD))!;
whitfieldBalance.total_balance_under_30 = HUGE;
whitfieldBalance.total_balance_31_60 = HUGE;

let t: TestGateway;
let keySeq = 0;
const key = (label: string) => `amounts-${label}-${++keySeq}`;

beforeAll(async () => {
  t = await startTestGateway({ nexhealth: { seed } });
});
afterAll(async () => {
  await t?.close();
});

async function storedRows() {
  let rows = 0;
  for (const p of ['smile-dental', 'bright-dentrix', 'northside', 'lakeside'])
    rows += (await t.gateway.store.listByPractice(p)).length;
  return rows;
}

const codes = (r: GqlResult<unknown>) => (r.errors ?? []).map((e) => e.extensions?.code);

/**
 * `mutation` with `input` is refused with AMOUNT_OUT_OF_RANGE and a message naming the ceiling (or
 * the bound) and what arrived, with `upstreamRequests` upstream requests (0 for the ceiling, which
 * needs no facts) and no POST at all, and no stored row.
 */
async function expectOutOfRange(mutation: string, input: Record<string, unknown>, message: RegExp, upstreamRequests = 0) {
  t.nex.resetRequestLog();
  t.athena.resetRequestLog();
  const rowsBefore = await storedRows();
  const r = await t.gql(mutation, { input });
  expect(codes(r), JSON.stringify(r.errors)).toEqual(['AMOUNT_OUT_OF_RANGE']);
  expect(r.errors![0]!.message).toMatch(message);
  expect(r.data).toBeNull();
  const requests = [...t.nex.requests, ...t.athena.requests];
  if (upstreamRequests === 0) expect(requests).toEqual([]);
  expect(requests.filter((q) => q.method !== 'GET' && !q.path.includes('authenticate') && !q.path.includes('token'))).toEqual([]);
  expect(await storedRows()).toBe(rowsBefore);
}

const payment = (fields: Record<string, unknown>) => ({
  practiceId: 'smile-dental',
  patientId: REFUNDED,
  paymentTypeId: '502',
  idempotencyKey: key('payment'),
  ...fields,
});
const adjustment = (fields: Record<string, unknown>) => ({
  practiceId: 'smile-dental',
  patientId: REFUNDED,
  typeName: 'Courtesy Credit',
  idempotencyKey: key('adjustment'),
  ...fields,
});
const collection = (fields: Record<string, unknown>) => ({
  practiceId: 'northside',
  patientId: ATHENA_SEED_PATIENTS.selfGuarantor,
  card: {
    number: ATHENA_SEED_CARDS.approves,
    expMonth: 12,
    expYear: 2099,
    cvv: '737',
    nameOnCard: 'Avery Testpatient',
    billingAddress: '1 Test Street',
    billingZip: '02134',
  },
  idempotencyKey: key('collect'),
  ...fields,
});

const above = formatCents(MAX + 1);
const ceiling = new RegExp(
  `at most ${formatCents(MAX).replace('.', '\\.')} \\(limits\\.maxAmount\\), got -?${above.replace('.', '\\.')}`,
);

describe('limits.maxAmount on every money input', () => {
  it('createPaymentTransaction: the amount, a provider split, a charge split; and a refund', async () => {
    await expectOutOfRange(PAYMENT, payment({ amount: above }), ceiling);
    await expectOutOfRange(PAYMENT, payment({ amount: above, refund: true }), ceiling);
    await expectOutOfRange(
      PAYMENT,
      payment({
        amount: '10.00',
        providerSplits: [
          { id: '301', amount: above },
          { id: '302', amount: '-99990.01' },
        ],
      }),
      /input\.providerSplits\.0\.amount: expected at most/,
    );
    await expectOutOfRange(
      PAYMENT,
      payment({
        amount: '10.00',
        chargeSplits: [
          { id: '1', amount: '5.00' },
          { id: '2', amount: above },
        ],
      }),
      /input\.chargeSplits\.1\.amount: expected at most/,
    );
  });

  it('createAdjustmentTransaction: |amount| (a credit as well as a debit) and each split', async () => {
    await expectOutOfRange(ADJUSTMENT, adjustment({ amount: `-${above}` }), ceiling);
    await expectOutOfRange(ADJUSTMENT, adjustment({ amount: above, typeName: 'Finance Charge' }), ceiling);
    await expectOutOfRange(
      ADJUSTMENT,
      adjustment({ amount: '-1.00', providerSplits: [{ id: '301', amount: `-${above}` }] }),
      /input\.providerSplits\.0\.amount: expected at most/,
    );
  });

  it('collectPayment: the copay, each claim payment, the other amount, and their total', async () => {
    await expectOutOfRange(COLLECT, collection({ otherAmount: above }), /input\.otherAmount: expected at most/);
    await expectOutOfRange(
      COLLECT,
      collection({ claimPayments: [{ claimId: ATHENA_SEED_CLAIMS.cleanInGroup, amount: above }] }),
      /input\.claimPayments\.0\.amount: expected at most/,
    );
    await expectOutOfRange(
      COLLECT,
      collection({ copayAmount: above, appointmentId: '1' }),
      /input\.copayAmount: expected at most/,
    );
    const half = formatCents(Math.ceil(MAX / 2) + 1);
    await expectOutOfRange(
      COLLECT,
      collection({ otherAmount: half, claimPayments: [{ claimId: ATHENA_SEED_CLAIMS.cleanInGroup, amount: half }] }),
      /input \(copayAmount \+ claimPayments \+ otherAmount\): expected at most/,
    );
  });

  it('the issue’s 90,071,992,547,409.91 and an amount past any representable one', async () => {
    await expectOutOfRange(PAYMENT, payment({ amount: formatCents(HUGE) }), /expected at most/);
    await expectOutOfRange(PAYMENT, payment({ amount: '99999999999999999' }), /expected at most/);
    await expectOutOfRange(ADJUSTMENT, adjustment({ amount: `-${formatCents(HUGE)}` }), /expected at most/);
  });

  it('the ceiling itself is allowed: a payment of exactly limits.maxAmount is stored and sent', async () => {
    t.nex.resetRequestLog();
    const r = await t.gql(PAYMENT, { input: payment({ amount: formatCents(MAX) }) });
    expect(r.errors).toBeUndefined();
    expect(r.data.createPaymentTransaction.transaction.amount.cents).toBe(-MAX);
    expect(t.nex.requests.filter((q) => q.method === 'POST' && !q.path.includes('authenticate'))).toHaveLength(1);
  });
});

describe('a refund is bounded by what the patient paid', () => {
  /** What the seed says patient 1029 may still get back: her own payments minus her refunds. */
  const refundableCents = () => {
    const rows = seed.payments.filter((p) => p.patient_id === Number(REFUNDED) && p.deleted_at === null);
    const paid = rows
      .filter((p) => p.payment_amount < 0 && p.insurance_plan_id === null)
      .reduce((s, p) => s - p.payment_amount, 0);
    const refunded = rows.filter((p) => p.payment_amount > 0).reduce((s, p) => s + p.payment_amount, 0);
    return paid - refunded;
  };

  it('the issue’s 90,000.00 refund, and one cent above what is refundable, are refused after reading her ledger', async () => {
    const left = refundableCents();
    expect(left).toBeGreaterThan(0);
    await expectOutOfRange(
      PAYMENT,
      payment({ amount: '90000.00', refund: true, idempotencyKey: key('refund') }),
      new RegExp(`refund of at most ${formatCents(left).replace('.', '\\.')} .*got 90000\\.00`),
      1,
    );
    await expectOutOfRange(
      PAYMENT,
      payment({ amount: formatCents(left + 1), refund: true, idempotencyKey: key('refund') }),
      /expected a refund of at most/,
      1,
    );
  });

  it('a refund of exactly what is refundable goes through', async () => {
    const r = await t.gql(PAYMENT, {
      input: payment({ amount: formatCents(refundableCents()), refund: true, idempotencyKey: key('refund') }),
    });
    expect(r.errors).toBeUndefined();
    expect(r.data.createPaymentTransaction.transaction.amount.cents).toBe(refundableCents());
  });
});

describe('refunds not yet in the ledger count against what is refundable', () => {
  /** A patient of the seed with her own payments and no refund yet (not 1029, not the Whitfields). */
  const patient = (() => {
    const paidBy = new Map<number, number>();
    for (const p of seed.payments) {
      if (p.deleted_at !== null || p.insurance_plan_id !== null) continue;
      if ([Number(REFUNDED), Number(WHITFIELD)].includes(p.patient_id)) continue;
      paidBy.set(p.patient_id, (paidBy.get(p.patient_id) ?? 0) - p.payment_amount);
    }
    const refunded = new Set(seed.payments.filter((p) => p.payment_amount > 0).map((p) => p.patient_id));
    const [id, cents] = [...paidBy].filter(([id, cents]) => cents >= 300 && !refunded.has(id)).sort((a, b) => b[1] - a[1])[0]!;
    return { id: String(id), refundable: cents };
  })();
  const TX_STATUS = /* GraphQL */ `
    query ($id: ID!) { transaction(practiceId: "smile-dental", transactionId: $id) { status } }
  `;

  it('a second refund that fits the ledger alone but not with the first (still SUBMITTED) is refused; once the first lands the ledger counts it', async () => {
    const first = await t.gql(PAYMENT, {
      input: payment({
        patientId: patient.id,
        amount: formatCents(patient.refundable - 100),
        refund: true,
        idempotencyKey: key('r1'),
      }),
    });
    expect(first.errors).toBeUndefined();
    const firstTx = first.data.createPaymentTransaction.transaction;
    expect(firstTx.status).toBe('SUBMITTED');

    // 2.00 fits what her ledger shows (the first is not in it yet), not what is on its way.
    await expectOutOfRange(
      PAYMENT,
      payment({ patientId: patient.id, amount: '2.00', refund: true, idempotencyKey: key('r2') }),
      new RegExp(
        `refund of 2\\.00 would exceed .* ${formatCents(patient.refundable - 100).replace('.', '\\.')} is already in refunds not yet in the ledger`,
      ),
      1,
    );

    await t.nex.completePendingInsertions();
    expect((await t.gql(TX_STATUS, { id: firstTx.transactionId })).data.transaction.status).toBe('COMPLETED');
    // Now the ledger holds the first refund and nothing is in flight: 1.00 is left, counted once.
    await expectOutOfRange(
      PAYMENT,
      payment({ patientId: patient.id, amount: '1.01', refund: true, idempotencyKey: key('r3') }),
      /expected a refund of at most 1\.00/,
      1,
    );
    const last = await t.gql(PAYMENT, {
      input: payment({ patientId: patient.id, amount: '1.00', refund: true, idempotencyKey: key('r4') }),
    });
    expect(last.errors).toBeUndefined();
    expect(last.data.createPaymentTransaction.transaction.status).toBe('SUBMITTED');
  });
});

describe('sums past the safe-integer range answer a stable code on their field', () => {
  it('the balance of a patient with an absurd row, her family’s reconciliation and aging: AMOUNT_OUT_OF_RANGE, the rest answers', async () => {
    const r = await t.gql(
      /* GraphQL */ `
        query ($id: ID!) {
          patient(practiceId: "smile-dental", patientId: $id) { sourceId balance { total { amount } } }
          guarantor(practiceId: "smile-dental", guarantorId: $id) {
            patients { sourceId }
            reconciliation { difference { amount } }
            aging { total { amount } }
            insuranceAging { total { amount } }
          }
        }
      `,
      { id: WHITFIELD },
    );
    expect(r.status).toBe(200);
    const byPath = Object.fromEntries((r.errors ?? []).map((e) => [e.path!.join('.'), e]));
    expect(Object.keys(byPath).sort()).toEqual(['guarantor.aging', 'guarantor.reconciliation', 'patient.balance']);
    for (const error of Object.values(byPath)) {
      expect(error.extensions?.code).toBe('AMOUNT_OUT_OF_RANGE');
      expect(error.message).toMatch(/cannot be computed exactly/);
    }
    // Patient.balance is non-null, so the patient is null; the guarantor's other fields still answer.
    expect(r.data.patient).toBeNull();
    expect(r.data.guarantor.reconciliation).toBeNull();
    expect(r.data.guarantor.patients.map((p: { sourceId: string }) => p.sourceId)).toContain(WHITFIELD);
    expect(Array.isArray(r.data.guarantor.insuranceAging)).toBe(true);
  });
});
