/**
 * `Patient.eligibility` through the public API, against the Availity sandbox, on the FHIR sandbox's
 * patients (their seeded coverages): a cold check and the same question answered from the store
 * (upstream calls counted in the sandbox's request log), `refresh: true`, a payer's rejection as a
 * result with reasons, a missing payer mapping (BAD_USER_INPUT naming it, zero upstream calls), and a
 * payer that does not answer within the polling bound, whose inquiry the next request resumes
 * without a second POST. Polling waits are 1 ms here (gateway option), so nothing sleeps.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EPIC_SEED, GENERIC_SEED, ORACLE_SEED } from '../../src/sandbox/fhir';
import { startTestGateway, type TestGateway } from './harness';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({
    fhir: true,
    coverage: true,
    gateway: { eligibility: { pollFirstMs: 1, pollEveryMs: 1, pollForMs: 5 } },
    // summit-health knows no availity payer id for its patients' payer (Aetna): the mapping test.
    config: (raw) => {
      const summit = raw.practices.find((p: { id: string }) => p.id === 'summit-health');
      summit.coverage.eligibility.payerIds = { 'Organization/someone-else': 'SANDBOX1' };
    },
  });
});
afterAll(async () => {
  await t?.close();
});

/** Lakeview's Jane Doe: her coverage's member id is the Availity sandbox's first member, AVL000001. */
const JANE = { memberId: 'AVL000001', patient: { firstName: 'Jane', lastName: 'Doe', birthDate: '1985-04-12' } };

beforeEach(() => {
  // Only the log: a reset would also expire the gateway's token (its re-POST after the 401 would count).
  t.availity!.requests.length = 0;
  t.fhir!.resetRequestLog();
});

const ELIGIBILITY = /* GraphQL */ `
  query Eligibility($practiceId: ID!, $patientId: ID!, $refresh: Boolean, $asOf: Date) {
    patient(practiceId: $practiceId, patientId: $patientId) {
      eligibility(refresh: $refresh, asOf: $asOf) {
        status coverageId coverageActive payerName planName officeVisitCopay { amount } copayAmbiguous coinsurancePercent
        deductible { individual { total { amount } remaining { amount } } family { total { amount } remaining { amount } } }
        outOfPocket { individual { total { amount } remaining { amount } } }
        reasons { code description field }
        checkedAt cached
      }
      unsupported
    }
    practice(id: $practiceId) { capabilities { eligibility claimStatusInquiry coverage } }
  }
`;

const posts = () => t.availity!.requests.filter((r) => r.method === 'POST' && r.route === '/coverages').length;
const polls = () => t.availity!.requests.filter((r) => r.method === 'GET' && r.route.startsWith('/coverages/')).length;
const upstreamCalls = () => t.availity!.requests.filter((r) => r.route !== '/token').length;
const ask = (variables: Record<string, unknown>) =>
  t.gql(ELIGIBILITY, { practiceId: 'lakeview-epic', patientId: EPIC_SEED.jane.patientId, ...variables });

describe('Patient.eligibility', () => {
  it('cold: one POST to Availity; the same question again within 24 h: zero upstream calls', async () => {
    const cold = await ask({ asOf: '2026-07-30' });
    expect(cold.errors).toBeUndefined();
    expect(cold.data.practice.capabilities).toEqual({ eligibility: true, claimStatusInquiry: true, coverage: true });
    expect(cold.data.patient.eligibility).toMatchObject({
      status: 'COMPLETE',
      coverageId: EPIC_SEED.jane.coverageId,
      coverageActive: true,
      officeVisitCopay: { amount: '25.00' },
      copayAmbiguous: false,
      coinsurancePercent: 20,
      deductible: {
        individual: { total: { amount: '1500.00' }, remaining: { amount: '1200.00' } },
        family: { total: { amount: '3000.00' }, remaining: { amount: '2500.00' } },
      },
      outOfPocket: { individual: { total: { amount: '6000.00' }, remaining: { amount: '5100.00' } } },
      reasons: [],
      cached: false,
    });
    const coldCalls = {
      upstream: upstreamCalls(),
      posts: posts(),
      polls: polls(),
      tokens: t.availity!.requests.length - upstreamCalls(),
    };
    expect(coldCalls).toMatchObject({ upstream: 1, posts: 1, polls: 0 });
    expect(coldCalls.tokens).toBeLessThanOrEqual(1);
    // The member id went upstream, never into the answer.
    expect(t.availity!.requests.find((r) => r.route === '/coverages')!.form).toContainEqual(['memberId', 'AVL000001']);
    expect(JSON.stringify(cold.data)).not.toContain('AVL000001');

    const requestsAfterCold = t.availity!.requests.length;
    const cached = await ask({ asOf: '2026-07-30' });
    expect(cached.data.patient.eligibility).toMatchObject({
      status: 'COMPLETE',
      cached: true,
      checkedAt: cold.data.patient.eligibility.checkedAt,
    });
    expect(t.availity!.requests.length).toBe(requestsAfterCold);
    console.info(
      `eligibility upstream calls: cold ${coldCalls.upstream} (POST /coverages) + ${coldCalls.tokens} token; cached ${t.availity!.requests.length - requestsAfterCold}`,
    );

    const refreshed = await ask({ asOf: '2026-07-30', refresh: true });
    expect(refreshed.data.patient.eligibility).toMatchObject({ status: 'COMPLETE', cached: false });
    expect(posts()).toBe(2);
  });

  it("a payer's rejection is a REJECTED result with reasons, not an error", async () => {
    // open-fhir's coverages carry member ids Availity's payer cannot find.
    const { data, errors } = await t.gql(ELIGIBILITY, { practiceId: 'open-fhir', patientId: GENERIC_SEED.alvarez.patientId });
    expect(errors).toBeUndefined();
    const check = data.patient.eligibility;
    expect(check).toMatchObject({ status: 'REJECTED', coverageActive: null, officeVisitCopay: null, cached: false });
    expect(check.reasons.length).toBeGreaterThan(0);
    expect(check.reasons[0]).toMatchObject({ code: expect.stringMatching(/^(72|75)$/), field: expect.any(String) });
    expect(posts()).toBe(1);
  });

  it('a missing payer mapping is BAD_USER_INPUT naming the payer, with zero upstream calls', async () => {
    const { data, errors } = await t.gql(ELIGIBILITY, { practiceId: 'summit-health', patientId: ORACLE_SEED.nancy.patientId });
    expect(data.patient.eligibility).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(errors![0]!.message).toMatch(/^no availity payer id for .*"Aetna"/);
    expect(errors![0]!.path).toEqual(['patient', 'eligibility']);
    expect(t.availity!.requests).toHaveLength(0);
  });

  it('two concurrent first requests for the same question: one POST, both answered', async () => {
    const [x, y] = await Promise.all([ask({ asOf: '2026-08-10' }), ask({ asOf: '2026-08-10' })]);
    expect(x.errors).toBeUndefined();
    expect(y.errors).toBeUndefined();
    expect(x.data.patient.eligibility.status).toBe('COMPLETE');
    expect(y.data.patient.eligibility.checkedAt).toBe(x.data.patient.eligibility.checkedAt);
    expect(posts()).toBe(1);
  });

  it('a payer that never answers: UPSTREAM_UNAVAILABLE after the bound; the next request resumes polling, no second POST', async () => {
    // Availity answers "in progress" for the first POST and six GETs, then the seeded benefits (AVL000004's are
    // AVL000001's). The last test that asks about Jane: her script stays changed.
    t.availity!.addMember({
      ...JANE,
      steps: [...Array(7).fill({ statusCode: '0' }), { statusCode: '4', benefitsOf: 'AVL000004' }],
    });
    const first = await ask({ asOf: '2026-08-03' });
    expect(first.data.patient.eligibility).toBeNull();
    expect(first.errors![0]!.extensions!.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(first.errors![0]!.message).not.toContain('AVL000001');
    expect({ posts: posts(), polls: polls() }).toEqual({ posts: 1, polls: 5 });

    const resumed = await ask({ asOf: '2026-08-03' });
    expect(resumed.errors).toBeUndefined();
    expect(resumed.data.patient.eligibility).toMatchObject({
      status: 'COMPLETE',
      officeVisitCopay: { amount: '25.00' },
      cached: false,
    });
    expect(posts()).toBe(1);
    expect(polls()).toBeGreaterThan(5);
    // Answered now: the third request is the store's.
    const before = upstreamCalls();
    expect((await ask({ asOf: '2026-08-03' })).data.patient.eligibility.cached).toBe(true);
    expect(upstreamCalls()).toBe(before);
  });

  it('a malformed coverageId is BAD_USER_INPUT naming it, before any coverage read or clearinghouse call', async () => {
    const { data, errors } = await t.gql(
      `query($practiceId: ID!, $patientId: ID!, $coverageId: ID) {
         patient(practiceId: $practiceId, patientId: $patientId) { eligibility(coverageId: $coverageId) { status } }
       }`,
      { practiceId: 'lakeview-epic', patientId: EPIC_SEED.jane.patientId, coverageId: 'not an id' },
    );
    expect(data.patient.eligibility).toBeNull();
    expect(errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(errors![0]!.message).toMatch(/coverageId/);
    expect(t.availity!.requests).toHaveLength(0);
    expect(t.fhir!.requests.filter((r) => r.path.endsWith('/Coverage'))).toHaveLength(0);
  });

  it('no coverage read: null with the reason in Patient.unsupported, no upstream call', async () => {
    const { data, errors } = await t.gql(ELIGIBILITY, { practiceId: 'lakeview-epic', patientId: EPIC_SEED.noClaims.patientId });
    expect(errors).toBeUndefined();
    expect(data.patient.eligibility).toBeNull();
    expect(data.patient.unsupported).toEqual(['eligibility: no insurance coverage is on file for this patient']);
    expect(t.availity!.requests).toHaveLength(0);
  });
});
