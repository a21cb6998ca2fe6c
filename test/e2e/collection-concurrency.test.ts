/**
 * Issue 12, "50 concurrent checkouts paid at once": 25 through Stripe (smile-dental) and 25 through
 * Square (bright-dentrix), opened at once through the public API, paid at once while both processors
 * hold their webhooks, then every held delivery released at once in a shuffled order with each one
 * sent twice, and a further batch of events redelivered after the postings. Each checkout must be
 * posted to the ledger exactly once (the NexHealth request log), the cents must add up exactly per
 * practice (Σ posted = Σ the processors took = Σ asked), and every transaction must end COMPLETED
 * with its row. Amounts and orders come from one seed, so a failure replays the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWireAmount } from '../../src/ledger/money';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { seededRng, seededShuffle } from '../../src/sandbox/shared/seeded-rng';
import { startTestGateway, type TestGateway } from './harness';

const SEED = 20_260_512;
const PER_PROCESSOR = 25;

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateCheckoutInput!) {
    createCheckout(input: $input) { transaction { transactionId status checkout { url status } } }
  }
`;
const GET = /* GraphQL */ `
  query Get($practiceId: ID!, $transactionId: ID!) {
    transaction(practiceId: $practiceId, transactionId: $transactionId) {
      status attention
      checkout { status amountPaid { cents } }
      records { ... on Payment { amount { cents } } }
    }
  }
`;

const PRACTICES = {
  stripe: { practiceId: 'smile-dental', patientId: NEX_SEED.ownGuarantor.ownId },
  square: { practiceId: 'bright-dentrix', patientId: NEX_SEED.dentrixPatientId },
} as const;
type ProcessorKey = keyof typeof PRACTICES;

interface Planned {
  processor: ProcessorKey;
  cents: number;
  key: string;
}
interface Opened extends Planned {
  transactionId: string;
  page: string;
}

let t: TestGateway;

beforeAll(async () => {
  // No read-back within the test: only the webhooks tell the gateway that a checkout was paid.
  t = await startTestGateway({ gateway: { collection: { watchIntervalMs: 3_600_000 } } });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

async function settle() {
  await Promise.all([t.stripe.webhooks.idle(), t.square.webhooks.idle()]);
  await t.gateway.services.transactions.context.inFlight.settle();
}

const formatAmount = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const pageId = (url: string) => new URL(url).pathname.split('/').pop()!;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** 50 checkouts, alternating processors, each between $0.50 (Stripe's minimum) and $999.99, from the seed. */
function plan(): Planned[] {
  const rng = seededRng(SEED);
  return Array.from({ length: 2 * PER_PROCESSOR }, (_, i) => ({
    processor: i % 2 === 0 ? 'stripe' : 'square',
    cents: 50 + Math.floor(rng() * 99_950),
    key: `e2e-co-concurrent-${SEED}-${i}`,
  }));
}

/** Pay one checkout on its processor's page; the cents the processor took. */
async function pay(checkout: Opened): Promise<number> {
  if (checkout.processor === 'square') {
    const outcome = t.square.pay(checkout.page, { card: '4111 1111 1111 1111', cvv: '111', postalCode: '12345' });
    if (outcome?.outcome !== 'paid') throw new Error(`expected the Square payment to succeed, got ${JSON.stringify(outcome)}`);
    return Number(outcome.payment.amount_money.amount);
  }
  const response = await fetch(`${t.stripe.url}/_sandbox/checkout/sessions/${checkout.page}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ card: '4242424242424242' }),
  });
  const body = (await response.json()) as { outcome: string; payment_intent: { amount_received: number } | null };
  if (response.status !== 200 || body.outcome !== 'succeeded')
    throw new Error(`expected the Stripe payment to succeed, got ${response.status} ${JSON.stringify(body)}`);
  return body.payment_intent!.amount_received;
}

describe('50 concurrent checkouts, paid at once, webhooks shuffled and duplicated', () => {
  it('posts each exactly once, the cents add up per practice, every transaction COMPLETED', async () => {
    const planned = plan();
    t.nex.resetRequestLog();

    const opened: Opened[] = await Promise.all(
      planned.map(async (p) => {
        const { data, errors } = await t.gql(CREATE, {
          input: { ...PRACTICES[p.processor], amount: formatAmount(p.cents), idempotencyKey: p.key },
        });
        if (errors) throw new Error(`createCheckout ${p.key}: ${JSON.stringify(errors)}`);
        const tx = data.createCheckout.transaction;
        return { ...p, transactionId: tx.transactionId, page: pageId(tx.checkout.url) };
      }),
    );
    expect(new Set(opened.map((o) => o.transactionId)).size).toBe(opened.length);

    t.stripe.webhooks.hold();
    t.square.webhooks.hold();
    const taken = await Promise.all(opened.map(pay));
    await settle();
    const posts = () => t.nex.requests.filter((r) => r.method === 'POST' && r.path === '/payments');
    expect(posts()).toHaveLength(0);

    // Every held delivery at once, each twice, in an order only the seed decides.
    const [stripeReleased, squareReleased] = await Promise.all([
      t.stripe.webhooks.release({ order: 'shuffle', duplicate: true, seed: SEED }),
      t.square.webhooks.release({ order: 'shuffle', duplicate: true, seed: SEED + 1 }),
    ]);
    expect(stripeReleased).toBeGreaterThanOrEqual(PER_PROCESSOR);
    expect(squareReleased).toBeGreaterThanOrEqual(PER_PROCESSOR);
    await settle();

    // And, after the postings, a seeded third of the events once more.
    const again = (ids: string[], seed: number) => seededShuffle([...new Set(ids)], seed).slice(0, Math.ceil(ids.length / 3));
    await Promise.all([
      ...again(
        t.stripe.webhooks.deliveries.map((d) => d.eventId),
        SEED + 2,
      ).map((id) => t.stripe.webhooks.resend(id)),
      ...again(
        t.square.webhooks.deliveries.map((d) => d.eventId),
        SEED + 3,
      ).map((id) => t.square.webhooks.resend(id)),
    ]);
    await settle();

    // Every delivery reached the gateway and was answered 2xx at least once.
    const answered = [...t.stripe.webhooks.deliveries, ...t.square.webhooks.deliveries];
    expect(answered.every((d) => d.attempts.some((a) => a.status === 200))).toBe(true);

    // Exactly one ledger POST per checkout, and nothing else.
    const byTransaction = new Map<string, number[]>();
    for (const post of posts()) {
      expect(post.status).toBe(202);
      const payment = (post.body as any).payment;
      const list = byTransaction.get(payment.transaction_id) ?? [];
      list.push(-parseWireAmount(payment.amount));
      byTransaction.set(payment.transaction_id, list);
    }
    expect(posts()).toHaveLength(opened.length);
    for (const checkout of opened) expect(byTransaction.get(checkout.transactionId)).toEqual([checkout.cents]);

    // The cents, per practice: asked = taken by the processor = posted to the ledger.
    for (const processor of ['stripe', 'square'] as const) {
      const mine = opened.map((o, i) => ({ ...o, taken: taken[i]! })).filter((o) => o.processor === processor);
      const asked = sum(mine.map((o) => o.cents));
      expect(sum(mine.map((o) => o.taken))).toBe(asked);
      expect(sum(mine.flatMap((o) => byTransaction.get(o.transactionId) ?? []))).toBe(asked);
    }

    await t.nex.completePendingInsertions();
    const finals = await Promise.all(
      opened.map(async (o) => {
        const { data, errors } = await t.gql(GET, {
          practiceId: PRACTICES[o.processor].practiceId,
          transactionId: o.transactionId,
        });
        expect(errors).toBeUndefined();
        return { o, tx: data.transaction };
      }),
    );
    for (const { o, tx } of finals) {
      expect(tx.status).toBe('COMPLETED');
      expect(tx.attention).toBeNull();
      expect(tx.checkout.status).toBe('PAID');
      expect(tx.checkout.amountPaid.cents).toBe(o.cents);
      expect(sum(tx.records.map((r: any) => r.amount.cents))).toBe(-o.cents);
      expect(t.nex.insertions.filter((i) => i.write.transactionId === o.transactionId)).toHaveLength(1);
    }
    expect(posts()).toHaveLength(opened.length);
  }, 120_000);
});
