import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createNexSeed,
  NEX_SEED,
  patientBalanceCents,
  resolvedGuarantorId,
  startNexhealthSandbox,
  type NexhealthSandbox,
} from '../../src/sandbox/nexhealth';
import { parseDecimal, parseWireAmount, sumCents } from '../../src/ledger/money';

const VERSION = { 'Nex-Api-Version': 'v20240412' };

interface Envelope {
  code: boolean;
  description: unknown;
  error: string[];
  data: any;
  count?: number;
  page_info?: { has_previous_page: boolean; has_next_page: boolean; start_cursor: string | null; end_cursor: string | null };
}

/** A tiny client speaking the wire format (independent of any adapter). */
function client(nex: NexhealthSandbox) {
  let token: string | null = null;
  const scope = (location: string | null = nex.locations.openDental): Record<string, string> =>
    location ? { subdomain: nex.subdomain, location_id: location } : { subdomain: nex.subdomain };
  async function authenticate(): Promise<string> {
    const res = await fetch(`${nex.url}/authenticates`, { method: 'POST', headers: { ...VERSION, Authorization: nex.apiKey } });
    token = ((await res.json()) as Envelope).data.token;
    return token!;
  }
  async function call(method: string, path: string, query: Record<string, string | string[]> = {}, body?: unknown) {
    if (!token) await authenticate();
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) for (const item of Array.isArray(v) ? v : [v]) params.append(k, item);
    const res = await fetch(`${nex.url}${path}?${params}`, {
      method,
      headers: { ...VERSION, Authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Envelope };
  }
  return {
    authenticate,
    scope,
    get: (path: string, query: Record<string, string | string[]> = {}) => call('GET', path, query),
    post: (path: string, query: Record<string, string | string[]>, body: unknown) => call('POST', path, query, body),
  };
}

const toCents = (m: { amount: string; currency: string }) => parseWireAmount(m.amount);

describe('NexHealth sandbox: auth, version, scope', () => {
  let nex: NexhealthSandbox;
  beforeAll(async () => {
    nex = await startNexhealthSandbox({ insertion: 'manual', rateLimits: false });
  });
  afterAll(() => nex.close());

  it('authenticates with the raw api key (201 envelope) and rejects a wrong key (401)', async () => {
    const res = await fetch(`${nex.url}/authenticates`, { method: 'POST', headers: { ...VERSION, Authorization: nex.apiKey } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Envelope;
    expect(body).toMatchObject({ code: true, description: 'Authenticated', error: [] });
    expect(body.data.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const wrong = await fetch(`${nex.url}/authenticates`, { method: 'POST', headers: { ...VERSION, Authorization: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: false, data: null });
    const bearer = await fetch(`${nex.url}/authenticates`, {
      method: 'POST',
      headers: { ...VERSION, Authorization: `Bearer ${nex.apiKey}` },
    });
    expect(bearer.status).toBe(401);
  });

  it('answers 404 without Nex-Api-Version, 401 for unknown or expired tokens', async () => {
    const c = client(nex);
    const token = await c.authenticate();
    const noVersion = await fetch(`${nex.url}/patients?subdomain=${nex.subdomain}&location_id=${nex.locations.openDental}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(noVersion.status).toBe(404);
    expect(((await noVersion.json()) as Envelope).code).toBe(false);

    const unknown = await fetch(`${nex.url}/patients?subdomain=${nex.subdomain}&location_id=${nex.locations.openDental}`, {
      headers: { ...VERSION, Authorization: 'Bearer not-a-token' },
    });
    expect(unknown.status).toBe(401);

    expect((await c.get('/patients', c.scope())).status).toBe(200);
    nex.expireTokens();
    expect((await c.get('/patients', c.scope())).status).toBe(401);
  });

  it('expires tokens after tokenTtlMs', async () => {
    // A fake clock: the token expires because the clock moves past its TTL, not because real time
    // passed (a 40 ms sleep was flaky under load).
    let now = Date.parse('2025-06-30T12:00:00Z');
    const short = await startNexhealthSandbox({ tokenTtlMs: 40, rateLimits: false, now: () => now });
    try {
      const c = client(short);
      await c.authenticate();
      expect((await c.get('/payment_types', c.scope())).status).toBe(200);
      now += 60;
      const expired = await c.get('/payment_types', c.scope());
      expect(expired.status).toBe(401);
      expect(expired.body.code).toBe(false);
    } finally {
      await short.close();
    }
  });

  it('requires subdomain (400) and the right one (403); location_id on lists (400) and the right one (403)', async () => {
    const c = client(nex);
    expect((await c.get('/patients', { location_id: nex.locations.openDental })).status).toBe(400);
    expect((await c.get('/patients', { subdomain: 'someone-else', location_id: nex.locations.openDental })).status).toBe(403);
    const noLocation = await c.get('/patients', { subdomain: nex.subdomain });
    expect(noLocation.status).toBe(400);
    expect(noLocation.body).toMatchObject({ code: false, data: null });
    expect(noLocation.body.error[0]).toMatch(/location_id/);
    expect((await c.get('/patients', { subdomain: nex.subdomain, location_id: '999' })).status).toBe(403);
    // A single read needs the subdomain but no location.
    expect((await c.get(`/patients/${NEX_SEED.families.alvarez.guarantorId}`, c.scope(null))).status).toBe(200);
    expect((await c.get('/patients/1', c.scope(null))).status).toBe(404);
  });
});

describe('NexHealth sandbox: reads', () => {
  let nex: NexhealthSandbox;
  let c: ReturnType<typeof client>;
  beforeAll(async () => {
    nex = await startNexhealthSandbox({ insertion: 'manual', rateLimits: false });
    c = client(nex);
  });
  afterAll(() => nex.close());

  it('pages through the >1000-charge patient to the last page and back', async () => {
    const patient_id = NEX_SEED.largeLedger.patientId;
    const first = await c.get('/charges', { ...c.scope(), patient_id, per_page: '1000' });
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(1000);
    expect(first.body.count).toBe(NEX_SEED.largeLedger.chargeCount);
    expect(first.body.page_info).toMatchObject({ has_previous_page: false, has_next_page: true });

    const last = await c.get('/charges', {
      ...c.scope(),
      patient_id,
      per_page: '1000',
      end_cursor: first.body.page_info!.end_cursor!,
    });
    expect(last.body.data).toHaveLength(NEX_SEED.largeLedger.chargeCount - 1000);
    expect(last.body.page_info).toMatchObject({ has_previous_page: true, has_next_page: false });
    const ids = [...first.body.data, ...last.body.data].map((r: { id: number }) => r.id);
    expect(new Set(ids).size).toBe(NEX_SEED.largeLedger.chargeCount);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    const back = await c.get('/charges', {
      ...c.scope(),
      patient_id,
      per_page: '1000',
      start_cursor: last.body.page_info!.start_cursor!,
    });
    expect(back.body.data.map((r: { id: number }) => r.id)).toEqual(first.body.data.map((r: { id: number }) => r.id));

    const byDefault = await c.get('/charges', { ...c.scope(), patient_id });
    expect(byDefault.body.data).toHaveLength(5);
    expect((await c.get('/charges', { ...c.scope(), patient_id, per_page: '1001' })).status).toBe(400);
    expect((await c.get('/charges', { ...c.scope(), patient_id, end_cursor: 'garbage!' })).status).toBe(400);
  });

  it('rejects a list without a † filter (400) and ignores undocumented filters', async () => {
    const bare = await c.get('/charges', c.scope());
    expect(bare.status).toBe(400);
    expect(bare.body.code).toBe(false);
    expect((await c.get('/payments', { ...c.scope(), include_deleted: 'true' })).status).toBe(400);
    expect((await c.get('/guarantor_balances', c.scope())).status).toBe(400);
    expect((await c.get('/claims', { ...c.scope(), updated_since: '2020-01-01T00:00:00Z' })).status).toBe(400);
    // transaction_id is not a documented filter of /adjustments: it neither counts as † nor filters.
    expect((await c.get('/adjustments', { ...c.scope(), transaction_id: 'LG:1' })).status).toBe(400);
    const patient_id = NEX_SEED.families.alvarez.guarantorId;
    const plain = await c.get('/payments', { ...c.scope(), patient_id, per_page: '100' });
    const extra = await c.get('/payments', { ...c.scope(), patient_id, per_page: '100', color: 'blue', payment_type_id: '999' });
    expect(extra.body.data).toEqual(plain.body.data);
  });

  it('hides deleted rows unless include_deleted=true', async () => {
    const patient_id = (await c.get(`/charges/${NEX_SEED.deleted.chargeId}`, c.scope(null))).body.data.patient_id as number;
    const visible = await c.get('/charges', { ...c.scope(), patient_id: String(patient_id), per_page: '1000' });
    const all = await c.get('/charges', {
      ...c.scope(),
      patient_id: String(patient_id),
      per_page: '1000',
      include_deleted: 'true',
    });
    const visibleIds = visible.body.data.map((r: { id: number }) => String(r.id));
    expect(visibleIds).not.toContain(NEX_SEED.deleted.chargeId);
    expect(all.body.data.map((r: { id: number }) => String(r.id))).toContain(NEX_SEED.deleted.chargeId);
    expect(all.body.data.find((r: { id: number }) => String(r.id) === NEX_SEED.deleted.chargeId).deleted_at).toEqual(
      expect.any(String),
    );
  });

  it('serves money as decimal strings, Dentrix write_off_estimate null, patient includes', async () => {
    const gb = await c.get('/guarantor_balances', { ...c.scope(), guarantor_id: NEX_SEED.families.alvarez.guarantorId });
    expect(gb.body.data).toHaveLength(1);
    expect(gb.body.data[0].total_balance).toEqual({ amount: expect.stringMatching(/^-?\d+\.\d{2}$/), currency: 'USD' });
    expect(gb.body.data[0].write_off_estimate).toEqual({ amount: expect.stringMatching(/^\d+\.\d{2}$/), currency: 'USD' });
    const dx = await c.get('/guarantor_balances', {
      ...c.scope(nex.locations.dentrix),
      guarantor_id: NEX_SEED.families.brennan.guarantorId,
    });
    expect(dx.body.data[0].write_off_estimate).toBeNull();

    const okafor = await c.get(`/patients/${NEX_SEED.nonPatientGuarantorId}`, {
      ...c.scope(null),
      'include[]': ['children', 'guarantor'],
    });
    expect(okafor.body.data.bio.non_patient).toBe(true);
    expect(okafor.body.data.children.map((p: { id: number }) => String(p.id))).toEqual(NEX_SEED.families.okafor.dependentIds);
    const kid = await c.get(`/patients/${NEX_SEED.families.okafor.dependentIds[0]}`, {
      ...c.scope(null),
      'include[]': ['guarantor'],
    });
    expect(String(kid.body.data.guarantor.id)).toBe(NEX_SEED.nonPatientGuarantorId);

    const encodings = await Promise.all(
      [NEX_SEED.ownGuarantor.ownId, NEX_SEED.ownGuarantor.zero, NEX_SEED.ownGuarantor.null].map(
        async (id) => (await c.get(`/patients/${id}`, c.scope(null))).body.data.guarantor_id,
      ),
    );
    expect(encodings).toEqual([Number(NEX_SEED.ownGuarantor.ownId), 0, null]);

    const charge = await c.get(`/charges/${NEX_SEED.charges.withReceivedClaim}`, {
      ...c.scope(null),
      'include[]': ['totals', 'claim_payouts', 'claims', 'provider', 'procedure'],
    });
    expect(charge.body.data.totals).toEqual({
      amount_billed_to_insurance: expect.any(Object),
      estimated_insurance_payment: expect.any(Object),
      insurance_payment: expect.any(Object),
      write_off: expect.any(Object),
    });
    expect(charge.body.data.claims[0].status).toBe('received');
    expect(charge.body.data.procedure).toMatchObject({ code: 'D2740' });
    const types = await c.get('/adjustment_types', { ...c.scope(), per_page: '100' });
    expect(types.body.data).toContainEqual(expect.objectContaining({ name: 'Courtesy Credit', action: 'credit', active: true }));
    expect(types.body.data.every((t: { active: boolean }) => t.active)).toBe(true);
    const paid = await c.get('/claims', { ...c.scope(), patient_id: NEX_SEED.families.alvarez.guarantorId, per_page: '100' });
    expect(paid.body.data.map((cl: { status: string }) => cl.status)).toContain('paid');
  });

  it('has coherent balances: guarantor_portion = Σ computed balances, except for the inconsistent guarantor', () => {
    const seed = createNexSeed();
    for (const gb of seed.guarantorBalances) {
      const members = seed.patients.filter((p) => resolvedGuarantorId(p) === gb.guarantor_id);
      const computed = sumCents(members.map((m) => patientBalanceCents(m.id, seed)));
      const expected = String(gb.guarantor_id) === NEX_SEED.inconsistentGuarantor.guarantorId ? computed + 4500 : computed;
      expect(gb.guarantor_portion, `guarantor ${gb.guarantor_id}`).toBe(expected);
      expect(gb.total_balance).toBe(gb.guarantor_portion + gb.insurance_estimate);
      expect(gb.total_balance).toBe(
        gb.total_balance_under_30 + gb.total_balance_31_60 + gb.total_balance_61_90 + gb.total_balance_over_90,
      );
      expect(gb.write_off_estimate === null).toBe(gb.location_id === Number(NEX_SEED.locations.dentrix));
    }
    expect(seed.patients.length).toBeGreaterThanOrEqual(45);
    expect(NEX_SEED.inconsistentGuarantor.differenceCents).toBe(-4500);
  });

  it('reconciles a family from the wire alone with the spec rule', async () => {
    const family = NEX_SEED.families.alvarez;
    let total = 0;
    for (const patient_id of family.patientIds) {
      const q = { ...c.scope(), patient_id, per_page: '1000' };
      const claims = new Map<number, string>(
        (await c.get('/claims', q)).body.data.map((cl: { id: number; status: string }) => [cl.id, cl.status]),
      );
      for (const ch of (await c.get('/charges', { ...q, 'include[]': ['claim_payouts'] })).body.data) {
        let amount = toCents(ch.fee);
        for (const p of ch.claim_payouts) {
          const status = claims.get(p.claim_id);
          if (status === 'draft' || status === 'sent') amount -= toCents(p.estimated_insurance_payment) + toCents(p.write_off);
          else if (status === 'received' || status === 'paid') amount -= toCents(p.write_off);
        }
        total += amount;
      }
      for (const p of (await c.get('/payments', q)).body.data) total += toCents(p.payment_amount);
      for (const a of (await c.get('/adjustments', q)).body.data) total += toCents(a.adjustment_amount);
    }
    const gb = await c.get('/guarantor_balances', { ...c.scope(), guarantor_id: family.guarantorId });
    expect(toCents(gb.body.data[0].guarantor_portion)).toBe(total);
  });
});

describe('NexHealth sandbox: writes and insertion', () => {
  let nex: NexhealthSandbox;
  let c: ReturnType<typeof client>;
  let n = 0;
  const tx = () => `LG:${9000 + ++n}`;
  beforeAll(async () => {
    nex = await startNexhealthSandbox({ insertion: 'manual', rateLimits: false });
    c = client(nex);
  });
  afterAll(() => nex.close());

  const patient_id = NEX_SEED.families.alvarez.guarantorId;
  const payment = (over: Record<string, unknown>) => ({
    payment: {
      patient_id: Number(patient_id),
      amount: -50,
      currency: 'USD',
      payment_type_id: 501,
      transaction_id: tx(),
      paid_at: '2025-07-01T10:00:00Z',
      ...over,
    },
  });

  it('validates writes exactly as the spec decides', async () => {
    const q = c.scope();
    const expect400 = async (body: unknown, message: RegExp | string, path = '/payments') => {
      const res = await c.post(path, q, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe(false);
      if (typeof message === 'string') expect(res.body.error).toContain(message);
      else expect(res.body.error.join(' ')).toMatch(message);
    };
    await expect400(payment({ provider_splits: { 301: -30, 302: -10 } }), /sum/);
    await expect400(
      payment({ provider_splits: { 301: -50 }, charge_splits: { [NEX_SEED.charges.withReceivedClaim]: -50 } }),
      /together/,
    );
    await expect400(payment({ payment_type_id: 999 }), /type/i);
    await expect400(payment({ payment_type_id: 511 }), /type/i); // a Dentrix type, posted to Open Dental
    await expect400(
      payment({ patient_id: Number(NEX_SEED.dentrixPatientId) }),
      `Patient with ID ${NEX_SEED.dentrixPatientId} not found in location ${nex.locations.openDental}`,
    );
    await expect400(payment({ transaction_id: undefined }), /transaction_id/);
    await expect400(payment({ transaction_id: 'LG:' + 'x'.repeat(48) }), /transaction_id/);
    await expect400(payment({ amount: '12.345' }), /amount/);
    await expect400(
      { adjustment: { patient_id: Number(patient_id), amount: '25.00', adjustment_type_id: 604, transaction_id: tx() } },
      /positive adjustment/i,
      '/adjustments',
    );
    await expect400(
      { adjustment: { patient_id: Number(patient_id), amount: -5, adjustment_type_id: 614, transaction_id: tx() } },
      /type/i,
      '/adjustments',
    );
    expect((await c.post('/payments', { subdomain: nex.subdomain }, payment({}))).status).toBe(400);

    const used = tx();
    const accepted = await c.post('/payments', q, payment({ transaction_id: used, amount: '-50.00' }));
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ code: true, data: { transaction_id: used, status: 'pending' } });
    await expect400(payment({ transaction_id: used }), 'transaction_id has already been used');
    // A debit adjustment with a provider split, amount as a JSON number: accepted.
    const debit = await c.post('/adjustments', q, {
      adjustment: {
        patient_id: Number(patient_id),
        amount: 12.5,
        adjustment_type_id: 604,
        transaction_id: tx(),
        provider_splits: { 301: '12.50' },
      },
    });
    expect(debit.status).toBe(202);
    await nex.completePendingInsertions();
  });

  it('lands a write later as one row per split, each with the transaction_id, and moves the guarantor balance', async () => {
    const q = c.scope();
    const before = toCents(
      (await c.get('/guarantor_balances', { ...q, guarantor_id: patient_id })).body.data[0].guarantor_portion,
    );
    const id = tx();
    const res = await c.post(
      '/payments',
      q,
      payment({ transaction_id: id, amount: '-138.50', provider_splits: { 301: -100, 302: '-38.50' } }),
    );
    expect(res.status).toBe(202);
    expect(nex.pendingInsertions.map((w) => w.transactionId)).toContain(id);
    expect((await c.get('/payments', { ...q, transaction_id: id })).body.data).toEqual([]);

    await nex.completePendingInsertions();
    const rows = (await c.get('/payments', { ...q, transaction_id: id })).body.data;
    expect(rows).toHaveLength(2);
    expect(rows.map((r: any) => [r.provider_id, r.payment_amount.amount, r.transaction_id, r.charge_id])).toEqual([
      [301, '-100.00', id, null],
      [302, '-38.50', id, null],
    ]);
    const after = toCents(
      (await c.get('/guarantor_balances', { ...q, guarantor_id: patient_id })).body.data[0].guarantor_portion,
    );
    expect(after - before).toBe(parseDecimal('-138.50'));
  });

  it('applies the Dentrix quirks: refunds become adjustments, charge splits land on the provider', async () => {
    const q = c.scope(nex.locations.dentrix);
    const dxPatient = NEX_SEED.families.brennan.guarantorId;
    const refundId = tx();
    expect(
      (
        await c.post('/payments', q, {
          payment: { patient_id: dxPatient, amount: '20.00', payment_type_id: 511, transaction_id: refundId },
        })
      ).status,
    ).toBe(202);
    const charges = (await c.get('/charges', { ...q, patient_id: dxPatient, per_page: '2' })).body.data;
    const adjId = tx();
    const splits = { [charges[0].id]: '-10.00', [charges[1].id]: -5 };
    expect(
      (
        await c.post('/adjustments', q, {
          adjustment: {
            patient_id: dxPatient,
            amount: '-15',
            adjustment_type_id: 611,
            transaction_id: adjId,
            charge_splits: splits,
          },
        })
      ).status,
    ).toBe(202);
    await nex.completePendingInsertions();

    expect((await c.get('/payments', { ...q, transaction_id: refundId })).body.data).toEqual([]);
    const adjustments = (await c.get('/adjustments', { ...q, patient_id: dxPatient, per_page: '1000' })).body.data;
    const refundRows = adjustments.filter((a: any) => a.transaction_id === refundId);
    expect(refundRows).toHaveLength(1);
    expect(refundRows[0].adjustment_amount.amount).toBe('20.00');
    const splitRows = adjustments.filter((a: any) => a.transaction_id === adjId);
    expect(splitRows.map((a: any) => [a.provider_id, a.charge_id, a.adjustment_amount.amount])).toEqual([
      [charges[0].provider_id, null, '-10.00'],
      [charges[1].provider_id, null, '-5.00'],
    ]);
  });

  it('lands automatically after insertionDelayMs in auto mode', async () => {
    // A delay long enough that a loaded CI machine still reads before the landing; then wait for it.
    const auto = await startNexhealthSandbox({ insertionDelayMs: 1000, rateLimits: false });
    try {
      const a = client(auto);
      const id = 'LG:auto-1';
      await a.post('/payments', a.scope(), { payment: { patient_id, amount: -5, payment_type_id: 501, transaction_id: id } });
      expect((await a.get('/payments', { ...a.scope(), transaction_id: id })).body.data).toHaveLength(0);
      for (let i = 0; i < 100 && auto.insertions.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      await auto.settle();
      const rows = (await a.get('/payments', { ...a.scope(), transaction_id: id })).body.data;
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        provider_id: null,
        payment_type_id: 501,
        transaction_id: id,
        payment_amount: { amount: '-5.00', currency: 'USD' },
      });
    } finally {
      await auto.close();
    }
  });
});

describe('NexHealth sandbox: webhooks', () => {
  let nex: NexhealthSandbox;
  let c: ReturnType<typeof client>;
  let receiver: http.Server;
  let receiverUrl: string;
  const received: Array<{ headers: http.IncomingHttpHeaders; raw: string }> = [];
  let replies: number[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(replies.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/nexhealth/smile`;
    nex = await startNexhealthSandbox({ insertion: 'manual', webhookRetryDelaysMs: [5, 5], rateLimits: false });
    c = client(nex);
  });
  afterAll(async () => {
    await nex.close();
    await new Promise((resolve) => receiver.close(resolve));
  });
  afterEach(() => {
    received.length = 0;
    replies = [];
  });

  let secret = '';
  const patient_id = NEX_SEED.families.nakamura.guarantorId;

  it('registers an endpoint and subscriptions', async () => {
    const endpoint = await c.post('/webhook_endpoints', { subdomain: nex.subdomain }, { target_url: receiverUrl, active: true });
    expect(endpoint.status).toBe(201);
    expect(endpoint.body.data).toMatchObject({
      id: expect.any(Number),
      target_url: receiverUrl,
      secret_key: expect.any(String),
      active: true,
    });
    secret = endpoint.body.data.secret_key;
    for (const [resource_type, event] of [
      ['Payment', 'payment_insertion'],
      ['Adjustment', 'adjustment_insertion'],
    ]) {
      const sub = await c.post(
        `/webhook_endpoints/${endpoint.body.data.id}/webhook_subscriptions`,
        { subdomain: nex.subdomain },
        { resource_type, event, active: true },
      );
      expect(sub.status).toBe(201);
    }
    const list = await c.get('/webhook_endpoints', { subdomain: nex.subdomain });
    expect(list.body.data.map((e: { target_url: string }) => e.target_url)).toEqual([receiverUrl]);
  });

  it('delivers a signed payment_insertion.complete, verifiable with node:crypto', async () => {
    const id = 'LG:wh-1';
    await c.post('/payments', c.scope(), {
      payment: {
        patient_id,
        amount: '-40.00',
        payment_type_id: 503,
        transaction_id: id,
        provider_splits: { 301: -25, 302: -15 },
      },
    });
    await nex.completePendingInsertions();
    expect(received).toHaveLength(1);
    const { headers, raw } = received[0]!;
    const timestamp = String(headers['timestamp']);
    expect(Math.abs(Date.parse(timestamp) - Date.now())).toBeLessThan(60_000);
    const expected = createHmac('sha256', secret)
      .update(`${timestamp}.${Buffer.from(raw).toString('base64')}`)
      .digest('hex');
    expect(headers['signature']).toBe(expected);
    const body = JSON.parse(raw);
    expect(body).toMatchObject({
      institution_id: Number(NEX_SEED.institutionId),
      webhook_subscription_id: expect.any(Number),
      resource_type: 'Payment',
      event_name: 'payment_insertion.complete',
      event_time: expect.any(String),
      delivery_errors: [],
    });
    expect(body.data.transaction_id).toBe(id);
    expect(body.data.payments.map((p: any) => [p.transaction_id, p.payment_amount.amount])).toEqual([
      [id, '-25.00'],
      [id, '-15.00'],
    ]);
  });

  it('delivers *.failed with the reason in delivery_errors, retries non-2xx, and re-delivers duplicates', async () => {
    replies = [500, 503];
    nex.failNextInsertion('Patient record is locked in the EHR');
    await c.post('/adjustments', c.scope(), {
      adjustment: { patient_id, amount: -5, adjustment_type_id: 601, transaction_id: 'LG:wh-2' },
    });
    await nex.completePendingInsertions();
    await nex.settle();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.raw)).size).toBe(1);
    const body = JSON.parse(received[0]!.raw);
    expect(body).toMatchObject({
      event_name: 'adjustment_insertion.failed',
      resource_type: 'Adjustment',
      delivery_errors: ['Patient record is locked in the EHR'],
      data: { transaction_id: 'LG:wh-2' },
    });
    const delivery = nex.webhooks.deliveries.find((d) => d.transactionId === 'LG:wh-2')!;
    expect(delivery.state).toBe('delivered');
    expect(delivery.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
    expect(
      (await c.get('/adjustments', { ...c.scope(), patient_id, per_page: '1000' })).body.data.some(
        (a: any) => a.transaction_id === 'LG:wh-2',
      ),
    ).toBe(false);

    const again = await nex.webhooks.redeliver(delivery.id);
    expect(again.status).toBe(200);
    expect(received).toHaveLength(4);
    expect(received[3]!.raw).toBe(received[0]!.raw);
  });

  it('holds deliveries and releases them out of order', async () => {
    nex.webhooks.hold();
    for (const id of ['LG:wh-3', 'LG:wh-4']) {
      await c.post('/payments', c.scope(), { payment: { patient_id, amount: -1, payment_type_id: 501, transaction_id: id } });
    }
    await nex.completePendingInsertions();
    expect(received).toHaveLength(0);
    await nex.webhooks.release({ order: 'reverse' });
    expect(received.map((r) => JSON.parse(r.raw).data.transaction_id)).toEqual(['LG:wh-4', 'LG:wh-3']);
  });
});

describe('NexHealth sandbox: faults, rate limits, request log', () => {
  let nex: NexhealthSandbox;
  let c: ReturnType<typeof client>;
  beforeAll(async () => {
    nex = await startNexhealthSandbox({ insertion: 'manual', rateLimits: false });
    c = client(nex);
    await c.authenticate();
  });
  afterAll(() => nex.close());
  afterEach(() => nex.faults.clear());

  const q = () => ({ ...c.scope(), patient_id: NEX_SEED.families.alvarez.guarantorId });

  it('forces a 429 with Retry-After for the next N matching requests only', async () => {
    nex.faults.add({ path: '/charges', method: 'GET', status: 429, retryAfterSeconds: 3, times: 2 });
    const first = await c.get('/charges', q());
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(first.body.code).toBe(false);
    expect((await c.get('/payments', q())).status).toBe(200);
    expect((await c.get('/charges', q())).status).toBe(429);
    expect((await c.get('/charges', q())).status).toBe(200);
    expect(nex.faults.list()).toHaveLength(0);
  });

  it('forces 500s with a seeded probability, reproducibly', async () => {
    const run = async () => {
      nex.faults.clear();
      nex.faults.reseed(7);
      nex.faults.add({ path: /^\/claims$/, status: 500, probability: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await c.get('/claims', q())).status);
      return statuses;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a).toContain(500);
    expect(a).toContain(200);
  });

  it('answers malformed JSON, resets connections, adds latency', async () => {
    nex.faults.add({ path: '/patients', malformedJson: true, times: 1 });
    const res = await fetch(`${nex.url}/patients?subdomain=${nex.subdomain}&location_id=${nex.locations.openDental}`, {
      headers: { ...VERSION },
    });
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();

    nex.faults.add({ path: '/patients', reset: true, times: 1 });
    await expect(fetch(`${nex.url}/patients?subdomain=${nex.subdomain}`, { headers: { ...VERSION } })).rejects.toThrow();

    nex.faults.add({ path: '/payment_types', latencyMs: 80, times: 1 });
    const started = Date.now();
    expect((await c.get('/payment_types', c.scope())).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
  });

  it('holds every answer, errors included, until its response time has passed', async () => {
    const rule = nex.faults.add({ path: '/payment_types', responseTimeMs: 80 });
    try {
      const timed = async (call: () => Promise<{ status: number }>) => {
        const started = Date.now();
        const { status } = await call();
        return { status, ms: Date.now() - started };
      };
      const answers = await Promise.all([
        timed(() => c.get('/payment_types', c.scope())),
        timed(() => c.get('/payment_types', c.scope())),
        timed(() => c.get('/payment_types', c.scope(null))), // no location_id: a 400, also held
      ]);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 400]);
      for (const a of answers) expect(a.ms).toBeGreaterThanOrEqual(75);
    } finally {
      nex.faults.remove(rule);
    }
    expect(() => nex.faults.add({ responseTimeMs: -1 })).toThrow(/responseTimeMs must be a non-negative number/);
  });

  it('rate-limits per key with Retry-After', async () => {
    const limited = await startNexhealthSandbox({ rateLimits: { perSecond: 1000, othersPerMinute: 4, patientsPerMinute: 1000 } });
    try {
      const l = client(limited);
      await l.authenticate(); // counts too: 3 requests left this minute
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await l.get('/payment_types', l.scope())).status);
      const over = await l.get('/payment_types', l.scope());
      expect(statuses).toEqual([200, 200, 200]);
      expect(over.status).toBe(429);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await l.get('/patients', l.scope())).status).toBe(200); // patient endpoints have their own budget
    } finally {
      await limited.close();
    }
  });

  it('logs every request with its parsed query (arrays for include[]) and can be reset', async () => {
    nex.resetRequestLog();
    await c.get(`/patients/${NEX_SEED.families.alvarez.guarantorId}`, {
      ...c.scope(null),
      'include[]': ['guarantor', 'children'],
    });
    expect(nex.requests).toHaveLength(1);
    expect(nex.requests[0]).toMatchObject({
      method: 'GET',
      path: `/patients/${NEX_SEED.families.alvarez.guarantorId}`,
      query: { subdomain: nex.subdomain, 'include[]': ['guarantor', 'children'] },
      status: 200,
      time: expect.any(Number),
    });
    expect(nex.requests[0]!.headers['nex-api-version']).toBe('v20240412');
    nex.resetRequestLog();
    expect(nex.requests).toHaveLength(0);
  });
});
