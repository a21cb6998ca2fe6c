/**
 * One GraphQL document, two billing systems: the same patient query against a NexHealth practice
 * (`smile-dental`, Open Dental location) and an athenahealth enterprise practice (`northside`)
 * answers without errors on both, with the same shape. Where athenahealth has no such figure
 * (guarantor aging, insurance aging, out-of-pocket aging, reconciliation, write-off estimates) the
 * field is null or empty — never a fake zero — `unsupported` says why, and the practice's
 * capabilities say so too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATHENA_SEED_CLAIMS, ATHENA_SEED_PATIENTS } from '../../src/sandbox/athenahealth';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { EPIC_SEED, GENERIC_SEED, ORACLE_SEED } from '../../src/sandbox/fhir';
import { FAMILY_QUERY } from './documents';
import { startTestGateway, type TestGateway } from './harness';

const M = 'cents amount currency';
const AGING = `current { ${M} } days31To60 { ${M} } days61To90 { ${M} } over90 { ${M} } total { ${M} } guarantorPortion { ${M} } insuranceEstimate { ${M} } writeOffEstimate { ${M} }`;

const SAME_DOCUMENT = /* GraphQL */ `
  query SameDocument($practiceId: ID!, $patientId: ID!) {
    practice(id: $practiceId) {
      id
      system
      capabilities { writeOffEstimates guarantorAging insuranceAging claimLevelBalances cardCollection copays ledgerWrites }
    }
    patient(practiceId: $practiceId, patientId: $patientId) {
      id
      sourceId
      firstName
      lastName
      isOwnGuarantor
      balance { charges { ${M} } payments { ${M} } adjustments { ${M} } total { ${M} } }
      collectibleBalance { ${M} }
      charges {
        id
        sourceId
        fee { cents }
        paymentEstimate { cents }
        writeOffEstimate { cents }
        writeOff { cents }
        patientAmount { cents }
        serviceDate
        provider { id sourceId name }
        procedure { code name }
        claim { id sourceId }
      }
      payments { id sourceId amount { cents } transactionId paidAt fromInsurance provider { sourceId } charge { sourceId } }
      adjustments { id sourceId amount { cents } transactionId typeName adjustedAt provider { sourceId } charge { sourceId } }
      claims {
        id
        sourceId
        status
        serviceDate
        patientBalance { ${M} }
        clean
        collectible
        providerGroupId
        departmentIds
      }
      guarantor {
        id
        sourceId
        nonPatient
        patients { sourceId }
        aging { ${AGING} }
        insuranceAging { ${AGING} }
        outOfPocketAging { ${AGING} }
        reconciliation { computed { cents } reported { cents } difference { cents } consistent }
        unsupported
      }
    }
  }
`;

let t: TestGateway;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The field names of an object, sorted: two answers to one document have the same ones. */
const keys = (o: object) => Object.keys(o).sort();

beforeAll(async () => {
  t = await startTestGateway({ fhir: true });
});
afterAll(async () => {
  await t?.close();
});

describe('the same document against NexHealth and athenahealth', () => {
  const nexPatientId = NEX_SEED.families.alvarez.guarantorId;
  const athenaPatientId = ATHENA_SEED_PATIENTS.selfGuarantor;

  it('answers both without errors and with the same fields', async () => {
    const nex = await t.gql(SAME_DOCUMENT, { practiceId: 'smile-dental', patientId: nexPatientId });
    const athena = await t.gql(SAME_DOCUMENT, { practiceId: 'northside', patientId: athenaPatientId });
    expect(nex.errors).toBeUndefined();
    expect(athena.errors).toBeUndefined();
    expect(nex.data.practice.system).toBe('NEXHEALTH');
    expect(athena.data.practice.system).toBe('ATHENAHEALTH');
    expect(nex.data.patient.sourceId).toBe(nexPatientId);
    expect(athena.data.patient.sourceId).toBe(athenaPatientId);
    // Both have ledger rows of every kind the document asks for.
    for (const r of [nex, athena]) {
      expect(r.data.patient.charges.length).toBeGreaterThan(0);
      expect(r.data.patient.payments.length).toBeGreaterThan(0);
      expect(r.data.patient.claims.length).toBeGreaterThan(0);
      expect(r.data.patient.guarantor).not.toBeNull();
    }
    // Comparable shapes: the same fields on the patient and on every kind of row, and the same
    // types where both have values (Money objects, lists, strings).
    const [a, n] = [athena.data.patient, nex.data.patient];
    expect(keys(a)).toEqual(keys(n));
    expect(keys(a.balance)).toEqual(keys(n.balance));
    expect(keys(a.guarantor)).toEqual(keys(n.guarantor));
    for (const list of ['charges', 'payments', 'claims'] as const) expect(keys(a[list][0])).toEqual(keys(n[list][0]));
    for (const field of ['fee', 'patientAmount', 'paymentEstimate', 'writeOff']) {
      expect(keys(a.charges[0][field])).toEqual(keys(n.charges[0][field]));
    }
    for (const claim of [...a.claims, ...n.claims]) {
      expect(typeof claim.clean).toBe('boolean');
      expect(typeof claim.collectible).toBe('boolean');
      expect(Array.isArray(claim.departmentIds)).toBe(true);
    }
    for (const payment of [...a.payments, ...n.payments]) {
      if (payment.paidAt !== null) expect(Number.isNaN(Date.parse(payment.paidAt))).toBe(false);
    }
    expect(Array.isArray(a.guarantor.insuranceAging)).toBe(true);
    expect(Array.isArray(n.guarantor.insuranceAging)).toBe(true);
  });

  it('states what athenahealth cannot do in the capabilities', async () => {
    const nex = await t.gql(SAME_DOCUMENT, { practiceId: 'smile-dental', patientId: nexPatientId });
    const athena = await t.gql(SAME_DOCUMENT, { practiceId: 'northside', patientId: athenaPatientId });
    expect(athena.data.practice.capabilities).toEqual({
      writeOffEstimates: false,
      guarantorAging: false,
      insuranceAging: false,
      claimLevelBalances: true,
      cardCollection: true,
      copays: true,
      ledgerWrites: false,
    });
    expect(nex.data.practice.capabilities).toMatchObject({
      writeOffEstimates: true,
      guarantorAging: true,
      insuranceAging: true,
      claimLevelBalances: false,
      cardCollection: false,
      copays: false,
    });
  });

  it('leaves athenahealth aging, out-of-pocket aging and reconciliation null, insurance aging empty, and says why', async () => {
    const { data } = await t.gql(SAME_DOCUMENT, { practiceId: 'northside', patientId: athenaPatientId });
    const g = data.patient.guarantor;
    expect(g.aging).toBeNull();
    expect(g.outOfPocketAging).toBeNull();
    expect(g.reconciliation).toBeNull();
    expect(g.insuranceAging).toEqual([]);
    expect(g.unsupported.length).toBeGreaterThanOrEqual(3);
    const text = g.unsupported.join('\n');
    expect(text).toMatch(/aging/);
    expect(text).toMatch(/reconciliation/);
    expect(text).toMatch(/insuranceAging/);
    expect(text).toMatch(/writeOffEstimate/);
    // She is her own guarantor: the guarantor is the patient herself, listed among her patients.
    expect(data.patient.isOwnGuarantor).toBe(true);
    expect(g.sourceId).toBe(athenaPatientId);
    expect(g.nonPatient).toBe(false);
    expect(g.patients.map((p: any) => p.sourceId)).toEqual([athenaPatientId]);
  });

  it('gives NexHealth real aging, reconciliation and write-off estimates where athenahealth has none', async () => {
    const { data } = await t.gql(SAME_DOCUMENT, { practiceId: 'smile-dental', patientId: nexPatientId });
    const g = data.patient.guarantor;
    expect(g.aging).not.toBeNull();
    expect(g.outOfPocketAging).not.toBeNull();
    expect(g.reconciliation).not.toBeNull();
    expect(g.aging.writeOffEstimate).not.toBeNull();
    expect(g.outOfPocketAging.writeOffEstimate).not.toBeNull();
    expect(g.unsupported).toEqual([]);
    // NexHealth has no claim-level balances, card collection or copays: those fields are null.
    expect(data.patient.collectibleBalance).toBeNull();
  });

  it('keeps the ledger rule on both: total = charges + payments + adjustments', async () => {
    for (const [practiceId, patientId] of [
      ['smile-dental', nexPatientId],
      ['northside', athenaPatientId],
    ] as const) {
      const { data } = await t.gql(SAME_DOCUMENT, { practiceId, patientId });
      const p = data.patient;
      const b = p.balance;
      expect(b.total.cents).toBe(b.charges.cents + b.payments.cents + b.adjustments.cents);
      expect(b.charges.cents).toBe(sum(p.charges.map((c: any) => c.patientAmount.cents)));
      expect(b.payments.cents).toBe(sum(p.payments.map((x: any) => x.amount.cents)));
      expect(b.adjustments.cents).toBe(sum(p.adjustments.map((x: any) => x.amount.cents)));
      for (const m of [b.charges, b.payments, b.adjustments, b.total]) {
        expect(m.currency).toBe('USD');
        expect(m.amount).toMatch(/^-?\d+\.\d\d$/);
      }
    }
  });

  it("makes athenahealth's balance equal the sum of its claims' patient balances", async () => {
    const { data } = await t.gql(SAME_DOCUMENT, { practiceId: 'northside', patientId: athenaPatientId });
    const p = data.patient;
    const claimTotal = sum(p.claims.map((c: any) => c.patientBalance.cents));
    // 1001 40.00 + 1002 25.00 + 1003 60.00 + 1004 30.00 + 1005 0.00
    expect(claimTotal).toBe(4000 + 2500 + 6000 + 3000);
    expect(p.balance.total.cents).toBe(claimTotal);
    // The paid-off claim is listed (its payment and write-off are part of the ledger).
    expect(p.claims.map((c: any) => c.sourceId)).toContain(ATHENA_SEED_CLAIMS.paidOff);
    expect(p.payments.some((x: any) => x.fromInsurance === false && x.transactionId !== null)).toBe(true);
    expect(p.adjustments.map((a: any) => a.typeName)).toContain('Small balance write-off');
  });

  it('never invents write-off estimates on athenahealth charges, and links every charge to its claim', async () => {
    const { data } = await t.gql(SAME_DOCUMENT, { practiceId: 'northside', patientId: athenaPatientId });
    const claimIds = new Set(data.patient.claims.map((c: any) => c.sourceId));
    for (const charge of data.patient.charges) {
      expect(charge.claim).not.toBeNull();
      expect(claimIds.has(charge.claim.sourceId)).toBe(true);
      expect(charge.procedure?.code).toMatch(/^\d{5}$/);
      expect(charge.provider).toBeNull(); // athenahealth's balance details name no provider
    }
    const paymentPlanCharges = data.patient.charges.filter((c: any) => c.claim.sourceId === ATHENA_SEED_CLAIMS.paymentPlan);
    expect(paymentPlanCharges.map((c: any) => c.sourceId).sort()).toEqual(['11003', '11004']);
  });
});

/**
 * The same document against the three FHIR profiles' practices (summit-health on oracle-health,
 * lakeview-epic on epic, open-fhir on generic): no errors, the NexHealth answer's fields, the ledger
 * rule, `system: FHIR`, and the reasons for what FHIR cannot say. Upstream requests per operation
 * are counted from the FHIR sandbox's request log.
 */
describe('the same document against the three FHIR profiles', () => {
  const FHIR_PATIENTS = [
    ['summit-health', ORACLE_SEED.nancy.patientId],
    ['lakeview-epic', EPIC_SEED.jane.patientId],
    ['open-fhir', GENERIC_SEED.alvarez.patientId],
  ] as const;
  const dataCalls = () => t.fhir!.requests.filter((r) => !/\/token$|\.well-known|\/metadata$/.test(r.path));

  it('answers each without errors, with the same fields as NexHealth and the ledger rule', async () => {
    const nex = await t.gql(SAME_DOCUMENT, { practiceId: 'smile-dental', patientId: NEX_SEED.families.alvarez.guarantorId });
    const n = nex.data.patient;
    for (const [practiceId, patientId] of FHIR_PATIENTS) {
      const r = await t.gql(SAME_DOCUMENT, { practiceId, patientId });
      expect([practiceId, r.errors]).toEqual([practiceId, undefined]);
      expect(r.data.practice.system).toBe('FHIR');
      const p = r.data.patient;
      expect(p.sourceId).toBe(patientId);
      expect(keys(p)).toEqual(keys(n));
      expect(keys(p.balance)).toEqual(keys(n.balance));
      expect(keys(p.guarantor)).toEqual(keys(n.guarantor));
      expect(p.charges.length).toBeGreaterThan(0);
      expect(keys(p.charges[0])).toEqual(keys(n.charges[0]));
      for (const list of ['payments', 'claims'] as const) if (p[list].length) expect(keys(p[list][0])).toEqual(keys(n[list][0]));
      const b = p.balance;
      expect(b.total.cents).toBe(b.charges.cents + b.payments.cents + b.adjustments.cents);
      expect(b.payments.cents).toBe(sum(p.payments.map((x: any) => x.amount.cents)));
      expect(b.adjustments.cents).toBe(sum(p.adjustments.map((x: any) => x.amount.cents)));
      // No FHIR profile has a guarantor A/R record: null, never a fake zero, and the reason given.
      expect(p.guarantor.aging).toBeNull();
      expect(p.guarantor.reconciliation).toBeNull();
      expect(p.guarantor.insuranceAging).toEqual([]);
      expect(p.guarantor.unsupported.length).toBeGreaterThan(0);
      expect(r.data.practice.capabilities).toMatchObject({
        guarantorAging: false,
        insuranceAging: false,
        writeOffEstimates: false,
        cardCollection: false,
        copays: false,
      });
    }
  });

  it("gives Oracle Health's self-pay balance (guarantor-balance accounts) and Epic's upper-bound reason", async () => {
    const oracle = await t.gql(SAME_DOCUMENT, { practiceId: 'summit-health', patientId: ORACLE_SEED.nancy.patientId });
    // G2572738 "125.00" + G2572739 "-5.00"
    expect(oracle.data.patient.balance.total.cents).toBe(12000);
    expect(oracle.data.practice.capabilities.ledgerWrites).toBe(true);
    const epic = await t.gql(SAME_DOCUMENT, { practiceId: 'lakeview-epic', patientId: FHIR_PATIENTS[1][1] });
    expect(epic.data.practice.capabilities.ledgerWrites).toBe(false);
    expect(epic.data.patient.isOwnGuarantor).toBe(true);
    expect(epic.data.patient.guarantor.unsupported.join('\n')).toMatch(/upper bound/);
    expect(epic.data.patient.claims.map((c: any) => c.status).sort()).toEqual(['PAID', 'RECEIVED']);
  });

  it('refuses an Epic write with NOT_SUPPORTED and the reason, before any upstream call', async () => {
    t.fhir!.resetRequestLog();
    const r = await t.gql(
      `mutation Pay($input: CreatePaymentTransactionInput!) { createPaymentTransaction(input: $input) { transaction { id } } }`,
      {
        input: {
          practiceId: 'lakeview-epic',
          patientId: FHIR_PATIENTS[1][1],
          amount: '10.00',
          paymentTypeId: 'cash',
          idempotencyKey: 'epic-refused-1',
        },
      },
    );
    expect(r.errors?.[0]?.extensions?.code).toBe('NOT_SUPPORTED');
    expect(r.errors?.[0]?.message).toMatch(/read-only/);
    expect(t.fhir!.requests).toHaveLength(0);
  });

  it('counts upstream requests per family ledger (with its invoice) on each profile', async () => {
    const counts: Record<string, number> = {};
    for (const [practiceId, guarantorId] of FHIR_PATIENTS) {
      t.fhir!.resetRequestLog();
      const r = await t.gql(FAMILY_QUERY, { practiceId, guarantorId });
      expect([practiceId, r.errors]).toEqual([practiceId, undefined]);
      expect(r.data.guarantor.invoice.total.cents).toBe(
        sum(r.data.guarantor.patients.map((p: any) => sum(p.charges.map((c: any) => c.patientAmount.cents)))),
      );
      counts[practiceId] = dataCalls().length;
    }
    // oracle-health: 5 for the family (Patient + RelatedPerson per member, the financial accounts)
    // and 8 for the ledgers (an Encounter search per patient, 2 per encounter); epic: Patient + EOBs;
    // generic: three batch Bundles (patients, dependents, ledgers).
    expect(counts).toEqual({ 'summit-health': 13, 'lakeview-epic': 2, 'open-fhir': 3 });
  });
});
