/**
 * The analyst's family query of issue 2, through the public API against the NexHealth sandbox:
 * balances split into their parts, aging, insurance and out-of-pocket aging, reconciliation and an
 * itemized invoice, in one operation, and what it costs the upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNexSeed, NEX_SEED, patientBalanceCents } from '../../src/sandbox/nexhealth';
import { FAMILY_QUERY } from './documents';
import { requestKeys, startTestGateway, type TestGateway } from './harness';

let t: TestGateway;
const seed = createNexSeed();
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});

describe('a guarantor family in one query (NexHealth, Open Dental location)', () => {
  it('returns every patient with an exact balance split into charges, payments and adjustments', async () => {
    const family = NEX_SEED.families.alvarez;
    const { data, errors } = await t.gql(FAMILY_QUERY, { practiceId: 'smile-dental', guarantorId: family.guarantorId });
    expect(errors).toBeUndefined();
    const g = data.guarantor;
    expect(g.sourceId).toBe(family.guarantorId);
    expect(g.patients.map((p: any) => p.sourceId).sort()).toEqual([...family.patientIds].sort());
    for (const patient of g.patients) {
      const b = patient.balance;
      // The oracle: the sandbox's own implementation of the spec's balance rule over its rows.
      expect(b.total.cents).toBe(patientBalanceCents(Number(patient.sourceId), seed));
      expect(b.total.cents).toBe(b.charges.cents + b.payments.cents + b.adjustments.cents);
      expect(b.charges.cents).toBe(sum(patient.charges.map((c: any) => c.patientAmount.cents)));
      expect(b.total.amount).toMatch(/^-?\d+\.\d\d$/);
      expect(b.total.currency).toBe('USD');
    }
    const guarantor = g.patients.find((p: any) => p.sourceId === family.guarantorId);
    expect(guarantor.isOwnGuarantor).toBe(true);
  });

  it('reconciles the computed balances with the reported guarantor portion', async () => {
    const { data } = await t.gql(FAMILY_QUERY, {
      practiceId: 'smile-dental',
      guarantorId: NEX_SEED.families.alvarez.guarantorId,
    });
    const r = data.guarantor.reconciliation;
    expect(r.consistent).toBe(true);
    expect(r.difference.cents).toBe(0);
    expect(r.computed.cents).toBe(r.reported.cents);
    expect(r.computed.cents).toBe(sum(data.guarantor.patients.map((p: any) => p.balance.total.cents)));
  });

  it('reports a disagreeing guarantor portion with the amount, never hiding it', async () => {
    const inconsistent = NEX_SEED.inconsistentGuarantor;
    const { data, errors } = await t.gql(FAMILY_QUERY, { practiceId: 'smile-dental', guarantorId: inconsistent.guarantorId });
    expect(errors).toBeUndefined();
    const r = data.guarantor.reconciliation;
    expect(r.consistent).toBe(false);
    expect(r.computed.cents).toBe(inconsistent.computedCents);
    expect(r.reported.cents).toBe(inconsistent.reportedCents);
    expect(r.difference.cents).toBe(inconsistent.differenceCents);
  });

  it('ages the guarantor, the insurance and the out-of-pocket balance consistently', async () => {
    const { data } = await t.gql(FAMILY_QUERY, {
      practiceId: 'smile-dental',
      guarantorId: NEX_SEED.families.alvarez.guarantorId,
    });
    const { aging, insuranceAging, outOfPocketAging } = data.guarantor;
    const buckets = (a: any) => [a.current.cents, a.days31To60.cents, a.days61To90.cents, a.over90.cents];
    expect(aging.total.cents).toBe(sum(buckets(aging)));
    expect(aging.total.cents).toBe(aging.guarantorPortion.cents + aging.insuranceEstimate.cents);
    for (const ins of insuranceAging) {
      expect(ins.guarantorPortion).toBeNull();
      expect(ins.writeOffEstimate).toBeNull();
    }
    const insuranceCurrent = sum(insuranceAging.map((a: any) => a.current.cents));
    expect(outOfPocketAging.current.cents).toBe(aging.current.cents - insuranceCurrent);
    expect(outOfPocketAging.writeOffEstimate.cents).toBe(aging.writeOffEstimate.cents);
    expect(outOfPocketAging.total.cents).toBe(sum(buckets(outOfPocketAging)) - outOfPocketAging.writeOffEstimate.cents);
  });

  it('itemizes the invoice by provider, with subtotals that add up to the total', async () => {
    const { data } = await t.gql(FAMILY_QUERY, {
      practiceId: 'smile-dental',
      guarantorId: NEX_SEED.families.alvarez.guarantorId,
    });
    const invoice = data.guarantor.invoice;
    expect(invoice.groupBy).toBe('PROVIDER');
    expect(invoice.groups.length).toBeGreaterThan(0);
    expect(invoice.total.cents).toBe(sum(invoice.groups.map((g: any) => g.subtotal.cents)));
    const chargeTotal = sum(data.guarantor.patients.map((p: any) => p.balance.charges.cents));
    expect(invoice.total.cents).toBe(chargeTotal);
    for (const group of invoice.groups.filter((g: any) => g.key)) expect(group.label).not.toBe(group.key);
  });

  it('costs a handful of upstream calls: no identical request twice, none per charge, providers and procedures once each', async () => {
    t.nex.resetRequestLog();
    const { errors } = await t.gql(FAMILY_QUERY, {
      practiceId: 'smile-dental',
      guarantorId: NEX_SEED.families.nakamura.guarantorId,
    });
    expect(errors).toBeUndefined();
    const keys = requestKeys(t.nex.requests.filter((r) => r.path !== '/authenticates'));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k.startsWith('GET /charges/'))).toEqual([]);
    const providerCalls = keys.filter((k) => k.startsWith('GET /providers/'));
    const procedureCalls = keys.filter((k) => k.startsWith('GET /procedures/'));
    expect(new Set(providerCalls).size).toBe(providerCalls.length);
    expect(new Set(procedureCalls).size).toBe(procedureCalls.length);
    // 5 patients: one family read, balances, insurance balances, 4 lists per patient at most,
    // plus reference reads — never a call per charge.
    const ledgerCalls = keys.filter((k) => /^GET \/(charges|payments|adjustments|claims)\?/.test(k));
    expect(ledgerCalls.length).toBeLessThanOrEqual(4 * 5);
    expect(keys.length).toBeLessThanOrEqual(3 + 4 * 5 + providerCalls.length + procedureCalls.length + 2);
  });

  it('shows a non-patient guarantor without a ledger of her own', async () => {
    const family = NEX_SEED.families.okafor;
    const { data, errors } = await t.gql(FAMILY_QUERY, { practiceId: 'smile-dental', guarantorId: family.guarantorId });
    expect(errors).toBeUndefined();
    expect(data.guarantor.nonPatient).toBe(true);
    expect(data.guarantor.patients.map((p: any) => p.sourceId).sort()).toEqual([...family.dependentIds].sort());
    expect(data.guarantor.reconciliation.consistent).toBe(true);
  });

  it('returns a null write-off estimate, never 0, where the system has none (Dentrix)', async () => {
    const { data, errors } = await t.gql(FAMILY_QUERY, {
      practiceId: 'bright-dentrix',
      guarantorId: NEX_SEED.families.brennan.guarantorId,
    });
    expect(errors).toBeUndefined();
    expect(data.guarantor.aging.writeOffEstimate).toBeNull();
    expect(data.guarantor.outOfPocketAging.writeOffEstimate).toBeNull();
    const o = data.guarantor.outOfPocketAging;
    expect(o.total.cents).toBe(o.current.cents + o.days31To60.cents + o.days61To90.cents + o.over90.cents);
  });
});
