/**
 * A billing cycle over a 1,000-guarantor NexHealth sandbox practice (issue 16's "Done means"):
 * `npx tsx test/bench/billing-cycle.ts [guarantors]`. The default seed's smile-dental location gets
 * `guarantors` more self-guarantor patients, each with a phone, an email and a guarantor A/R record
 * (a balance from $5 to $500: some fall under the $10 minimum). The gateway runs on a `memory://`
 * store with Stripe's sandbox and the Twilio and SendGrid sandboxes of the e2e harness (the
 * practice's own `messaging` adapters, their status callbacks and event batches posted back to the
 * gateway), jobs driven by `tick()`. Prints the dry run, then the real run's wall time, messages,
 * duplicates (from the sandboxes' sent logs) and upstream calls per system, as JSON.
 */
import { createNexSeed } from '../../src/sandbox/nexhealth';
import { startTestGateway } from '../e2e/harness';
import { addGuarantors, duplicates, sendAttempts, sentMessages, settleWebhooks } from '../flows/billing-cycle/sandbox-messages';

const count = Number(process.argv[2] ?? 1_000);
const seed = createNexSeed();
addGuarantors(
  seed,
  Array.from({ length: count }, (_, i) => ({
    phone: `555${String(3_000_000 + i).padStart(7, '0')}`,
    email: `bench${i}@example.com`,
    cents: 500 + ((i * 4_999) % 49_500), // $5.00 … $499.99
  })),
);

const t = await startTestGateway({
  nexhealth: { seed },
  config: (raw) => {
    const smile = raw.practices.find((p: { id: string }) => p.id === 'smile-dental');
    smile.timeZone = 'America/New_York';
    smile.billing = { quietHours: ['00:00', '00:00'] };
  },
  gateway: {
    billing: { checkoutExpiresInMinutes: 60, pageSize: 1_000 },
    collection: { watchIntervalMs: 3_600_000 },
    transactionOptions: { pollIntervalMs: 3_600_000 },
  },
});

const START = `mutation S($input: StartBillingCycleInput!) { startBillingCycle(input: $input) {
  cycle { id status dryRun considered checkoutsCreated remindersSent skipped { reason count } } } }`;
const GET = `query G($id: ID!) { billingCycle(practiceId: "smile-dental", id: $id) { id status considered checkoutsCreated remindersSent skipped { reason count } startedAt finishedAt } }`;
const STATUSES = `query G($id: ID!, $after: String) { billingCycle(practiceId: "smile-dental", id: $id) {
  checkouts(first: 200, after: $after) { nodes { reminders { status } } hasNextPage endCursor } } }`;
const input = { practiceId: 'smile-dental', channels: ['SMS', 'EMAIL'], minBalance: '10.00' };

const dryStarted = performance.now();
const dry = await t.gql(START, { input: { ...input, dryRun: true, idempotencyKey: 'bench-dry' } });
const dryMs = performance.now() - dryStarted;
const dryCalls = { nexhealth: t.nex.requests.length, stripe: t.stripe.requests.length, ...sendAttempts(t) };
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
await settleWebhooks(t);
const settledMs = performance.now() - started;
const statuses: Record<string, number> = {};
let after: string | null = null;
do {
  const page: any = (await t.gql(STATUSES, { id, after })).data.billingCycle.checkouts;
  for (const node of page.nodes) for (const r of node.reminders) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  after = page.hasNextPage ? page.endCursor : null;
} while (after);
const sent = sentMessages(t);
console.log(
  JSON.stringify(
    {
      guarantorsAdded: count,
      dryRun: { ...dry.data.startBillingCycle.cycle, wallMs: Math.round(dryMs), upstreamCalls: dryCalls },
      realRun: {
        ...cycle,
        wallMs: Math.round(wallMs),
        untilEveryWebhookAppliedMs: Math.round(settledMs),
        messages: {
          sms: sent.filter((m) => m.channel === 'SMS').length,
          email: sent.filter((m) => m.channel === 'EMAIL').length,
        },
        duplicates: duplicates(sent),
        reminderStatuses: statuses,
        upstreamCalls: {
          nexhealth: t.nex.requests.length,
          stripe: t.stripe.requests.length,
          twilio: t.twilio.requests.length,
          sendgrid: t.sendgrid.requests.length,
        },
        webhooksPosted: {
          twilioCallbacks: t.twilio.callbacks.deliveries.length,
          sendgridBatches: t.sendgrid.webhooks.deliveries.length,
        },
      },
    },
    null,
    2,
  ),
);
await t.close();
