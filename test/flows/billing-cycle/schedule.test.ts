/**
 * `billing.schedule`: a practice's cycle starts by itself at the cron's tick on the practice's
 * clock (croner, in its `timeZone`), once per tick however many passes see it, and reminds with the
 * configured `minBalance` and `channels`. Jobs are visible through `Query.jobs`; the clock is the test's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config';
import { startTestGateway, type TestGateway } from '../../e2e/harness';
import { duplicates, sendAttempts, sentMessages } from './sandbox-messages';

const SMILE = 'smile-dental';
const DAY = 86_400_000;
let t: TestGateway;
let offsetMs = 0;

beforeAll(async () => {
  t = await startTestGateway({
    config: (raw) => {
      const smile = raw.practices.find((p: { id: string }) => p.id === SMILE);
      smile.timeZone = 'America/New_York';
      smile.billing = { schedule: '0 10 * * *', quietHours: ['00:00', '00:00'], minBalance: '10.00', channels: ['EMAIL'] };
    },
    gateway: {
      billing: { checkoutExpiresInMinutes: 60 },
      collection: { watchIntervalMs: 3_600_000 },
      transactionOptions: { now: () => new Date(Date.now() + offsetMs), pollIntervalMs: 3_600_000 },
    },
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

async function drain() {
  await t.gateway.services.transactions.tick();
  await t.gateway.services.transactions.context.inFlight.settle();
}

const JOBS = `query J($kind: String) { jobs(practiceId: "${SMILE}", kind: $kind) { id state } }`;

describe('billing.schedule', () => {
  it('starts one cycle at the next tick and sends on the configured channels only', async () => {
    await drain();
    expect((await t.gql(JOBS, { kind: 'billing.cycle' })).data.jobs).toEqual([]);
    offsetMs = DAY + 60_000; // past the next 10:00 in New York, whatever the real time
    await drain();
    await drain(); // a second pass at the same instant makes no second cycle
    const cycles = (await t.gql(JOBS, { kind: 'billing.cycle' })).data.jobs;
    expect(cycles).toHaveLength(1);
    expect(cycles[0].state).toBe('DONE');
    // The providers' own logs: no SMS asked for, emails sent once each.
    expect(sendAttempts(t).twilio).toBe(0);
    const sent = sentMessages(t);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((m) => m.channel === 'EMAIL')).toBe(true);
    expect(duplicates(sent)).toEqual({ byReminder: 0, byRecipient: 0 });
  });
});

describe('billing config', () => {
  const base = {
    apiKeys: [{ name: 'k', key: 'k'.repeat(20), practices: ['*'] }],
    practices: [
      {
        id: 'p',
        name: 'P',
        system: 'nexhealth',
        connection: { baseUrl: 'http://127.0.0.1:1', apiKey: 'x', subdomain: 's', locationId: '1' },
      },
    ],
  };
  const withPractice = (extra: Record<string, unknown>) => ({ ...base, practices: [{ ...base.practices[0], ...extra }] });

  it('fills the defaults and takes a valid schedule and zone', () => {
    const config = parseConfig(withPractice({ timeZone: 'America/Chicago', billing: { schedule: '0 10 * * 1' } }));
    expect(config.practices[0]!.billing).toEqual({
      schedule: '0 10 * * 1',
      quietHours: ['21:00', '08:00'],
      minBalance: 1_000,
      channels: ['SMS', 'EMAIL'],
      reminderEveryDays: 7,
      onClaimProcessed: false,
    });
  });

  it("refuses a bad cron, a bad zone, a bad time, and billing without the practice's time zone", () => {
    expect(() => parseConfig(withPractice({ timeZone: 'UTC', billing: { schedule: 'every monday' } }))).toThrow(/cron pattern/);
    expect(() => parseConfig(withPractice({ timeZone: 'Mars/Olympus', billing: {} }))).toThrow(/IANA time zone/);
    expect(() => parseConfig(withPractice({ timeZone: 'UTC', billing: { quietHours: ['25:00', '08:00'] } }))).toThrow(/HH:MM/);
    expect(() => parseConfig(withPractice({ timeZone: 'UTC', billing: { minBalance: '0.00' } }))).toThrow(/positive decimal/);
    expect(() => parseConfig(withPractice({ billing: {} }))).toThrow(/timeZone for a practice with billing/);
  });
});
