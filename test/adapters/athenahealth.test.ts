import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  collectPaymentForm,
  createAthenahealthAdapter,
  mapLedger,
  statedPatientAmounts,
  type AthenahealthAdapter,
  type AthenahealthAdapterOptions,
  type UpstreamCallEvent,
} from '../../src/adapters/ledger/athenahealth';
import { upstreamErrorText } from '../../src/adapters/ledger/athenahealth/client';
import { patientSchema } from '../../src/adapters/ledger/athenahealth/schemas';
import {
  createRequestScope,
  UpstreamError,
  type CardCollection,
  type ClaimRecord,
  type RequestScope,
} from '../../src/adapters/ledger/port';
import { collectibleBalance } from '../../src/ledger/collectible';
import { claimStageLookup } from '../../src/ledger/patient-amount';
import { patientBalanceOfRecords } from '../../src/ledger/patient-balance';
import {
  ATHENA_SEED_APPOINTMENTS as A,
  ATHENA_SEED_CARDS,
  ATHENA_SEED_CLAIMS as C,
  ATHENA_SEED_DEPARTMENTS as D,
  ATHENA_SEED_PATIENTS as P,
  startAthenahealthSandbox,
  type AthenahealthSandbox,
} from '../../src/sandbox/athenahealth';

let sandbox: AthenahealthSandbox;
const adapters: AthenahealthAdapter[] = [];

function adapterFor(practice: 'enterprise' | 'single' | string = 'enterprise', options: AthenahealthAdapterOptions = {}) {
  const practiceId = practice === 'enterprise' || practice === 'single' ? sandbox.practices[practice] : practice;
  const adapter = createAthenahealthAdapter(
    { baseUrl: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, practiceId },
    { retryBaseDelayMs: 1, ...options },
  );
  adapters.push(adapter);
  return adapter;
}

beforeEach(async () => {
  sandbox = await startAthenahealthSandbox();
});

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
  await sandbox.close();
});

function ok<T>(value: T | Error): T {
  if (value instanceof Error) throw value;
  return value;
}

const calls = (pathPart: string, method = 'GET') =>
  sandbox.requests.filter((r) => r.method === method && r.path.includes(pathPart)).length;
const patientCalls = (id: string) =>
  sandbox.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/patients/${id}`)).length;
const tokenCalls = () => calls('/oauth2/v1/token', 'POST');

async function claimsOf(
  adapter: AthenahealthAdapter,
  patientId: string,
  scope?: RequestScope,
): Promise<Map<string, ClaimRecord>> {
  const [claims] = await adapter.claimsByPatient([patientId], scope);
  return new Map(ok(claims!).map((c) => [c.sourceId, c]));
}

const CARD_APPROVES = ATHENA_SEED_CARDS.approves;

function collection(overrides: Partial<CardCollection> = {}): CardCollection {
  return {
    transactionId: 'LG:1001',
    patientSourceId: P.selfGuarantor,
    departmentId: D.northAnnex,
    card: {
      number: CARD_APPROVES,
      expMonth: 3,
      expYear: 2031,
      cvv: '737',
      nameOnCard: 'Avery Testpatient',
      billingAddress: '1 Test Street',
      billingZip: '02110',
    },
    copayAmount: null,
    appointmentId: null,
    claimPayments: [],
    otherAmount: null,
    allowDuplicate: false,
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamError);
    return err as UpstreamError;
  }
  throw new Error('expected a rejection');
}

describe('athenahealth adapter: mapping', () => {
  it('declares its capabilities', () => {
    expect(adapterFor().capabilities).toEqual({
      writeOffEstimates: false,
      guarantorAging: false,
      insuranceAging: false,
      claimLevelBalances: true,
      asyncInsertion: false,
      ledgerWrites: false,
      cardCollection: true,
      copays: true,
      refundsBecomeAdjustments: false,
      chargeSplitsBecomeProviderSplits: false,
      webhooks: false,
      patientListing: false,
      practiceReports: false,
      externalPayments: false,
      writesOneVisit: false,
      coverage: false,
      refunds: true,
    });
    expect(adapterFor().system).toBe('ATHENAHEALTH');
  });

  it('maps patients: ISO dob, current department, guarantor fields; null for an unknown id', async () => {
    const adapter = adapterFor();
    const [self, dependent, unknown] = await adapter.patients([P.selfGuarantor, P.withGuarantor, P.unknown]);
    expect(ok(self!)).toEqual({
      sourceId: P.selfGuarantor,
      firstName: 'Avery',
      lastName: 'Testpatient',
      email: 'avery.testpatient@example.test',
      dateOfBirth: '1984-04-12',
      guarantorSourceId: null,
      nonPatient: false,
      inactive: false,
      departmentId: D.northAnnex,
      guarantorName: { firstName: 'Avery', lastName: 'Testpatient' },
    });
    expect(ok(dependent!)).toMatchObject({
      sourceId: P.withGuarantor,
      email: null,
      dateOfBirth: '2015-09-01',
      guarantorSourceId: `g-${P.withGuarantor}`,
      departmentId: D.southClinic,
      guarantorName: { firstName: 'Casey', lastName: 'Testparent' },
    });
    expect(unknown).toBeNull();
  });

  it('builds families: a synthetic non-patient guarantor for g-<id>, a self-guarantor for a patient id', async () => {
    const adapter = adapterFor();
    const [synthetic, self, notSelf, selfAsG, unknown] = await adapter.families([
      `g-${P.withGuarantor}`,
      P.selfGuarantor,
      P.withGuarantor,
      `g-${P.selfGuarantor}`,
      `g-${P.unknown}`,
    ]);
    const family = ok(synthetic!)!;
    expect(family.guarantor).toMatchObject({
      sourceId: `g-${P.withGuarantor}`,
      firstName: 'Casey',
      lastName: 'Testparent',
      nonPatient: true,
      guarantorSourceId: null,
    });
    expect(family.dependents.map((d) => d.sourceId)).toEqual([P.withGuarantor]);
    const selfFamily = ok(self!)!;
    expect(selfFamily.guarantor.sourceId).toBe(P.selfGuarantor);
    expect(selfFamily.guarantor.nonPatient).toBe(false);
    expect(selfFamily.dependents).toEqual([]);
    expect(notSelf).toBeNull();
    expect(selfAsG).toBeNull();
    expect(unknown).toBeNull();
  });

  it('maps claims with loose wire types coerced (ids as strings, money as cents, flags as booleans)', async () => {
    const claims = await claimsOf(adapterFor(), P.selfGuarantor);
    expect([...claims.keys()].sort()).toEqual([C.cleanInGroup, C.cleanOtherGroup, C.paymentPlan, C.contract, C.paidOff].sort());
    expect(claims.get(C.cleanInGroup)).toEqual({
      sourceId: C.cleanInGroup,
      patientSourceId: P.selfGuarantor,
      providerSourceId: null,
      status: 'OPEN',
      rawStatus: null,
      stage: 'ADJUDICATED',
      serviceDate: '2025-01-15',
      patientBalance: 4000,
      clean: true,
      collectible: true,
      providerGroupId: '1',
      departmentIds: [D.northMain, D.northAnnex, D.northPediatrics],
      billed: 15000,
    });
    expect(claims.get(C.cleanOtherGroup)).toMatchObject({
      providerGroupId: '2',
      departmentIds: [D.southClinic, D.southUrgent],
      patientBalance: 2500,
    });
    expect(claims.get(C.paymentPlan)).toMatchObject({ clean: false, patientBalance: 6000, billed: 17000 });
    expect(claims.get(C.paidOff)).toMatchObject({ patientBalance: 0, clean: true });
    const dependent = await claimsOf(adapterFor(), P.withGuarantor);
    expect(dependent.get(C.dependentInGroup)!.patientBalance).toBe(7550); // "75.5" / 75.5 on the wire
  });

  it('maps charges, payments (negative, epayment id as transactionId) and adjustments (typeName from description)', async () => {
    const adapter = adapterFor();
    const scope = createRequestScope();
    const [charges] = await adapter.chargesByPatient([P.selfGuarantor], scope);
    const [payments] = await adapter.paymentsByPatient([P.selfGuarantor], scope);
    const [adjustments] = await adapter.adjustmentsByPatient([P.selfGuarantor], scope);
    const charge = ok(charges!).find((c) => c.sourceId === '11001')!;
    expect(charge).toMatchObject({
      fee: 15000,
      claimSourceId: C.cleanInGroup,
      procedureCode: '99213',
      description: 'Office visit, established patient',
      serviceDate: '2025-01-15',
      claimPayouts: [],
    });
    const patientPayment = ok(payments!).find((p) => p.chargeSourceId === '11006' && !p.fromInsurance)!;
    expect(patientPayment).toMatchObject({
      amount: -1900,
      claimSourceId: C.paidOff,
      paidAt: '2024-06-30T00:00:00Z',
      fromInsurance: false,
    });
    expect(patientPayment.transactionId).toMatch(/^\d+$/);
    const insurancePayment = ok(payments!).find((p) => p.chargeSourceId === '11001')!;
    expect(insurancePayment).toMatchObject({ amount: -9000, fromInsurance: true, transactionId: null });
    expect(ok(payments!).every((p) => p.amount < 0)).toBe(true);
    const writeOff = ok(adjustments!).find((a) => a.chargeSourceId === '11006' && a.typeName === 'Small balance write-off')!;
    expect(writeOff.amount).toBe(-100);
    expect(ok(adjustments!).find((a) => a.chargeSourceId === '11001')).toMatchObject({
      typeName: 'Contractual adjustment',
      amount: -2000,
    });
  });

  it('states charge patient amounts so that every patient’s computed balance equals Σ claim patientbalance', async () => {
    for (const [practice, ids] of [
      ['enterprise', [P.selfGuarantor, P.withGuarantor, P.noClaims]],
      ['single', [P.singleSelf, P.singleWithGuarantor]],
    ] as const) {
      const adapter = adapterFor(practice);
      for (const id of ids) {
        const scope = createRequestScope();
        const [charges, payments, adjustments, claims] = await Promise.all([
          adapter.chargesByPatient([id], scope).then((r) => ok(r[0]!)),
          adapter.paymentsByPatient([id], scope).then((r) => ok(r[0]!)),
          adapter.adjustmentsByPatient([id], scope).then((r) => ok(r[0]!)),
          adapter.claimsByPatient([id], scope).then((r) => ok(r[0]!)),
        ]);
        const balance = patientBalanceOfRecords({ charges, payments, adjustments }, claimStageLookup(claims));
        const claimTotal = claims.reduce((s, c) => s + (c.patientBalance ?? 0), 0);
        expect(balance.total, `${practice} ${id}`).toBe(claimTotal);
      }
    }
    const [ledger] = await adapterFor().chargesByPatient([P.selfGuarantor]);
    expect(ok(ledger!).length).toBeGreaterThan(0);
  });

  it('shares a claim’s patientbalance over its charges (the last one takes the rest)', () => {
    const wire = patientSchema.parse({
      patientid: 1,
      claimbalancedetails: [
        {
          providergroupid: '',
          departmentids: '1',
          claimdetails: [
            {
              claimid: '9',
              patientbalance: '35',
              cleanbalance: 'true',
              chargeleveldetail: [
                { id: 1, amount: '100', transactions: [{ id: 't1', amount: '-80', type: 'PAYMENT', transfertype: '1' }] },
                { id: 2, amount: 50, transactions: [{ id: 't2', amount: -10, type: 'payment', transfertype: 'p' }] },
                { id: 3, amount: '0.00', transactions: [] },
              ],
            },
            { claimid: 10, patientbalance: '12.5', cleanbalance: true, chargeleveldetail: [] },
          ],
        },
      ],
    });
    // charge 1: open 20 → share 20, stated 100; charge 2: open 40 → share 15, stated 25; charge 3: 0
    expect(statedPatientAmounts(wire.claimbalancedetails[0]!.claimdetails[0]!)).toEqual([10000, 2500, 0]);
    const ledger = mapLedger(wire);
    const total =
      ledger.charges.reduce((s, c) => s + (c.statedPatientAmount ?? 0), 0) +
      ledger.payments.reduce((s, p) => s + p.amount, 0) +
      ledger.adjustments.reduce((s, a) => s + a.amount, 0);
    expect(total).toBe(3500 + 1250);
    expect(ledger.charges.find((c) => c.sourceId === 'claim-10')).toMatchObject({
      statedPatientAmount: 1250,
      claimSourceId: '10',
    });
  });

  it('reads copays; null for an unknown appointment', async () => {
    const adapter = adapterFor();
    const [self, collected, unknown] = await adapter.copays!([A.selfCopay, A.dependentCopayCollected, '424242']);
    expect(ok(self!)).toEqual({
      appointmentSourceId: A.selfCopay,
      patientSourceId: P.selfGuarantor,
      expected: 3000,
      collectedForAppointment: 0,
      collectedForOther: 0,
    });
    expect(ok(collected!)).toEqual({
      appointmentSourceId: A.dependentCopayCollected,
      patientSourceId: P.withGuarantor,
      expected: 1500,
      collectedForAppointment: 1500,
      collectedForOther: 500,
    });
    expect(unknown).toBeNull();
    expect(sandbox.requests.find((r) => r.path.includes('/appointments/'))!.query).toEqual({ showcopay: 'true' });
  });

  it('answers the capability-less reads without calling upstream', async () => {
    const adapter = adapterFor();
    expect(await adapter.guarantorBalances([`g-${P.withGuarantor}`, P.selfGuarantor])).toEqual([null, null]);
    expect(await adapter.insuranceBalancesByGuarantor([P.selfGuarantor])).toEqual([[]]);
    expect(await adapter.providers(['1'])).toEqual([null]);
    expect(await adapter.procedures(['99213'])).toEqual([null]);
    expect(await adapter.paymentTypes()).toEqual([]);
    expect(await adapter.adjustmentTypes()).toEqual([]);
    expect(await adapter.listPatients({ first: 10, after: null })).toEqual({ items: [], endCursor: null, hasNextPage: false });
    expect(sandbox.requests).toHaveLength(0);
  });
});

describe('athenahealth adapter: enterprise scoping', () => {
  it('enterprise, patient in the North group: clean North claims collectible; South, payment-plan, contract claims not', async () => {
    const claims = await claimsOf(adapterFor(), P.selfGuarantor);
    expect(claims.get(C.cleanInGroup)!.collectible).toBe(true);
    expect(claims.get(C.paidOff)!.collectible).toBe(true);
    expect(claims.get(C.cleanOtherGroup)!).toMatchObject({ clean: true, collectible: false });
    expect(claims.get(C.paymentPlan)!).toMatchObject({ clean: false, collectible: false });
    expect(claims.get(C.contract)!).toMatchObject({ clean: false, collectible: false });
    expect(collectibleBalance([...claims.values()])).toBe(4000);
  });

  it('enterprise, patient in the South group: the mirror image', async () => {
    const claims = await claimsOf(adapterFor(), P.withGuarantor);
    expect(claims.get(C.dependentInGroup)!.collectible).toBe(true);
    expect(claims.get(C.dependentOtherGroup)!).toMatchObject({ clean: true, collectible: false, providerGroupId: '1' });
    expect(collectibleBalance([...claims.values()])).toBe(7550);
  });

  it('non-enterprise: every clean claim is collectible whatever its department; payment plans are not', async () => {
    const adapter = adapterFor('single');
    const claims = await claimsOf(adapter, P.singleSelf);
    expect(claims.get(C.singleCleanA)!).toMatchObject({
      collectible: true,
      providerGroupId: null,
      departmentIds: [D.singleMain, D.singleSatellite],
    });
    expect(claims.get(C.singleCleanB)!.collectible).toBe(true);
    expect(claims.get(C.singlePaymentPlan)!).toMatchObject({ clean: false, collectible: false });
    expect(collectibleBalance([...claims.values()])).toBe(5000 + 1234);
    expect(await adapter.collectibleContext(P.singleSelf)).toEqual({
      enterprise: false,
      currentDepartmentId: D.singleSatellite,
      collectibleProviderGroupId: null,
    });
  });

  it('exposes the collectible rule inputs, and caches departments (followed through every page) across operations', async () => {
    const adapter = adapterFor();
    expect(await adapter.collectibleContext(P.withGuarantor)).toEqual({
      enterprise: true,
      currentDepartmentId: D.southClinic,
      collectibleProviderGroupId: '2',
    });
    expect(await adapter.collectibleContext(P.unknown)).toBeNull();
    await claimsOf(adapter, P.selfGuarantor, createRequestScope());
    await claimsOf(adapter, P.withGuarantor, createRequestScope());
    // 5 departments, page size 2: three pages, fetched once
    expect(calls('/departments')).toBe(3);
    expect(sandbox.requests.filter((r) => r.path.endsWith('/departments')).map((r) => r.query.offset ?? '0')).toEqual([
      '0',
      '2',
      '4',
    ]);
  });

  it('re-reads departments after referenceTtlMs', async () => {
    const adapter = adapterFor('enterprise', { referenceTtlMs: 1 });
    await claimsOf(adapter, P.selfGuarantor);
    await new Promise((r) => setTimeout(r, 5));
    await claimsOf(adapter, P.selfGuarantor);
    expect(calls('/departments')).toBe(6);
  });
});

describe('athenahealth adapter: one patient call per operation scope', () => {
  it('feeds patient, family, claims, charges, payments and adjustments from one call within a scope', async () => {
    const adapter = adapterFor();
    await adapter.connect();
    sandbox.resetRequestLog();
    const scope = createRequestScope();
    await Promise.all([
      adapter.patients([P.withGuarantor, P.withGuarantor], scope),
      adapter.families([`g-${P.withGuarantor}`], scope),
      adapter.claimsByPatient([P.withGuarantor], scope),
      adapter.chargesByPatient([P.withGuarantor], scope),
      adapter.paymentsByPatient([P.withGuarantor], scope),
      adapter.adjustmentsByPatient([P.withGuarantor], scope),
    ]);
    await adapter.claimsByPatient([P.withGuarantor], scope);
    expect(patientCalls(P.withGuarantor)).toBe(1);
    expect(sandbox.requests).toHaveLength(1);
    expect(sandbox.requests[0]!.query).toEqual({ showbalancedetails: 'true', showallclaims: 'true' });
    // a new operation reads afresh
    await adapter.chargesByPatient([P.withGuarantor], createRequestScope());
    expect(patientCalls(P.withGuarantor)).toBe(2);
    // no scope: no sharing
    await adapter.chargesByPatient([P.withGuarantor]);
    await adapter.paymentsByPatient([P.withGuarantor]);
    expect(patientCalls(P.withGuarantor)).toBe(4);
  });
});

describe('athenahealth adapter: connection, token and retries', () => {
  it('fetches a token once with Basic auth and the spec form, and reuses it', async () => {
    const adapter = adapterFor();
    await adapter.connect();
    await adapter.patients([P.selfGuarantor, P.withGuarantor, P.noClaims]);
    await adapter.copays!([A.selfCopay]);
    expect(tokenCalls()).toBe(1);
  });

  it('re-fetches the token once on a 401 and carries on', async () => {
    const adapter = adapterFor();
    await adapter.connect();
    sandbox.revokeTokens();
    const [patient] = await adapter.patients([P.selfGuarantor]);
    expect(ok(patient!)!.sourceId).toBe(P.selfGuarantor);
    expect(tokenCalls()).toBe(2);
    sandbox.faults.add({ path: '/patients/', kind: '401' });
    const [again] = await adapter.patients([P.withGuarantor]);
    expect(ok(again!)!.sourceId).toBe(P.withGuarantor);
    expect(tokenCalls()).toBe(3);
  });

  it('refreshes the token shortly before expires_in', async () => {
    await sandbox.close();
    sandbox = await startAthenahealthSandbox({ tokenTtlSeconds: 2 });
    let tokenAt = 0;
    const adapter = adapterFor('enterprise', {
      onUpstreamCall: (e) => {
        if (e.endpoint === '/oauth2/v1/token' && tokenAt === 0) tokenAt = performance.now();
      },
    });
    await adapter.patients([P.selfGuarantor]);
    // the adapter treats it as expired 10 % early (1.8 s); the sandbox only at 2 s
    await new Promise((r) => setTimeout(r, Math.max(0, tokenAt + 1880 - performance.now())));
    await adapter.patients([P.selfGuarantor]);
    expect(tokenCalls()).toBe(2);
    expect(sandbox.requests.filter((r) => r.status === 401)).toHaveLength(0);
  });

  it('maps bad credentials and an unknown practice to UPSTREAM_REJECTED', async () => {
    const bad = createAthenahealthAdapter({
      baseUrl: sandbox.url,
      clientId: sandbox.clientId,
      clientSecret: 'wrong',
      practiceId: sandbox.practices.enterprise,
    });
    adapters.push(bad);
    const err = await rejection(bad.connect());
    expect(err.code).toBe('UPSTREAM_REJECTED');
    expect(err.status).toBe(401);
    expect(err.message).not.toContain('wrong');
    const unknown = adapterFor('424242');
    const err2 = await rejection(unknown.connect());
    expect(err2.code).toBe('UPSTREAM_REJECTED');
    expect(err2.message).toContain('Invalid practice.');
    const [p] = await unknown.patients([P.selfGuarantor]);
    expect(p).toBeInstanceOf(UpstreamError);
    expect((p as UpstreamError).code).toBe('UPSTREAM_REJECTED');
  });

  it('honours Retry-After on a 429', async () => {
    const adapter = adapterFor();
    await adapter.connect();
    sandbox.faults.add({ path: `/patients/${P.selfGuarantor}`, kind: '429', retryAfterSeconds: 1 });
    const started = performance.now();
    const [patient] = await adapter.patients([P.selfGuarantor]);
    expect(ok(patient!)!.sourceId).toBe(P.selfGuarantor);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(patientCalls(P.selfGuarantor)).toBe(2);
  });

  it('honours Retry-After on the token endpoint’s 429', async () => {
    const adapter = adapterFor();
    sandbox.faults.add({ path: '/oauth2/v1/token', kind: '429', retryAfterSeconds: 1 });
    const started = performance.now();
    await adapter.connect();
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(tokenCalls()).toBe(2);
  });

  it('retries reads with backoff on 5xx, HTML gateway pages, malformed bodies and resets; gives up as UPSTREAM_UNAVAILABLE', async () => {
    const events: UpstreamCallEvent[] = [];
    const adapter = adapterFor('enterprise', { onUpstreamCall: (e) => events.push(e) });
    await adapter.connect();
    sandbox.faults.add({ path: '/patients/', kind: '500' });
    sandbox.faults.add({ path: '/patients/', kind: '502' });
    sandbox.faults.add({ path: '/patients/', kind: 'malformed' });
    const [patient] = await adapter.patients([P.selfGuarantor]);
    expect(ok(patient!)!.sourceId).toBe(P.selfGuarantor);
    expect(patientCalls(P.selfGuarantor)).toBe(4);
    const patientEvents = events.filter((e) => e.endpoint === '/v1/{practiceid}/patients/{patientid}');
    expect(patientEvents.map((e) => [e.status, e.attempt])).toEqual([
      [500, 1],
      [502, 2],
      [200, 3],
      [200, 4],
    ]);
    expect(patientEvents.every((e) => e.method === 'GET' && e.durationMs >= 0)).toBe(true);

    sandbox.faults.add({ path: '/patients/', kind: '503', probability: 1 });
    const [failed] = await adapter.patients([P.withGuarantor]);
    expect(failed).toBeInstanceOf(UpstreamError);
    expect((failed as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(patientCalls(P.withGuarantor)).toBe(4); // 1 + maxRetries (3)
    sandbox.faults.clear();

    sandbox.faults.add({ path: '/patients/', kind: 'malformed', probability: 1 });
    const [malformed] = await adapter.patients([P.noClaims]);
    expect((malformed as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((malformed as UpstreamError).message).toMatch(/malformed/);
    sandbox.faults.clear();

    sandbox.faults.add({ path: '/patients/', kind: 'reset' });
    const [reset] = await adapter.patients([P.noClaims]);
    expect(ok(reset!)!.sourceId).toBe(P.noClaims);
  });

  it('times out after timeoutMs (UPSTREAM_UNAVAILABLE) and keeps each key’s failure to itself', async () => {
    const adapter = adapterFor('enterprise', { timeoutMs: 1000, maxRetries: 0 });
    await adapter.connect();
    sandbox.faults.add({ path: `/patients/${P.selfGuarantor}`, kind: 'latency', latencyMs: 2500 });
    const [slow, fine] = await adapter.patients([P.selfGuarantor, P.withGuarantor]);
    expect(slow).toBeInstanceOf(UpstreamError);
    expect((slow as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((slow as UpstreamError).message).toMatch(/timed out/);
    expect(ok(fine!)!.sourceId).toBe(P.withGuarantor);
  });

  it('maps other 4xx to UPSTREAM_REJECTED with the upstream text (not retried), 5xx to UPSTREAM_UNAVAILABLE, without patient data', async () => {
    const adapter = adapterFor();
    await adapter.connect();
    sandbox.faults.add({ path: '/patients/', kind: '400' });
    const [rejected] = await adapter.patients([P.selfGuarantor]);
    const err = rejected as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.code).toBe('UPSTREAM_REJECTED');
    expect(err.status).toBe(400);
    expect(err.message).toContain('Invalid parameter.');
    expect(patientCalls(P.selfGuarantor)).toBe(1);
    const strict = adapterFor('enterprise', { maxRetries: 0 });
    sandbox.faults.add({ path: '/patients/', kind: '500' });
    const [p] = await strict.patients([P.selfGuarantor]);
    const err2 = p as UpstreamError;
    expect(err2.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err2.message).toContain('HTTP 500');
    for (const message of [err.message, err2.message]) expect(message).not.toMatch(/Avery|Testpatient|1984/);
  });
});

describe('athenahealth adapter: collectPayment', () => {
  it('sends every spec field, amounts as decimal strings, claimpayment as a JSON string', () => {
    const form = collectPaymentForm(
      collection({
        copayAmount: 3000,
        appointmentId: A.selfCopay,
        otherAmount: 550,
        claimPayments: [
          { claimId: C.cleanInGroup, amount: 2000 },
          { claimId: C.paidOff, amount: 5 },
        ],
        card: {
          number: '4111 1111 1111 1111',
          expMonth: 3,
          expYear: 2031,
          cvv: '737',
          nameOnCard: 'A very long name on the card beyond thirty chars',
          billingAddress: '1234 Long Street Name Avenue',
          billingZip: '02110',
        },
      }),
    );
    expect(Object.fromEntries(form)).toEqual({
      departmentid: D.northAnnex,
      accountnumber: CARD_APPROVES,
      expirationmonthmm: '03',
      expirationyearyyyy: '2031',
      cardsecuritycode: '737',
      nameoncard: 'A very long name on the card b',
      billingaddress: '1234 Long Street Nam',
      billingzip: '02110',
      ecommercemode: 'true',
      copayamount: '30.00',
      appointmentid: A.selfCopay,
      otheramount: '5.50',
      claimpayment: `[{"${C.cleanInGroup}":"20.00"},{"${C.paidOff}":"0.05"}]`,
      allowduplicatepayments: 'false',
    });
  });

  it('completes a payment: receipt id = epaymentid, PAYMENT records re-read with real ids, balance lowered', async () => {
    const adapter = adapterFor();
    const outcome = await adapter.collectPayment!(
      collection({
        copayAmount: 3000,
        appointmentId: A.selfCopay,
        claimPayments: [{ claimId: C.cleanInGroup, amount: 1500 }],
        otherAmount: 250,
      }),
    );
    expect(outcome.state).toBe('COMPLETED');
    if (outcome.state !== 'COMPLETED') return;
    expect(outcome.receiptId).toMatch(/^\d+$/);
    const payments = outcome.records.payments;
    expect(payments).toHaveLength(3);
    expect(payments.every((p) => p.transactionId === 'LG:1001' && p.amount < 0 && !p.fromInsurance)).toBe(true);
    const claimRow = payments.find((p) => p.claimSourceId === C.cleanInGroup)!;
    expect(claimRow).toMatchObject({ amount: -1500, chargeSourceId: '11001' });
    expect(claimRow.sourceId).toMatch(/^\d+$/); // the upstream's transaction id
    expect(payments.find((p) => p.sourceId.endsWith('-copay'))!.amount).toBe(-3000);
    expect(payments.find((p) => p.sourceId.endsWith('-other'))!.amount).toBe(-250);
    expect(outcome.records.adjustments).toEqual([]);
    expect(calls('/collectpayment', 'POST')).toBe(1);

    const claims = await claimsOf(adapter, P.selfGuarantor);
    expect(claims.get(C.cleanInGroup)!.patientBalance).toBe(2500);
    const [later] = await adapter.paymentsByPatient([P.selfGuarantor]);
    expect(ok(later!).find((p) => p.sourceId === claimRow.sourceId)!.transactionId).toBe(outcome.receiptId);
    const [copay] = await adapter.copays!([A.selfCopay]);
    expect(ok(copay!)!.collectedForAppointment).toBe(3000);
  });

  it('reports a decline as FAILED, not an error', async () => {
    const adapter = adapterFor();
    const outcome = await adapter.collectPayment!(
      collection({ otherAmount: 1000, card: { ...collection().card, number: ATHENA_SEED_CARDS.declines } }),
    );
    expect(outcome).toEqual({ state: 'FAILED', reason: 'Card declined' });
  });

  it('reports a duplicate as FAILED "Duplicate payment" and goes through with allowDuplicate', async () => {
    const adapter = adapterFor();
    const input = collection({ claimPayments: [{ claimId: C.cleanInGroup, amount: 1000 }] });
    expect((await adapter.collectPayment!(input)).state).toBe('COMPLETED');
    expect(await adapter.collectPayment!({ ...input, transactionId: 'LG:1002' })).toEqual({
      state: 'FAILED',
      reason: 'Duplicate payment',
    });
    const allowed = await adapter.collectPayment!({ ...input, transactionId: 'LG:1003', allowDuplicate: true });
    expect(allowed.state).toBe('COMPLETED');
    expect(calls('/collectpayment', 'POST')).toBe(3);
  });

  it('maps a not-eligible claim to UPSTREAM_REJECTED with the upstream text', async () => {
    const adapter = adapterFor();
    for (const claimId of [C.cleanOtherGroup, C.paymentPlan, C.contract]) {
      const err = await rejection(adapter.collectPayment!(collection({ claimPayments: [{ claimId, amount: 500 }] })));
      expect(err.code).toBe('UPSTREAM_REJECTED');
      expect(err.status).toBe(400);
      expect(err.message).toContain(`Claim ${claimId} is not eligible for payment.`);
      expect(err.message).not.toContain(CARD_APPROVES);
      expect(err.message).not.toContain('737');
    }
    const above = await rejection(
      adapter.collectPayment!(collection({ claimPayments: [{ claimId: C.cleanInGroup, amount: 4001 }] })),
    );
    expect(above.message).toContain(`Claim ${C.cleanInGroup} is not eligible for payment.`);
    const nothing = await rejection(adapter.collectPayment!(collection({})));
    expect(nothing.code).toBe('UPSTREAM_REJECTED');
  });

  it('never retries the POST: a 500, a 429, a malformed body or a timeout is UPSTREAM_UNAVAILABLE after one call', async () => {
    const adapter = adapterFor('enterprise', { timeoutMs: 1000 });
    await adapter.connect();
    const faults = [
      { kind: '500' as const },
      { kind: '429' as const, retryAfterSeconds: 1 },
      { kind: 'malformed' as const },
      { kind: 'reset' as const },
      { kind: 'latency' as const, latencyMs: 2500 },
    ];
    let expected = 0;
    for (const fault of faults) {
      sandbox.faults.clear();
      sandbox.faults.add({ path: '/collectpayment', ...fault });
      const err = await rejection(adapter.collectPayment!(collection({ otherAmount: 100 + expected })));
      expected++;
      expect(err.code, fault.kind).toBe('UPSTREAM_UNAVAILABLE');
      expect(err.message).not.toContain(CARD_APPROVES);
      expect(calls('/collectpayment', 'POST'), fault.kind).toBe(expected);
    }
  });

  it('keeps the card number out of every error message', async () => {
    const adapter = adapterFor('enterprise', { maxRetries: 0, timeoutMs: 150 });
    const messages: string[] = [];
    const attempts: Array<Promise<unknown>> = [
      adapter.collectPayment!(collection({ patientSourceId: P.unknown, otherAmount: 100 })),
      adapter.collectPayment!(collection({ departmentId: '', otherAmount: 100 })),
      adapter.collectPayment!(collection({ claimPayments: [{ claimId: '1999', amount: 100 }] })),
    ];
    for (const attempt of attempts) messages.push((await rejection(attempt)).message);
    sandbox.faults.add({ path: '/collectpayment', kind: '502' });
    messages.push((await rejection(adapter.collectPayment!(collection({ otherAmount: 100 })))).message);
    expect(messages).toHaveLength(4);
    for (const message of messages) {
      expect(message).not.toContain(CARD_APPROVES);
      expect(message).not.toContain('1111');
      expect(message).not.toContain('737');
    }
    // an upstream that echoes the card back is redacted too
    const echoed = upstreamErrorText(JSON.stringify({ error: `Card ${CARD_APPROVES} cvv 737 refused` }), [CARD_APPROVES, '737']);
    expect(echoed).not.toContain(CARD_APPROVES);
    expect(echoed).not.toContain('737');
    expect(upstreamErrorText('<html><body>4111-1111-1111-1111 Bad Gateway</body></html>')).toBe('[redacted] Bad Gateway');
  });

  it('maps an unknown patient to NOT_FOUND', async () => {
    const err = await rejection(adapterFor().collectPayment!(collection({ patientSourceId: P.unknown, otherAmount: 100 })));
    expect(err.code).toBe('NOT_FOUND');
  });
});
