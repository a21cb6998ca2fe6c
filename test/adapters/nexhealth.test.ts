/**
 * Wire-level tests of the NexHealth adapter against a small fake server written here (node:http on
 * port 0): authentication, headers, pagination, the location-wide scan, retries, errors, writes,
 * webhooks and the mapping into port records.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  UpstreamError,
  WebhookRejected,
  type ChargeRecord,
  type LedgerAdapter,
  type OutgoingLedgerWrite,
} from '../../src/adapters/ledger/port';
import {
  createNexhealthAdapter,
  nexhealthCapabilities,
  type NexhealthAdapterOptions,
  type UpstreamCallEvent,
} from '../../src/adapters/ledger/nexhealth';
import { backoffDelayMs, parseRetryAfterMs } from '../../src/adapters/http';
import { NexhealthClient } from '../../src/adapters/ledger/nexhealth/client';
import { listAll } from '../../src/adapters/ledger/nexhealth/pagination';
import { resolveOptions } from '../../src/adapters/ledger/nexhealth/types';
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// The fake
// ---------------------------------------------------------------------------------------------

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  rawUrl: string;
}

type Answer = { status: number; body?: unknown; raw?: string; headers?: Record<string, string>; delayMs?: number } | 'destroy';

type Handler = (req: Recorded) => Answer | Promise<Answer>;

interface Fake {
  url: string;
  requests: Recorded[];
  /** Requests other than `POST /authenticates`. */
  calls(): Recorded[];
  authCalls(): Recorded[];
  validTokens: Set<string>;
  handler: Handler;
  close(): Promise<void>;
}

const API_KEY = 'test-key';

function ok(data: unknown, extra: Record<string, unknown> = {}) {
  return { status: 200, body: { code: true, description: null, error: [], data, ...extra } };
}

function fail(status: number, message: string, headers?: Record<string, string>): Answer {
  return { status, body: { code: false, description: message, error: [message], data: null }, headers };
}

const usd = (amount: string) => ({ amount, currency: 'USD' });

async function startFake(handler: Handler = () => fail(404, 'no handler')): Promise<Fake> {
  let tokenCounter = 0;
  const fake: Fake = {
    url: '',
    requests: [],
    calls: () => fake.requests.filter((r) => r.path !== '/authenticates'),
    authCalls: () => fake.requests.filter((r) => r.path === '/authenticates'),
    validTokens: new Set(),
    handler,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };

  const respond = (res: ServerResponse, answer: Exclude<Answer, 'destroy'>) => {
    const text = answer.raw ?? JSON.stringify(answer.body ?? {});
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(text);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const recorded: Recorded = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        rawUrl: req.url ?? '',
      };
      fake.requests.push(recorded);
      if (req.headers['nex-api-version'] !== 'v20240412') return respond(res, fail(404, 'Not found') as never);
      if (recorded.path === '/authenticates' && recorded.method === 'POST') {
        if (req.headers.authorization !== API_KEY) return respond(res, fail(401, 'Unauthorized') as never);
        const token = `tok-${++tokenCounter}`;
        fake.validTokens.add(token);
        return respond(res, { status: 201, body: { code: true, description: 'Authenticated', error: [], data: { token } } });
      }
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ') || !fake.validTokens.has(auth.slice(7))) {
        return respond(res, fail(401, 'Unauthorized') as never);
      }
      const answer = await fake.handler(recorded);
      if (answer === 'destroy') {
        req.socket.destroy();
        return;
      }
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      if (!res.destroyed) respond(res, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** A page answer over `rows`, with numeric-offset cursors, honouring per_page and end_cursor. */
function paged(req: Recorded, rows: unknown[]): Answer {
  const perPage = Number(req.query.get('per_page') ?? '5');
  const start = Number(req.query.get('end_cursor') ?? '0');
  const slice = rows.slice(start, start + perPage);
  const next = start + slice.length;
  return ok(slice, {
    count: rows.length,
    page_info: {
      has_previous_page: start > 0,
      has_next_page: next < rows.length,
      start_cursor: String(start),
      end_cursor: String(next),
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const SUBDOMAIN = 'smile-sub';
const LOCATION = '77';

function patientRow(id: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    first_name: `First${id}`,
    last_name: `Last${id}`,
    name: `First${id} Last${id}`,
    email: `p${id}@example.com`,
    guarantor_id: id,
    bio: { non_patient: false, date_of_birth: '1980-02-03' },
    location_ids: [77],
    inactive: false,
    ...extra,
  };
}

function chargeRow(id: number, patientId: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    patient_id: patientId,
    guarantor_id: patientId,
    provider_id: 5,
    procedure_id: 9,
    procedure_code: 'D1110',
    description: 'Prophylaxis',
    fee: usd('62.00'),
    charged_at: '2024-03-01T10:00:00Z',
    deleted_at: null,
    claim_payouts: [],
    ...extra,
  };
}

function paymentRow(id: number, patientId: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    patient_id: patientId,
    guarantor_id: patientId,
    provider_id: 5,
    charge_id: null,
    claim_id: null,
    insurance_plan_id: null,
    payment_type_id: 3,
    payment_amount: usd('-25.50'),
    paid_at: '2024-03-02T10:00:00Z',
    transaction_id: null,
    deleted_at: null,
    ...extra,
  };
}

function adjustmentRow(id: number, patientId: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    patient_id: patientId,
    guarantor_id: patientId,
    provider_id: 5,
    charge_id: null,
    claim_id: null,
    adjustment_type_id: 4,
    adjustment_amount: usd('-10.00'),
    adjusted_at: '2024-03-03T10:00:00Z',
    transaction_id: null,
    description: ['courtesy', 'discount'],
    deleted_at: null,
    ...extra,
  };
}

let fake: Fake;
let adapter: LedgerAdapter;
let events: UpstreamCallEvent[];

function make(options: NexhealthAdapterOptions = {}, pms?: string): LedgerAdapter {
  events = [];
  return createNexhealthAdapter(
    { baseUrl: fake.url, apiKey: API_KEY, subdomain: SUBDOMAIN, locationId: LOCATION, ...(pms ? { pms } : {}) },
    { retryBaseDelayMs: 1, maxRetries: 2, timeoutMs: 2000, onUpstreamCall: (e) => events.push(e), ...options },
  );
}

beforeEach(async () => {
  fake = await startFake();
  adapter = make();
});

afterEach(async () => {
  await adapter.close();
  await fake.close();
});

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamError);
    return err as UpstreamError;
  }
  throw new Error('expected a rejection');
}

// ---------------------------------------------------------------------------------------------
// Authentication and headers
// ---------------------------------------------------------------------------------------------

describe('authentication and headers', () => {
  it('sends the raw key to /authenticates, then Bearer, the version header and subdomain on every call', async () => {
    fake.handler = () => ok(patientRow(1));
    await adapter.connect();
    await adapter.patients(['1']);
    const [auth] = fake.authCalls();
    expect(auth!.method).toBe('POST');
    expect(auth!.headers.authorization).toBe(API_KEY);
    const [call] = fake.calls();
    expect(call!.path).toBe('/patients/1');
    expect(call!.headers.authorization).toBe('Bearer tok-1');
    for (const r of fake.requests) {
      expect(r.headers['nex-api-version']).toBe('v20240412');
      expect(r.query.get('subdomain')).toBe(SUBDOMAIN);
    }
    expect(fake.authCalls()).toHaveLength(1); // token cached
  });

  it('connect() with a wrong key rejects with UPSTREAM_REJECTED', async () => {
    await adapter.close();
    adapter = createNexhealthAdapter({ baseUrl: fake.url, apiKey: 'nope', subdomain: SUBDOMAIN, locationId: LOCATION });
    const err = await rejection(adapter.connect());
    expect(err.code).toBe('UPSTREAM_REJECTED');
    expect(err.status).toBe(401);
  });

  it('re-authenticates once on a 401 and retries the call', async () => {
    fake.handler = () => ok(patientRow(1));
    await adapter.connect();
    fake.validTokens.clear(); // the token expired
    const [p] = await adapter.patients(['1']);
    expect(p).toMatchObject({ sourceId: '1' });
    expect(fake.authCalls()).toHaveLength(2);
    expect(fake.calls().map((c) => c.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('re-authenticates only once: a second 401 is UPSTREAM_REJECTED', async () => {
    fake.handler = () => fail(401, 'token revoked');
    const [p] = await adapter.patients(['1']);
    expect(p).toBeInstanceOf(UpstreamError);
    expect((p as UpstreamError).code).toBe('UPSTREAM_REJECTED');
    expect(fake.authCalls()).toHaveLength(2);
    expect(fake.calls()).toHaveLength(2);
  });

  it('shares one authentication among concurrent calls', async () => {
    fake.handler = (r) => ok(patientRow(Number(r.path.split('/')[2])));
    const results = await adapter.patients(['1', '2', '3', '4']);
    expect(results.every((r) => !(r instanceof Error))).toBe(true);
    expect(fake.authCalls()).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Patients and families
// ---------------------------------------------------------------------------------------------

describe('patients', () => {
  it('maps a patient and every encoding of "own guarantor" to null', async () => {
    const rows: Record<string, unknown> = {
      '1': patientRow(1, { guarantor_id: 1 }),
      '2': patientRow(2, { guarantor_id: 0 }),
      '3': patientRow(3, { guarantor_id: '0' }),
      '4': patientRow(4, { guarantor_id: null }),
      '5': patientRow(5, { guarantor_id: 1, bio: { non_patient: true, date_of_birth: null }, email: null }),
    };
    fake.handler = (r) => ok(rows[r.path.split('/')[2]!]);
    const result = await adapter.patients(['1', '2', '3', '4', '5']);
    expect(result.map((p) => (p as { guarantorSourceId: string | null }).guarantorSourceId)).toEqual([
      null,
      null,
      null,
      null,
      '1',
    ]);
    expect(result[0]).toEqual({
      sourceId: '1',
      firstName: 'First1',
      lastName: 'Last1',
      email: 'p1@example.com',
      phone: null,
      dateOfBirth: '1980-02-03',
      guarantorSourceId: null,
      nonPatient: false,
      inactive: false,
      departmentId: null,
      guarantorName: null,
    });
    expect(result[4]).toMatchObject({ nonPatient: true, dateOfBirth: null, email: null });
  });

  it('answers null for a 404, and an Error only for the key whose call failed', async () => {
    fake.handler = (r) => {
      if (r.path === '/patients/404') return fail(404, 'Patient not found');
      if (r.path === '/patients/400') return fail(400, 'bad id');
      return ok(patientRow(Number(r.path.split('/')[2])));
    };
    const result = await adapter.patients(['1', '404', '400', '2', '1']);
    expect(result).toHaveLength(5);
    expect(result[0]).toMatchObject({ sourceId: '1' });
    expect(result[1]).toBeNull();
    expect(result[2]).toBeInstanceOf(UpstreamError);
    expect((result[2] as UpstreamError).code).toBe('UPSTREAM_REJECTED');
    expect((result[2] as UpstreamError).message).toContain('bad id');
    expect(result[3]).toMatchObject({ sourceId: '2' });
    expect(result[4]).toMatchObject({ sourceId: '1' });
    expect(fake.calls().filter((c) => c.path === '/patients/1')).toHaveLength(1); // deduplicated
  });

  it('a patient of another location (location_ids without ours) reads as null', async () => {
    fake.handler = (r) =>
      ok(patientRow(Number(r.path.split('/')[2]), { location_ids: r.path.endsWith('/2') ? [78] : ['77', 78] }));
    const [mine, other] = await adapter.patients(['1', '2']);
    expect(mine).toMatchObject({ sourceId: '1' });
    expect(other).toBeNull();
  });

  it('families: guarantor plus children, without herself among the dependents', async () => {
    fake.handler = (r) => {
      expect(r.query.getAll('include[]')).toEqual(['children']);
      if (r.path === '/patients/9') return fail(404, 'nope');
      return ok({
        ...patientRow(1),
        children: [
          patientRow(2, { guarantor_id: 1 }),
          patientRow(1),
          patientRow(3, { guarantor_id: 1, deleted_at: '2024-01-01' }),
        ],
      });
    };
    const [family, missing] = await adapter.families(['1', '9']);
    expect(missing).toBeNull();
    expect(family).toMatchObject({ guarantor: { sourceId: '1' }, dependents: [{ sourceId: '2', guarantorSourceId: '1' }] });
  });

  it('listPatients sends location_id, per_page=first and end_cursor=after', async () => {
    const rows = [1, 2, 3, 4, 5].map((id) => patientRow(id));
    fake.handler = (r) => paged(r, rows);
    const first = await adapter.listPatients({ first: 2, after: null });
    expect(first.items.map((p) => p.sourceId)).toEqual(['1', '2']);
    expect(first.hasNextPage).toBe(true);
    const second = await adapter.listPatients({ first: 2, after: first.endCursor });
    expect(second.items.map((p) => p.sourceId)).toEqual(['3', '4']);
    const calls = fake.calls();
    expect(calls[0]!.query.get('location_id')).toBe(LOCATION);
    expect(calls[0]!.query.get('per_page')).toBe('2');
    expect(calls[0]!.query.has('end_cursor')).toBe(false);
    expect(calls[1]!.query.get('end_cursor')).toBe('2');
  });

  it('never puts patient data in an error message (shape mismatch)', async () => {
    fake.handler = () => ok({ ...patientRow(1), first_name: 42, email: 'secret.person@example.com' });
    const [p] = await adapter.patients(['1']);
    expect(p).toBeInstanceOf(UpstreamError);
    const err = p as UpstreamError;
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.message).toContain('/patients/{id}');
    expect(err.message).not.toContain('secret.person');
    expect(err.message).not.toContain('Last1');
  });
});

// ---------------------------------------------------------------------------------------------
// Ledger rows and pagination
// ---------------------------------------------------------------------------------------------

describe('ledger rows', () => {
  it('charges: per_page always, include[]=claim_payouts, every page to the last, deleted rows dropped', async () => {
    const rows = [
      chargeRow(1, 10, {
        claim_payouts: [
          {
            claim_id: 50,
            amount_billed_to_insurance: usd('62.00'),
            estimated_insurance_payment: usd('40.10'),
            insurance_payment: usd('0'),
            write_off: usd('5'),
            allowed_amount: null,
          },
        ],
      }),
      chargeRow(2, 10, { deleted_at: '2024-04-01T00:00:00Z', fee: 'garbage' }),
      chargeRow(3, 10, { fee: { amount: 138.5, currency: 'USD' }, description: null, charged_at: null }),
      chargeRow(4, 10),
      chargeRow(5, 10),
    ];
    fake.handler = (r) => paged(r, rows);
    await adapter.close();
    adapter = make({ perPage: 2 });
    const [charges] = await adapter.chargesByPatient(['10']);
    expect(fake.calls()).toHaveLength(3);
    for (const c of fake.calls()) {
      expect(c.path).toBe('/charges');
      expect(c.query.get('per_page')).toBe('2');
      expect(c.query.get('patient_id')).toBe('10');
      expect(c.query.get('location_id')).toBe(LOCATION);
      expect(c.query.getAll('include[]')).toEqual(['claim_payouts']);
    }
    expect(fake.calls().map((c) => c.query.get('end_cursor'))).toEqual([null, '2', '4']);
    expect(charges).toHaveLength(4);
    const list = charges as ChargeRecord[];
    expect(list.map((c) => c.sourceId)).toEqual(['1', '3', '4', '5']);
    expect(list[0]).toEqual({
      sourceId: '1',
      patientSourceId: '10',
      providerSourceId: '5',
      procedureSourceId: '9',
      procedureCode: 'D1110',
      description: 'Prophylaxis',
      fee: 6200,
      serviceDate: '2024-03-01',
      claimPayouts: [
        {
          claimSourceId: '50',
          billedToInsurance: 6200,
          estimatedInsurancePayment: 4010,
          insurancePayment: 0,
          writeOff: 500,
          allowedAmount: null,
        },
      ],
      claimSourceId: null,
      statedPatientAmount: null,
    });
    expect(list[1]).toMatchObject({ fee: 13850, description: null, serviceDate: null });
  });

  it('money must be a { amount, currency } object: a bare number is a shape mismatch', async () => {
    fake.handler = (r) => paged(r, [chargeRow(1, 10, { fee: 62 })]);
    const [charges] = await adapter.chargesByPatient(['10']);
    expect(charges).toBeInstanceOf(UpstreamError);
    expect((charges as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((charges as UpstreamError).message).toContain('/charges');
  });

  it('a batch above locationScanThreshold costs ONE location-wide scan, grouped by patient', async () => {
    const rows = [
      paymentRow(1, 10),
      paymentRow(2, 11),
      paymentRow(3, 10),
      paymentRow(4, 99),
      paymentRow(5, 12, { deleted_at: '2024-01-01' }),
    ];
    fake.handler = (r) => paged(r, rows);
    await adapter.close();
    adapter = make({ locationScanThreshold: 2, perPage: 2 });
    const result = await adapter.paymentsByPatient(['10', '11', '12']);
    const calls = fake.calls();
    expect(calls).toHaveLength(3); // 5 rows at 2 per page
    for (const c of calls) {
      expect(c.path).toBe('/payments');
      expect(c.query.get('updated_since')).toBe('1970-01-01T00:00:00Z');
      expect(c.query.get('location_id')).toBe(LOCATION);
      expect(c.query.has('patient_id')).toBe(false);
      expect(c.query.get('per_page')).toBe('2');
    }
    expect(result.map((r) => (r as Array<{ sourceId: string }>).map((p) => p.sourceId))).toEqual([['1', '3'], ['2'], []]);
  });

  it('a batch at or below the threshold costs one call per patient', async () => {
    fake.handler = (r) => paged(r, [adjustmentRow(Number(r.query.get('patient_id')) * 10, Number(r.query.get('patient_id')))]);
    const result = await adapter.adjustmentsByPatient(['1', '2', '3']);
    expect(
      fake
        .calls()
        .map((c) => c.query.get('patient_id'))
        .sort(),
    ).toEqual(['1', '2', '3']);
    expect(result[1]).toEqual([
      {
        sourceId: '20',
        patientSourceId: '2',
        providerSourceId: '5',
        chargeSourceId: null,
        claimSourceId: null,
        adjustmentTypeSourceId: '4',
        typeName: null,
        amount: -1000,
        adjustedAt: '2024-03-03T10:00:00Z',
        transactionId: null,
        description: 'courtesy; discount',
      },
    ]);
  });

  it('claims: status words mapped, unknown ones kept; always one call per patient (no updated_since on /claims)', async () => {
    const statuses = ['draft', 'sent', 'received', 'paid', 'canceled', 'on_hold'];
    fake.handler = (r) =>
      paged(
        r,
        statuses.map((status, i) => ({
          id: 100 + i,
          patient_id: Number(r.query.get('patient_id')),
          guarantor_id: null,
          provider_id: 5,
          status,
          date_of_service: '2024-02-01',
          sent_at: null,
          received_at: null,
          totals: i === 0 ? { amount_billed_to_insurance: usd('120.00') } : null,
        })),
      );
    await adapter.close();
    adapter = make({ locationScanThreshold: 0 });
    const [claims] = await adapter.claimsByPatient(['7']);
    expect(fake.calls()[0]!.query.get('patient_id')).toBe('7');
    expect(fake.calls()[0]!.query.has('updated_since')).toBe(false);
    const list = claims as unknown as Array<Record<string, unknown>>;
    expect(list.map((c) => [c.status, c.stage, c.rawStatus, c.collectible])).toEqual([
      ['DRAFT', 'PENDING', 'draft', true],
      ['SENT', 'PENDING', 'sent', true],
      ['RECEIVED', 'ADJUDICATED', 'received', true],
      ['PAID', 'ADJUDICATED', 'paid', true],
      ['CANCELED', 'VOID', 'canceled', false],
      ['UNKNOWN', 'PENDING', 'on_hold', true],
    ]);
    expect(list[0]).toMatchObject({
      billed: 12000,
      serviceDate: '2024-02-01',
      patientBalance: null,
      clean: true,
      providerGroupId: null,
      departmentIds: [],
    });
    expect(list[1]).toMatchObject({ billed: null });
  });

  it('payments: signed amounts, fromInsurance from insurance_plan_id or claim_id', async () => {
    fake.handler = (r) =>
      paged(r, [
        paymentRow(1, 10),
        paymentRow(2, 10, { claim_id: 50, payment_amount: usd('-80.00') }),
        paymentRow(3, 10, { insurance_plan_id: 8, payment_amount: usd('12.00') }),
      ]);
    const [payments] = await adapter.paymentsByPatient(['10']);
    const list = payments as Array<{ amount: number; fromInsurance: boolean }>;
    expect(list.map((p) => [p.amount, p.fromInsurance])).toEqual([
      [-2550, false],
      [-8000, true],
      [1200, true],
    ]);
  });

  it('asks for the next page before the rows of the page before are parsed, and stops at a failure', async () => {
    const client = new NexhealthClient(
      { baseUrl: fake.url, apiKey: API_KEY, subdomain: SUBDOMAIN, locationId: LOCATION },
      resolveOptions({ retryBaseDelayMs: 1, maxRetries: 2 }),
    );
    try {
      let parsed = 0;
      const counted = z.object({ id: z.number() }).transform((row) => {
        parsed += 1;
        return row;
      });
      const rows = Array.from({ length: 750 }, (_, i) => ({ id: i + 1 }));
      const parsedWhenAsked: Array<[string | null, number]> = [];
      fake.handler = (r) => {
        parsedWhenAsked.push([r.query.get('end_cursor'), parsed]);
        return paged(r, rows);
      };
      const spec = { endpoint: '/charges', path: '/charges', query: { location_id: LOCATION, patient_id: '1' } };
      const all = await listAll(client, spec, counted, 250);
      expect(all.map((r) => r.id)).toEqual(rows.map((r) => r.id));
      expect(parsedWhenAsked.map(([cursor]) => cursor)).toEqual([null, '250', '500']);
      // Page 2 left while page 1's 250 rows were still being parsed (they are parsed in turns).
      expect(parsedWhenAsked[1]![1]).toBeLessThan(250);

      // Page 3 never parses: it is retried, then the scan fails; page 4 was asked for ahead, no later one.
      const broken = rows.map((r) => (r.id > 250 && r.id <= 300 ? { id: 'not a number' } : r));
      const asked: Array<string | null> = [];
      fake.handler = (r) => {
        asked.push(r.query.get('end_cursor'));
        return paged(r, broken);
      };
      const failure = await rejection(listAll(client, spec, counted, 100));
      expect(failure.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(failure.message).toMatch(/unexpected payload shape: 50\.id/);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(asked.filter((c) => c === '200')).toHaveLength(3); // the first attempt and 2 retries
      expect(asked.filter((c) => c !== '200')).toEqual([null, '100', '300']); // '300' once, ahead
    } finally {
      await client.close();
    }
  });

  it('a cursor that never ends is UPSTREAM_UNAVAILABLE, not a loop', async () => {
    fake.handler = () => ok([], { page_info: { has_next_page: true, end_cursor: 'same' } });
    const [rows] = await adapter.chargesByPatient(['1']);
    expect(rows).toBeInstanceOf(UpstreamError);
    expect((rows as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
  });
});

// ---------------------------------------------------------------------------------------------
// Balances and reference data
// ---------------------------------------------------------------------------------------------

describe('ledger rows by guarantor', () => {
  it('one call per guarantor with guarantor_id (never patient_id); her own rows kept whatever guarantor_id they carry', async () => {
    fake.handler = (r) => {
      const g = Number(r.query.get('guarantor_id'));
      const rows =
        r.path === '/charges'
          ? [
              chargeRow(g + 1, g, { guarantor_id: g }),
              chargeRow(g + 2, g, { guarantor_id: 0 }),
              chargeRow(g + 3, g, { guarantor_id: null }),
              chargeRow(g + 4, g + 50, { guarantor_id: g }),
              chargeRow(g + 5, g + 50, { deleted_at: '2024-03-04T10:00:00Z' }),
            ]
          : [paymentRow(g + 6, g, { guarantor_id: '0' }), paymentRow(g + 7, g + 50, { guarantor_id: g })];
      return paged(r, rows);
    };
    const charges = await adapter.chargesByGuarantor!(['100', '200', '100']);
    const calls = fake.calls();
    expect(calls.map((c) => c.query.get('guarantor_id')).sort()).toEqual(['100', '200']);
    for (const c of calls) {
      expect(c.path).toBe('/charges');
      expect(c.query.get('patient_id')).toBeNull();
      expect(c.query.get('location_id')).toBe(LOCATION);
      expect(c.query.getAll('include[]')).toEqual(['claim_payouts']);
    }
    const rowsOf = (answer: ChargeRecord[] | Error) => (answer as ChargeRecord[]).map((c) => [c.sourceId, c.patientSourceId]);
    expect(rowsOf(charges[0]!)).toEqual([
      ['101', '100'],
      ['102', '100'],
      ['103', '100'],
      ['104', '150'],
    ]);
    expect(charges[2]).toEqual(charges[0]);
    expect(rowsOf(charges[1]!).map(([id]) => id)).toEqual(['201', '202', '203', '204']);
    const [payments] = await adapter.paymentsByGuarantor!(['100']);
    expect((payments as Array<{ sourceId: string }>).map((p) => p.sourceId)).toEqual(['106', '107']);
  });

  it('declares all four by-guarantor lists (the capability ledger-prefetch.ts looks for)', () => {
    for (const method of ['chargesByGuarantor', 'paymentsByGuarantor', 'adjustmentsByGuarantor', 'claimsByGuarantor'] as const) {
      expect(typeof adapter[method]).toBe('function');
    }
  });
});

describe('balances and reference data', () => {
  const balance = (guarantorId: number, writeOff: unknown) => ({
    id: 900 + guarantorId,
    guarantor_id: guarantorId,
    location_id: 77,
    total_balance: usd('100.00'),
    guarantor_portion: usd('60.00'),
    insurance_estimate: usd('40.00'),
    write_off_estimate: writeOff,
    total_balance_under_30: usd('50.00'),
    total_balance_31_60: usd('25.00'),
    total_balance_61_90: usd('15.00'),
    total_balance_over_90: usd('10.00'),
    updated_at: '2024-03-05T00:00:00Z',
  });

  it('guarantorBalances: query, first matching item, null write-off estimate stays null, none → null', async () => {
    fake.handler = (r) => {
      const g = r.query.get('guarantor_id');
      return paged(r, g === '1' ? [balance(1, null)] : g === '2' ? [balance(2, usd('3.00'))] : []);
    };
    const [one, two, none] = await adapter.guarantorBalances(['1', '2', '3']);
    const c = fake.calls()[0]!;
    expect(c.path).toBe('/guarantor_balances');
    expect(c.query.get('show_zero_balances')).toBe('true');
    expect(c.query.get('location_id')).toBe(LOCATION);
    expect(c.query.get('per_page')).toBe('1000');
    expect(one).toEqual({
      sourceId: '901',
      guarantorSourceId: '1',
      totalBalance: 10000,
      guarantorPortion: 6000,
      insuranceEstimate: 4000,
      writeOffEstimate: null,
      buckets: { current: 5000, days31To60: 2500, days61To90: 1500, over90: 1000 },
      updatedAt: '2024-03-05T00:00:00Z',
    });
    expect(two).toMatchObject({ writeOffEstimate: 300 });
    expect(none).toBeNull();
  });

  it('insuranceBalancesByGuarantor maps estimated and billed buckets', async () => {
    const m = (a: string) => usd(a);
    fake.handler = (r) =>
      paged(r, [
        {
          id: 1,
          patient_id: 10,
          guarantor_id: Number(r.query.get('guarantor_id')),
          estimated_amount_under_30: m('1.00'),
          estimated_amount_31_60: m('2.00'),
          estimated_amount_61_90: m('3.00'),
          estimated_amount_over_90: m('4.00'),
          billed_amount_under_30: m('5.00'),
          billed_amount_31_60: m('6.00'),
          billed_amount_61_90: m('7.00'),
          billed_amount_over_90: m('8.00'),
        },
      ]);
    const [rows] = await adapter.insuranceBalancesByGuarantor(['1']);
    expect(fake.calls()[0]!.query.get('guarantor_id')).toBe('1');
    expect(rows).toEqual([
      {
        sourceId: '1',
        patientSourceId: '10',
        guarantorSourceId: '1',
        estimated: { current: 100, days31To60: 200, days61To90: 300, over90: 400 },
        billed: { current: 500, days31To60: 600, days61To90: 700, over90: 800 },
      },
    ]);
  });

  it('providers, procedures; types cached for referenceTtlMs', async () => {
    let now = new Date('2024-01-01T00:00:00Z');
    await adapter.close();
    adapter = make({ referenceTtlMs: 1000, now: () => now });
    fake.handler = (r) => {
      if (r.path === '/providers/5') return ok({ id: 5, name: null, first_name: 'Ada', last_name: 'Lovelace' });
      if (r.path === '/providers/6') return ok({ id: 6, name: 'Dr. Who' });
      if (r.path === '/procedures/9')
        return ok({ id: 9, code: 'D1110', name: 'Prophylaxis', status: 'active', start_date: null });
      if (r.path === '/adjustment_types')
        return paged(r, [
          { id: 1, name: 'Courtesy', active: true, action: 'credit' },
          { id: 2, name: 'Finance', active: true, action: 'debit' },
          { id: 3, name: 'Odd', active: false, action: 'sideways' },
        ]);
      if (r.path === '/payment_types') return paged(r, [{ id: 3, name: 'Cash', active: true }]);
      return fail(404, 'nope');
    };
    expect(await adapter.providers(['5', '6', '7'])).toEqual([
      { sourceId: '5', name: 'Ada Lovelace' },
      { sourceId: '6', name: 'Dr. Who' },
      null,
    ]);
    expect(await adapter.procedures(['9'])).toEqual([{ sourceId: '9', code: 'D1110', name: 'Prophylaxis' }]);
    expect((await adapter.adjustmentTypes()).map((t) => t.action)).toEqual(['CREDIT', 'DEBIT', 'UNKNOWN']);
    expect(await adapter.paymentTypes()).toEqual([{ sourceId: '3', name: 'Cash', active: true }]);
    const count = fake.calls().length;
    await adapter.paymentTypes();
    await adapter.adjustmentTypes();
    await adapter.providers(['5']);
    expect(fake.calls()).toHaveLength(count);
    now = new Date(now.getTime() + 1001);
    await adapter.paymentTypes();
    expect(fake.calls()).toHaveLength(count + 1);
    const typeCall = fake.calls().find((c) => c.path === '/payment_types')!;
    expect(typeCall.query.get('location_id')).toBe(LOCATION);
    expect(typeCall.query.get('per_page')).toBe('1000');
  });

  it('cachedProvider / cachedProcedure answer what providers / procedures would, while fresh, without a call', async () => {
    let now = new Date('2024-01-01T00:00:00Z');
    await adapter.close();
    adapter = make({ referenceTtlMs: 1000, now: () => now });
    fake.handler = (r) => {
      if (r.path === '/providers/5') return ok({ id: 5, name: 'Dr. Who' });
      if (r.path === '/procedures/9')
        return ok({ id: 9, code: 'D1110', name: 'Prophylaxis', status: 'active', start_date: null });
      return fail(404, 'nope');
    };
    // Nothing known before a read: the caller must go through providers / procedures.
    expect(adapter.cachedProvider!('5')).toBeUndefined();
    expect(adapter.cachedProcedure!('9')).toBeUndefined();
    const [provider] = await adapter.providers(['5', '7']);
    const [procedure] = await adapter.procedures(['9']);
    const calls = fake.calls().length;
    expect(adapter.cachedProvider!('5')).toEqual(provider);
    expect(adapter.cachedProcedure!('9')).toEqual(procedure);
    // A provider that is not found is not cached (providers reads it again): not known either.
    expect(adapter.cachedProvider!('7')).toBeUndefined();
    expect(fake.calls()).toHaveLength(calls);
    now = new Date(now.getTime() + 1001);
    expect(adapter.cachedProvider!('5')).toBeUndefined();
    expect(adapter.cachedProcedure!('9')).toBeUndefined();
  });

  it('referenceTtlMs 0 disables the cache', async () => {
    await adapter.close();
    adapter = make({ referenceTtlMs: 0 });
    fake.handler = (r) => paged(r, [{ id: 3, name: 'Cash', active: true }]);
    await adapter.paymentTypes();
    await adapter.paymentTypes();
    expect(fake.calls()).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Retries and failures
// ---------------------------------------------------------------------------------------------

describe('retries and failures', () => {
  it('honours Retry-After (seconds) on a 429', async () => {
    let n = 0;
    fake.handler = () => (n++ === 0 ? fail(429, 'slow down', { 'retry-after': '1' }) : ok(patientRow(1)));
    const started = Date.now();
    const [p] = await adapter.patients(['1']);
    expect(p).toMatchObject({ sourceId: '1' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.calls()).toHaveLength(2);
    expect(events.filter((e) => e.endpoint === '/patients/{id}').map((e) => [e.status, e.attempt])).toEqual([
      [429, 1],
      [200, 2],
    ]);
  });

  it('retries 5xx up to maxRetries, then UPSTREAM_UNAVAILABLE naming the endpoint', async () => {
    fake.handler = () => fail(503, 'down');
    const [rows] = await adapter.chargesByPatient(['1']);
    expect(fake.calls()).toHaveLength(3); // maxRetries 2
    expect(rows).toBeInstanceOf(UpstreamError);
    expect((rows as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((rows as UpstreamError).message).toContain('GET /charges');
  });

  it('recovers from a 500 and from a dropped connection', async () => {
    let n = 0;
    fake.handler = () => (++n === 1 ? fail(500, 'oops') : n === 2 ? 'destroy' : ok(patientRow(1)));
    const [p] = await adapter.patients(['1']);
    expect(p).toMatchObject({ sourceId: '1' });
    expect(fake.calls()).toHaveLength(3);
  });

  it('malformed JSON is UPSTREAM_UNAVAILABLE after the retries', async () => {
    fake.handler = () => ({ status: 200, raw: '{"code": true, "data": [' });
    const [p] = await adapter.patients(['1']);
    expect(p).toBeInstanceOf(UpstreamError);
    expect((p as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((p as UpstreamError).message).toMatch(/malformed JSON/);
    expect(fake.calls()).toHaveLength(3);
  });

  it('a timeout is UPSTREAM_UNAVAILABLE', async () => {
    await adapter.close();
    adapter = make({ timeoutMs: 100, maxRetries: 1 });
    fake.handler = () => ({ ...ok(patientRow(1)), delayMs: 400 });
    const [p] = await adapter.patients(['1']);
    expect(p).toBeInstanceOf(UpstreamError);
    expect((p as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((p as UpstreamError).message).toMatch(/timed out/);
    expect(events.filter((e) => e.endpoint === '/patients/{id}').map((e) => e.status)).toEqual([null, null]);
  });

  it('a 403 is UPSTREAM_REJECTED with the upstream text and is not retried', async () => {
    fake.handler = () => fail(403, 'No access to location 77');
    const err = await rejection(adapter.paymentTypes());
    expect(err.code).toBe('UPSTREAM_REJECTED');
    expect(err.message).toContain('No access to location 77');
    expect(fake.calls()).toHaveLength(1);
  });

  it('a failed location scan answers an Error for every key', async () => {
    await adapter.close();
    adapter = make({ locationScanThreshold: 1 });
    fake.handler = () => fail(500, 'down');
    const result = await adapter.chargesByPatient(['1', '2']);
    expect(result.every((r) => r instanceof UpstreamError)).toBe(true);
  });

  it('backoff helpers: jittered exponential delays and Retry-After parsing', () => {
    expect(backoffDelayMs(0, 200, 10_000, () => 0)).toBe(100);
    expect(backoffDelayMs(3, 200, 10_000, () => 1)).toBe(1600);
    expect(backoffDelayMs(20, 200, 10_000, () => 1)).toBe(10_000);
    expect(parseRetryAfterMs('2')).toBe(2000);
    expect(parseRetryAfterMs(undefined)).toBeNull();
    expect(parseRetryAfterMs('soon')).toBeNull();
    const now = new Date('2024-01-01T00:00:00Z');
    expect(parseRetryAfterMs('Mon, 01 Jan 2024 00:00:05 GMT', now)).toBe(5000);
  });
});

// ---------------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------------

describe('writes', () => {
  const payment: OutgoingLedgerWrite = {
    kind: 'PAYMENT',
    transactionId: 'LG:1042',
    patientSourceId: '10',
    amount: -13850,
    currency: 'USD',
    typeSourceId: '3',
    providerSplits: [
      { id: '5', amount: -10000 },
      { id: '6', amount: -3850 },
    ],
    chargeSplits: null,
    occurredAt: '2024-03-05T12:00:00Z',
    notes: null,
  };

  it('POST /payments with the documented body; 202 → SUBMITTED', async () => {
    fake.handler = () => ({ status: 202, body: { code: true, data: { transaction_id: 'LG:1042', status: 'pending' } } });
    expect(await adapter.submitWrite!(payment)).toEqual({ state: 'SUBMITTED' });
    const [c] = fake.calls();
    expect(c!.method).toBe('POST');
    expect(c!.path).toBe('/payments');
    expect(c!.query.get('subdomain')).toBe(SUBDOMAIN);
    expect(c!.query.get('location_id')).toBe(LOCATION);
    expect(c!.headers.authorization).toBe('Bearer tok-1');
    expect(c!.body).toEqual({
      payment: {
        patient_id: 10,
        amount: '-138.50',
        currency: 'USD',
        payment_type_id: 3,
        transaction_id: 'LG:1042',
        paid_at: '2024-03-05T12:00:00Z',
        provider_splits: { '5': '-100.00', '6': '-38.50' },
      },
    });
  });

  it('POST /adjustments with adjustment_type_id, adjusted_at and charge splits', async () => {
    fake.handler = () => ({ status: 202, body: { code: true, data: { transaction_id: 'LG:7', status: 'pending' } } });
    await adapter.submitWrite!({
      ...payment,
      kind: 'ADJUSTMENT',
      transactionId: 'LG:7',
      amount: 2500,
      typeSourceId: '4',
      providerSplits: null,
      chargeSplits: [{ id: '300', amount: 2500 }],
      notes: 'finance charge',
    });
    expect(fake.calls()[0]!.path).toBe('/adjustments');
    expect(fake.calls()[0]!.body).toEqual({
      adjustment: {
        patient_id: 10,
        amount: '25.00',
        currency: 'USD',
        adjustment_type_id: 4,
        transaction_id: 'LG:7',
        adjusted_at: '2024-03-05T12:00:00Z',
        charge_splits: { '300': '25.00' },
        notes: 'finance charge',
      },
    });
  });

  it('a write is never retried on a 500 (UPSTREAM_UNAVAILABLE)', async () => {
    fake.handler = () => fail(500, 'boom');
    const err = await rejection(adapter.submitWrite!(payment));
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(fake.calls()).toHaveLength(1);
  });

  it('a write is never retried on a dropped connection', async () => {
    fake.handler = () => 'destroy';
    const err = await rejection(adapter.submitWrite!(payment));
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(fake.calls()).toHaveLength(1);
  });

  it('a write re-authenticates once on a 401, then is sent again', async () => {
    fake.handler = () => ({ status: 202, body: { code: true, data: { transaction_id: 'LG:1042', status: 'pending' } } });
    await adapter.connect();
    fake.validTokens.clear();
    expect(await adapter.submitWrite!(payment)).toEqual({ state: 'SUBMITTED' });
    expect(fake.calls().map((c) => c.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('a 400 → UPSTREAM_REJECTED with the upstream text, "transaction_id has already been used" included', async () => {
    fake.handler = () => fail(400, 'transaction_id has already been used');
    const used = await rejection(adapter.submitWrite!(payment));
    expect(used.code).toBe('UPSTREAM_REJECTED');
    expect(used.message).toContain('transaction_id has already been used');
    expect(used.reason).toBe('TRANSACTION_ID_USED');
    fake.handler = () => fail(400, 'Patient with ID 10 not found in location 77');
    const err = await rejection(adapter.submitWrite!(payment));
    expect(err.code).toBe('UPSTREAM_REJECTED');
    expect(err.status).toBe(400);
    expect(err.message).toContain('Patient with ID 10 not found in location 77');
  });

  it('findTransaction: payments by transaction_id; adjustments by patient matched on transaction_id', async () => {
    fake.handler = (r) => {
      if (r.path === '/payments') {
        return paged(
          r,
          r.query.get('transaction_id') === 'LG:1'
            ? [paymentRow(1, 10, { transaction_id: 'LG:1' }), paymentRow(2, 10, { transaction_id: 'LG:1' })]
            : [],
        );
      }
      return paged(r, [
        adjustmentRow(7, 10, { transaction_id: 'LG:2' }),
        adjustmentRow(8, 10, { transaction_id: 'LG:1' }),
        adjustmentRow(9, 10),
      ]);
    };
    const found = await adapter.findTransaction!('PAYMENT', 'LG:1', '10');
    expect(found!.payments.map((p) => p.sourceId)).toEqual(['1', '2']);
    expect(found!.adjustments).toEqual([]); // not Dentrix: no adjustments looked at
    expect(fake.calls().map((c) => c.path)).toEqual(['/payments']);
    expect(fake.calls()[0]!.query.get('transaction_id')).toBe('LG:1');
    expect(await adapter.findTransaction!('PAYMENT', 'LG:404', '10')).toBeNull();
    const adj = await adapter.findTransaction!('ADJUSTMENT', 'LG:2', '10');
    expect(adj!.adjustments.map((a) => a.sourceId)).toEqual(['7']);
    const adjCall = fake.calls().at(-1)!;
    expect(adjCall.path).toBe('/adjustments');
    expect(adjCall.query.get('patient_id')).toBe('10');
    expect(await adapter.findTransaction!('ADJUSTMENT', 'LG:9', '10')).toBeNull();
  });

  it('findTransaction on Dentrix also finds a refund that became an adjustment', async () => {
    await adapter.close();
    adapter = make({}, 'dentrix');
    fake.handler = (r) =>
      r.path === '/payments'
        ? paged(r, [])
        : paged(r, [adjustmentRow(8, 10, { transaction_id: 'LG:1', adjustment_amount: usd('20.00') })]);
    const found = await adapter.findTransaction!('PAYMENT', 'LG:1', '10');
    expect(found).toEqual({
      payments: [],
      adjustments: [expect.objectContaining({ sourceId: '8', amount: 2000, transactionId: 'LG:1' })],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

describe('webhooks', () => {
  const secret = 'whsec-123';
  const now = new Date('2024-03-05T12:00:00.000Z');
  const sign = (timestamp: string, body: Buffer, key = secret) =>
    createHmac('sha256', key)
      .update(`${timestamp}.${body.toString('base64')}`)
      .digest('hex');
  const complete = Buffer.from(
    JSON.stringify({
      institution_id: 1,
      webhook_subscription_id: 2,
      resource_type: 'Payment',
      event_name: 'payment_insertion.complete',
      event_time: now.toISOString(),
      delivery_errors: [],
      data: {
        transaction_id: 'LG:1042',
        payments: [paymentRow(1, 10, { transaction_id: 'LG:1042', payment_amount: usd('-138.50') })],
      },
    }),
  );

  it('accepts a good signature and parses the rows; eventKey is the sha256 of the body', () => {
    const timestamp = '2024-03-05T11:58:00.000Z';
    const event = adapter.verifyWebhook!({
      headers: { timestamp, signature: sign(timestamp, complete) },
      rawBody: complete,
      secret,
      now,
    });
    expect(event).toMatchObject({ transactionId: 'LG:1042', outcome: 'COMPLETED', reason: null });
    expect(event.records.payments).toEqual([
      expect.objectContaining({ sourceId: '1', amount: -13850, transactionId: 'LG:1042' }),
    ]);
    expect(event.records.adjustments).toEqual([]);
    expect(event.eventKey).toBe(createHash('sha256').update(complete).digest('hex'));
  });

  it('rejects a bad or missing signature with 401', () => {
    const timestamp = now.toISOString();
    const attempts = [
      { timestamp, signature: sign(timestamp, complete, 'other') },
      { timestamp, signature: sign(timestamp, complete).slice(2) },
      { timestamp, signature: 'zz' },
      { timestamp },
      { signature: sign(timestamp, complete) },
      { timestamp: '2024-03-05T12:00:01.000Z', signature: sign(timestamp, complete) },
    ];
    for (const headers of attempts) {
      expect(() => adapter.verifyWebhook!({ headers, rawBody: complete, secret, now })).toThrow(WebhookRejected);
      try {
        adapter.verifyWebhook!({ headers, rawBody: complete, secret, now });
      } catch (err) {
        expect((err as WebhookRejected).status).toBe(401);
      }
    }
  });

  it('rejects a timestamp more than 5 minutes away (either side) with 401', () => {
    for (const timestamp of ['2024-03-05T11:54:59.000Z', '2024-03-05T12:05:01.000Z']) {
      try {
        adapter.verifyWebhook!({ headers: { timestamp, signature: sign(timestamp, complete) }, rawBody: complete, secret, now });
        throw new Error('accepted');
      } catch (err) {
        expect(err).toBeInstanceOf(WebhookRejected);
        expect((err as WebhookRejected).status).toBe(401);
      }
    }
  });

  it('a failed insertion carries the reason from delivery_errors; a bad body is a 400', () => {
    const failed = Buffer.from(
      JSON.stringify({
        event_name: 'adjustment_insertion.failed',
        delivery_errors: ['Adjustment type not found'],
        data: { transaction_id: 'LG:9' },
      }),
    );
    const timestamp = now.toISOString();
    const event = adapter.verifyWebhook!({
      headers: { timestamp, signature: sign(timestamp, failed) },
      rawBody: failed,
      secret,
      now,
    });
    expect(event).toMatchObject({
      transactionId: 'LG:9',
      outcome: 'FAILED',
      reason: 'Adjustment type not found',
      records: { payments: [], adjustments: [] },
    });

    for (const body of ['not json', JSON.stringify({ event_name: 'patient_created', data: { transaction_id: 'x' } })]) {
      const raw = Buffer.from(body);
      try {
        adapter.verifyWebhook!({ headers: { timestamp, signature: sign(timestamp, raw) }, rawBody: raw, secret, now });
        throw new Error('accepted');
      } catch (err) {
        expect(err).toBeInstanceOf(WebhookRejected);
        expect((err as WebhookRejected).status).toBe(400);
      }
    }
  });

  it('registerWebhooks creates an endpoint and its two subscriptions', async () => {
    fake.handler = (r) => {
      if (r.method === 'GET' && r.path === '/webhook_endpoints')
        return paged(r, [{ id: 1, target_url: 'https://other/x', secret_key: 'k', active: true }]);
      if (r.method === 'POST' && r.path === '/webhook_endpoints') {
        return {
          status: 201,
          body: {
            code: true,
            error: [],
            data: { id: 12, target_url: (r.body as { target_url: string }).target_url, secret_key: 'new-secret', active: true },
          },
        };
      }
      if (r.method === 'POST' && r.path === '/webhook_endpoints/12/webhook_subscriptions')
        return { status: 201, body: { code: true, error: [], data: { id: 1 } } };
      return fail(404, 'nope');
    };
    const reg = await adapter.registerWebhooks!('https://gw/webhooks/nexhealth/smile');
    expect(reg).toEqual({ endpointId: '12', secret: 'new-secret' });
    const posts = fake.calls().filter((c) => c.method === 'POST');
    expect(posts.map((p) => [p.path, p.body])).toEqual([
      ['/webhook_endpoints', { target_url: 'https://gw/webhooks/nexhealth/smile', active: true }],
      ['/webhook_endpoints/12/webhook_subscriptions', { resource_type: 'Payment', event: 'payment_insertion', active: true }],
      [
        '/webhook_endpoints/12/webhook_subscriptions',
        { resource_type: 'Adjustment', event: 'adjustment_insertion', active: true },
      ],
    ]);
    expect(posts.every((p) => p.query.get('subdomain') === SUBDOMAIN)).toBe(true);
  });

  it('registerWebhooks reuses an endpoint with the same target_url and a secret', async () => {
    fake.handler = (r) => paged(r, [{ id: 4, target_url: 'https://gw/wh', secret_key: 'old', active: true }]);
    expect(await adapter.registerWebhooks!('https://gw/wh')).toEqual({ endpointId: '4', secret: 'old' });
    expect(fake.calls().filter((c) => c.method === 'POST')).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Capabilities
// ---------------------------------------------------------------------------------------------

describe('capabilities', () => {
  it('depend on the PMS behind the location', () => {
    expect(nexhealthCapabilities('dentrix')).toMatchObject({
      writeOffEstimates: false,
      refundsBecomeAdjustments: true,
      chargeSplitsBecomeProviderSplits: true,
    });
    expect(nexhealthCapabilities('dentrix_enterprise')).toMatchObject({
      writeOffEstimates: false,
      refundsBecomeAdjustments: false,
      chargeSplitsBecomeProviderSplits: false,
    });
    expect(nexhealthCapabilities('open_dental')).toEqual({
      writeOffEstimates: true,
      guarantorAging: true,
      insuranceAging: true,
      claimLevelBalances: false,
      asyncInsertion: true,
      ledgerWrites: true,
      cardCollection: false,
      copays: false,
      refundsBecomeAdjustments: false,
      chargeSplitsBecomeProviderSplits: false,
      webhooks: true,
      patientListing: true,
      practiceReports: true,
      externalPayments: true,
      writesOneVisit: false,
      coverage: false,
      refunds: true,
    });
    expect(adapter.capabilities.writeOffEstimates).toBe(true);
    expect(adapter.system).toBe('NEXHEALTH');
  });
});
