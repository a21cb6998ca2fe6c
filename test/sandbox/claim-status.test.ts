/**
 * The claim-status simulator (Stedi's Real-Time Claim Status v2 JSON) on its own, over raw HTTP
 * (fetch, no adapter): the API key (403), JSON only and the ValidationException (missing fields,
 * providerType, bad NPI, dates), unknown payers (404), every seeded claim's script inquiry by
 * inquiry, the payer's AAA rejections, and each knob (advance, set, add claims and members, faults
 * with and without Retry-After, 5xx, timeouts, the request log without `x12`, reset).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ClaimStatusSandbox, startClaimStatusSandbox } from '../../src/sandbox/claim-status';
import { claimStatusSandboxPractices } from '../../src/sandbox/claim-status/mode';
import { sandboxControl } from './control';

const T0 = Date.UTC(2026, 6, 30, 14, 0, 0);
let now = T0;
let sandbox: ClaimStatusSandbox;
beforeAll(async () => {
  sandbox = await startClaimStatusSandbox({ now: () => now });
});
afterAll(() => sandbox.close());
beforeEach(() => {
  now = T0;
  sandbox.reset();
});

const PATH = '/change/medicalnetwork/claimstatus/v2';
const JANE = { memberId: 'W123456789', firstName: 'Jane', lastName: 'Doe', dateOfBirth: '19850412' };
const JOHN = { memberId: 'W223344556', firstName: 'John', lastName: 'Roe', dateOfBirth: '19791130' };
const MIA = { firstName: 'Mia', lastName: 'Doe', dateOfBirth: '20150601' };

function inquiry(account: string | null, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    controlNumber: '123456789',
    tradingPartnerServiceId: 'SANDBOX1',
    providers: [{ providerType: 'BillingProvider', npi: '1234567893', organizationName: 'SMILE DENTAL' }],
    subscriber: JANE,
    encounter: { ...(account ? { patientAccountNumber: account } : {}), submittedAmount: '180.00' },
    ...overrides,
  };
}

async function ask(body: unknown, { auth = `Key ${sandbox.apiKey}`, contentType = 'application/json', prefix = '' } = {}) {
  const res = await fetch(`${sandbox.url}${prefix}${PATH}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': contentType, accept: 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { res, json: (await res.json()) as any };
}

/** One inquiry about `account` (of `subscriber`): its single claim's status. */
async function status(account: string, overrides: Record<string, unknown> = {}) {
  const { res, json } = await ask(inquiry(account, overrides));
  expect(res.status).toBe(200);
  expect(json.claims).toHaveLength(1);
  return json.claims[0];
}

const codes = (claim: any) => `${claim.claimStatus.statusCategoryCode}/${claim.claimStatus.statusCode}`;

const control = (method: string, path: string, body?: unknown) => sandboxControl(sandbox.url, method, path, body);

describe('auth, content and validation', () => {
  it('takes `Key <apiKey>` and the bare key, under both prefixes; 403 without it', async () => {
    expect((await ask(inquiry('CLM1001'))).res.status).toBe(200);
    expect((await ask(inquiry('CLM1001'), { auth: sandbox.apiKey, prefix: '/2024-04-01' })).res.status).toBe(200);
    for (const auth of ['', 'Key wrong', 'Bearer sandbox-claim-status-key']) {
      const { res, json } = await ask(inquiry('CLM1001'), { auth });
      expect(res.status).toBe(403);
      expect(typeof json.message).toBe('string');
    }
  });

  it('answers 400 ValidationException to a non-JSON body and to each invalid field', async () => {
    const form = await ask('a=b', { contentType: 'application/x-www-form-urlencoded' });
    expect([form.res.status, form.json.code]).toEqual([400, 'ValidationException']);
    expect((await ask('{"tradingPartner')).res.status).toBe(400);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ tradingPartnerServiceId: undefined }, 'tradingPartnerServiceId'],
      [{ providers: [{ providerType: 'Rendering', npi: '1234567893' }] }, 'providerType'],
      [{ providers: [{ providerType: 'BillingProvider', npi: '1234567890' }] }, 'npi'],
      [{ providers: [] }, 'providers'],
      [{ subscriber: { firstName: 'Jane', lastName: 'Doe' } }, 'subscriber.memberId'],
      [{ subscriber: { ...JANE, dateOfBirth: '1985-04-12' } }, 'subscriber.dateOfBirth'],
      [{ encounter: { beginningDateOfService: '20261340' } }, 'encounter.beginningDateOfService'],
    ];
    for (const [overrides, field] of cases) {
      const { res, json } = await ask(inquiry('CLM1001', overrides));
      expect(res.status).toBe(400);
      expect(json.code).toBe('ValidationException');
      expect(json.message).toContain(field);
    }
    // Nothing advanced: the claim's first inquiry is still its first step.
    expect(sandbox.claim('CLM1001')!.inquiries).toBe(0);
  });

  it('answers 404 "Payer not found" for any payer but SANDBOX1 and SANDBOX2', async () => {
    const { res, json } = await ask(inquiry('CLM1001', { tradingPartnerServiceId: 'ACME9' }));
    expect([res.status, json.message]).toEqual([404, 'Payer not found']);
    expect(codes(await status('CLM1001', { tradingPartnerServiceId: 'SANDBOX2' }))).toBe('A4/35');
  });
});

describe('scripted claims', () => {
  it('CLM1001: A2/20, P1/20, then F1/65 paid 96.00 of 180.00 with its check, repeated unchanged', async () => {
    const first = await status('CLM1001', { encounter: { patientAccountNumber: 'CLM1001', trackingNumber: 'TRK-1' } });
    expect(codes(first)).toBe('A2/20');
    expect(first.claimStatus).toMatchObject({
      effectiveDate: '2026-07-30',
      submittedAmount: '180.00',
      tradingPartnerClaimNumber: 'PCN-CLM1001',
      patientAccountNumber: 'CLM1001',
      trackingNumber: 'TRK-1',
      claimServiceDate: '20260710',
    });
    expect(first.claimStatus.amountPaid).toBeUndefined();
    now += 86_400_000;
    expect(codes(await status('CLM1001'))).toBe('P1/20');
    now += 86_400_000;
    const paid = await status('CLM1001');
    expect(codes(paid)).toBe('F1/65');
    expect(paid.claimStatus).toMatchObject({
      amountPaid: '96.00',
      paidDate: '2026-08-01',
      checkNumber: 'EFT0001',
      checkIssueDate: '2026-08-01',
      effectiveDate: '2026-08-01',
    });
    expect(paid.serviceDetails.map((d: any) => [d.service.procedureId, d.service.submittedAmount, d.service.amountPaid])).toEqual(
      [
        ['99213', '150.00', '80.00'],
        ['85025', '30.00', '16.00'],
      ],
    );
    now += 86_400_000;
    const again = await status('CLM1001');
    expect(again.claimStatus).toEqual(paid.claimStatus);
  });

  it('CLM1002: A2/20 then F2/1 paid 0.00', async () => {
    expect(codes(await status('CLM1002'))).toBe('A2/20');
    const denied = await status('CLM1002');
    expect([codes(denied), denied.claimStatus.amountPaid]).toEqual(['F2/1', '0.00']);
  });

  it('CLM1003: A7/21 forever; CLM1004: P1/20, R3/21, P1/20, F1/65 paid 50.00 of 75.00', async () => {
    for (let i = 0; i < 3; i++) expect(codes(await status('CLM1003', { subscriber: JOHN }))).toBe('A7/21');
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(await status('CLM1004', { subscriber: JOHN }));
    expect(seen.map(codes)).toEqual(['P1/20', 'R3/21', 'P1/20', 'F1/65', 'F1/65']);
    expect(seen[3].claimStatus).toMatchObject({ submittedAmount: '75.00', amountPaid: '50.00' });
  });

  it('CLM1005: found only when the child is sent as the dependent, F3F/1 paid 40.00', async () => {
    expect(codes(await status('CLM1005'))).toBe('A4/35');
    const forwarded = await status('CLM1005', { dependent: MIA });
    expect([codes(forwarded), forwarded.claimStatus.amountPaid]).toEqual(['F3F/1', '40.00']);
  });

  it('CLM1006: E2/0 twice without a payer claim number, then P1/20', async () => {
    const seen = [await status('CLM1006'), await status('CLM1006'), await status('CLM1006')];
    expect(seen.map(codes)).toEqual(['E2/0', 'E2/0', 'P1/20']);
    expect(seen[0].claimStatus.tradingPartnerClaimNumber).toBeUndefined();
    expect(seen[2].claimStatus.tradingPartnerClaimNumber).toBe('PCN-CLM1006');
  });

  it('answers A4/35 for an unknown account and every claim of the member without one', async () => {
    const unknown = await status('CLM9999');
    expect(codes(unknown)).toBe('A4/35');
    expect(unknown.claimStatus.tradingPartnerClaimNumber).toBeUndefined();
    const { json } = await ask(inquiry(null));
    expect(json.claims.map((c: any) => c.claimStatus.patientAccountNumber).sort()).toEqual(['CLM1001', 'CLM1002', 'CLM1006']);
  });

  it('rejects as the payer (200, errorResponse, no claims): unknown member 75, wrong last name 73, wrong birth date 71', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ subscriber: { ...JANE, memberId: 'W000000000' } }, '75'],
      [{ subscriber: { ...JANE, lastName: 'Smith' } }, '73'],
      [{ subscriber: { ...JANE, dateOfBirth: '19850413' } }, '71'],
      [{ dependent: { ...MIA, dateOfBirth: '20150602' } }, '71'],
    ];
    for (const [overrides, code] of cases) {
      const { res, json } = await ask(inquiry('CLM1001', overrides));
      expect(res.status).toBe(200);
      expect(json.claims).toBeUndefined();
      expect(json.errorResponse.errors).toEqual([
        expect.objectContaining({ code, field: 'AAA', followupAction: 'Please Correct and Resubmit' }),
      ]);
      expect(json.meta.traceId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(sandbox.claim('CLM1001')!.inquiries).toBe(0);
  });
});

describe('knobs', () => {
  it('advances a claim one step and sets its status (HTTP and in process)', async () => {
    const advanced = await control('POST', 'claims/CLM1001/advance');
    expect(advanced.json).toMatchObject({ position: 1, next: { statusCategoryCode: 'P1' } });
    expect(codes(await status('CLM1001'))).toBe('P1/20');
    sandbox.advance('CLM1004');
    sandbox.advance('CLM1004');
    expect(codes(await status('CLM1004', { subscriber: JOHN }))).toBe('P1/20');
    const set = await control('POST', 'claims/CLM1002/set', {
      statusCategoryCode: 'F1',
      statusCode: '65',
      amountPaid: '110.50',
      paidDate: '2026-07-29',
      checkNumber: 'CHK42',
    });
    expect(set.status).toBe(200);
    const paid = await status('CLM1002');
    expect(paid.claimStatus).toMatchObject({ amountPaid: '110.50', paidDate: '2026-07-29', checkNumber: 'CHK42' });
    expect(paid.serviceDetails[0].service.amountPaid).toBe('110.50');
    sandbox.set('CLM1002', { statusCategoryCode: 'F2', statusCode: '1' });
    expect(codes(await status('CLM1002'))).toBe('F2/1');
    expect((await control('POST', 'claims/CLM0000/advance')).status).toBe(404);
    expect((await control('POST', 'claims/CLM1002/set', { statusCategoryCode: 'F1', amountPaid: '1.005' })).status).toBe(400);
  });

  it('adds a claim with its script, and a member every inquiry about whom is rejected (42, 80, 43, 76…)', async () => {
    const added = await control('POST', 'claims', {
      memberId: 'W555000111',
      subscriber: { firstName: 'Ada', lastName: 'Okafor', dateOfBirth: '20130227' },
      patientAccountNumber: 'enc-oka-1',
      serviceFrom: '20260715',
      lines: [{ procedureId: '99213', submittedAmount: '95.00' }],
      script: [
        { statusCategoryCode: 'A1', statusCode: '20' },
        { statusCategoryCode: 'F1', statusCode: '65', amountPaid: '60.00', paidDate: true },
      ],
    });
    expect(added.status).toBe(201);
    const ada = { memberId: 'W555000111', firstName: 'ADA', lastName: 'OKAFOR', dateOfBirth: '20130227' };
    const received = await status('enc-oka-1', { subscriber: ada });
    expect([codes(received), received.claimStatus.tradingPartnerClaimNumber]).toEqual(['A1/20', undefined]);
    const paid = await status('enc-oka-1', { subscriber: ada });
    expect(paid.claimStatus).toMatchObject({ amountPaid: '60.00', paidDate: '2026-07-30', submittedAmount: '95.00' });
    for (const code of ['42', '80', '43', '76']) {
      sandbox.addMember({ memberId: `W9${code}`, firstName: 'A', lastName: 'B', dateOfBirth: '19700101', rejection: { code } });
      const { json } = await ask(inquiry('X1', { subscriber: { memberId: `W9${code}`, firstName: 'A', lastName: 'B' } }));
      expect(json.errorResponse.errors[0].code).toBe(code);
    }
  });

  it("forces 429 with Retry-After (default 1 s, or the rule's) and without, then 500, 503, 504; nothing advances", async () => {
    await control('POST', 'faults', { path: PATH, status: 429, times: 1 });
    const first = await ask(inquiry('CLM1001'));
    expect([first.res.status, first.json.code, first.res.headers.get('retry-after')]).toEqual([429, 'ThrottlingException', '1']);
    sandbox.faults.add({ path: PATH, status: 429, retryAfterSeconds: null, times: 1 });
    const second = await ask(inquiry('CLM1001'));
    expect([second.res.status, second.res.headers.get('retry-after')]).toEqual([429, null]);
    for (const code of [500, 503, 504]) {
      sandbox.faults.add({ path: PATH, status: code, times: 1 });
      expect((await ask(inquiry('CLM1001'), { prefix: '/2024-04-01' })).res.status).toBe(code);
    }
    expect(sandbox.claim('CLM1001')!.inquiries).toBe(0);
    expect(codes(await status('CLM1001'))).toBe('A2/20');
  });

  it('holds an answer past a client timeout and resets a connection', async () => {
    sandbox.faults.add({ path: PATH, responseTimeMs: 2_000, times: 1 });
    const timedOut = fetch(`${sandbox.url}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Key ${sandbox.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(inquiry('CLM1001')),
      signal: AbortSignal.timeout(50),
    });
    await expect(timedOut).rejects.toThrow();
    await control('POST', 'faults', { path: PATH, reset: true, times: 1 });
    await expect(ask(inquiry('CLM1001'))).rejects.toThrow();
  });

  it('logs inquiries without x12 and resets to the seed', async () => {
    await ask({ ...inquiry('CLM1001'), x12: 'ISA*RAW' });
    const log = await control('GET', 'requests');
    expect(log.json).toHaveLength(1);
    expect(log.json[0]).toMatchObject({ method: 'POST', route: PATH, status: 200 });
    expect(JSON.stringify(log.json)).not.toContain('ISA*RAW');
    expect((await ask(inquiry('CLM1001'))).json.x12).toContain('ST*277');
    await control('POST', 'reset');
    expect(sandbox.requests).toHaveLength(0);
    expect(codes(await status('CLM1001'))).toBe('A2/20');
  });
});

describe('sandbox mode', () => {
  it('gives every coverage practice a connection and a billing provider the simulator accepts', async () => {
    const practices = claimStatusSandboxPractices(sandbox);
    expect(practices.map((p) => p.id)).toEqual(expect.arrayContaining(['summit-health', 'lakeview-epic', 'open-fhir']));
    const { connection, service } = practices[0]!;
    expect(service.payerIds.Aetna).toBe('SANDBOX1');
    const res = await fetch(`${connection.baseUrl}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Key ${connection.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(inquiry('CLM1001', { providers: [{ providerType: 'BillingProvider', ...service.billingProvider }] })),
    });
    expect(res.status).toBe(200);
  });
});
