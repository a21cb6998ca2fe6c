/**
 * A billing cycle over a 1,000-guarantor NexHealth sandbox practice (issue 16's "Done means"):
 * `npx tsx test/bench/billing-cycle.ts [guarantors]`. The default seed's smile-dental location gets
 * `guarantors` more self-guarantor patients, each with a phone, an email and a guarantor A/R record
 * (a balance from $5 to $500: some fall under the $10 minimum). The gateway runs on a `memory://`
 * store with Stripe's sandbox and the recording messaging adapters (test/flows/billing-cycle/),
 * jobs driven by `tick()`. Prints the dry run, then the real run's wall time, messages, duplicates
 * and upstream calls per system, as JSON.
 */
import { NEX_SEED, createNexSeed } from '../../src/sandbox/nexhealth';
import type { Channel } from '../../src/adapters/messaging/port';
import { recordingAdapter, type RecordingAdapter } from '../flows/billing-cycle/recording-messaging';
import { startTestGateway } from '../e2e/harness';

const count = Number(process.argv[2] ?? 1_000);
const seed = createNexSeed();
const location = Number(NEX_SEED.locations.openDental);
let nextId = 900_001;
for (let i = 0; i < count; i += 1) {
  const id = nextId++;
  const stamp = '2025-01-01T00:00:00Z';
  seed.patients.push({
    id,
    location_id: location,
    first_name: `Bench${i}`,
    last_name: 'Guarantor',
    email: `bench${i}@example.com`,
    guarantor_id: id,
    non_patient: false,
    date_of_birth: '1980-01-01',
    gender: null,
    phone_number: `555${String(3_000_000 + i).padStart(7, '0')}`,
    inactive: false,
    created_at: stamp,
    updated_at: stamp,
  });
  const portion = 500 + ((i * 4_999) % 49_500); // $5.00 … $499.99
  seed.guarantorBalances.push({
    id: 800_000 + i,
    location_id: location,
    guarantor_id: id,
    total_balance: portion,
    guarantor_portion: portion,
    insurance_estimate: 0,
    write_off_estimate: 0,
    total_balance_under_30: portion,
    total_balance_31_60: 0,
    total_balance_61_90: 0,
    total_balance_over_90: 0,
    updated_at: stamp,
  });
}

const adapters: Record<Channel, RecordingAdapter> = {
  SMS: recordingAdapter('SMS', 'twilio'),
  EMAIL: recordingAdapter('EMAIL', 'sendgrid'),
};
const t = await startTestGateway({
  nexhealth: { seed },
  config: (raw) => {
    const smile = raw.practices.find((p: { id: string }) => p.id === 'smile-dental');
    smile.timeZone = 'America/New_York';
    smile.billing = { quietHours: ['00:00', '00:00'] };
  },
  gateway: {
    createMessagingAdapter: (practice, channel) => (practice.id === 'smile-dental' ? adapters[channel] : null),
    billing: { checkoutExpiresInMinutes: 60, pageSize: 1_000 },
    collection: { watchIntervalMs: 3_600_000 },
    transactionOptions: { pollIntervalMs: 3_600_000 },
  },
});

const START = `mutation S($input: StartBillingCycleInput!) { startBillingCycle(input: $input) {
  cycle { id status dryRun considered checkoutsCreated remindersSent skipped { reason count } } } }`;
const GET = `query G($id: ID!) { billingCycle(practiceId: "smile-dental", id: $id) { id status considered checkoutsCreated remindersSent skipped { reason count } startedAt finishedAt } }`;
const input = { practiceId: 'smile-dental', channels: ['SMS', 'EMAIL'], minBalance: '10.00' };

const dryStarted = performance.now();
const dry = await t.gql(START, { input: { ...input, dryRun: true, idempotencyKey: 'bench-dry' } });
const dryMs = performance.now() - dryStarted;
const dryCalls = t.nex.requests.length;
t.nex.resetRequestLog();

const started = performance.now();
const real = await t.gql(START, { input: { ...input, idempotencyKey: 'bench-real' } });
const id = real.data.startBillingCycle.cycle.id;
let cycle: any;
for (let pass = 0; pass < 1_000; pass += 1) {
  await t.gateway.services.transactions.tick();
  await t.gateway.services.transactions.context.inFlight.settle();
  cycle = (await t.gql(GET, { id })).data.billingCycle;
  if (cycle.status !== 'RUNNING') break;
}
const wallMs = performance.now() - started;
const sent = [...adapters.SMS.sent, ...adapters.EMAIL.sent];
const keys = sent.map((m) => `${m.reminderId}`);
const perRecipient = sent.map((m) => `${m.channel}:${m.to}`);
console.log(
  JSON.stringify(
    {
      guarantorsAdded: count,
      dryRun: { ...dry.data.startBillingCycle.cycle, wallMs: Math.round(dryMs), nexhealthCalls: dryCalls },
      realRun: {
        ...cycle,
        wallMs: Math.round(wallMs),
        messages: { sms: adapters.SMS.sent.length, email: adapters.EMAIL.sent.length },
        duplicateReminderIds: keys.length - new Set(keys).size,
        duplicateRecipients: perRecipient.length - new Set(perRecipient).size,
        upstreamCalls: {
          nexhealth: t.nex.requests.length,
          stripe: t.stripe.requests.length,
          twilioSends: adapters.SMS.calls,
          sendgridSends: adapters.EMAIL.calls,
        },
      },
    },
    null,
    2,
  ),
);
await t.close();
