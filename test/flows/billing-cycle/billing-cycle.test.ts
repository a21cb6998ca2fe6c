/**
 * Issue 16, reminders and billing cycles, through the public GraphQL API and the webhook routes of
 * a gateway over the NexHealth and Stripe sandboxes (smile-dental), with the recording messaging
 * adapters of `recording-messaging.ts` for SMS and email. The clock is the test's (`now`), jobs run
 * on `tick()`: no sleeps.
 */
import { createClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Channel } from '../../../src/adapters/messaging/port';
import { KEYS, startTestGateway, type TestGateway } from '../../e2e/harness';
import { recordingAdapter, signedDelivery, type RecordingAdapter } from './recording-messaging';

const SMILE = 'smile-dental';
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
const adapters: Record<Channel, RecordingAdapter> = {
  SMS: recordingAdapter('SMS', 'twilio'),
  EMAIL: recordingAdapter('EMAIL', 'sendgrid'),
};

beforeAll(async () => {
  t = await startTestGateway({
    config: (raw) => {
      const smile = raw.practices.find((p: { id: string }) => p.id === SMILE);
      smile.timeZone = 'America/New_York';
      // No quiet hours here (the test's clock is the real one): `quiet hours` below sets its own.
      smile.billing = { quietHours: ['00:00', '00:00'], reminderEveryDays: 7 };
    },
    gateway: {
      createMessagingAdapter: (practice, channel) => (practice.id === SMILE ? adapters[channel] : null),
      billing: { sendRetryDelaysMs: [1_000, 2_000], settleAfterMs: 60_000, checkoutExpiresInMinutes: 60 },
      collection: { watchIntervalMs: 3_600_000 },
      transactionOptions: { now: () => new Date(Date.now() + offsetMs), pollIntervalMs: 3_600_000 },
    },
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

afterEach(() => {
  for (const adapter of Object.values(adapters)) {
    adapter.refuse.clear();
    adapter.outages = 0;
  }
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

const sentCount = () => adapters.SMS.sent.length + adapters.EMAIL.sent.length;

describe('billing cycles', () => {
  let dry: any;

  it('a dry run fills the counters with what a real run would do and creates nothing', async () => {
    const { data, errors } = await start({ minBalance: '10.00', dryRun: true, idempotencyKey: 'dry-1' });
    expect(errors).toBeUndefined();
    dry = data.startBillingCycle.cycle;
    expect(dry).toMatchObject({ status: 'COMPLETED', dryRun: true });
    expect(dry.considered).toBeGreaterThan(0);
    expect(dry.checkoutsCreated).toBeGreaterThan(0);
    expect(dry.remindersSent).toBeGreaterThanOrEqual(dry.checkoutsCreated);
    const skippedTotal = dry.skipped.reduce((n: number, s: { count: number }) => n + s.count, 0);
    expect(dry.checkoutsCreated + skippedTotal).toBe(dry.considered);
    // Nothing created: no checkout, no processor call, no message.
    expect((await cycle(dry.id)).checkouts.nodes).toEqual([]);
    expect(t.stripe.requests).toHaveLength(0);
    expect(adapters.SMS.calls + adapters.EMAIL.calls).toBe(0);
  });

  let real: any;

  it('a real run creates one checkout per guarantor and sends each reminder once, with its pay page', async () => {
    const { data, errors } = await start({ minBalance: '10.00', idempotencyKey: 'real-1' });
    expect(errors).toBeUndefined();
    expect(data.startBillingCycle.cycle.status).toBe('RUNNING');
    await drain();
    real = await cycle(data.startBillingCycle.cycle.id);
    expect(real).toMatchObject({
      status: 'COMPLETED',
      considered: dry.considered,
      checkoutsCreated: dry.checkoutsCreated,
      remindersSent: dry.remindersSent,
      skipped: dry.skipped,
    });
    expect(real.checkouts.nodes).toHaveLength(dry.checkoutsCreated);
    expect(sentCount()).toBe(dry.remindersSent);
    // One message per (guarantor, channel), and each carries its own checkout's page.
    const ids = [...adapters.SMS.sent, ...adapters.EMAIL.sent].map((m) => m.reminderId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const node of real.checkouts.nodes) {
      expect(node.status).toBe('PENDING');
      for (const reminder of node.reminders) {
        const message = adapters[reminder.channel as Channel].sent.find((m) => m.reminderId === reminder.id)!;
        expect(message.text).toContain(node.checkout.payPageUrl);
        expect(message.content.amount).toBe(-node.amount.cents);
        expect(reminder.status).toBe('QUEUED');
        // Masked in the API, whole only to the provider.
        expect(reminder.to).toMatch(reminder.channel === 'SMS' ? /^\*\*\*-\*\*\*-\d{4}$/ : /^[a-z]\*\*\*@example\.com$/);
        expect(reminder.to).not.toBe(message.to);
      }
    }
  });

  it('the same idempotency key answers the same cycle, and sends nothing more', async () => {
    const before = sentCount();
    const { data, errors } = await start({ minBalance: '10.00', idempotencyKey: 'real-1' });
    expect(errors).toBeUndefined();
    expect(data.startBillingCycle.cycle.id).toBe(real.id);
    await drain();
    expect(sentCount()).toBe(before);
    const other = await start({ minBalance: '20.00', idempotencyKey: 'real-1' });
    expect(other.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('a second cycle within reminderEveryDays skips every guarantor reminded (frequency cap)', async () => {
    const { data } = await start({ minBalance: '10.00', dryRun: true, idempotencyKey: 'dry-2' });
    const again = data.startBillingCycle.cycle;
    expect(again.checkoutsCreated).toBe(0);
    expect(again.skipped).toContainEqual({ reason: 'RECENTLY_REMINDED', count: dry.checkoutsCreated });
  });

  it('delivery receipts come back by signed webhook, out of order, once', async () => {
    const node = real.checkouts.nodes.find((n: any) => n.reminders.some((r: any) => r.channel === 'SMS'));
    const reminder = node.reminders.find((r: any) => r.channel === 'SMS');
    const status = (s: string, id: string) => ({
      type: 'STATUS' as const,
      eventId: `${reminder.id}:${s}:${id}`,
      occurredAt: null,
      reminderId: reminder.id,
      providerMessageId: null,
      status: s as 'SENT' | 'DELIVERED',
      failureReason: null,
      errorCode: null,
      recipient: null,
    });
    const post = (events: any[], signature?: string) => {
      const delivery = signedDelivery(events);
      return fetch(`${t.url}/webhooks/twilio/${SMILE}?r=${reminder.id}`, {
        method: 'POST',
        headers: signature ? { ...delivery.headers, 'x-test-signature': signature } : delivery.headers,
        body: delivery.body,
      });
    };
    expect((await post([status('DELIVERED', 'a')], '00'.repeat(32))).status).toBe(403);
    expect((await post([status('DELIVERED', 'a')])).status).toBe(200);
    const late = await post([status('SENT', 'b')]);
    expect(late.status).toBe(200);
    const again = await post([status('DELIVERED', 'a')]);
    expect(await again.json()).toEqual({ result: 'duplicate' });
    const after = (await cycle(real.id)).checkouts.nodes.find((n: any) => n.transactionId === node.transactionId);
    expect(after.reminders.find((r: any) => r.id === reminder.id)).toMatchObject({ status: 'DELIVERED' });
  });

  let bounced: string;

  it('a hard bounce fails the email and puts the address on the suppression list', async () => {
    const email = real.checkouts.nodes.flatMap((n: any) => n.reminders).find((r: any) => r.channel === 'EMAIL');
    bounced = adapters.EMAIL.sent.find((m) => m.reminderId === email.id)!.to;
    const { body, headers } = signedDelivery([
      {
        type: 'STATUS',
        eventId: 'sg-bounce-1',
        occurredAt: '2030-01-01T00:00:00Z',
        reminderId: email.id,
        providerMessageId: null,
        status: 'FAILED',
        failureReason: 'bounce: 550 5.1.1 mailbox unknown',
        errorCode: '5.1.1',
        recipient: 'INVALID',
      },
    ]);
    expect((await fetch(`${t.url}/webhooks/sendgrid/${SMILE}`, { method: 'POST', headers, body })).status).toBe(200);
    const after = (await cycle(real.id)).checkouts.nodes.flatMap((n: any) => n.reminders).find((r: any) => r.id === email.id);
    expect(after).toMatchObject({ status: 'FAILED', failureReason: 'bounce: 550 5.1.1 mailbox unknown' });
  });

  it('refused recipients (21211 invalid, 21610 unsubscribed) are FAILED / SUPPRESSED and the cycle goes on', async () => {
    // A practice-wide real run with every SMS refused: the cycle completes, emails go out.
    const smsBefore = adapters.SMS.sent.length;
    const emailBefore = adapters.EMAIL.sent.length;
    const numbers = new Set(adapters.SMS.sent.map((m) => m.to));
    const [first, ...rest] = [...numbers];
    adapters.SMS.refuse.set(first!, { status: 'FAILED', reason: 'invalid number', errorCode: '21211', recipient: 'INVALID' });
    for (const n of rest)
      adapters.SMS.refuse.set(n, { status: 'SUPPRESSED', reason: 'unsubscribed', errorCode: '21610', recipient: 'OPTED_OUT' });
    offsetMs += 8 * 86_400_000; // past reminderEveryDays
    const { data } = await start({ minBalance: '10.00', idempotencyKey: 'real-refused' });
    await drain();
    const done = await cycle(data.startBillingCycle.cycle.id);
    expect(done.status).toBe('COMPLETED');
    expect(adapters.SMS.sent.length).toBe(smsBefore);
    expect(adapters.EMAIL.sent.length - emailBefore).toBe(done.remindersSent);
    // The bounced address was left out at selection.
    expect(adapters.EMAIL.sent.slice(emailBefore).map((m) => m.to)).not.toContain(bounced);
    const sms = done.checkouts.nodes.flatMap((n: any) => n.reminders.filter((r: any) => r.channel === 'SMS'));
    expect(sms.length).toBeGreaterThan(0);
    expect(sms.filter((r: any) => r.status === 'FAILED').map((r: any) => r.failureReason)).toContain('invalid number');
    expect(sms.filter((r: any) => r.status === 'SUPPRESSED').every((r: any) => r.failureReason === 'unsubscribed')).toBe(true);
    // The next cycle knows: those numbers are on the suppression list, nothing is asked of the provider.
    offsetMs += 8 * 86_400_000;
    const callsBefore = adapters.SMS.calls;
    const next = await start({ minBalance: '10.00', channels: ['SMS'], dryRun: true, idempotencyKey: 'dry-after-refused' });
    expect(next.data.startBillingCycle.cycle.remindersSent).toBe(0);
    expect(adapters.SMS.calls).toBe(callsBefore);
  });

  it('a vendor outage mid-cycle: the sends are retried with backoff, the cycle finishes later, nothing doubled', async () => {
    offsetMs += 8 * 86_400_000;
    const emailBefore = adapters.EMAIL.sent.length;
    adapters.EMAIL.outages = 3;
    const { data } = await start({ minBalance: '10.00', channels: ['EMAIL'], idempotencyKey: 'real-outage' });
    await drain();
    expect((await cycle(data.startBillingCycle.cycle.id)).status).toBe('RUNNING');
    for (let i = 0; i < 5 && (await cycle(data.startBillingCycle.cycle.id)).status === 'RUNNING'; i += 1) {
      offsetMs += 5_000;
      await drain();
    }
    const done = await cycle(data.startBillingCycle.cycle.id);
    expect(done.status).toBe('COMPLETED');
    const sent = adapters.EMAIL.sent.slice(emailBefore);
    expect(sent).toHaveLength(done.remindersSent);
    expect(new Set(sent.map((m) => m.reminderId)).size).toBe(sent.length);
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
    const calls = adapters.SMS.calls + adapters.EMAIL.calls;
    const stripeCalls = t.stripe.requests.length;
    const negative = await start({ minBalance: '-1.00', idempotencyKey: 'bad-1' });
    expect(negative.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const none = await t.gql(START, { input: { practiceId: 'bright-dentrix', channels: ['SMS'], idempotencyKey: 'bad-2' } });
    expect(none.errors?.[0]?.extensions?.code).toBe('NOT_SUPPORTED');
    const athena = await t.gql(START, { input: { practiceId: 'northside', channels: ['SMS'], idempotencyKey: 'bad-3' } });
    expect(athena.errors?.[0]?.extensions?.code).toBe('NOT_SUPPORTED');
    expect(adapters.SMS.calls + adapters.EMAIL.calls).toBe(calls);
    expect(t.stripe.requests.length).toBe(stripeCalls);
  });
});
