/**
 * One claim's payer-status history through the public API: open-fhir's Maria Alvarez has a claim
 * the payer has not finished (`claim-alv-2`, its ClaimResponse queued). The claim-status sandbox scripts it A2/20 → P1/20 →
 * F1/65 (96.00 paid, check EFT0001). The gateway's clock is a fake one: the nightly discovery
 * schedule and each inquiry are run by moving it to `payerStatus.nextInquiryAt` and ticking the job
 * queue — no sleeps. `claimStatusChanged` receives each change with the balance re-read after it;
 * the finalized claim gets one confirming inquiry 7 days later and then none. `refreshClaimStatus`
 * within the minimum interval makes no upstream call.
 */
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { EPIC_SEED, GENERIC_SEED } from '../../src/sandbox/fhir';
import { KEYS, startTestGateway, type TestGateway } from './harness';

let t: TestGateway;
let clock = new Date();
let ws: Client;
const events: any[] = [];
// open-fhir lists its patients (the nightly discovery pages through them); Epic cannot, so there a
// watch starts with refreshClaimStatus(patientId).
const PRACTICE = 'open-fhir';
const MARIA = GENERIC_SEED.alvarez.patientId;
const CLAIM = 'claim-alv-2';

const PAYER_STATUS = /* GraphQL */ `
  query Claims($patientId: ID!) {
    patient(practiceId: "${PRACTICE}", patientId: $patientId) {
      claims { sourceId status serviceDate payerStatus {
        category codes { statusCategoryCode statusCode } billed { amount } paid { amount } checkNumber
        maxPatientResponsibility { amount } checkedAt polling nextInquiryAt attentionReason } }
    }
  }
`;
const claimOf = async () => {
  const { data, errors } = await t.gql(PAYER_STATUS, { patientId: MARIA });
  expect(errors).toBeUndefined();
  return data.patient.claims.find((c: { sourceId: string }) => c.sourceId === CLAIM);
};
const inquiries = (claimId = CLAIM) =>
  t.claimStatus!.requests.filter(
    (r) =>
      r.method === 'POST' &&
      (r.body as { encounter?: { patientAccountNumber?: string } })?.encounter?.patientAccountNumber === claimId,
  ).length;
const allInquiries = () => t.claimStatus!.requests.filter((r) => r.method === 'POST').length;
const tick = () => t.gateway.services.transactions.context.jobs.tick();

/** Move the fake clock to the claim's next inquiry and run what is due. */
async function nextInquiry(): Promise<void> {
  const { payerStatus } = await claimOf();
  expect(payerStatus.polling).toBe('WATCHING');
  clock = new Date(payerStatus.nextInquiryAt);
  await tick();
}

/** Wait on state (an event arrived, a listener registered), checking every 5 ms for up to 15 s. */
async function until<T>(read: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events)}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}

beforeAll(async () => {
  // No background poll of the job queue (every 5 s by default): a poll that claims the discovery or
  // an inquiry just as the test moves the clock would leave `tick()` nothing to wait for.
  t = await startTestGateway({
    fhir: true,
    coverage: true,
    gateway: { transactionOptions: { now: () => clock, pollIntervalMs: 3_600_000 } },
  });
  const { data } = await t.gql(PAYER_STATUS, { patientId: MARIA });
  const claim = data.patient.claims.find((c: { sourceId: string }) => c.sourceId === CLAIM);
  // The payer's side of Maria's claim: her coverage cov-alvarez carries member id BCX-cov-alvarez (the
  // FHIR seed's rule), its payor Blue Cross maps to the sandbox payer SANDBOX1.
  t.claimStatus!.addMember({ memberId: 'BCX-cov-alvarez', firstName: 'Maria', lastName: 'Alvarez', dateOfBirth: '19840502' });
  t.claimStatus!.addClaim({
    memberId: 'BCX-cov-alvarez',
    patientAccountNumber: CLAIM,
    serviceFrom: claim.serviceDate.replaceAll('-', ''),
    lines: [{ procedureId: '99214', submittedAmount: '150.00' }],
    script: [
      { statusCategoryCode: 'A2', statusCode: '20' },
      { statusCategoryCode: 'P1', statusCode: '20' },
      { statusCategoryCode: 'F1', statusCode: '65', amountPaid: '96.00', paidDate: true, checkNumber: 'EFT0001' },
    ],
  });
  t.claimStatus!.requests.length = 0;
  ws = createClient({
    url: `${t.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${KEYS.all}` },
    retryAttempts: 0,
  });
  ws.subscribe(
    {
      query: /* GraphQL */ `subscription { claimStatusChanged(practiceId: "${PRACTICE}", claimId: "${CLAIM}") {
        event claimId patientId previousCategory reread balance { total { cents } }
        payerStatus { category codes { statusCategoryCode } paid { amount } maxPatientResponsibility { amount } }
        claim { sourceId status } } }`,
    },
    { next: (value) => events.push(value), error: (error) => events.push({ error }), complete: () => undefined },
  );
  await until(() => (t.gateway.services.claimWatch.listeners(PRACTICE) > 0 ? true : undefined), 'the subscription');
}, 180_000);
afterAll(async () => {
  await ws?.dispose();
  await t?.close();
});

describe('claim watch', () => {
  it('the nightly discovery finds the pending claim; each inquiry on the cadence; each change announced after the re-read', async () => {
    const { status: ledgerStatus, payerStatus: before } = await claimOf();
    expect(before).toBeNull();
    // The first 01:00 (practice time) after start: discovery runs and watches the claim.
    clock = new Date(clock.getTime() + 24 * 3_600_000);
    await tick();
    const watched = (await claimOf()).payerStatus;
    expect(watched).toMatchObject({ polling: 'WATCHING', category: null, checkedAt: null });
    expect(inquiries()).toBe(0);

    const history: string[] = [];
    const seen = (n: number) => until(() => (events.length >= n ? events[n - 1] : undefined), `event ${n}`);
    const record = (e: any) => {
      const c = e.data.claimStatusChanged;
      history.push(
        `${c.event} ${c.previousCategory ?? '—'} → ${c.payerStatus.category} (${c.payerStatus.codes.statusCategoryCode}) balance ${c.balance.total.cents}`,
      );
      return c;
    };

    await nextInquiry();
    const first = record(await seen(1));
    expect(first).toMatchObject({
      event: 'PAYER_UPDATE_RECEIVED',
      previousCategory: null,
      claimId: CLAIM,
      patientId: MARIA,
      reread: 0,
    });
    expect(first.payerStatus).toMatchObject({
      category: 'ACKNOWLEDGED',
      codes: { statusCategoryCode: 'A2' },
      maxPatientResponsibility: null,
    });
    expect(first.claim).toMatchObject({ sourceId: CLAIM });
    expect(inquiries()).toBe(1);

    await nextInquiry();
    const second = record(await seen(2));
    expect(second).toMatchObject({
      event: 'PAYER_UPDATE_RECEIVED',
      previousCategory: 'ACKNOWLEDGED',
      payerStatus: { category: 'PENDING' },
    });

    await nextInquiry();
    const third = record(await seen(3));
    expect(third).toMatchObject({
      event: 'CLAIM_PROCESSED',
      previousCategory: 'PENDING',
      payerStatus: { category: 'FINALIZED_PAID', paid: { amount: '96.00' }, maxPatientResponsibility: { amount: '54.00' } },
    });
    const processed = (await claimOf()).payerStatus;
    expect(processed).toMatchObject({
      category: 'FINALIZED_PAID',
      checkNumber: 'EFT0001',
      billed: { amount: '150.00' },
      polling: 'WATCHING',
    });
    // The ledger's own status is untouched: payerStatus is additive.
    expect((await claimOf()).status).toBe(ledgerStatus);
    expect(inquiries()).toBe(3);

    // The re-reads 24 h and 72 h after CLAIM_PROCESSED run (the balance did not move: nothing more is announced).
    for (const hours of [24, 72]) {
      clock = new Date(Date.parse(processed.checkedAt) + hours * 3_600_000);
      await tick();
    }
    const { data } = await t.gql(`{ jobs(practiceId: "${PRACTICE}", kind: "claims.reread") { state } }`);
    expect(data.jobs.map((j: { state: string }) => j.state)).toEqual(['DONE', 'DONE', 'DONE', 'DONE', 'DONE']);
    expect(events).toHaveLength(3);

    // One confirming inquiry 7 days after the final answer, unchanged: no event, polling stops.
    await nextInquiry();
    expect(inquiries()).toBe(4);
    expect((await claimOf()).payerStatus).toMatchObject({ polling: 'STOPPED', nextInquiryAt: null, category: 'FINALIZED_PAID' });
    clock = new Date(clock.getTime() + 30 * 24 * 3_600_000);
    await tick();
    expect(inquiries()).toBe(4);
    expect(events).toHaveLength(3);
    console.info(`claim ${CLAIM} event history:\n  ${history.join('\n  ')}`);
  });

  it('refreshClaimStatus within the minimum interval answers the stored status without an upstream call', async () => {
    const before = inquiries();
    const { data, errors } = await t.gql(
      `mutation { refreshClaimStatus(practiceId: "${PRACTICE}", claimId: "${CLAIM}") { sourceId payerStatus { category checkedAt } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data.refreshClaimStatus.payerStatus.category).toBe('FINALIZED_PAID');
    // The last inquiry was the confirming one, 30 days of fake time ago: this one asks.
    expect(inquiries()).toBe(before + 1);
    const again = await t.gql(
      `mutation { refreshClaimStatus(practiceId: "${PRACTICE}", claimId: "${CLAIM}") { payerStatus { checkedAt } } }`,
    );
    expect(again.data.refreshClaimStatus.payerStatus.checkedAt).toBe(data.refreshClaimStatus.payerStatus.checkedAt);
    expect(inquiries()).toBe(before + 1);
    expect(events).toHaveLength(3);
  });

  it('two refreshClaimStatus at once, past the minimum interval: one inquiry, both answer the same status', async () => {
    clock = new Date(clock.getTime() + 3_600_000);
    const before = inquiries();
    const refresh = () =>
      t.gql(
        `mutation { refreshClaimStatus(practiceId: "${PRACTICE}", claimId: "${CLAIM}") { payerStatus { category checkedAt } } }`,
      );
    const [a, b] = await Promise.all([refresh(), refresh()]);
    expect([a.errors, b.errors]).toEqual([undefined, undefined]);
    expect(inquiries()).toBe(before + 1);
    expect(a.data.refreshClaimStatus.payerStatus).toEqual(b.data.refreshClaimStatus.payerStatus);
    expect(a.data.refreshClaimStatus.payerStatus).toEqual({ category: 'FINALIZED_PAID', checkedAt: clock.toISOString() });
  });

  it('a refreshClaimStatus that inquires reads the patient, her claims and her coverages once each', async () => {
    clock = new Date(clock.getTime() + 3_600_000);
    const before = inquiries();
    t.fhir!.resetRequestLog();
    const { errors } = await t.gql(
      `mutation { refreshClaimStatus(practiceId: "${PRACTICE}", claimId: "${CLAIM}") { payerStatus { category checkedAt } } }`,
    );
    expect(errors).toBeUndefined();
    expect(inquiries()).toBe(before + 1);
    const exchanges = t.fhir!.requests.filter((r) => !r.path.endsWith('/token'));
    // The FHIR adapter batches its reads: each entry of each batch is one ledger read.
    const reads = exchanges.flatMap((r) =>
      r.method === 'POST' && r.path.endsWith('/fhir')
        ? ((r.body as { entry?: Array<{ request: { url: string } }> })?.entry ?? []).map((e) => e.request.url)
        : [`${r.method} ${r.path}`],
    );
    const count = (prefix: string) => reads.filter((url) => url.startsWith(prefix)).length;
    // The inquiry builds its key from what the refresh read (was: each read twice).
    expect(count('Patient/')).toBe(1);
    expect(count('Coverage?')).toBe(1);
    expect(count('Account?')).toBe(1);
    // Her claims: once for the inquiry's key, once more for the Claim the mutation answers.
    expect(count('Claim?')).toBe(2);
    expect(reads).toHaveLength(9);
    console.info(`refreshClaimStatus: ${exchanges.length} FHIR exchanges, ${reads.length} reads`);
  });

  it('refreshClaimStatus of an unknown claim or without a claim-status clearinghouse is refused before any call', async () => {
    const before = allInquiries();
    const unknown = await t.gql(
      `mutation { refreshClaimStatus(practiceId: "${PRACTICE}", claimId: "nope", patientId: "${MARIA}") { sourceId } }`,
    );
    expect(unknown.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    const unsupported = await t.gql(
      `mutation { refreshClaimStatus(practiceId: "smile-dental", claimId: "1", patientId: "1") { sourceId } }`,
    );
    expect(unsupported.errors![0]!.extensions!.code).toBe('NOT_SUPPORTED');
    // An id its GraphQL type lets through but no system could hold: refused before any read or inquiry.
    const malformed = await t.gql(
      `mutation { refreshClaimStatus(practiceId: "${PRACTICE}", claimId: "has space", patientId: "${MARIA}") { sourceId } }`,
    );
    expect(malformed.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(malformed.errors![0]!.message).toMatch(/claimId/);
    expect(allInquiries()).toBe(before);
  });

  it('a claim the payer rejects (A7) needs the practice: NEEDS_ATTENTION, and no inquiry after it (Epic: watched from a refresh)', async () => {
    const jane = EPIC_SEED.jane.patientId;
    const claimId = 'eEOB.Jane.Queued.2';
    const { data } = await t.gql(
      `{ patient(practiceId: "lakeview-epic", patientId: "${jane}") { claims { sourceId serviceDate } } }`,
    );
    const claim = data.patient.claims.find((c: { sourceId: string }) => c.sourceId === claimId);
    t.claimStatus!.addMember({ memberId: 'AVL000001', firstName: 'Jane', lastName: 'Doe', dateOfBirth: '19850412' });
    t.claimStatus!.addClaim({
      memberId: 'AVL000001',
      patientAccountNumber: claimId,
      serviceFrom: claim.serviceDate.replaceAll('-', ''),
      lines: [{ procedureId: '99214', submittedAmount: '150.00' }],
      script: [{ statusCategoryCode: 'A7', statusCode: '21' }],
    });
    const before = inquiries(claimId);
    const refreshed = await t.gql(
      `mutation { refreshClaimStatus(practiceId: "lakeview-epic", claimId: "${claimId}", patientId: "${jane}") {
        payerStatus { category polling attentionReason nextInquiryAt codes { statusCategoryCode statusCode } } } }`,
    );
    expect(refreshed.errors).toBeUndefined();
    expect(refreshed.data.refreshClaimStatus.payerStatus).toMatchObject({
      category: 'REJECTED',
      polling: 'NEEDS_ATTENTION',
      nextInquiryAt: null,
      codes: { statusCategoryCode: 'A7', statusCode: '21' },
    });
    expect(refreshed.data.refreshClaimStatus.payerStatus.attentionReason).toMatch(/corrected and resubmitted/);
    expect(inquiries(claimId)).toBe(before + 1);
    clock = new Date(clock.getTime() + 10 * 24 * 3_600_000);
    await tick();
    expect(inquiries(claimId)).toBe(before + 1);
  });
});
