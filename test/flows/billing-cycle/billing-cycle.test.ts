/**
 * Issue 16, reminders and billing cycles, through the public GraphQL API of a gateway over the
 * NexHealth and Stripe sandboxes (smile-dental) and the Twilio and SendGrid sandboxes (the harness's
 * `messaging`): the practice's own adapters built from its config, the providers' sent logs and
 * request logs as the evidence, their signed callbacks and event batches as the webhooks. Three
 * guarantors are added to the seed with the sandboxes' magic recipients: Twilio `+15005550001`
 * (21211, invalid), `+15005550004` (21610, unsubscribed) and a SendGrid `@bounce.test` address (a hard
 * bounce). The gateway's clock is the test's (`now`), jobs run on `tick()`: no sleeps.
 */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createNexSeed } from '../../../src/sandbox/nexhealth';
import { TWILIO_SANDBOX_ACCOUNTS, twilioSignature } from '../../../src/sandbox/twilio';
import { KEYS, startTestGateway, type TestGateway } from '../../e2e/harness';
import {
  addGuarantors,
  duplicates,
  sendAttempts,
  sendgridEvent,
  sentMessages,
  settleWebhooks,
  twilioInbound,
} from './sandbox-messages';

const SMILE = 'smile-dental';
const INVALID = '+15005550001';
const UNSUBSCRIBED = '+15005550004';
const BOUNCING = 'hard@bounce.test';
const START = /* GraphQL */ `
  mutation Start($input: StartBillingCycleInput!) {
    startBillingCycle(input: $input) {
      cycle { id status dryRun considered checkoutsCreated remindersSent skipped { reason count } finishedAt }
    }
  }
`;
const CYCLE = /* GraphQL */ `
  query Cycle($practiceId: ID!, $id: ID!) {
    billingCycle(practiceId: $practiceId, id: $id) {
      id status dryRun considered checkoutsCreated remindersSent skipped { reason count }
      checkouts(first: 200) {
        nodes { transactionId status amount { cents } checkout { payPageUrl status } reminders { id channel to status failureReason sentAt } }
        hasNextPage
      }
    }
  }
`;

let t: TestGateway;
let offsetMs = 0;

beforeAll(async () => {
  const seed = createNexSeed();
  addGuarantors(seed, [
    { phone: INVALID.slice(2), email: 'invalid.number@example.com', cents: 5_000 },
    { phone: UNSUBSCRIBED.slice(2), email: 'unsubscribed.number@example.com', cents: 5_000 },
    { phone: '5550107001', email: BOUNCING, cents: 5_000 },
  ]);
  t = await startTestGateway({
    nexhealth: { seed },
    config: (raw) => {
      const smile = raw.practices.find((p: { id: string }) => p.id === SMILE);
      smile.timeZone = 'America/New_York';
      // No quiet hours here (the test's clock is the real one): send-reminder.test.ts has them.
      smile.billing = { quietHours: ['00:00', '00:00'], reminderEveryDays: 7 };
    },
    gateway: {
      billing: { sendRetryDelaysMs: [1_000, 2_000], settleAfterMs: 60_000, checkoutExpiresInMinutes: 60 },
      collection: { watchIntervalMs: 3_600_000 },
      transactionOptions: { now: () => new Date(Date.now() + offsetMs), pollIntervalMs: 3_600_000 },
      // The breakers on the test's clock too: an outage opens one, the clock moves past its cool-down.
      circuitBreaker: { now: () => Date.now() + offsetMs },
    },
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

/** Run every due job (the fake clock's "now") until nothing is due. */
async function drain() {
  await t.gateway.services.transactions.tick();
  await t.gateway.services.transactions.context.inFlight.settle();
}

async function start(input: Record<string, unknown>) {
  return t.gql(START, { input: { practiceId: SMILE, channels: ['SMS', 'EMAIL'], ...input } });
}

async function cycle(id: string) {
  const { data, errors } = await t.gql(CYCLE, { practiceId: SMILE, id });
  expect(errors).toBeUndefined();
  return data.billingCycle;
}

const reminders = (c: any): any[] => c.checkouts.nodes.flatMap((n: any) => n.reminders);
const last4 = (phone: string) => `***-***-${phone.slice(-4)}`;

describe('billing cycles', () => {
  let dry: any;

  it('a dry run fills the counters with what a real run would do and creates nothing', async () => {
    const { data, errors } = await start({ minBalance: '10.00', dryRun: true, idempotencyKey: 'dry-1' });
    expect(errors).toBeUndefined();
    dry = data.startBillingCycle.cycle;
    expect(dry).toMatchObject({ status: 'COMPLETED', dryRun: true });
    expect(dry.considered).toBeGreaterThan(3);
    expect(dry.checkoutsCreated).toBeGreaterThan(3);
    expect(dry.remindersSent).toBeGreaterThanOrEqual(dry.checkoutsCreated);
    const skippedTotal = dry.skipped.reduce((n: number, s: { count: number }) => n + s.count, 0);
    expect(dry.checkoutsCreated + skippedTotal).toBe(dry.considered);
    // Nothing created: no checkout, no processor call, no request to either provider.
    expect((await cycle(dry.id)).checkouts.nodes).toEqual([]);
    expect(t.stripe.requests).toHaveLength(0);
    expect(sendAttempts(t)).toEqual({ twilio: 0, sendgrid: 0 });
  });

  let real: any;

  it('a real run creates one checkout per guarantor and sends each reminder once, with its pay page', async () => {
    const { data, errors } = await start({ minBalance: '10.00', idempotencyKey: 'real-1' });
    expect(errors).toBeUndefined();
    expect(data.startBillingCycle.cycle.status).toBe('RUNNING');
    await drain();
    real = await cycle(data.startBillingCycle.cycle.id);
    // The two refused numbers were asked for (the provider refused them), not counted as sent.
    expect(real).toMatchObject({
      status: 'COMPLETED',
      considered: dry.considered,
      checkoutsCreated: dry.checkoutsCreated,
      remindersSent: dry.remindersSent - 2,
      skipped: dry.skipped,
    });
    expect(real.checkouts.nodes).toHaveLength(dry.checkoutsCreated);
    expect(sendAttempts(t)).toEqual({
      twilio: reminders(real).filter((r) => r.channel === 'SMS').length,
      sendgrid: reminders(real).filter((r) => r.channel === 'EMAIL').length,
    });
    // The sent logs: one message per accepted reminder, none twice.
    const sent = sentMessages(t);
    expect(sent).toHaveLength(real.remindersSent);
    expect(duplicates(sent)).toEqual({ byReminder: 0, byRecipient: 0 });
    for (const node of real.checkouts.nodes) {
      expect(node.status).toBe('PENDING');
      for (const reminder of node.reminders) {
        // Masked in the API, whole only to the provider.
        expect(reminder.to).toMatch(reminder.channel === 'SMS' ? /^\*\*\*-\*\*\*-\d{4}$/ : /^[a-z]\*\*\*@[a-z.]+$/);
        const message = sent.find((m) => m.reminderId === reminder.id);
        if (reminder.to === last4(INVALID) || reminder.to === last4(UNSUBSCRIBED)) {
          expect(message).toBeUndefined();
          continue;
        }
        expect(message).toBeDefined();
        expect(reminder.to).not.toBe(message!.to);
        expect(message!.text).toContain(node.checkout.payPageUrl);
        if (message!.channel === 'EMAIL') expect(message!.data?.amount).toBe((-node.amount.cents / 100).toFixed(2));
      }
    }
  });

  it('refused numbers (21211 invalid, 21610 unsubscribed) are FAILED / SUPPRESSED with the reason, and the cycle went on', () => {
    const sms = reminders(real).filter((r) => r.channel === 'SMS');
    expect(sms.filter((r) => r.to === last4(INVALID))).toEqual([
      expect.objectContaining({ status: 'FAILED', failureReason: 'invalid number' }),
    ]);
    expect(sms.filter((r) => r.to === last4(UNSUBSCRIBED))).toEqual([
      expect.objectContaining({ status: 'SUPPRESSED', failureReason: 'unsubscribed' }),
    ]);
    // Their emails went out.
    const emailsOf = sentMessages(t)
      .filter((m) => m.channel === 'EMAIL')
      .map((m) => m.to);
    expect(emailsOf).toEqual(expect.arrayContaining(['invalid.number@example.com', 'unsubscribed.number@example.com']));
  });

  it("delivery receipts and bounces come back by the providers' signed webhooks, out of order and twice, applied once", async () => {
    await settleWebhooks(t);
    const after = reminders(await cycle(real.id));
    const bounced = after.find((r) => r.channel === 'EMAIL' && r.to === 'h***@bounce.test');
    expect(bounced).toMatchObject({ status: 'FAILED' });
    expect(bounced.failureReason).toMatch(/bounce/i);
    const others = after.filter((r) => r !== bounced && r.to !== last4(INVALID) && r.to !== last4(UNSUBSCRIBED));
    expect(others.every((r) => r.status === 'DELIVERED')).toBe(true);
    // Every callback and batch the sandboxes posted was accepted (2xx).
    const failedCallbacks = t.twilio.callbacks.deliveries.filter((d) => d.state !== 'delivered');
    expect(failedCallbacks).toEqual([]);

    // A redelivery, newest first and each twice, of the callbacks of one more message: DELIVERED once.
    t.twilio.callbacks.hold();
    const { data } = await t.gql(
      `mutation { sendReminder(input: { practiceId: "${SMILE}", transactionId: "${real.checkouts.nodes[0].transactionId}", channels: [SMS], idempotencyKey: "late-receipts" }) { reminders { id } } }`,
    );
    const reminderId = data.sendReminder.reminders[0].id;
    await drain();
    const message = sentMessages(t).find((m) => m.reminderId === reminderId)!;
    while (t.twilio.sim.pendingSteps(message.providerMessageId) > 0) await new Promise((resolve) => setImmediate(resolve));
    const held = t.twilio.callbacks.deliveries.filter((d) => d.messageSid === message.providerMessageId);
    expect(held.map((d) => d.status)).toEqual(['queued', 'sent', 'delivered']);
    // A delivery whose form was changed after signing is refused, 403, and changes nothing.
    const delivered = held.at(-1)!;
    const signature = twilioSignature(TWILIO_SANDBOX_ACCOUNTS.smileDental.authToken, delivered.url, delivered.params);
    const tampered = delivered.params.map(([k, v]) => [k, k === 'MessageStatus' ? 'failed' : v]);
    const forged = await fetch(delivered.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(tampered).toString(),
    });
    expect(forged.status).toBe(403);
    await t.twilio.callbacks.release({ order: 'reverse', duplicate: true });
    await settleWebhooks(t);
    const statuses = held.flatMap((d) => d.attempts.map((a) => a.status));
    expect(statuses.every((s) => s === 200)).toBe(true);
    const got = await t.gql(
      `{ transaction(practiceId: "${SMILE}", transactionId: "${real.checkouts.nodes[0].transactionId}") { reminders { id status } } }`,
    );
    expect(got.data.transaction.reminders.find((r: any) => r.id === reminderId).status).toBe('DELIVERED');
  });

  it('a cycle is a Node: node(id:) reads it back; under another practice its id names nothing', async () => {
    const NODE = `query Node($id: ID!) { node(id: $id) { id ... on BillingCycle { status considered remindersSent } } }`;
    const { data, errors } = await t.gql(NODE, { id: real.id });
    expect(errors).toBeUndefined();
    expect(data.node).toEqual({
      id: real.id,
      status: real.status,
      considered: real.considered,
      remindersSent: real.remindersSent,
    });
    // The same id through billingCycle(practiceId, id) and the store's own id both name it.
    expect((await cycle(real.id)).id).toBe(real.id);
    const otherPractice = await t.gql(`{ billingCycle(practiceId: "northside", id: "${real.id}") { id } }`);
    expect(otherPractice.data?.billingCycle ?? null).toBeNull();
  });

  it('the same idempotency key answers the same cycle, and sends nothing more', async () => {
    const before = sendAttempts(t);
    const { data, errors } = await start({ minBalance: '10.00', idempotencyKey: 'real-1' });
    expect(errors).toBeUndefined();
    expect(data.startBillingCycle.cycle.id).toBe(real.id);
    await drain();
    expect(sendAttempts(t)).toEqual(before);
    const other = await start({ minBalance: '20.00', idempotencyKey: 'real-1' });
    expect(other.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('a second cycle within reminderEveryDays skips every guarantor reminded (frequency cap)', async () => {
    const { data } = await start({ minBalance: '10.00', dryRun: true, idempotencyKey: 'dry-2' });
    const again = data.startBillingCycle.cycle;
    expect(again.checkoutsCreated).toBe(0);
    expect(again.skipped).toContainEqual({ reason: 'RECENTLY_REMINDED', count: dry.checkoutsCreated });
  });

  it('the next cycle asks no provider about a refused number, a bounced address, an SMS STOP or an email unsubscribe', async () => {
    // STOP from one delivered number, through Twilio's inbound webhook; an unsubscribe of one delivered email through SendGrid's.
    const sent = sentMessages(t);
    const stopped = sent.find((m) => m.channel === 'SMS')!.to;
    const unsubscribed = sent.find((m) => m.channel === 'EMAIL' && m.to.endsWith('@example.com'))!;
    expect(twilioInbound(t, stopped, 'Stop').optOutType).toBe('STOP');
    await sendgridEvent(t, unsubscribed.providerMessageId, 'unsubscribe');
    await settleWebhooks(t);
    expect(t.twilio.callbacks.deliveries.filter((d) => d.kind === 'inbound').every((d) => d.state === 'delivered')).toBe(true);

    offsetMs += 8 * 86_400_000; // past reminderEveryDays
    const before = { twilio: t.twilio.requests.length, sendgrid: t.sendgrid.requests.length };
    const { data } = await start({ minBalance: '10.00', idempotencyKey: 'real-2' });
    await drain();
    const done = await cycle(data.startBillingCycle.cycle.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.remindersSent).toBeGreaterThan(0);
    const askedTo = [
      ...t.twilio.requests.slice(before.twilio).flatMap((r) => r.form.filter(([k]) => k === 'To').map(([, v]) => v)),
      ...t.sendgrid.requests.slice(before.sendgrid).map((r) => (r.body as any)?.personalizations?.[0]?.to?.[0]?.email),
    ];
    expect(askedTo.length).toBe(done.remindersSent);
    for (const flagged of [INVALID, UNSUBSCRIBED, stopped, BOUNCING, unsubscribed.to]) expect(askedTo).not.toContain(flagged);
    expect(duplicates(sentMessages(t)).byReminder).toBe(0);
  });

  it('a vendor outage mid-cycle: unsent sends wait and are retried, a lost answer is never resent, the cycle finishes later', async () => {
    offsetMs += 8 * 86_400_000;
    const before = sentMessages(t).length;
    const attemptsBefore = sendAttempts(t);
    // Twilio throttles every create until it recovers (nothing created: the sends wait and retry);
    // SendGrid sends one mail and resets the connection (a lost answer, settled by its events).
    const outage = t.twilio.addFault({
      method: 'POST',
      path: `/2010-04-01/Accounts/${TWILIO_SANDBOX_ACCOUNTS.smileDental.sid}/Messages.json`,
      status: 429,
      times: 10_000, // until removed
    });
    t.sendgrid.addFault({ method: 'POST', path: '/v3/mail/send', drop: true, times: 1 });
    const { data } = await start({ minBalance: '10.00', idempotencyKey: 'real-outage' });
    const id = data.startBillingCycle.cycle.id;
    await drain();
    await settleWebhooks(t);
    offsetMs += 5_000;
    await drain();
    const during = await cycle(id);
    expect(during.status).toBe('RUNNING');
    expect(
      sentMessages(t)
        .slice(before)
        .filter((m) => m.channel === 'SMS'),
    ).toEqual([]);
    const throttled = t.twilio.requests.slice(attemptsBefore.twilio).filter((r) => r.status === 429).length;
    expect(throttled).toBeGreaterThan(0);

    t.twilio.faults.remove(outage); // Twilio is back
    for (let i = 0; i < 10 && (await cycle(id)).status === 'RUNNING'; i += 1) {
      offsetMs += 31_000; // past the breaker's cool-down and the send retries' delays
      await drain();
      await settleWebhooks(t);
    }
    const done = await cycle(id);
    expect(done.status).toBe('COMPLETED');
    const all = reminders(done);
    const sent = sentMessages(t).slice(before);
    expect(sent).toHaveLength(done.remindersSent);
    expect(sent).toHaveLength(all.filter((r) => r.status !== 'FAILED' && r.status !== 'SUPPRESSED').length);
    expect(duplicates(sentMessages(t))).toMatchObject({ byReminder: 0 });
    // Every SMS create after the outage was answered 201 once per reminder; the lost mail was not sent again.
    const smsReminders = all.filter((r) => r.channel === 'SMS').length;
    const created = t.twilio.requests.slice(attemptsBefore.twilio).filter((r) => r.status === 201).length;
    expect(created).toBe(smsReminders);
    expect(sendAttempts(t).sendgrid - attemptsBefore.sendgrid).toBe(all.length - smsReminders);
  });

  it('billingCycleChanged shows the cycle as it is, then its changes, and ends when it does', async () => {
    offsetMs += 8 * 86_400_000;
    const { data } = await start({ minBalance: '10.00', channels: ['EMAIL'], idempotencyKey: 'real-subscribed' });
    const id = data.startBillingCycle.cycle.id;
    const client = createClient({
      url: `${t.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Bearer ${KEYS.all}` },
      retryAttempts: 0,
    });
    const events: any[] = [];
    const done = (async () => {
      const query = `subscription { billingCycleChanged(practiceId: "${SMILE}", cycleId: "${id}") { id status remindersSent } }`;
      for await (const event of client.iterate({ query })) events.push(event.data?.billingCycleChanged);
    })();
    await drain();
    await done;
    await client.dispose();
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ id, status: 'COMPLETED' });
    expect(events.at(-1).remindersSent).toBe((await cycle(id)).remindersSent);
    // Counters only grow.
    const sent = events.map((e) => e.remindersSent);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
  });

  it('bad input creates nothing: a negative minimum, a channel the practice cannot send on', async () => {
    const attempts = sendAttempts(t);
    const stripeCalls = t.stripe.requests.length;
    const negative = await start({ minBalance: '-1.00', idempotencyKey: 'bad-1' });
    expect(negative.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const none = await t.gql(START, { input: { practiceId: 'bright-dentrix', channels: ['SMS'], idempotencyKey: 'bad-2' } });
    expect(none.errors?.[0]?.extensions?.code).toBe('NOT_SUPPORTED');
    const athena = await t.gql(START, { input: { practiceId: 'northside', channels: ['SMS'], idempotencyKey: 'bad-3' } });
    expect(athena.errors?.[0]?.extensions?.code).toBe('NOT_SUPPORTED');
    expect(sendAttempts(t)).toEqual(attempts);
    expect(t.stripe.requests.length).toBe(stripeCalls);
  });
});
