/**
 * athenahealth through the public API, reads only: claim-level clean balances, enterprise provider
 * groups seen from every angle (the patient in the North group, her mirror image in the South group,
 * and a non-enterprise practice), copays, and what one query costs the upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ATHENA_SEED_APPOINTMENTS as A,
  ATHENA_SEED_CLAIMS as C,
  ATHENA_SEED_PATIENTS as P,
} from '../../src/sandbox/athenahealth';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { startTestGateway, type TestGateway } from './harness';

const CLAIMS = /* GraphQL */ `
  query Claims($practiceId: ID!, $patientId: ID!) {
    patient(practiceId: $practiceId, patientId: $patientId) {
      sourceId
      balance { total { cents } }
      collectibleBalance { cents amount currency }
      claims { id sourceId status serviceDate patientBalance { cents } clean collectible providerGroupId departmentIds }
    }
  }
`;

const COPAY = /* GraphQL */ `
  query Copay($practiceId: ID!, $patientId: ID!, $appointmentId: ID!) {
    patient(practiceId: $practiceId, patientId: $patientId) {
      sourceId
      copay(appointmentId: $appointmentId) {
        expected { cents amount currency }
        collectedForAppointment { cents amount }
        collectedForOther { cents amount }
      }
    }
  }
`;

let t: TestGateway;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const byId = (claims: any[]) => Object.fromEntries(claims.map((c) => [c.sourceId, c]));

async function claimsOf(practiceId: string, patientId: string) {
  const { data, errors } = await t.gql(CLAIMS, { practiceId, patientId });
  expect(errors).toBeUndefined();
  expect(data.patient.sourceId).toBe(patientId);
  return data.patient;
}

/** The collectible balance is Σ patientBalance over exactly the collectible claims. */
function expectCollectibleBalance(patient: any, collectibleIds: string[]) {
  const collectible = patient.claims
    .filter((c: any) => c.collectible)
    .map((c: any) => c.sourceId)
    .sort();
  expect(collectible).toEqual([...collectibleIds].sort());
  const expected = sum(patient.claims.filter((c: any) => c.collectible).map((c: any) => c.patientBalance.cents));
  expect(patient.collectibleBalance.cents).toBe(expected);
  expect(patient.collectibleBalance.currency).toBe('USD');
}

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});

describe('enterprise practice, patient 5001 (current department 21, North group)', () => {
  it('collects only the clean claim of her own group', async () => {
    const p = await claimsOf('northside', P.selfGuarantor);
    const c = byId(p.claims);
    expect(Object.keys(c).sort()).toEqual([C.cleanInGroup, C.cleanOtherGroup, C.paymentPlan, C.contract, C.paidOff].sort());

    // Clean, North (her group): collectible.
    expect(c[C.cleanInGroup]).toMatchObject({
      clean: true,
      collectible: true,
      providerGroupId: '1',
      patientBalance: { cents: 4000 },
    });
    expect(c[C.cleanInGroup].departmentIds).toEqual(['1', '21', '102']);
    expect(c[C.cleanInGroup].serviceDate).toBe('2025-01-15');
    // Clean, South (another group): clean but NOT collectible.
    expect(c[C.cleanOtherGroup]).toMatchObject({
      clean: true,
      collectible: false,
      providerGroupId: '2',
      patientBalance: { cents: 2500 },
    });
    expect(c[C.cleanOtherGroup].departmentIds).toEqual(['150', '162']);
    expect(c[C.cleanOtherGroup].departmentIds).not.toContain('21');
    // Payment plan and contract, in her own group: not clean, not collectible.
    expect(c[C.paymentPlan]).toMatchObject({
      clean: false,
      collectible: false,
      providerGroupId: '1',
      patientBalance: { cents: 6000 },
    });
    expect(c[C.contract]).toMatchObject({
      clean: false,
      collectible: false,
      providerGroupId: '1',
      patientBalance: { cents: 3000 },
    });
    // Paid off: clean, her group, nothing left.
    expect(c[C.paidOff]).toMatchObject({ clean: true, collectible: true, patientBalance: { cents: 0 } });
  });

  it('makes collectibleBalance the sum over exactly the collectible claims', async () => {
    const p = await claimsOf('northside', P.selfGuarantor);
    expectCollectibleBalance(p, [C.cleanInGroup, C.paidOff]);
    expect(p.collectibleBalance).toEqual({ cents: 4000, amount: '40.00', currency: 'USD' });
    // The whole balance (all claims) is larger than what may be collected now.
    expect(p.balance.total.cents).toBe(4000 + 2500 + 6000 + 3000);
  });
});

describe('enterprise practice, patient 5002 (current department 150, South group): the mirror image', () => {
  it('collects the South claim and not the North one', async () => {
    const p = await claimsOf('northside', P.withGuarantor);
    const c = byId(p.claims);
    expect(Object.keys(c).sort()).toEqual([C.dependentInGroup, C.dependentOtherGroup].sort());
    expect(c[C.dependentInGroup]).toMatchObject({
      clean: true,
      collectible: true,
      providerGroupId: '2',
      patientBalance: { cents: 7550 },
    });
    expect(c[C.dependentInGroup].departmentIds).toContain('150');
    expect(c[C.dependentOtherGroup]).toMatchObject({
      clean: true,
      collectible: false,
      providerGroupId: '1',
      patientBalance: { cents: 2000 },
    });
    expect(c[C.dependentOtherGroup].departmentIds).not.toContain('150');
    expectCollectibleBalance(p, [C.dependentInGroup]);
    expect(p.collectibleBalance.cents).toBe(7550);
  });

  it('shows her non-patient guarantor from the guarantor fields, without aging', async () => {
    const { data, errors } = await t.gql(
      /* GraphQL */ `
        query G($patientId: ID!) {
          patient(practiceId: "northside", patientId: $patientId) {
            isOwnGuarantor
            guarantor { sourceId firstName lastName nonPatient patients { sourceId } aging { total { cents } } reconciliation { consistent } unsupported }
          }
        }
      `,
      { patientId: P.withGuarantor },
    );
    expect(errors).toBeUndefined();
    expect(data.patient.isOwnGuarantor).toBe(false);
    const g = data.patient.guarantor;
    expect(g).toMatchObject({ firstName: 'Casey', lastName: 'Testparent', nonPatient: true, aging: null, reconciliation: null });
    expect(g.patients.map((p: any) => p.sourceId)).toEqual([P.withGuarantor]);
    expect(g.unsupported.length).toBeGreaterThan(0);
  });
});

describe('non-enterprise practice (lakeside)', () => {
  it('collects every clean claim, whatever its department, and has no provider group', async () => {
    const p = await claimsOf('lakeside', P.singleSelf);
    const c = byId(p.claims);
    expect(Object.keys(c).sort()).toEqual([C.singleCleanA, C.singleCleanB, C.singlePaymentPlan].sort());
    for (const claim of p.claims) {
      expect(claim.providerGroupId).toBeNull();
      expect(claim.departmentIds).toEqual(['1', '2']);
    }
    expect(c[C.singleCleanA]).toMatchObject({ clean: true, collectible: true, patientBalance: { cents: 5000 } });
    expect(c[C.singleCleanB]).toMatchObject({ clean: true, collectible: true, patientBalance: { cents: 1234 } });
    expect(c[C.singlePaymentPlan]).toMatchObject({ clean: false, collectible: false, patientBalance: { cents: 4500 } });
    expectCollectibleBalance(p, [C.singleCleanA, C.singleCleanB]);
    expect(p.collectibleBalance.cents).toBe(6234);
  });

  it('collects the dependent’s clean claim too', async () => {
    const p = await claimsOf('lakeside', P.singleWithGuarantor);
    expectCollectibleBalance(p, [C.singleDependent]);
    expect(p.collectibleBalance.cents).toBe(1800);
    expect(p.claims[0].providerGroupId).toBeNull();
  });
});

describe("balances are athenahealth's own", () => {
  it('makes every seeded patient’s balance the sum of her claims’ patient balances', async () => {
    for (const [practiceId, patientId] of [
      ['northside', P.selfGuarantor],
      ['northside', P.withGuarantor],
      ['lakeside', P.singleSelf],
      ['lakeside', P.singleWithGuarantor],
    ] as const) {
      const { data, errors } = await t.gql(
        /* GraphQL */ `
          query B($practiceId: ID!, $patientId: ID!) {
            patient(practiceId: $practiceId, patientId: $patientId) {
              balance { charges { cents } payments { cents } adjustments { cents } total { cents } }
              charges { patientAmount { cents } }
              payments { amount { cents } paidAt }
              adjustments { amount { cents } adjustedAt }
              claims { patientBalance { cents } }
            }
          }
        `,
        { practiceId, patientId },
      );
      expect(errors).toBeUndefined();
      const p = data.patient;
      expect(p.balance.total.cents).toBe(sum(p.claims.map((c: any) => c.patientBalance.cents)));
      expect(p.balance.total.cents).toBe(p.balance.charges.cents + p.balance.payments.cents + p.balance.adjustments.cents);
      expect(p.balance.charges.cents).toBe(sum(p.charges.map((c: any) => c.patientAmount.cents)));
      for (const row of [...p.payments.map((x: any) => x.paidAt), ...p.adjustments.map((x: any) => x.adjustedAt)]) {
        expect(row).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      }
    }
  });
});

describe('a patient with no claims, an unknown patient', () => {
  it('gives a zero collectible balance (a real zero: she owes nothing) and null for an unknown patient', async () => {
    const p = await claimsOf('northside', P.noClaims);
    expect(p.claims).toEqual([]);
    expect(p.collectibleBalance.cents).toBe(0);
    expect(p.balance.total.cents).toBe(0);
    const { data, errors } = await t.gql(CLAIMS, { practiceId: 'northside', patientId: P.unknown });
    expect(errors).toBeUndefined();
    expect(data.patient).toBeNull();
  });
});

describe('copays', () => {
  it("returns the appointment's expected copay and what was collected for it and for other balances", async () => {
    const own = await t.gql(COPAY, { practiceId: 'northside', patientId: P.selfGuarantor, appointmentId: A.selfCopay });
    expect(own.errors).toBeUndefined();
    expect(own.data.patient.copay).toEqual({
      expected: { cents: 3000, amount: '30.00', currency: 'USD' },
      collectedForAppointment: { cents: 0, amount: '0.00' },
      collectedForOther: { cents: 0, amount: '0.00' },
    });
    const collected = await t.gql(COPAY, {
      practiceId: 'northside',
      patientId: P.withGuarantor,
      appointmentId: A.dependentCopayCollected,
    });
    expect(collected.errors).toBeUndefined();
    expect(collected.data.patient.copay).toMatchObject({
      expected: { cents: 1500 },
      collectedForAppointment: { cents: 1500 },
      collectedForOther: { cents: 500 },
    });
    const lakeside = await t.gql(COPAY, { practiceId: 'lakeside', patientId: P.singleSelf, appointmentId: A.singleCopay });
    expect(lakeside.data.patient.copay.expected.cents).toBe(2000);
  });

  it("is null for another patient's appointment and for an unknown one", async () => {
    const other = await t.gql(COPAY, {
      practiceId: 'northside',
      patientId: P.selfGuarantor,
      appointmentId: A.dependentCopayCollected,
    });
    expect(other.errors).toBeUndefined();
    expect(other.data.patient.copay).toBeNull();
    const unknown = await t.gql(COPAY, { practiceId: 'northside', patientId: P.selfGuarantor, appointmentId: '999999' });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data.patient.copay).toBeNull();
    // An appointment of the other athenahealth practice is not found in this one.
    const elsewhere = await t.gql(COPAY, { practiceId: 'northside', patientId: P.selfGuarantor, appointmentId: A.singleCopay });
    expect(elsewhere.data.patient.copay).toBeNull();
  });

  it('is null on NexHealth (capability copays false), without an upstream call', async () => {
    t.nex.resetRequestLog();
    const patientId = NEX_SEED.families.alvarez.guarantorId;
    const { data, errors } = await t.gql(
      /* GraphQL */ `
        query NexCopay($patientId: ID!) {
          practice(id: "smile-dental") { capabilities { copays claimLevelBalances } }
          patient(practiceId: "smile-dental", patientId: $patientId) { sourceId copay(appointmentId: "1") { expected { cents } } collectibleBalance { cents } }
        }
      `,
      { patientId },
    );
    expect(errors).toBeUndefined();
    expect(data.practice.capabilities).toEqual({ copays: false, claimLevelBalances: false });
    expect(data.patient.copay).toBeNull();
    expect(data.patient.collectibleBalance).toBeNull();
    expect(t.nex.requests.filter((r) => /appointment/.test(r.path))).toEqual([]);
  });
});

describe('request economy', () => {
  it("reads an athenahealth patient's whole ledger with ONE patient call per operation", async () => {
    t.athena.resetRequestLog();
    const { data, errors } = await t.gql(
      /* GraphQL */ `
        query Economy($patientId: ID!) {
          patient(practiceId: "northside", patientId: $patientId) {
            sourceId
            firstName
            guarantor { sourceId patients { sourceId } }
            balance { charges { cents } payments { cents } adjustments { cents } total { cents } }
            collectibleBalance { cents }
            charges { sourceId patientAmount { cents } paymentEstimate { cents } claim { sourceId collectible } }
            claims { sourceId patientBalance { cents } collectible }
            payments { sourceId amount { cents } charge { sourceId } }
            adjustments { sourceId amount { cents } charge { sourceId } }
          }
        }
      `,
      { patientId: P.selfGuarantor },
    );
    expect(errors).toBeUndefined();
    expect(data.patient.charges.length).toBe(6);
    const patientCalls = t.athena.requests.filter((r) => r.method === 'GET' && /^\/v1\/195900\/patients\/5001$/.test(r.path));
    expect(patientCalls).toHaveLength(1);
    expect(patientCalls[0]!.query).toMatchObject({ showbalancedetails: 'true', showallclaims: 'true' });
    // Nothing else but (at most) the cached departments and a token.
    const others = t.athena.requests.filter((r) => !/\/patients\/5001$/.test(r.path));
    for (const r of others) expect(r.path).toMatch(/\/departments$|\/oauth2\/v1\/token$/);
    expect(t.athena.requests.filter((r) => r.method === 'POST' && /collectpayment/.test(r.path))).toEqual([]);
  });

  it('reads each of two patients once when one operation asks for both', async () => {
    t.athena.resetRequestLog();
    const { errors } = await t.gql(/* GraphQL */ `
      query Two {
        a: patient(practiceId: "northside", patientId: "5001") { claims { sourceId } balance { total { cents } } collectibleBalance { cents } }
        b: patient(practiceId: "northside", patientId: "5002") { claims { sourceId } balance { total { cents } } collectibleBalance { cents } }
        c: patient(practiceId: "northside", patientId: "5001") { charges { sourceId } payments { sourceId } }
      }
    `);
    expect(errors).toBeUndefined();
    const patientPaths = t.athena.requests
      .filter((r) => /\/patients\/\d+$/.test(r.path))
      .map((r) => r.path)
      .sort();
    expect(patientPaths).toEqual(['/v1/195900/patients/5001', '/v1/195900/patients/5002']);
  });

  it('reads again in the next operation (no stale ledger across requests)', async () => {
    t.athena.resetRequestLog();
    await t.gql(CLAIMS, { practiceId: 'northside', patientId: P.selfGuarantor });
    await t.gql(CLAIMS, { practiceId: 'northside', patientId: P.selfGuarantor });
    expect(t.athena.requests.filter((r) => r.path === '/v1/195900/patients/5001')).toHaveLength(2);
  });
});
