/**
 * `billing.onClaimProcessed` through the public API: open-fhir's Maria Alvarez has a pending claim
 * (`claim-alv-2`) the claim-status sandbox answers F1/65 (96.00 paid of 150.00: at most 54.00 is
 * hers). The FHIR practices have no processor and no messaging, and the FHIR adapter reads no
 * telecom, so the test gives open-fhir smile-dental's Stripe and Twilio/SendGrid connections (the
 * harness's `config` hook) and Maria a phone and an email (a wrapper over the FHIR adapter's patient
 * reads). `open-fhir-off` is the same ledger with `onClaimProcessed: false`. Fake clock, no sleeps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerAdapter } from '../../src/adapters/ledger/port';
import type { PracticeConfig } from '../../src/config';
import { defaultAdapterFactory } from '../../src/server/gateway';
import { GENERIC_SEED } from '../../src/sandbox/fhir';
import type { WritePathJobKinds } from '../../src/transactions/write-path-jobs';
import { startTestGateway, type TestGateway } from './harness';

const ON = 'open-fhir';
const OFF = 'open-fhir-off';
const MARIA = GENERIC_SEED.alvarez.patientId;
const CLAIM = 'claim-alv-2';
let t: TestGateway;
const clock = new Date();

/** Maria's contact, which the FHIR adapter does not read: added to her record as the ledger answers it. */
function withMariaContact(adapter: LedgerAdapter): LedgerAdapter {
  return new Proxy(adapter, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== 'patients' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const found = (await value.apply(target, args)) as Array<{ sourceId: string } | null>;
        return found.map((p) => (p?.sourceId === MARIA ? { ...p, phone: '+15555550142', email: 'maria@example.com' } : p));
      };
    },
  });
}

const refresh = (practiceId: string) =>
  t.gql(
    `mutation { refreshClaimStatus(practiceId: "${practiceId}", claimId: "${CLAIM}", patientId: "${MARIA}") { payerStatus { category maxPatientResponsibility { amount } } } }`,
  );
const jobs = () => t.gateway.services.transactions.context.jobs;
const sql = () => t.gateway.services.transactions.context.store.sql;
/** The COLLECTION transactions (checkouts) of a practice. */
async function checkouts(practiceId: string): Promise<string[]> {
  const { rows } = await sql().query<{ id: string }>(
    `SELECT transaction_id AS id FROM ledger_transactions WHERE practice_id = $1 AND kind = 'COLLECTION' ORDER BY created_at`,
    [practiceId],
  );
  return rows.map((r) => r.id);
}
/** Wait on state, checking every 5 ms for up to 15 s. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}
const TRANSACTION = /* GraphQL */ `
  query T($practiceId: ID!, $id: ID!) {
    transaction(practiceId: $practiceId, transactionId: $id) {
      kind amount { amount } checkout { status payPageUrl } reminders { channel to status }
    }
  }
`;

beforeAll(async () => {
  t = await startTestGateway({
    fhir: true,
    coverage: true,
    config: (raw) => {
      const smile = raw.practices.find((p: { id: string }) => p.id === 'smile-dental');
      const open = raw.practices.find((p: { id: string }) => p.id === ON);
      // Equal quiet hours: none, so the reminder leaves whatever the hour of the run.
      open.processor = smile.processor;
      open.messaging = smile.messaging;
      open.timeZone = 'America/New_York';
      open.billing = { onClaimProcessed: true, quietHours: ['00:00', '00:00'], channels: ['SMS', 'EMAIL'] };
      raw.practices.push({ ...open, id: OFF, billing: { ...open.billing, onClaimProcessed: false } });
    },
    gateway: {
      transactionOptions: { now: () => clock },
      createAdapter: (practice: PracticeConfig) => {
        const adapter = defaultAdapterFactory({ retryBaseDelayMs: 1, maxRetries: 2, timeoutMs: 2000 })(practice);
        return practice.id === ON || practice.id === OFF ? withMariaContact(adapter) : adapter;
      },
    },
  });
  const { data } = await t.gql(
    `query { patient(practiceId: "${ON}", patientId: "${MARIA}") { claims { sourceId serviceDate } } }`,
  );
  const claim = data.patient.claims.find((c: { sourceId: string }) => c.sourceId === CLAIM);
  t.claimStatus!.addMember({ memberId: 'BCX-cov-alvarez', firstName: 'Maria', lastName: 'Alvarez', dateOfBirth: '19840502' });
  t.claimStatus!.addClaim({
    memberId: 'BCX-cov-alvarez',
    patientAccountNumber: CLAIM,
    serviceFrom: claim.serviceDate.replaceAll('-', ''),
    lines: [{ procedureId: '99214', submittedAmount: '150.00' }],
    script: [{ statusCategoryCode: 'F1', statusCode: '65', amountPaid: '96.00', paidDate: true, checkNumber: 'EFT0001' }],
  });
}, 180_000);
afterAll(async () => {
  await t?.close();
});

describe('billing.onClaimProcessed', () => {
  it('off: a processed claim makes no checkout and no reminder', async () => {
    const { data, errors } = await refresh(OFF);
    expect(errors).toBeUndefined();
    expect(data.refreshClaimStatus.payerStatus).toMatchObject({
      category: 'FINALIZED_PAID',
      maxPatientResponsibility: { amount: '54.00' },
    });
    await jobs().tick();
    expect(await jobs().list({ kind: 'claims.on-processed' })).toHaveLength(0);
    expect(await checkouts(OFF)).toEqual([]);
    expect(t.twilio.sent).toHaveLength(0);
  });

  it('on: one checkout of her share and one reminder per channel; a second delivery of the event makes none', async () => {
    const stripeBefore = t.stripe.requests.filter((r) => r.method === 'POST').length;
    const { errors } = await refresh(ON);
    expect(errors).toBeUndefined();
    await jobs().tick();
    // The queue's own worker may hold the job: wait on its state.
    await until(async () => (await jobs().list({ kind: 'claims.on-processed' }))[0]?.state === 'done', 'the job');
    const made = await checkouts(ON);
    expect(made).toHaveLength(1);
    const { data } = await t.gql(TRANSACTION, { practiceId: ON, id: made[0] });
    expect(data.transaction).toMatchObject({ kind: 'COLLECTION', amount: { amount: '-54.00' }, checkout: { status: 'OPEN' } });
    expect(data.transaction.reminders.map((r: { channel: string }) => r.channel).sort()).toEqual(['EMAIL', 'SMS']);
    // Masked in the API.
    expect(data.transaction.reminders.find((r: { channel: string }) => r.channel === 'SMS').to).toBe('***-***-0142');
    expect(t.twilio.sent).toHaveLength(1);
    expect(t.twilio.sent[0]!.body).toContain(data.transaction.checkout.payPageUrl);
    const stripeCalls = t.stripe.requests.filter((r) => r.method === 'POST').length - stripeBefore;

    // The same event delivered again: its first re-read run once more (a retry, or another
    // instance), and the hook's job run again without its idempotency key.
    const [reread] = await jobs().list({ kind: 'claims.reread', payloadContains: { practiceId: ON } });
    const again = await jobs().enqueue('claims.reread', { ...(reread!.payload as WritePathJobKinds['claims.reread']), step: 0 });
    await jobs().run(again.job.id);
    const [onProcessed, ...more] = await jobs().list({ kind: 'claims.on-processed' });
    expect(more).toHaveLength(0);
    const replay = await jobs().enqueue('claims.on-processed', onProcessed!.payload as WritePathJobKinds['claims.on-processed']);
    await jobs().run(replay.job.id);
    await jobs().tick();
    expect(await checkouts(ON)).toEqual(made);
    const after = await t.gql(TRANSACTION, { practiceId: ON, id: made[0] });
    expect(after.data.transaction.reminders).toHaveLength(2);
    expect(t.twilio.sent).toHaveLength(1);
    expect(t.stripe.requests.filter((r) => r.method === 'POST').length - stripeBefore).toBe(stripeCalls);
  });
});
