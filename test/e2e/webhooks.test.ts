/**
 * Insertion-status webhooks end to end: the NexHealth sandbox signs and delivers to
 * `POST /webhooks/nexhealth/<practiceId>` on the gateway. Forged or stale deliveries are refused
 * (401) and change nothing; duplicates answer 2xx and change nothing; out-of-order deliveries never
 * move a terminal status back; unknown routes answer as a bad signature does; and when no delivery comes, polling
 * completes the transaction. The service's clock is the test's (`now`), so polling is driven by
 * `tick()`, never by sleeping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEX_SEED, signWebhook, type WebhookDelivery } from '../../src/sandbox/nexhealth';
import type { StatusEvent } from '../../src/transactions/status-bus';
import { startTestGateway, type TestGateway } from './harness';
import { ADJUST, PAY, TRANSACTION } from './documents';

const SMILE = 'smile-dental';
const PATIENT = NEX_SEED.ownGuarantor.ownId;
const POLL_AFTER_MS = 30_000;

let t: TestGateway;
/** The service's clock: real time plus what the test has advanced. */
let offsetMs = 0;
const advance = (ms: number) => {
  offsetMs += ms;
};
let keySeq = 0;
const events: StatusEvent[] = [];
let stopEvents: () => Promise<unknown> = async () => undefined;

beforeAll(async () => {
  t = await startTestGateway({
    gateway: {
      transactionOptions: {
        now: () => new Date(Date.now() + offsetMs),
        pollAfterMs: POLL_AFTER_MS,
        // No background pass during the tests: polls happen on `tick()` only.
        pollIntervalMs: 3_600_000,
      },
    },
  });
  // Every status change the gateway announces, in order.
  const subscription = t.gateway.services.bus.subscribe({ practiceId: SMILE });
  stopEvents = () => subscription.return();
  void (async () => {
    for await (const event of subscription) events.push(event);
  })();
});
afterAll(async () => {
  await stopEvents();
  await t?.close();
});

async function pay(amount: string, expectedStatus = 'SUBMITTED') {
  const { data, errors } = await t.gql(PAY, {
    input: {
      practiceId: SMILE,
      patientId: PATIENT,
      amount,
      paymentTypeId: NEX_SEED.paymentTypes.openDental.cash,
      idempotencyKey: `e2e-wh-${++keySeq}`,
    },
  });
  expect(errors).toBeUndefined();
  const tx = data.createPaymentTransaction.transaction;
  expect(tx.status).toBe(expectedStatus);
  return tx as { transactionId: string; status: string; updatedAt: string };
}

async function getTx(transactionId: string, practiceId = SMILE) {
  const { data, errors } = await t.gql(TRANSACTION, { practiceId, transactionId });
  expect(errors).toBeUndefined();
  return data.transaction;
}

/** The delivery of `transactionId` to this gateway's route for `practiceId`. */
function deliveryFor(transactionId: string, practiceId = SMILE): WebhookDelivery {
  const found = t.nex.webhooks.deliveries.filter(
    (d) => d.transactionId === transactionId && d.targetUrl.endsWith(`/webhooks/nexhealth/${practiceId}`),
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}

const eventsFor = (transactionId: string) => events.filter((e) => e.transactionId === transactionId).length;
/** Let the event pump drain what was published (publishing happens before the HTTP answer). */
const drained = () => new Promise((resolve) => setImmediate(resolve));

/** POST a body to the gateway's webhook route, signed with the practice's registered secret. */
async function postSigned(
  practiceId: string,
  body: string,
  options: { timestamp?: string; secret?: string; route?: string } = {},
) {
  const secret = options.secret ?? (await t.gateway.store.getWebhookRegistration(practiceId))!.secret;
  const timestamp = options.timestamp ?? new Date().toISOString();
  const response = await fetch(`${t.url}${options.route ?? `/webhooks/nexhealth/${practiceId}`}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', timestamp, signature: signWebhook(secret, timestamp, body) },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

const paymentLookups = (transactionId: string) =>
  t.nex.requests.filter((r) => r.method === 'GET' && r.path === '/payments' && r.query['transaction_id'] === transactionId);

describe('signature and timestamp', () => {
  it('refuses a forged signature, a tampered body, missing headers and a stale or future timestamp (401), changing nothing', async () => {
    const tx = await pay('21.00');
    t.nex.webhooks.hold();
    await t.nex.completePendingInsertions();
    const delivery = deliveryFor(tx.transactionId);
    expect(delivery.state).toBe('held');
    const before = await getTx(tx.transactionId);
    const published = eventsFor(tx.transactionId);

    expect((await t.nex.webhooks.redeliver(delivery.id, { badSignature: true })).status).toBe(401);
    const sixMinutes = 6 * 60_000;
    expect(
      (await t.nex.webhooks.redeliver(delivery.id, { timestamp: new Date(Date.now() - sixMinutes).toISOString() })).status,
    ).toBe(401);
    expect(
      (await t.nex.webhooks.redeliver(delivery.id, { timestamp: new Date(Date.now() + sixMinutes).toISOString() })).status,
    ).toBe(401);

    // The genuine signature over other bytes (the amount changed) is not the delivery's.
    const timestamp = new Date().toISOString();
    const secret = (await t.gateway.store.getWebhookRegistration(SMILE))!.secret;
    const tampered = delivery.rawBody.replace('"transaction_id"', '"transaction_id" ');
    const forged = await fetch(`${t.url}/webhooks/nexhealth/${SMILE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', timestamp, signature: signWebhook(secret, timestamp, delivery.rawBody) },
      body: tampered,
    });
    expect(forged.status).toBe(401);
    const unsigned = await fetch(`${t.url}/webhooks/nexhealth/${SMILE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: delivery.rawBody,
    });
    expect(unsigned.status).toBe(401);
    // Signed with another practice's secret (or posted at another practice's route): refused.
    const brightSecret = (await t.gateway.store.getWebhookRegistration('bright-dentrix'))!.secret;
    expect(await postSigned(SMILE, delivery.rawBody, { secret: brightSecret })).toBe(401);

    const after = await getTx(tx.transactionId);
    expect(after).toEqual(before);
    expect(after.status).toBe('SUBMITTED');
    await drained();
    expect(eventsFor(tx.transactionId)).toBe(published);

    // The genuine delivery then applies.
    await t.nex.webhooks.release();
    expect(delivery.state).toBe('delivered');
    expect(delivery.attempts.at(-1)!.status).toBe(200);
    expect((await getTx(tx.transactionId)).status).toBe('COMPLETED');
  });
});

describe('duplicates and order', () => {
  it('answers a duplicate delivery 2xx and changes nothing; the completion is published once', async () => {
    const tx = await pay('22.00');
    await t.nex.completePendingInsertions();
    const done = await getTx(tx.transactionId);
    expect(done.status).toBe('COMPLETED');
    expect(done.records).toHaveLength(1);
    await drained();
    // Stored (PENDING), SUBMITTED, COMPLETED.
    expect(eventsFor(tx.transactionId)).toBe(3);

    const delivery = deliveryFor(tx.transactionId);
    for (let i = 0; i < 3; i++) {
      const attempt = await t.nex.webhooks.redeliver(delivery.id);
      expect(attempt.status).toBe(200);
    }
    expect(await getTx(tx.transactionId)).toEqual(done);
    await drained();
    expect(eventsFor(tx.transactionId)).toBe(3);
    // The sandbox has exactly one landing for it, and the gateway exactly one record per row.
    expect(t.nex.insertions.filter((i) => i.write.transactionId === tx.transactionId)).toHaveLength(1);
  });

  it('applies one of several copies of a delivery arriving at the same time, and publishes it once', async () => {
    const tx = await pay('22.50');
    t.nex.webhooks.hold();
    await t.nex.completePendingInsertions();
    const delivery = deliveryFor(tx.transactionId);
    await drained();
    expect(eventsFor(tx.transactionId)).toBe(2); // stored, SUBMITTED
    const attempts = await Promise.all([
      t.nex.webhooks.release(),
      ...Array.from({ length: 5 }, () => t.nex.webhooks.redeliver(delivery.id)),
    ]);
    for (const attempt of attempts.slice(1)) expect((attempt as { status: number }).status).toBe(200);
    expect(delivery.attempts.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const done = await getTx(tx.transactionId);
    expect(done.status).toBe('COMPLETED');
    expect(done.records).toHaveLength(1);
    await drained();
    expect(eventsFor(tx.transactionId)).toBe(3);
  });

  it('applies deliveries released in reverse order, each to its own transaction', async () => {
    const first = await pay('23.00');
    const second = await pay('24.00');
    t.nex.webhooks.hold();
    await t.nex.completePendingInsertions();
    await t.nex.webhooks.release({ order: 'reverse' });
    const [a, b] = [await getTx(first.transactionId), await getTx(second.transactionId)];
    expect(a.status).toBe('COMPLETED');
    expect(b.status).toBe('COMPLETED');
    expect(a.records.map((r: any) => [r.transactionId, r.amount.cents])).toEqual([[first.transactionId, -2300]]);
    expect(b.records.map((r: any) => [r.transactionId, r.amount.cents])).toEqual([[second.transactionId, -2400]]);
  });

  it('never moves a COMPLETED transaction back when a "failed" delivery arrives late', async () => {
    const tx = await pay('25.00');
    await t.nex.completePendingInsertions();
    const done = await getTx(tx.transactionId);
    expect(done.status).toBe('COMPLETED');
    const real = JSON.parse(deliveryFor(tx.transactionId).rawBody);
    const failed = JSON.stringify({
      ...real,
      event_name: 'payment_insertion.failed',
      delivery_errors: ['Patient is locked in the EHR'],
      data: { transaction_id: tx.transactionId },
    });
    const published = eventsFor(tx.transactionId);
    expect(await postSigned(SMILE, failed)).toBe(200);
    expect(await getTx(tx.transactionId)).toEqual(done);
    await drained();
    expect(eventsFor(tx.transactionId)).toBe(published);
  });

  it('never moves a FAILED transaction to COMPLETED when a "complete" delivery arrives late', async () => {
    const completed = await pay('26.00');
    await t.nex.completePendingInsertions();
    const template = JSON.parse(deliveryFor(completed.transactionId).rawBody);

    const tx = await pay('27.00');
    t.nex.failNextInsertion('Insufficient permissions in the EHR');
    await t.nex.completePendingInsertions();
    const failed = await getTx(tx.transactionId);
    expect(failed.status).toBe('FAILED');
    expect(failed.failureReason).toContain('Insufficient permissions in the EHR');

    const late = JSON.stringify({
      ...template,
      data: {
        transaction_id: tx.transactionId,
        payments: template.data.payments.map((p: any) => ({ ...p, id: 999_001, transaction_id: tx.transactionId })),
      },
    });
    const published = eventsFor(tx.transactionId);
    expect(await postSigned(SMILE, late)).toBe(200);
    expect(await getTx(tx.transactionId)).toEqual(failed);
    await drained();
    expect(eventsFor(tx.transactionId)).toBe(published);
  });

  it('ignores (2xx) a delivery for a transaction the practice does not have', async () => {
    const tx = await pay('28.00');
    await t.nex.completePendingInsertions();
    // The sandbox fans every insertion out to every endpoint, bright-dentrix's included: that route
    // answered 2xx (no retry storm) and the other practice knows nothing of the transaction.
    const other = deliveryFor(tx.transactionId, 'bright-dentrix');
    expect(other.attempts.map((a) => a.status)).toEqual([200]);
    expect(await getTx(tx.transactionId, 'bright-dentrix')).toBeNull();
    expect((await getTx(tx.transactionId)).status).toBe('COMPLETED');
  });
});

describe('routes', () => {
  /** Status, body and headers (but the date) of a delivery: what a caller can compare. */
  async function answer(route: string, headers: Record<string, string>, body: string) {
    const response = await fetch(`${t.url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const seen = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date'));
    return { status: response.status, headers: seen, body: await response.text() };
  }

  it('answers an unknown practice, or a system that is not the practice’s, exactly as a bad signature', async () => {
    const body = JSON.stringify({ data: { transaction_id: 'LG:1' } });
    const timestamp = new Date().toISOString();
    const forged = { timestamp, signature: signWebhook('not-the-secret', timestamp, body) };
    const badSignature = await answer(`/webhooks/nexhealth/${SMILE}`, forged, body);
    expect(badSignature.status).toBe(401);
    for (const route of [
      '/webhooks/nexhealth/no-such-practice',
      '/webhooks/athenahealth/smile-dental',
      '/webhooks/fhir/smile-dental',
      '/webhooks/nexhealth/northside',
    ]) {
      expect(await answer(route, forged, body), route).toEqual(badSignature);
    }
    // Unsigned, or correctly signed with the practice's secret on a route that does not exist: the same answer.
    expect(await answer('/webhooks/nexhealth/no-such-practice', {}, body)).toEqual(
      await answer(`/webhooks/nexhealth/${SMILE}`, {}, body),
    );
    expect(await answer('/webhooks/nexhealth/no-such-practice', {}, body)).toEqual(badSignature);
    expect(await postSigned(SMILE, body, { route: '/webhooks/nexhealth/smile-dental-2' })).toBe(401);
  });
});

describe('polling when no delivery comes', () => {
  it('completes a transaction by looking it up once `pollAfterMs` passed without a delivery', async () => {
    t.nex.webhooks.hold();
    const tx = await pay('29.00');
    await t.nex.completePendingInsertions(); // landed upstream; the delivery is held
    t.nex.resetRequestLog();

    await t.gateway.services.transactions.tick();
    expect((await getTx(tx.transactionId)).status).toBe('SUBMITTED');
    expect(paymentLookups(tx.transactionId)).toHaveLength(0); // not due yet

    advance(POLL_AFTER_MS + 1_000);
    await t.gateway.services.transactions.tick();
    expect(paymentLookups(tx.transactionId)).toHaveLength(1);
    const done = await getTx(tx.transactionId);
    expect(done.status).toBe('COMPLETED');
    expect(done.records.map((r: any) => [r.__typename, r.transactionId, r.amount.cents])).toEqual([
      ['Payment', tx.transactionId, -2900],
    ]);
    await drained();
    const published = eventsFor(tx.transactionId);

    // The late delivery is then a 2xx no-op.
    await t.nex.webhooks.release();
    expect(deliveryFor(tx.transactionId).attempts.map((a) => a.status)).toEqual([200]);
    expect(await getTx(tx.transactionId)).toEqual(done);
    await drained();
    expect(eventsFor(tx.transactionId)).toBe(published);
    expect(t.nex.requests.filter((r) => r.method === 'POST' && r.path === '/payments')).toHaveLength(0);
  });

  it('finds by polling what landed in another shape: an adjustment, and a Dentrix refund that became an adjustment', async () => {
    t.nex.webhooks.hold();
    const adjust = await t.gql(ADJUST, {
      input: {
        practiceId: SMILE,
        patientId: PATIENT,
        amount: '-7.50',
        typeName: 'Senior Discount',
        idempotencyKey: `e2e-wh-${++keySeq}`,
      },
    });
    expect(adjust.errors).toBeUndefined();
    const refund = await t.gql(PAY, {
      input: {
        practiceId: 'bright-dentrix',
        patientId: NEX_SEED.dentrixPatientId,
        amount: '8.00',
        refund: true,
        paymentTypeId: NEX_SEED.paymentTypes.dentrix.check,
        idempotencyKey: `e2e-wh-${++keySeq}`,
      },
    });
    expect(refund.errors).toBeUndefined();
    const adjustmentId = adjust.data.createAdjustmentTransaction.transaction.transactionId;
    const refundId = refund.data.createPaymentTransaction.transaction.transactionId;
    await t.nex.completePendingInsertions();

    advance(POLL_AFTER_MS + 1_000);
    await t.gateway.services.transactions.tick();
    const a = await getTx(adjustmentId);
    expect(a.status).toBe('COMPLETED');
    expect(a.records.map((r: any) => [r.__typename, r.transactionId, r.amount.cents])).toEqual([
      ['Adjustment', adjustmentId, -750],
    ]);
    const r = await getTx(refundId, 'bright-dentrix');
    expect(r.status).toBe('COMPLETED');
    expect(r.records.map((x: any) => [x.__typename, x.transactionId, x.amount.cents])).toEqual([['Adjustment', refundId, 800]]);
    await t.nex.webhooks.release();
    expect(await getTx(adjustmentId)).toEqual(a);
    expect(await getTx(refundId, 'bright-dentrix')).toEqual(r);
  });

  it('never completes a transaction with rows another write left under the same transaction id', async () => {
    // Another originator (or this gateway before its store was reset) already used the next id.
    const previous = await pay('1.00');
    await t.nex.completePendingInsertions();
    const next = `LG:${Number(previous.transactionId.split(':')[1]) + 1}`;
    const auth = await fetch(`${t.nex.url}/authenticates`, {
      method: 'POST',
      headers: { Authorization: t.nex.apiKey, 'Nex-Api-Version': 'v20240412' },
    });
    const token = ((await auth.json()) as any).data.token as string;
    const foreign = await fetch(`${t.nex.url}/payments?subdomain=${t.nex.subdomain}&location_id=${t.nex.locations.openDental}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Nex-Api-Version': 'v20240412', 'content-type': 'application/json' },
      body: JSON.stringify({ payment: { patient_id: Number(PATIENT), amount: -10, payment_type_id: 501, transaction_id: next } }),
    });
    expect(foreign.status).toBe(202);
    await t.nex.completePendingInsertions();

    t.nex.resetRequestLog();
    const tx = await pay('99.00', 'FAILED');
    expect(tx.transactionId).toBe(next);
    expect(t.nex.requests.filter((r) => r.method === 'POST' && r.path === '/payments').map((r) => r.status)).toEqual([400]); // "already used"
    // The id was never ours: the upstream's refusal of a first attempt is final, at once. The
    // caller learns now that nothing was posted, instead of after a 48 h wait.
    const failed = await getTx(next);
    expect(failed.status).toBe('FAILED');
    expect(failed.failureReason).toMatch(/already been used/);
    expect(failed.records).toEqual([]);
    // The other write's completion, delivered (again) now that this gateway knows the id: 2xx,
    // and nothing moves: FAILED stays FAILED, no foreign rows are attached.
    expect((await t.nex.webhooks.redeliver(deliveryFor(next).id)).status).toBe(200);
    expect(await getTx(next)).toEqual(failed);
  });

  it('keeps polling while the write has not landed, and completes once it has', async () => {
    t.nex.webhooks.hold();
    const tx = await pay('30.00');
    t.nex.resetRequestLog();
    advance(POLL_AFTER_MS + 1_000);
    await t.gateway.services.transactions.tick();
    expect(paymentLookups(tx.transactionId)).toHaveLength(1);
    expect((await getTx(tx.transactionId)).status).toBe('SUBMITTED');

    await t.nex.completePendingInsertions();
    await t.gateway.services.transactions.tick();
    expect(paymentLookups(tx.transactionId)).toHaveLength(1); // the next poll is not due yet
    advance(3_600_000 + 1_000);
    await t.gateway.services.transactions.tick();
    expect(paymentLookups(tx.transactionId)).toHaveLength(2);
    expect((await getTx(tx.transactionId)).status).toBe('COMPLETED');
    await t.nex.webhooks.release();
    expect((await getTx(tx.transactionId)).records).toHaveLength(1);
    expect(t.nex.requests.filter((r) => r.method === 'POST' && r.path === '/payments')).toHaveLength(0);
  });
});
