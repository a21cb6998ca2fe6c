/**
 * `sendReminder` for one checkout: quiet hours in the practice's time zone (the reminder waits,
 * QUEUED, and leaves when they end), an SMS `STOP` by webhook (SUPPRESSED, no provider call) and
 * `START` (sent again), and a replayed idempotency key. Through GraphQL, with the harness's Twilio and
 * SendGrid sandboxes: their sent and request logs are the evidence, their signed inbound messages and
 * event batches the webhooks. The gateway's clock is the test's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../../../src/adapters/messaging/port';
import { NEX_SEED } from '../../../src/sandbox/nexhealth';
import { startTestGateway, type TestGateway } from '../../e2e/harness';
import { sendAttempts, sendgridEvent, sentMessages, settleWebhooks, twilioInbound } from './sandbox-messages';

const SMILE = 'smile-dental';
const PATIENT = NEX_SEED.ownGuarantor.ownId;
const HOUR = 3_600_000;
const CREATE = /* GraphQL */ `
  mutation Create($input: CreateCheckoutInput!) {
    createCheckout(input: $input) { transaction { transactionId } }
  }
`;
const SEND = /* GraphQL */ `
  mutation Send($input: SendReminderInput!) {
    sendReminder(input: $input) {
      reminders { id channel to status failureReason sentAt }
      transaction { transactionId reminders { id status } }
    }
  }
`;

let t: TestGateway;
let offsetMs = 0;
let transactionId: string;

/** `HH:MM` in UTC of now plus `hours`. */
function clockIn(hours: number): string {
  return new Date(Date.now() + hours * HOUR).toISOString().slice(11, 16);
}

beforeAll(async () => {
  t = await startTestGateway({
    config: (raw) => {
      const smile = raw.practices.find((p: { id: string }) => p.id === SMILE);
      smile.timeZone = 'UTC';
      // Quiet from an hour ago to two hours ahead of the real clock: the first sends wait.
      smile.billing = { quietHours: [clockIn(-1), clockIn(2)] };
    },
    gateway: {
      collection: { watchIntervalMs: 3_600_000 },
      transactionOptions: { now: () => new Date(Date.now() + offsetMs), pollIntervalMs: 3_600_000 },
    },
  });
  const { data, errors } = await t.gql(CREATE, {
    input: { practiceId: SMILE, patientId: PATIENT, amount: '42.00', expiresInMinutes: 1440, idempotencyKey: 'rem-checkout' },
  });
  expect(errors).toBeUndefined();
  transactionId = data.createCheckout.transaction.transactionId;
}, 60_000);

afterAll(async () => {
  await t?.close();
});

async function drain() {
  await t.gateway.services.transactions.tick();
  await t.gateway.services.transactions.context.inFlight.settle();
}

const send = (channels: Channel[], idempotencyKey: string) =>
  t.gql(SEND, { input: { practiceId: SMILE, transactionId, channels, idempotencyKey } });

const attempts = () => {
  const { twilio, sendgrid } = sendAttempts(t);
  return twilio + sendgrid;
};
const sms = () => sentMessages(t).filter((m) => m.channel === 'SMS');
const emails = () => sentMessages(t).filter((m) => m.channel === 'EMAIL');

describe('sendReminder', () => {
  it('inside quiet hours the reminder waits QUEUED, and leaves once when they end', async () => {
    const { data, errors } = await send(['SMS', 'EMAIL'], 'rem-1');
    expect(errors).toBeUndefined();
    const reminders = data.sendReminder.reminders;
    expect(reminders.map((r: any) => [r.channel, r.status])).toEqual([
      ['SMS', 'QUEUED'],
      ['EMAIL', 'QUEUED'],
    ]);
    expect(attempts()).toBe(0);
    offsetMs = 1 * HOUR; // still quiet
    await drain();
    expect(attempts()).toBe(0);
    offsetMs = 2 * HOUR + 60_000; // past the end
    await drain();
    expect(sms().map((m) => m.reminderId)).toEqual([reminders[0].id]);
    expect(emails().map((m) => m.reminderId)).toEqual([reminders[1].id]);
    // The message names the practice, the amount and the link; not the patient.
    expect(sms()[0]!.text).toMatch(/^Smile Dental .*: you have a balance of \$42\.00\. Pay securely at http/);
    expect(emails()[0]!.data).toMatchObject({ practice_name: expect.stringMatching(/^Smile Dental/), amount: '42.00' });
    expect(reminders[0].to).toMatch(/^\*\*\*-\*\*\*-\d{4}$/);
  });

  it('a replayed key answers the same reminders and sends nothing', async () => {
    const before = attempts();
    const { data } = await send(['SMS', 'EMAIL'], 'rem-1');
    expect(data.sendReminder.reminders).toHaveLength(2);
    expect(data.sendReminder.transaction.reminders).toHaveLength(2);
    await drain();
    expect(attempts()).toBe(before);
  });

  it('after an SMS STOP the number is SUPPRESSED without a provider call; after START it is sent again', async () => {
    await settleWebhooks(t);
    const number = sms()[0]!.to;
    // The patient replies STOP: Twilio's sandbox posts the signed inbound message to the gateway.
    expect(twilioInbound(t, number, 'STOP').optOutType).toBe('STOP');
    await settleWebhooks(t);
    const inbound = t.twilio.callbacks.deliveries.filter((d) => d.kind === 'inbound');
    expect(inbound.flatMap((d) => d.attempts.map((x) => x.status))).toEqual([200]);
    const before = sendAttempts(t).twilio;
    const { data } = await send(['SMS'], 'rem-2');
    await drain();
    const got = await t.gql(
      `{ transaction(practiceId: "${SMILE}", transactionId: "${transactionId}") { reminders { id status failureReason } } }`,
    );
    const suppressed = got.data.transaction.reminders.find((r: any) => r.id === data.sendReminder.reminders[0].id);
    expect(suppressed).toMatchObject({ status: 'SUPPRESSED', failureReason: 'opted out' });
    expect(sendAttempts(t).twilio).toBe(before);

    expect(twilioInbound(t, number, 'START').optOutType).toBe('START');
    await settleWebhooks(t);
    const again = await send(['SMS'], 'rem-3');
    await drain();
    expect(sendAttempts(t).twilio).toBe(before + 1);
    expect(sms().map((m) => m.reminderId)).toContain(again.data.sendReminder.reminders[0].id);
  });

  it('an email address unsubscribed through SendGrid is suppressed across the practice', async () => {
    const first = emails()[0]!;
    await sendgridEvent(t, first.providerMessageId, 'unsubscribe');
    await settleWebhooks(t);
    expect(t.sendgrid.webhooks.deliveries.at(-1)?.attempts.at(-1)?.status).toBe(200);
    const before = sendAttempts(t).sendgrid;
    const { data } = await send(['EMAIL'], 'rem-4');
    await drain();
    const got = await t.gql(
      `{ transaction(practiceId: "${SMILE}", transactionId: "${transactionId}") { reminders { id status } } }`,
    );
    expect(got.data.transaction.reminders.find((r: any) => r.id === data.sendReminder.reminders[0].id).status).toBe('SUPPRESSED');
    expect(sendAttempts(t).sendgrid).toBe(before);
  });

  it('a status callback lost while no gateway listened is read back from Twilio 15 minutes after the send', async () => {
    await settleWebhooks(t);
    t.twilio.callbacks.hold(true);
    try {
      const { data, errors } = await send(['SMS'], 'rem-5');
      expect(errors).toBeUndefined();
      const reminderId = data.sendReminder.reminders[0].id;
      await drain();
      const message = sms().find((m) => m.reminderId === reminderId)!;
      expect(message).toBeDefined();
      // The sandbox reaches "delivered" on its own; its callbacks wait, held (as if lost).
      while (t.twilio.sim.pendingSteps(message.providerMessageId) > 0) await new Promise((next) => setImmediate(next));
      const reads = () => t.twilio.requests.filter((r) => r.method === 'GET' && r.path.includes(message.providerMessageId));
      const status = async () =>
        (
          await t.gql(`{ transaction(practiceId: "${SMILE}", transactionId: "${transactionId}") { reminders { id status } } }`)
        ).data.transaction.reminders.find((r: any) => r.id === reminderId).status;
      expect(await status()).toBe('QUEUED');
      expect(reads()).toHaveLength(0);

      offsetMs += 15 * 60_000 + 1_000;
      await drain();
      expect(reads()).toHaveLength(1);
      expect(await status()).toBe('DELIVERED');
      // Read back, never sent again; later ticks ask nothing more (the status is final).
      expect(sms().filter((m) => m.reminderId === reminderId)).toHaveLength(1);
      offsetMs += 15 * 60_000;
      await drain();
      expect(reads()).toHaveLength(1);
    } finally {
      await t.twilio.callbacks.release();
      await settleWebhooks(t);
    }
  });

  it('refuses an unknown transaction and an invalid key before anything is stored', async () => {
    const unknown = await t.gql(SEND, {
      input: { practiceId: SMILE, transactionId: 'LG:999999', channels: ['SMS'], idempotencyKey: 'x-1' },
    });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const badKey = await t.gql(SEND, { input: { practiceId: SMILE, transactionId, channels: [], idempotencyKey: 'x-2' } });
    expect(badKey.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
