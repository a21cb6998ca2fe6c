/**
 * Issue 16, "kill -9 mid-cycle: resume, no duplicate message": a cycle whose process dies right
 * after the provider accepted a message and before the gateway stored that (the `afterSend` seam
 * throws, as a killed process would stop there), over a durable `pglite://` store. The gateway is
 * restarted; the reminder left SENDING is settled from the provider's word (Twilio's message
 * listing, SendGrid's events), never sent again, and the cycle completes with every (guarantor,
 * channel) messaged exactly once: asserted on the Twilio and SendGrid sandboxes' sent logs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOptions } from '../../../src/server/gateway';
import { startTestGateway, type TestGateway } from '../../e2e/harness';
import { duplicates, sendAttempts, sentMessages, settleWebhooks } from './sandbox-messages';

const SMILE = 'smile-dental';
const CYCLE = /* GraphQL */ `
  query Cycle($practiceId: ID!, $id: ID!) {
    billingCycle(practiceId: $practiceId, id: $id) {
      status checkoutsCreated remindersSent
      checkouts(first: 200) { nodes { transactionId reminders { id channel status } } }
    }
  }
`;

class SimulatedCrash extends Error {}

let t: TestGateway;
let dir: string;
let offsetMs = 0;
let sendsBeforeCrash = -1;

function lifetime(): GatewayOptions {
  return {
    billing: {
      settleAfterMs: 60_000,
      checkoutExpiresInMinutes: 60,
      hooks: {
        afterSend() {
          if (sendsBeforeCrash === 0) {
            sendsBeforeCrash = -1;
            throw new SimulatedCrash('process killed after the provider accepted, before the gateway stored it');
          }
          if (sendsBeforeCrash > 0) sendsBeforeCrash -= 1;
        },
      },
    },
    collection: { watchIntervalMs: 3_600_000 },
    transactionOptions: { now: () => new Date(Date.now() + offsetMs), pollIntervalMs: 3_600_000 },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lg-cycle-crash-'));
  t = await startTestGateway({
    config: (raw) => {
      raw.store = { url: `pglite://${dir}` };
      const smile = raw.practices.find((p: { id: string }) => p.id === SMILE);
      smile.timeZone = 'America/New_York';
      smile.billing = { quietHours: ['00:00', '00:00'] };
    },
    gateway: lifetime(),
  });
}, 120_000);

afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

async function drain() {
  await t.gateway.services.transactions.tick();
  await t.gateway.services.transactions.context.inFlight.settle();
}

describe('a billing cycle killed mid-send', () => {
  it('resumes after a restart without sending any message twice', async () => {
    sendsBeforeCrash = 3; // the 4th accepted message is the one whose answer is never stored
    const { data, errors } = await t.gql(
      `mutation { startBillingCycle(input: { practiceId: "${SMILE}", channels: [SMS, EMAIL], idempotencyKey: "crash-1" }) { cycle { id } } }`,
    );
    expect(errors).toBeUndefined();
    const id = data.startBillingCycle.cycle.id;
    await drain();
    const sentBeforeRestart = sentMessages(t).length;
    expect(sentBeforeRestart).toBeGreaterThan(3);
    expect(sendsBeforeCrash).toBe(-1); // the crash happened

    await t.restartGateway(lifetime());
    // The crashed run's retry, then the settle look-up a minute later: found upstream, not resent.
    for (let i = 0; i < 6; i += 1) {
      offsetMs += 61_000;
      await drain();
      await settleWebhooks(t);
      const { data: now } = await t.gql(CYCLE, { practiceId: SMILE, id });
      if (now.billingCycle.status !== 'RUNNING') break;
    }
    const { data: done } = await t.gql(CYCLE, { practiceId: SMILE, id });
    const cycle = done.billingCycle;
    expect(cycle.status).toBe('COMPLETED');
    const sent = sentMessages(t);
    expect(duplicates(sent)).toEqual({ byReminder: 0, byRecipient: 0 }); // no duplicate message
    const reminders = cycle.checkouts.nodes.flatMap((n: any) => n.reminders);
    expect(sent).toHaveLength(reminders.length);
    expect(new Set(sent.map((m) => m.reminderId))).toEqual(new Set(reminders.map((r: any) => r.id)));
    // Every send reached a provider once: the one whose answer was lost was looked up, not resent.
    const attempts = sendAttempts(t);
    expect(attempts.twilio + attempts.sendgrid).toBe(reminders.length);
    expect(cycle.remindersSent).toBe(reminders.length);
    await settleWebhooks(t);
    const { data: settled } = await t.gql(CYCLE, { practiceId: SMILE, id });
    const statuses = settled.billingCycle.checkouts.nodes.flatMap((n: any) => n.reminders.map((r: any) => r.status));
    // Nothing failed. Callbacks and event batches posted while no gateway listened are lost (Twilio does
    // not retry an answered callback and retries a refused connection once; the old port is gone), so
    // some reminders stay QUEUED: a read-back (`getMessage`) is not built yet (the flow's README).
    expect(statuses.filter((s: string) => s === 'FAILED' || s === 'SUPPRESSED')).toEqual([]);
    expect(statuses).toContain('DELIVERED');
  }, 120_000);
});
