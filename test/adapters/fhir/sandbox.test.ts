/**
 * The FHIR adapter against the FHIR sandbox (src/sandbox/fhir), one practice per profile: mapping of
 * the seeds, upstream requests per operation counted from the sandbox's request log (a family's
 * ledger; one patient's ledger), batching on generic, an expired token mid-request, a 429 storm,
 * an endless page chain, a 422 on a FinancialTransaction (FAILED with the rule, not retried), the
 * conditional PaymentReconciliation (a repeat never posts twice) and Epic's refusal to write.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFhirAdapter } from '../../../src/adapters/ledger/fhir';
import { fhirConnectionSchema } from '../../../src/adapters/ledger/fhir/connection';
import {
  createRequestScope,
  type LedgerAdapter,
  type OutgoingLedgerWrite,
  UpstreamError,
} from '../../../src/adapters/ledger/port';
import { type FhirSandbox, GENERIC_SEED, ORACLE_SEED, startFhirSandbox } from '../../../src/sandbox/fhir';
import { fhirSandboxPractices } from '../../../src/sandbox/fhir/mode';

let fhir: FhirSandbox;
let waits: number[];
const adapters: LedgerAdapter[] = [];

beforeAll(async () => {
  fhir = await startFhirSandbox({ port: 0 });
});
afterAll(async () => {
  await Promise.all(adapters.map((a) => a.close()));
  await fhir.close();
});
beforeEach(() => {
  waits = [];
  fhir.faults.clear();
  fhir.setEndlessPages(false);
  fhir.setPageSize(null);
  fhir.setBatchEnabled(true);
});

function adapter(id: 'summit-health' | 'lakeview-epic' | 'open-fhir', timeoutMs?: number): LedgerAdapter {
  const practice = fhirSandboxPractices(fhir).find((p) => p.id === id)!;
  const a = createFhirAdapter(fhirConnectionSchema.parse(practice.connection), {
    ...(timeoutMs ? { timeoutMs } : {}),
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  adapters.push(a);
  return a;
}

/** Data requests (not token, discovery or metadata) since the log was reset. */
function dataRequests(): string[] {
  return fhir.requests
    .filter((r) => !/\/token$|\.well-known|\/metadata$/.test(r.path))
    .map(
      (r) =>
        `${r.method} ${r.path}${Object.keys(r.query).length ? `?${new URLSearchParams(r.query as Record<string, string>)}` : ''}`,
    );
}

/** A family's ledger: the family, then every member's four lists, as the gateway asks in one operation. */
async function familyLedger(a: LedgerAdapter, guarantorId: string) {
  const scope = createRequestScope();
  const [family] = await a.families([guarantorId], scope);
  if (!family || family instanceof Error) throw family ?? new Error('no family');
  const ids = [family.guarantor, ...family.dependents].filter((p) => !p.nonPatient).map((p) => p.sourceId);
  const [charges, payments, adjustments, claims] = await Promise.all([
    a.chargesByPatient(ids, scope),
    a.paymentsByPatient(ids, scope),
    a.adjustmentsByPatient(ids, scope),
    a.claimsByPatient(ids, scope),
  ]);
  return { family, ids, charges, payments, adjustments, claims };
}

const total = (rows: Array<Array<{ fee?: number; amount?: number }> | Error>) =>
  rows.flatMap((r) => (r instanceof Error ? [] : r)).reduce((s, r) => s + (r.fee ?? r.amount ?? 0), 0);

function write(over: Partial<OutgoingLedgerWrite>): OutgoingLedgerWrite {
  return {
    kind: 'PAYMENT',
    patientSourceId: ORACLE_SEED.nancy.patientId,
    amount: -2500,
    currency: 'USD',
    typeSourceId: 'cash',
    providerSplits: null,
    chargeSplits: null,
    notes: null,
    transactionId: `LG:${Math.floor(Math.random() * 1e9)}`,
    occurredAt: new Date().toISOString(),
    ...over,
  };
}

describe('oracle-health (summit-health)', () => {
  it("reads Nancy's family ledger: balance = Oracle's self-pay balance, in 13 requests", async () => {
    const a = adapter('summit-health');
    await a.connect();
    fhir.resetRequestLog();
    const { family, ids, charges, adjustments, claims } = await familyLedger(a, '12724066');
    expect(family.guarantor.sourceId).toBe('12724066');
    expect(ids.sort()).toEqual(['12724066', '12724068']);
    // Σ charges + Σ unitemized adjustments = Σ guarantor-balance accounts (125.00 − 5.00 + 60.00)
    expect(total(charges) + total(adjustments)).toBe(12500 - 500 + 6000);
    expect(claims.every((c) => Array.isArray(c) && c.length === 0)).toBe(true);
    const calls = dataRequests();
    // family: Patient + RelatedPerson per member (2 × 2) + the financial accounts (1);
    // ledger: Encounter per patient (2) + ChargeItem and guarantor-balance Account per encounter (2 × 3)
    expect(calls).toHaveLength(13);
    expect(calls.filter((c) => c.split('?')[0]!.endsWith('/Encounter'))).toHaveLength(2);
    expect(calls.every((c) => c.startsWith('GET '))).toBe(true);
  });

  it('maps guarantors: own, a patient guarantor, and one who is no patient', async () => {
    const a = adapter('summit-health');
    const scope = createRequestScope();
    const [nancy, hailey, will] = await a.patients(['12724066', '12724068', '12742400'], scope);
    expect(nancy).toMatchObject({ firstName: 'NANCY', guarantorSourceId: null });
    expect(hailey).toMatchObject({ guarantorSourceId: 'RelatedPerson/12724066-12724068' });
    expect(will).toMatchObject({ guarantorSourceId: 'RelatedPerson/12742401-12742400' });
    const [viaHailey, nonPatient] = await a.families(
      ['RelatedPerson/12724066-12724068', 'RelatedPerson/12742401-12742400'],
      scope,
    );
    expect(viaHailey).toMatchObject({ guarantor: { sourceId: '12724066', nonPatient: false } });
    expect(nonPatient).toMatchObject({ guarantor: { sourceId: 'RelatedPerson/12742401-12742400', nonPatient: true } });
    expect((nonPatient as { dependents: Array<{ sourceId: string }> }).dependents.map((d) => d.sourceId)).toEqual(['12742400']);
  });

  it('posts a FinancialTransaction and a 422 makes the write FAILED with the rule, not retried', async () => {
    const a = adapter('summit-health');
    const before = fhir.financialTransactions.length;
    const ok = await a.submitWrite!(write({ chargeSplits: [{ id: '321088041', amount: -2500 }] }));
    expect(ok.state).toBe('COMPLETED');
    expect(ok.state === 'COMPLETED' && ok.records.payments[0]?.sourceId).toMatch(/^FT-PL-\d+$/);
    expect(fhir.financialTransactions.length).toBe(before + 1);
    fhir.resetRequestLog();
    fhir.failNextFinancialTransaction({
      status: 422,
      code: 'business-rule',
      diagnostics: 'financial-transaction-alias 0111 is not active',
    });
    const failed = await a.submitWrite!(write({}));
    expect(failed).toEqual({ state: 'FAILED', reason: 'financial-transaction-alias 0111 is not active' });
    expect(fhir.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Basic'))).toHaveLength(1);
  });
  it('a FinancialTransaction without an answer is sent once more with the same identifier, landing once', async () => {
    const a = adapter('summit-health', 200);
    await a.connect();
    await a.families(['12724066'], createRequestScope()); // warm: the write's own reads are not what times out
    const w = write({});
    const identifier = w.transactionId.replace(/[^A-Za-z0-9]/g, '');
    fhir.resetRequestLog();
    // The first POST is answered only after the adapter gave up on it (and it still lands then).
    fhir.faults.add({ path: /\/Basic$/, method: 'POST', latencyMs: 400, times: 1 });
    const outcome = await a.submitWrite!(w);
    expect(outcome.state).toBe('COMPLETED');
    const posts = fhir.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Basic'));
    expect(posts).toHaveLength(2);
    expect(posts[1]!.body).toEqual(posts[0]!.body);
    // The first POST is handled once its delay is over (its answer goes nowhere): by then the
    // identifier is taken, so it lands nothing more.
    await vi.waitFor(() => expect(Date.now() - posts[0]!.time).toBeGreaterThan(500), { timeout: 2000, interval: 50 });
    const landed = fhir.financialTransactions.filter((ft) => JSON.stringify(ft).includes(`"${identifier}"`));
    expect(landed).toHaveLength(1);
  });
});

describe('epic (lakeview-epic)', () => {
  it('reads EOBs as charges, claims and insurance payments, skipping the outcome entries', async () => {
    const a = adapter('lakeview-epic');
    await a.connect();
    fhir.resetRequestLog();
    const { ids, charges, claims, payments } = await familyLedger(a, 'eJaneDoe0000000000000003');
    expect(ids).toEqual(['eJaneDoe0000000000000003']);
    const c = charges[0] as Array<{ sourceId: string; fee: number }>;
    expect(c.map((x) => x.fee)).toContain(18000);
    expect((claims[0] as Array<{ status: string }>).map((x) => x.status).sort()).toEqual(['PAID', 'RECEIVED']);
    expect((payments[0] as Array<{ amount: number }>).map((p) => p.amount)).toEqual([-9600]);
    const calls = dataRequests();
    expect(calls).toHaveLength(2); // Patient/{id} + one EOB search
  });

  it('refuses writes before any upstream call', async () => {
    const a = adapter('lakeview-epic');
    expect(a.capabilities.ledgerWrites).toBe(false);
    expect(a.submitWrite).toBeUndefined();
    expect(a.unsupported?.ledgerWrites).toMatch(/read-only/);
  });
});

describe('generic (open-fhir)', () => {
  it("reads the Alvarez family's ledger in batch Bundles", async () => {
    const a = adapter('open-fhir');
    await a.connect();
    fhir.resetRequestLog();
    const { family, ids, charges, payments, adjustments, claims } = await familyLedger(a, GENERIC_SEED.alvarez.patientId);
    expect(family.guarantor.sourceId).toBe(GENERIC_SEED.alvarez.patientId);
    expect(ids.length).toBe(2);
    expect(charges.every((c) => Array.isArray(c))).toBe(true);
    const allPayments = payments.flatMap((p) => (p instanceof Error ? [] : p));
    expect(allPayments.map((p) => [p.sourceId, p.amount, p.fromInsurance]).sort()).toContainEqual(['cr-alv-1-1', -9600, true]);
    expect(adjustments.flatMap((x) => (x instanceof Error ? [] : x)).map((x) => [x.amount, x.typeName])).toContainEqual([
      -500,
      'Courtesy Discount',
    ]);
    expect(claims.flatMap((x) => (x instanceof Error ? [] : x)).find((c) => c.sourceId === 'claim-alv-1')?.status).toBe('PAID');
    const calls = dataRequests();
    // patients+accounts in one batch, dependents' in another, the ledger in a third
    expect(calls.filter((c) => c.startsWith('POST '))).toHaveLength(3);
  });

  it("maps a RelatedPerson guarantor from the patient's active Account", async () => {
    const a = adapter('open-fhir');
    const scope = createRequestScope();
    const [kid] = await a.patients([GENERIC_SEED.okafor.patientId], scope);
    expect(kid).toMatchObject({ guarantorSourceId: `RelatedPerson/${GENERIC_SEED.okafor.relatedPersonId}`, nonPatient: false });
    const [family] = await a.families([`RelatedPerson/${GENERIC_SEED.okafor.relatedPersonId}`], scope);
    expect(family).toMatchObject({ guarantor: { nonPatient: true }, dependents: [{ sourceId: GENERIC_SEED.okafor.patientId }] });
  });

  it('lists patients page by page with an opaque cursor (patientListing on generic only)', async () => {
    const a = adapter('open-fhir');
    expect(a.capabilities.patientListing).toBe(true);
    const p1 = await a.listPatients({ first: 2, after: null });
    expect(p1.items).toHaveLength(2);
    expect(p1.hasNextPage).toBe(true);
    expect(p1.endCursor).not.toContain('http');
    const p2 = await a.listPatients({ first: 2, after: p1.endCursor });
    expect(p2.items.length).toBeGreaterThan(0);
    for (const item of p2.items) expect(p1.items.map((i) => i.sourceId)).not.toContain(item.sourceId);
    expect(adapter('summit-health').capabilities.patientListing).toBe(false);
  });

  it('an expired token mid-request: one re-token, the read succeeds', async () => {
    const a = adapter('open-fhir');
    await a.connect();
    fhir.expireTokens();
    fhir.resetRequestLog();
    const [p] = await a.patients([GENERIC_SEED.alvarez.patientId], createRequestScope());
    expect(p && !(p instanceof Error) && p.sourceId).toBe(GENERIC_SEED.alvarez.patientId);
    expect(fhir.requests.filter((r) => r.path.endsWith('/token'))).toHaveLength(1);
    expect(fhir.requests.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('a 429 storm: Retry-After honoured, 3 retries, then an error for that key alone', async () => {
    fhir.setBatchEnabled(false); // one GET per read, so the storm hits a single request
    const b = adapter('open-fhir');
    await b.connect();
    fhir.faults.add({ path: `/generic/fhir/Patient/${GENERIC_SEED.alvarez.patientId}`, status: 429, retryAfterSeconds: 2 });
    fhir.resetRequestLog();
    const [p] = await b.patients([GENERIC_SEED.alvarez.patientId], createRequestScope());
    expect(p).toBeInstanceOf(UpstreamError);
    expect((p as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(fhir.requests.filter((r) => r.path.endsWith(`/Patient/${GENERIC_SEED.alvarez.patientId}`))).toHaveLength(4);
    expect(waits).toEqual([2000, 2000, 2000]);
  });

  it('an endless page chain: an error on that list at the bound, after 50 pages', async () => {
    const a = adapter('open-fhir');
    await a.connect();
    fhir.setEndlessPages(true);
    fhir.resetRequestLog();
    const [charges] = await a.chargesByPatient([GENERIC_SEED.alvarez.patientId], createRequestScope());
    expect(charges).toBeInstanceOf(UpstreamError);
    expect((charges as Error).message).toMatch(/stopped at the bound/);
    expect(fhir.requests.filter((r) => r.method === 'GET').length).toBeLessThanOrEqual(3 * 50);
  });

  it('a 503 on the PaymentReconciliation POST: the same conditional POST again, one resource', async () => {
    const a = adapter('open-fhir');
    const w = write({ patientSourceId: GENERIC_SEED.alvarez.patientId, typeSourceId: 'cash', amount: -700 });
    fhir.faults.add({ path: /\/PaymentReconciliation$/, method: 'POST', status: 503, times: 1 });
    fhir.resetRequestLog();
    const outcome = await a.submitWrite!(w);
    expect(outcome.state).toBe('COMPLETED');
    const sent = fhir.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/PaymentReconciliation'));
    expect(sent.map((r) => r.status)).toEqual([503, 201]);
    expect(new Set(sent.map((r) => r.headers['if-none-exist']))).toEqual(
      new Set([`identifier=urn:ledger-gateway:transaction-id|${w.transactionId}`]),
    );
    expect(waits).toHaveLength(1);
  });

  it('posts a PaymentReconciliation once: a repeat answers the existing one', async () => {
    const a = adapter('open-fhir');
    const w = write({ patientSourceId: GENERIC_SEED.alvarez.patientId, typeSourceId: 'cash', amount: -1200 });
    const first = await a.submitWrite!(w);
    const second = await a.submitWrite!(w);
    expect(first.state).toBe('COMPLETED');
    expect(second).toEqual(first);
    const posted = fhir
      .resources('generic', 'PaymentReconciliation')
      .filter((r) => (r.identifier as Array<{ value?: string }> | undefined)?.some((i) => i.value === w.transactionId));
    expect(posted).toHaveLength(1);
    expect(await a.findTransaction!('PAYMENT', w.transactionId, w.patientSourceId)).toEqual(
      first.state === 'COMPLETED' ? first.records : null,
    );
  });
});
