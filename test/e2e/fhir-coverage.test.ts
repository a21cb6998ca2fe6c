/**
 * `Patient.coverages` through the public API: each FHIR profile's seeded coverage, mapped per the
 * adapter README (member id masked to its last 4, the MB identifier when there is no subscriberId,
 * active = status active and period covering today), with its upstream requests counted: one
 * `Coverage?patient=` search per patient, and on generic one batch Bundle for three patients. A
 * NexHealth or athenahealth patient answers null with the reason, and asking costs no upstream call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATHENA_SEED_PATIENTS } from '../../src/sandbox/athenahealth';
import { EPIC_SEED, GENERIC_SEED, ORACLE_SEED } from '../../src/sandbox/fhir';
import { startTestGateway, type TestGateway } from './harness';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ fhir: true });
});
afterAll(async () => {
  await t?.close();
});

const FIELDS = `id status active order subscriberId payerName planName groupNumber relationship periodStart periodEnd`;
const COVERAGES = /* GraphQL */ `
  query Coverages($practiceId: ID!, $patientId: ID!) {
    patient(practiceId: $practiceId, patientId: $patientId) {
      sourceId
      coverages { ${FIELDS} }
      unsupported
    }
    practice(id: $practiceId) { capabilities { coverage } }
  }
`;
const today = () => new Date().toISOString().slice(0, 10);

const coverageSearches = () =>
  t.fhir!.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/Coverage')).map((r) => r.query.patient);
const batchEntries = () =>
  t
    .fhir!.requests.filter((r) => r.method === 'POST' && /\/generic\/fhir\/?$/.test(r.path))
    .map((r) => (r.body as { entry: Array<{ request: { url: string } }> }).entry.map((e) => e.request.url));

describe('Patient.coverages on FHIR practices', () => {
  it('summit-health (oracle-health): Nancy’s Aetna coverage, member id masked, one Coverage search', async () => {
    t.fhir!.resetRequestLog();
    const { data, errors } = await t.gql(COVERAGES, { practiceId: 'summit-health', patientId: ORACLE_SEED.nancy.patientId });
    expect(errors).toBeUndefined();
    expect(data.practice.capabilities.coverage).toBe(true);
    expect(data.patient.unsupported).toEqual([]);
    const [c] = data.patient.coverages;
    expect(data.patient.coverages).toHaveLength(1);
    expect(c).toMatchObject({
      id: ORACLE_SEED.coverageId,
      status: 'active',
      active: true,
      order: 1,
      subscriberId: '***6789',
      payerName: 'Aetna',
      planName: 'Aetna Open Access',
      groupNumber: '86753',
      relationship: 'self',
      periodEnd: null,
    });
    expect(c.periodStart < today()).toBe(true);
    expect(JSON.stringify(data)).not.toContain('W123456789');
    expect(coverageSearches()).toEqual([ORACLE_SEED.nancy.patientId]);
  });

  it('lakeview-epic: Jane’s coverage with its group and no plan class, one Coverage search', async () => {
    t.fhir!.resetRequestLog();
    const { data, errors } = await t.gql(COVERAGES, { practiceId: 'lakeview-epic', patientId: EPIC_SEED.jane.patientId });
    expect(errors).toBeUndefined();
    expect(data.patient.coverages).toEqual([
      {
        id: EPIC_SEED.jane.coverageId,
        status: 'active',
        active: true,
        order: 1,
        subscriberId: '***0001',
        payerName: 'Aetna',
        planName: null,
        groupNumber: 'GRP-7781',
        relationship: 'self',
        periodStart: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        periodEnd: null,
      },
    ]);
    expect(coverageSearches()).toEqual([EPIC_SEED.jane.patientId]);
    // A patient without coverage answers an empty list, not null.
    const none = await t.gql(COVERAGES, { practiceId: 'lakeview-epic', patientId: EPIC_SEED.noClaims.patientId });
    expect(none.errors).toBeUndefined();
    expect(none.data.patient.coverages).toEqual([]);
  });

  it('open-fhir (generic): the MB identifier stands in for a missing subscriberId; an ended period is not active', async () => {
    t.fhir!.resetRequestLog();
    const { data, errors } = await t.gql(COVERAGES, { practiceId: 'open-fhir', patientId: GENERIC_SEED.longLedger.patientId });
    expect(errors).toBeUndefined();
    const [medicare, employer] = data.patient.coverages;
    expect(data.patient.coverages.map((c: { id: string }) => c.id)).toEqual(['cov-long-medicare', 'cov-long-employer']);
    expect(medicare).toMatchObject({
      status: 'active',
      active: true,
      order: 1,
      subscriberId: '***MK73',
      payerName: 'Medicare',
      planName: 'PART-B',
      groupNumber: null,
      periodEnd: null,
    });
    expect(employer).toMatchObject({
      status: 'active',
      active: false,
      order: 2,
      subscriberId: '***7722',
      groupNumber: 'G-2002',
      planName: null,
      relationship: 'spouse',
    });
    expect(employer.periodEnd < today()).toBe(true);
    expect(JSON.stringify(data)).not.toMatch(/1EG4TE5MK73|EMP-00417722/);
  });

  it('open-fhir (generic): three patients in one query read their coverages in one batch Bundle', async () => {
    const { alvarez, okafor } = GENERIC_SEED;
    const query = /* GraphQL */ `
      query {
        a: patient(practiceId: "open-fhir", patientId: "${alvarez.patientId}") { coverages { id subscriberId relationship } }
        b: patient(practiceId: "open-fhir", patientId: "${alvarez.kidId}") { coverages { id subscriberId relationship } }
        c: patient(practiceId: "open-fhir", patientId: "${okafor.patientId}") { coverages { id subscriberId relationship } }
      }
    `;
    t.fhir!.resetRequestLog();
    const { data, errors } = await t.gql(query);
    expect(errors).toBeUndefined();
    expect(data.a.coverages).toEqual([{ id: 'cov-alvarez', subscriberId: '***arez', relationship: 'self' }]);
    expect(data.b.coverages).toEqual([{ id: 'cov-alvarez-kid', subscriberId: '***-kid', relationship: 'child' }]);
    expect(data.c.coverages).toEqual([{ id: 'cov-okafor-kid', subscriberId: '***-kid', relationship: 'child' }]);
    expect(coverageSearches()).toEqual([]);
    const withCoverage = batchEntries().filter((urls) => urls.some((u) => u.startsWith('Coverage')));
    expect(withCoverage).toEqual([
      [`Coverage?patient=${alvarez.patientId}`, `Coverage?patient=${alvarez.kidId}`, `Coverage?patient=${okafor.patientId}`],
    ]);
  });
});

describe('Patient.coverages where the system has no coverage read', () => {
  const cases = [
    { system: 'NexHealth', practiceId: 'smile-dental', patientId: '1002', log: () => t.nex },
    { system: 'athenahealth', practiceId: 'northside', patientId: ATHENA_SEED_PATIENTS.selfGuarantor, log: () => t.athena },
  ];
  for (const { system, practiceId, patientId, log } of cases) {
    it(`${system}: null with the reason, and asking costs no upstream call`, async () => {
      const without = /* GraphQL */ `
        query($practiceId: ID!, $patientId: ID!) { patient(practiceId: $practiceId, patientId: $patientId) { sourceId } }
      `;
      log().resetRequestLog();
      const plain = await t.gql(without, { practiceId, patientId });
      expect(plain.errors).toBeUndefined();
      const baseline = log().requests.map((r) => `${r.method} ${r.path}`);
      expect(baseline.length).toBeGreaterThan(0);

      log().resetRequestLog();
      const { data, errors } = await t.gql(COVERAGES, { practiceId, patientId });
      expect(errors).toBeUndefined();
      expect(data.patient.sourceId).toBe(patientId);
      expect(data.patient.coverages).toBeNull();
      expect(data.practice.capabilities.coverage).toBe(false);
      expect(data.patient.unsupported).toHaveLength(1);
      expect(data.patient.unsupported[0]).toMatch(/^coverages: .*no insurance coverage read/);
      expect(log().requests.map((r) => `${r.method} ${r.path}`)).toEqual(baseline);
    });
  }
});
