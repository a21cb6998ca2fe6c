/**
 * The NexHealth adapter against the NexHealth sandbox (`src/sandbox/nexhealth`): seed data read end to
 * end (families, own-guarantor encodings, a ledger of more than 1,000 charges, balances that reconcile
 * with guarantor_portion by the spec's Decision), the location-wide scan, faults, writes landing
 * asynchronously, and signed webhook deliveries verified by the adapter.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNexhealthAdapter, type NexhealthAdapterOptions } from '../../src/adapters/ledger/nexhealth';
import {
  UpstreamError,
  type AdjustmentRecord,
  type ChargeRecord,
  type ClaimRecord,
  type LedgerAdapter,
  type OutgoingLedgerWrite,
  type PaymentRecord,
} from '../../src/adapters/ledger/port';
import { NEX_SEED, startNexhealthSandbox, type NexhealthSandbox } from '../../src/sandbox/nexhealth';

let nex: NexhealthSandbox;
const adapters: LedgerAdapter[] = [];

function adapterFor(location: 'openDental' | 'dentrix', options: NexhealthAdapterOptions = {}): LedgerAdapter {
  const a = createNexhealthAdapter(
    {
      baseUrl: nex.url,
      apiKey: nex.apiKey,
      subdomain: nex.subdomain,
      locationId: nex.locations[location],
      pms: location === 'dentrix' ? 'dentrix' : 'open_dental',
    },
    { retryBaseDelayMs: 5, ...options },
  );
  adapters.push(a);
  return a;
}

function value<T>(item: T | Error | undefined): T {
  if (item instanceof Error) throw item;
  if (item === undefined) throw new Error('missing batch item');
  return item;
}

/** The spec's Decision: fee − pending (estimate + write-off) − adjudicated write-off; canceled nothing. */
function patientBalance(
  charges: ChargeRecord[],
  payments: PaymentRecord[],
  adjustments: AdjustmentRecord[],
  claims: Map<string, ClaimRecord>,
): number {
  let total = 0;
  for (const c of charges) {
    let amount = c.fee;
    for (const p of c.claimPayouts) {
      const stage = claims.get(p.claimSourceId)?.stage;
      if (stage === 'PENDING') amount -= p.estimatedInsurancePayment + p.writeOff;
      else if (stage === 'ADJUDICATED') amount -= p.writeOff;
    }
    total += amount;
  }
  for (const p of payments) total += p.amount;
  for (const a of adjustments) total += a.amount;
  return total;
}

async function computedBalances(adapter: LedgerAdapter, patientIds: string[]): Promise<number[]> {
  const [charges, payments, adjustments, claims] = await Promise.all([
    adapter.chargesByPatient(patientIds),
    adapter.paymentsByPatient(patientIds),
    adapter.adjustmentsByPatient(patientIds),
    adapter.claimsByPatient(patientIds),
  ]);
  const claimMap = new Map(claims.flatMap((c) => value(c)).map((c) => [c.sourceId, c] as const));
  return patientIds.map((_, i) => patientBalance(value(charges[i]), value(payments[i]), value(adjustments[i]), claimMap));
}

beforeAll(async () => {
  nex = await startNexhealthSandbox({ insertion: 'manual', webhookRetryDelaysMs: [10, 20], rateLimits: false });
});

afterEach(async () => {
  nex.faults.clear();
  nex.resetRequestLog();
});

afterAll(async () => {
  await Promise.all(adapters.map((a) => a.close()));
  await nex.close();
});

describe('reads against the sandbox seed', () => {
  it('connects and reads every own-guarantor encoding as guarantorSourceId null', async () => {
    const a = adapterFor('openDental');
    await a.connect();
    const own = NEX_SEED.ownGuarantor;
    const ids = [own.ownId, own.zero, own.null, own.familyOwnId, own.familyZero, own.familyNull];
    const patients = await a.patients(ids);
    for (const p of patients) expect(value(p)?.guarantorSourceId).toBeNull();
    const alvarez = NEX_SEED.families['alvarez']!;
    const [dependent] = await a.patients([alvarez.dependentIds[0]!]);
    expect(value(dependent)?.guarantorSourceId).toBe(alvarez.guarantorId);
    const [missing] = await a.patients(['999999']);
    expect(missing).toBeNull();
  });

  it('families: the non-patient guarantor and her dependents', async () => {
    const a = adapterFor('openDental');
    const okafor = NEX_SEED.families['okafor']!;
    const [family] = await a.families([okafor.guarantorId]);
    const f = value(family)!;
    expect(f.guarantor.sourceId).toBe(okafor.guarantorId);
    expect(f.guarantor.nonPatient).toBe(true);
    expect(f.dependents.map((d) => d.sourceId).sort()).toEqual([...okafor.dependentIds].sort());
  });

  it('follows the cursor over more than 1,000 charges, per_page on every call', async () => {
    const a = adapterFor('openDental');
    const [charges] = await a.chargesByPatient([NEX_SEED.largeLedger.patientId]);
    expect(value(charges)).toHaveLength(NEX_SEED.largeLedger.chargeCount);
    const calls = nex.requests.filter((r) => r.path === '/charges');
    expect(calls).toHaveLength(2);
    for (const c of calls) expect(c.query['per_page']).toBe('1000');
    expect(calls[1]!.query['end_cursor']).toBeTruthy();
  });

  it('a large batch costs one location-wide scan and matches the per-patient answers', async () => {
    const a = adapterFor('openDental');
    const ids = Object.values(NEX_SEED.families)
      .filter((f) => f.locationId === nex.locations.openDental)
      .flatMap((f) => f.patientIds);
    expect(ids.length).toBeGreaterThan(8);
    nex.resetRequestLog();
    const scanned = await a.paymentsByPatient(ids);
    const scanCalls = nex.requests.filter((r) => r.path === '/payments');
    expect(scanCalls.length).toBeLessThanOrEqual(2);
    expect(scanCalls[0]!.query['updated_since']).toBe('1970-01-01T00:00:00Z');
    const one = await a.paymentsByPatient(ids.slice(0, 3));
    expect(one.map((r) => value(r).map((p) => p.sourceId))).toEqual(
      scanned.slice(0, 3).map((r) => value(r).map((p) => p.sourceId)),
    );
  });

  it('deleted rows never appear; claims of every status map, paid included', async () => {
    const a = adapterFor('openDental');
    const seen = await a.chargesByPatient(
      Object.values(NEX_SEED.families)
        .flatMap((f) => f.patientIds)
        .concat(NEX_SEED.refund.patientId),
    );
    const chargeIds = seen.flatMap((r) => (r instanceof Error ? [] : r.map((c) => c.sourceId)));
    expect(chargeIds).not.toContain(NEX_SEED.deleted.chargeId);
    const allPatients = (await a.listPatients({ first: 1000, after: null })).items.map((p) => p.sourceId);
    const claims = (await a.claimsByPatient(allPatients)).flatMap((r) => value(r));
    const byId = new Map(claims.map((c) => [c.sourceId, c] as const));
    expect(byId.get(NEX_SEED.claims.paid)).toMatchObject({ status: 'PAID', stage: 'ADJUDICATED', rawStatus: 'paid' });
    expect(byId.get(NEX_SEED.claims.canceled)).toMatchObject({ status: 'CANCELED', stage: 'VOID', collectible: false });
    expect(byId.get(NEX_SEED.claims.draft)).toMatchObject({ status: 'DRAFT', stage: 'PENDING' });
  });

  it('computed balances reconcile with guarantor_portion (and the inconsistent guarantor differs by the seeded amount)', async () => {
    for (const [key, family] of Object.entries(NEX_SEED.families)) {
      const a = adapterFor(family.locationId === nex.locations.dentrix ? 'dentrix' : 'openDental');
      const [balance] = await a.guarantorBalances([family.guarantorId]);
      const record = value(balance);
      expect(record, key).not.toBeNull();
      const computed = (await computedBalances(a, family.patientIds)).reduce((s, b) => s + b, 0);
      const difference = computed - record!.guarantorPortion;
      if (family.guarantorId === NEX_SEED.inconsistentGuarantor.guarantorId) {
        expect(difference, key).toBe(NEX_SEED.inconsistentGuarantor.differenceCents);
      } else {
        expect(difference, key).toBe(0);
      }
      const b = record!.buckets;
      expect(b.current + b.days31To60 + b.days61To90 + b.over90).toBe(record!.totalBalance);
      if (family.locationId === nex.locations.dentrix) expect(record!.writeOffEstimate, key).toBeNull();
      else expect(record!.writeOffEstimate, key).not.toBeNull();
    }
  });

  it('reference data: providers, procedures, payment and adjustment types', async () => {
    const a = adapterFor('openDental');
    const [provider] = await a.providers([NEX_SEED.providers.openDental[0]!]);
    expect(value(provider)?.name).toBeTruthy();
    const [procedure] = await a.procedures([NEX_SEED.procedures.crown]);
    expect(value(procedure)).toMatchObject({ code: 'D2740' });
    const types = await a.adjustmentTypes();
    expect(types.find((t) => t.sourceId === NEX_SEED.adjustmentTypes.openDental.financeCharge)?.action).toBe('DEBIT');
    expect(types.find((t) => t.sourceId === NEX_SEED.adjustmentTypes.openDental.legacyConversionUnknown)?.action).toBe('UNKNOWN');
    expect((await a.paymentTypes()).some((t) => t.sourceId === NEX_SEED.paymentTypes.openDental.cash)).toBe(true);
  });
});

describe('faults', () => {
  it('honours a 429 Retry-After, recovers from malformed JSON and a reset, re-authenticates after expiry', async () => {
    const a = adapterFor('openDental');
    const patientId = NEX_SEED.families['alvarez']!.guarantorId;
    nex.faults.add({ path: '/charges', status: 429, retryAfterSeconds: 1, times: 1 });
    const started = Date.now();
    expect(value((await a.chargesByPatient([patientId]))[0]).length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);

    nex.faults.add({ path: '/payments', malformedJson: true, times: 1 });
    nex.faults.add({ path: '/adjustments', reset: true, times: 1 });
    value((await a.paymentsByPatient([patientId]))[0]);
    value((await a.adjustmentsByPatient([patientId]))[0]);

    nex.resetRequestLog();
    nex.expireTokens();
    value((await a.patients([patientId]))[0]);
    expect(nex.requests.filter((r) => r.path === '/authenticates')).toHaveLength(1);
  });

  it('persistent 500s are UPSTREAM_UNAVAILABLE for that key only', async () => {
    const a = adapterFor('openDental', { maxRetries: 1 });
    const [bad, good] = [NEX_SEED.families['alvarez']!.guarantorId, NEX_SEED.families['okafor']!.dependentIds[0]!];
    nex.faults.add({ path: `/patients/${bad}`, status: 500 });
    const [first, second] = await a.patients([bad, good]);
    expect(first).toBeInstanceOf(UpstreamError);
    expect((first as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(value(second)?.sourceId).toBe(good);
  });
});

describe('writes and webhooks', () => {
  let receiver: Server;
  let receiverUrl: string;
  const deliveries: Array<{ headers: Record<string, string | string[] | undefined>; rawBody: Buffer }> = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        deliveries.push({ headers: req.headers, rawBody: Buffer.concat(chunks) });
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/nexhealth/smile`;
  });

  afterAll(async () => {
    await new Promise<void>((r) => {
      receiver.closeAllConnections();
      receiver.close(() => r());
    });
  });

  const write = (over: Partial<OutgoingLedgerWrite>): OutgoingLedgerWrite => ({
    kind: 'PAYMENT',
    transactionId: `LG:${Math.floor(Math.random() * 1e9)}`,
    patientSourceId: NEX_SEED.families['alvarez']!.guarantorId,
    amount: -13850,
    currency: 'USD',
    typeSourceId: NEX_SEED.paymentTypes.openDental.cash,
    providerSplits: null,
    chargeSplits: null,
    occurredAt: '2025-06-30T12:00:00Z',
    notes: null,
    ...over,
  });

  it('registers once, submits, lands, finds the rows and verifies the signed delivery', async () => {
    const a = adapterFor('openDental');
    const reg = await a.registerWebhooks!(receiverUrl);
    expect(reg.secret).toBeTruthy();
    expect(await a.registerWebhooks!(receiverUrl)).toEqual(reg); // reused

    const w = write({
      providerSplits: [
        { id: NEX_SEED.providers.openDental[0]!, amount: -10000 },
        { id: NEX_SEED.providers.openDental[1]!, amount: -3850 },
      ],
    });
    expect(await a.submitWrite!(w)).toEqual({ state: 'SUBMITTED' });
    expect(await a.findTransaction!('PAYMENT', w.transactionId, w.patientSourceId)).toBeNull();
    // The id is taken now: the adapter reports the upstream's refusal; the store decides what it means.
    await expect(a.submitWrite!(w)).rejects.toMatchObject({
      code: 'UPSTREAM_REJECTED',
      message: expect.stringContaining('already been used'),
    });
    expect(nex.requests.filter((r) => r.method === 'POST' && r.path === '/payments')).toHaveLength(2);

    await nex.completePendingInsertions();
    const found = await a.findTransaction!('PAYMENT', w.transactionId, w.patientSourceId);
    expect(found!.payments.map((p) => p.amount).sort((x, y) => x - y)).toEqual([-10000, -3850]);

    await nex.settle();
    const delivery = deliveries.find((d) => d.rawBody.toString().includes(w.transactionId));
    expect(delivery).toBeDefined();
    const event = a.verifyWebhook!({ ...delivery!, secret: reg.secret, now: new Date() });
    expect(event).toMatchObject({ transactionId: w.transactionId, outcome: 'COMPLETED' });
    expect(event.records.payments).toHaveLength(2);
    expect(() => a.verifyWebhook!({ ...delivery!, secret: 'wrong', now: new Date() })).toThrow();
  });

  it('a failed insertion arrives with its reason', async () => {
    const a = adapterFor('openDental');
    const reg = await a.registerWebhooks!(receiverUrl);
    const w = write({ kind: 'ADJUSTMENT', amount: -500, typeSourceId: NEX_SEED.adjustmentTypes.openDental.courtesyCredit });
    await a.submitWrite!(w);
    nex.failNextInsertion('Patient is locked in the EHR');
    await nex.completePendingInsertions();
    await nex.settle();
    const delivery = deliveries.find((d) => d.rawBody.toString().includes(w.transactionId))!;
    const event = a.verifyWebhook!({ ...delivery, secret: reg.secret, now: new Date() });
    expect(event).toMatchObject({ transactionId: w.transactionId, outcome: 'FAILED', reason: 'Patient is locked in the EHR' });
    expect(await a.findTransaction!('ADJUSTMENT', w.transactionId, w.patientSourceId)).toBeNull();
  });

  it('rejections carry the upstream text; a 500 on a write is not retried', async () => {
    const a = adapterFor('openDental');
    const err = await a.submitWrite!(write({ patientSourceId: '999999' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).code).toBe('UPSTREAM_REJECTED');
    expect((err as UpstreamError).message).toContain('999999');

    nex.resetRequestLog();
    nex.faults.add({ path: '/payments', method: 'POST', status: 500, times: 1 });
    const down = await a.submitWrite!(write({})).catch((e: unknown) => e);
    expect((down as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(nex.requests.filter((r) => r.method === 'POST' && r.path === '/payments')).toHaveLength(1);
  });

  it('on Dentrix a refund becomes an adjustment, and findTransaction finds it there', async () => {
    const a = adapterFor('dentrix');
    const w = write({
      patientSourceId: NEX_SEED.dentrixPatientId,
      amount: 2000,
      typeSourceId: NEX_SEED.paymentTypes.dentrix.cash,
    });
    expect(await a.submitWrite!(w)).toEqual({ state: 'SUBMITTED' });
    await nex.completePendingInsertions();
    const found = await a.findTransaction!('PAYMENT', w.transactionId, w.patientSourceId);
    expect(found!.payments).toEqual([]);
    expect(found!.adjustments.map((x) => x.amount)).toEqual([2000]);
  });
});

describe('location scope', () => {
  it('a Dentrix-location patient is not readable through the Open Dental location', async () => {
    const od = adapterFor('openDental');
    const dx = adapterFor('dentrix');
    const [viaOd] = await od.patients([NEX_SEED.dentrixPatientId]);
    const [viaDx] = await dx.patients([NEX_SEED.dentrixPatientId]);
    expect(viaOd).toBeNull();
    expect(value(viaDx)?.sourceId).toBe(NEX_SEED.dentrixPatientId);
  });
});
