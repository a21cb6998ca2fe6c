/**
 * Fuzzing through the public API (fewer cases than in-process, since each is an HTTP round trip):
 * hostile mutation inputs and hostile webhook deliveries. Never a 500 or INTERNAL_SERVER_ERROR, and a
 * refused request writes nothing (no upstream POST, no store row, no applied insertion event).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/sandbox/nexhealth';
import { KEYS, startTestGateway, type TestGateway } from '../e2e/harness';
import { HOSTILE_AMOUNTS } from './hostile';

let t: TestGateway;
let httpCases = 0;

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  console.info(`HTTP fuzz cases: ${httpCases}`);
  await t?.close();
});

async function writes() {
  let rows = 0;
  for (const p of ['smile-dental', 'bright-dentrix', 'northside']) rows += (await t.gateway.store.listByPractice(p)).length;
  return {
    posts: t.nex.requests.filter((r) => r.method === 'POST').length,
    athenaPosts: t.athena.requests.filter((r) => r.method === 'POST').length,
    rows,
  };
}

const amount = fc.oneof(fc.constantFrom(...HOSTILE_AMOUNTS), fc.string({ maxLength: 12 }));
const id = fc.constantFrom('', ' ', 'unknown-999', '1001', '\u0000', '🦷', 'x'.repeat(80));
const splits = fc.option(fc.array(fc.record({ id, amount }), { maxLength: 3 }), { nil: null });

const MUTATIONS = {
  createPaymentTransaction: {
    type: 'CreatePaymentTransactionInput',
    arb: fc.record({
      practiceId: fc.constantFrom('smile-dental', 'northside', 'nope'),
      patientId: id,
      amount,
      paymentTypeId: id,
      providerSplits: splits,
      chargeSplits: splits,
      idempotencyKey: fc.constantFrom('', ' ', 'k k'),
    }),
  },
  createAdjustmentTransaction: {
    type: 'CreateAdjustmentTransactionInput',
    arb: fc.record({
      practiceId: fc.constantFrom('smile-dental', 'bright-dentrix'),
      patientId: id,
      amount,
      typeName: fc.option(fc.constantFrom('discount', 'Nope', ''), { nil: null }),
      providerSplits: splits,
      chargeSplits: splits,
      idempotencyKey: fc.constantFrom('', ' ', 'k k'),
    }),
  },
  collectPayment: {
    type: 'CollectPaymentInput',
    arb: fc.record({
      practiceId: fc.constantFrom('northside', 'smile-dental'),
      patientId: id,
      card: fc.record({
        number: fc.constantFrom('4111', '４１１１１１１１１１１１１１１１', ''),
        expMonth: fc.integer({ min: -5, max: 20 }),
        expYear: fc.integer({ min: 1990, max: 2200 }),
        cvv: fc.constantFrom('', '1', '１２３'),
        nameOnCard: fc.constant('A'),
        billingAddress: fc.constant('B'),
        billingZip: fc.constantFrom('x', ''),
      }),
      otherAmount: amount,
      claimPayments: fc.option(fc.array(fc.record({ claimId: id, amount }), { maxLength: 2 }), { nil: null }),
      idempotencyKey: fc.constantFrom('', ' ', 'k k'),
    }),
  },
} as const;

describe('hostile mutation inputs over HTTP', () => {
  it.each(Object.entries(MUTATIONS))('%s: refused with a stable code, nothing written', async (field, { type, arb }) => {
    // Every idempotency key here is invalid, so every request must be refused before any write.
    const query = `mutation ($input: ${type}!) { ${field}(input: $input) { transaction { transactionId status } } }`;
    const before = await writes();
    await fc.assert(
      fc.asyncProperty(arb, async (input) => {
        httpCases++;
        const response = await fetch(`${t.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.all}` },
          body: JSON.stringify({ query, variables: { input } }),
        });
        expect(response.status).toBeLessThan(500);
        const body = (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> };
        const codes = (body.errors ?? []).map((e) => e.extensions?.code);
        expect(codes.length).toBeGreaterThan(0);
        for (const code of codes) expect(code).not.toBe('INTERNAL_SERVER_ERROR');
        expect(body.data?.[field] ?? null).toBeNull();
      }),
      { numRuns: 60, seed: 7 },
    );
    expect(await writes()).toEqual(before);
  });
});

describe('hostile webhook deliveries', () => {
  it('random bytes, wrong signatures, stale timestamps, malformed JSON, huge bodies: 4xx, nothing applied', async () => {
    const registration = await t.gateway.store.getWebhookRegistration('smile-dental');
    const secret = registration?.secret ?? 'no-secret';
    const before = await writes();
    const now = Date.now();
    const delivery = fc.record({
      body: fc.oneof(
        fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
        fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
        fc
          .constantFrom(
            '{',
            '{"event":',
            'null',
            '[]',
            '{"event":"ledger_insertion.completed","data":{}}',
            '{"data":{"transaction_id":"LG:1"}}',
          )
          .map((s) => Buffer.from(s)),
        fc.json({ maxDepth: 3 }).map((s) => Buffer.from(s)),
      ),
      signature: fc.constantFrom('good', 'wrong', 'missing', 'garbage', 'upper'),
      timestamp: fc.constantFrom('now', 'stale', 'future', 'missing', 'garbage'),
      route: fc.constantFrom(
        '/webhooks/nexhealth/smile-dental',
        '/webhooks/nexhealth/northside',
        '/webhooks/athenahealth/smile-dental',
        '/webhooks/nexhealth/nope',
      ),
    });
    await fc.assert(
      fc.asyncProperty(delivery, async ({ body, signature, timestamp, route }) => {
        httpCases++;
        const ts =
          timestamp === 'now'
            ? new Date(now).toISOString()
            : timestamp === 'stale'
              ? new Date(now - 3600_000).toISOString()
              : timestamp === 'future'
                ? new Date(now + 3600_000).toISOString()
                : timestamp === 'garbage'
                  ? 'yesterday'
                  : undefined;
        const good = signWebhook(secret, ts ?? '', body.toString('utf8'));
        const sig =
          signature === 'good'
            ? good
            : signature === 'upper'
              ? good.toUpperCase()
              : signature === 'wrong'
                ? good.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))
                : signature === 'garbage'
                  ? 'zz'
                  : undefined;
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (ts !== undefined) headers.timestamp = ts;
        if (sig !== undefined) headers.signature = sig;
        const response = await fetch(`${t.url}${route}`, { method: 'POST', headers, body });
        await response.arrayBuffer();
        expect(response.status, `${route} ${signature} ${timestamp}`).toBeLessThan(500);
        // Only a valid signature with a fresh timestamp on the right route may be 2xx, and no random
        // body here names a real transaction, so nothing may be applied.
        if (!(signature === 'good' && timestamp === 'now' && route === '/webhooks/nexhealth/smile-dental')) {
          expect(response.status, `${route} ${signature} ${timestamp}`).toBeGreaterThanOrEqual(400);
        }
      }),
      { numRuns: 300, seed: 11 },
    );
    // Huge bodies: refused with 413, never read whole.
    for (const size of [2_000_000, 8_000_000]) {
      httpCases++;
      const response = await fetch(`${t.url}/webhooks/nexhealth/smile-dental`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.alloc(size, 0x7b),
      }).catch(() => null);
      if (response) {
        await response.arrayBuffer().catch(() => undefined);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
      }
    }
    expect(await writes()).toEqual(before);
  });
});
