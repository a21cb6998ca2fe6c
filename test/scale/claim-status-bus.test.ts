/**
 * `claimStatusChanged` across instances: two gateways on one PostgreSQL store
 * (LEDGER_TEST_POSTGRES_URL; tables in a schema of their own, as test/scale/two-instances.test.ts
 * does). A client subscribed on instance A hears the change instance B's `refreshClaimStatus` made,
 * with the balance B re-read (the `ledger_claim_status` channel carries ids; A re-reads the store).
 */
import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { GENERIC_SEED } from '../../src/sandbox/fhir';
import { KEYS, startTestGateway, type TestGateway } from '../e2e/harness';
import { testPostgresUrl } from '../postgres-url';

const SCHEMA = 'ledger_claim_bus_test';
const PRACTICE = 'open-fhir';
const MARIA = GENERIC_SEED.alvarez.patientId;
const CLAIM = 'claim-alv-2';
const clock = new Date();
let a: TestGateway;
let b: TestGateway;
let ws: Client;
const events: any[] = [];

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** Wait on state, checking every 5 ms for up to 15 s. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events)}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}

beforeAll(async () => {
  const base = testPostgresUrl();
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin.query(`CREATE SCHEMA ${SCHEMA}`);
  await admin.end();
  const options = {
    fhir: true,
    coverage: true,
    config: (raw: Record<string, any>) => {
      raw.store = { url: withSearchPath(base, SCHEMA) };
    },
    gateway: { transactionOptions: { now: () => clock } },
  };
  a = await startTestGateway(options);
  b = await startTestGateway(options);
  const { data } = await b.gql(
    `query { patient(practiceId: "${PRACTICE}", patientId: "${MARIA}") { claims { sourceId serviceDate } } }`,
  );
  const claim = data.patient.claims.find((c: { sourceId: string }) => c.sourceId === CLAIM);
  b.claimStatus!.addMember({ memberId: 'BCX-cov-alvarez', firstName: 'Maria', lastName: 'Alvarez', dateOfBirth: '19840502' });
  b.claimStatus!.addClaim({
    memberId: 'BCX-cov-alvarez',
    patientAccountNumber: CLAIM,
    serviceFrom: claim.serviceDate.replaceAll('-', ''),
    lines: [{ procedureId: '99214', submittedAmount: '150.00' }],
    script: [{ statusCategoryCode: 'F1', statusCode: '65', amountPaid: '96.00', paidDate: true, checkNumber: 'EFT0001' }],
  });
  ws = createClient({
    url: `${a.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${KEYS.all}` },
    retryAttempts: 0,
  });
  ws.subscribe(
    {
      query: `subscription { claimStatusChanged(practiceId: "${PRACTICE}", claimId: "${CLAIM}") {
        event claimId patientId reread balance { total { cents } } payerStatus { category maxPatientResponsibility { amount } } } }`,
    },
    { next: (value) => events.push(value), error: (error) => events.push({ error }), complete: () => undefined },
  );
  await until(() => a.gateway.services.claimWatch.listeners(PRACTICE) > 0, 'the subscription');
}, 240_000);
afterAll(async () => {
  await ws?.dispose();
  await a?.close();
  await b?.close();
});

describe('claimStatusChanged across instances', () => {
  it("a subscriber on instance A hears instance B's change, with B's re-read balance", async () => {
    const { errors } = await b.gql(
      `mutation { refreshClaimStatus(practiceId: "${PRACTICE}", claimId: "${CLAIM}", patientId: "${MARIA}") { sourceId } }`,
    );
    expect(errors).toBeUndefined();
    expect(a.claimStatus!.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    await until(() => events.length >= 1, 'the change on instance A');
    expect(events[0].data.claimStatusChanged).toEqual({
      event: 'CLAIM_PROCESSED',
      claimId: CLAIM,
      patientId: MARIA,
      reread: 0,
      balance: { total: { cents: 12400 } },
      payerStatus: { category: 'FINALIZED_PAID', maxPatientResponsibility: { amount: '54.00' } },
    });
  });
});
