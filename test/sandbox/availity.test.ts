/**
 * The Availity Coverages simulator on its own, over raw HTTP (fetch, no adapter): the token
 * endpoint and Bearer auth, the 415 and 400 validation, each seeded member (answered, inactive,
 * dependent, polled to completion, never completing, ambiguous copays, partial, payer rejections)
 * and the demo scenario header. Its knobs: `availity-knobs.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { AVAILITY_SANDBOX_CLIENTS } from '../../src/sandbox/availity';
import { coverageForm, JANE, type Patient, useAvailitySimulator } from './availity-helpers';

const sim = useAvailitySimulator();
const { tokenResponse, token, post, get, control, pollAll } = sim;

describe('token endpoint and auth', () => {
  it('issues a 300 s Bearer token for the client credentials, under /availity/v1 and /v1', async () => {
    for (const url of [sim.sandbox.tokenUrl, `${sim.sandbox.url}/v1/token`]) {
      const { res, json } = await tokenResponse(
        {
          grant_type: 'client_credentials',
          client_id: 'availity-sandbox-client',
          client_secret: 'availity-sandbox-secret',
          scope: 'hipaa',
        },
        url,
      );
      expect(res.status).toBe(200);
      expect(json).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'hipaa' });
      expect(json.access_token).toMatch(/^[0-9a-f]{48}$/);
    }
  });

  it('refuses bad credentials (401 invalid_client), another grant (400), a JSON body (400) and an empty scope', async () => {
    const bad = await tokenResponse({
      grant_type: 'client_credentials',
      client_id: 'availity-sandbox-client',
      client_secret: 'nope',
    });
    expect(bad.res.status).toBe(401);
    expect(bad.json.error).toBe('invalid_client');
    const grant = await tokenResponse({
      grant_type: 'password',
      client_id: 'availity-sandbox-client',
      client_secret: 'availity-sandbox-secret',
    });
    expect([grant.res.status, grant.json.error]).toEqual([400, 'unsupported_grant_type']);
    const json = await tokenResponse({ grant_type: 'client_credentials' }, sim.sandbox.tokenUrl, 'application/json');
    expect([json.res.status, json.json.error]).toEqual([400, 'invalid_request']);
    const scope = await tokenResponse({
      grant_type: 'client_credentials',
      client_id: 'availity-sandbox-client',
      client_secret: 'availity-sandbox-secret',
      scope: '',
    });
    expect([scope.res.status, scope.json.error]).toEqual([400, 'invalid_scope']);
    // The secret never lands in the request log.
    expect(sim.sandbox.requests.every((r) => !JSON.stringify(r).includes('availity-sandbox-secret'))).toBe(true);
  });

  it('answers 401 without a token, with an unknown one, and once the clock passes 300 s; 403 for an unsubscribed client', async () => {
    expect((await post('', coverageForm(JANE))).res.status).toBe(401);
    expect((await post('f00', coverageForm(JANE))).res.status).toBe(401);
    const bearer = await token();
    expect((await post(bearer, coverageForm(JANE))).res.status).toBe(200);
    sim.sandbox.clock.advance(299_000);
    expect((await post(bearer, coverageForm(JANE))).res.status).toBe(200);
    sim.sandbox.clock.advance(1_000);
    const expired = await post(bearer, coverageForm(JANE));
    expect(expired.res.status).toBe(401);
    expect(expired.res.headers.get('www-authenticate')).toContain('invalid_token');
    const other = await post(await token(AVAILITY_SANDBOX_CLIENTS.unsubscribed), coverageForm(JANE));
    expect(other.res.status).toBe(403);
  });

  it('expires tokens on the knob (HTTP and in process)', async () => {
    const first = await token();
    expect((await control('POST', 'tokens/expire', {})).json).toEqual({ expired: 1 });
    expect((await post(first, coverageForm(JANE))).res.status).toBe(401);
    const second = await token();
    expect(sim.sandbox.expireTokens(second)).toBe(1);
    expect((await post(second, coverageForm(JANE))).res.status).toBe(401);
  });
});

describe('POST /coverages validation', () => {
  it('answers 415 to a JSON body and lists every bad field in one 400', async () => {
    const bearer = await token();
    const json = await post(bearer, JSON.stringify({ payerId: 'SANDBOX1' }), { 'content-type': 'application/json' });
    expect(json.res.status).toBe(415);
    const bad = await post(
      bearer,
      new URLSearchParams([
        ['providerNpi', '1234567890'],
        ['patientBirthDate', '04/12/1985'],
        ['asOfDate', '2026-02-30'],
        ['serviceType', '30'],
        ['serviceType[]', 'ABC'],
      ]),
    );
    expect(bad.res.status).toBe(400);
    expect(bad.json.errors.map((e: any) => e.field)).toEqual([
      'payerId',
      'providerNpi',
      'memberId',
      'patientLastName',
      'patientBirthDate',
      'asOfDate',
      'serviceType',
    ]);
    expect(bad.json.errors.find((e: any) => e.field === 'serviceType').index).toBe(1);
    const payer = await post(bearer, coverageForm(JANE, [['payerId', 'OTHER9']]));
    expect(payer.res.status).toBe(400);
    expect(payer.json.errors).toEqual([expect.objectContaining({ field: 'payerId' })]);
  });
});

describe('seeded members', () => {
  it('AVL000001: complete, with the PPO benefits in all their network buckets', async () => {
    const { res, json } = await post(await token(), coverageForm(JANE), { 'x-availity-customer-id': '445566' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-availity-transaction-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(json).toMatchObject({ statusCode: '4', status: 'Complete', customerId: '445566', id: '0000000001' });
    expect(json.payer).toEqual({ payerId: 'SANDBOX1', name: 'ACME HEALTH PPO', responsePayerId: 'SANDBOX1' });
    expect(json.asOfDate.slice(0, 10)).toBe('2026-07-30');
    const [plan] = json.plans;
    expect(plan).toMatchObject({ statusCode: '1', planName: 'ACME PPO', coverageStartDate: '2025-01-01T05:00:00.000+0000' });
    expect(plan.coverageEndDate).toBeUndefined();
    const byType = Object.fromEntries(plan.benefits.map((b: any) => [b.type, b.amounts]));
    expect(byType['98'].coPayment.inNetwork).toEqual([
      { level: 'Individual', levelCode: 'IND', amount: '25.00', placeOfServiceCode: '11', amountTimePeriodCode: '27' },
    ]);
    expect(byType['98'].coPayment.outOfNetwork[0].amount).toBe('50.00');
    expect(byType['98'].coInsurance.inNetwork[0]).toMatchObject({ amount: '20', units: 'Percent' });
    expect(byType['98'].coInsurance.outOfNetwork[0]).toMatchObject({ amount: '40', units: 'Percent' });
    expect(byType['30'].deductibles.inNetwork.map((n: any) => [n.levelCode, n.total, n.remaining])).toEqual([
      ['IND', '1500.00', '1200.00'],
      ['FAM', '3000.00', '2500.00'],
    ]);
    expect(byType['30'].deductibles.outOfNetwork[0]).toMatchObject({
      total: '3000.00',
      remaining: '3000.00',
      remainingTimePeriodCode: '29',
    });
    expect(byType['30'].outOfPocket.inNetwork[0]).toMatchObject({ levelCode: 'IND', total: '6000.00', remaining: '5100.00' });
  });

  it('AVL000002: an inactive plan that ended 2024-12-31', async () => {
    const { json } = await post(await token(), coverageForm({ memberId: 'AVL000002', lastName: 'ROE', birthDate: '1979-11-30' }));
    expect(json.statusCode).toBe('4');
    expect(json.plans[0]).toMatchObject({ statusCode: '6', coverageEndDate: '2024-12-31T05:00:00.000+0000' });
  });

  it("AVL000003: the child, asked under her own id or her subscriber's, with an HDHP and no copay", async () => {
    const bearer = await token();
    for (const memberId of ['AVL000003', 'AVL000001']) {
      const { json } = await post(
        bearer,
        coverageForm({ memberId, firstName: 'Mia', lastName: 'DOE', birthDate: '2015-06-01', relationship: '19' }),
      );
      expect(json.statusCode).toBe('4');
      expect(json.patient).toMatchObject({ firstName: 'MIA', subscriberRelationshipCode: '19' });
      expect(json.subscriber).toMatchObject({ memberId, firstName: 'JANE', lastName: 'DOE' });
      const plan = json.plans[0];
      expect(plan.planName).toBe('ACME HDHP');
      expect(plan.benefits.some((b: any) => b.amounts?.coPayment)).toBe(false);
      expect(plan.benefits[0].amounts.deductibles.inNetwork[0]).toMatchObject({ total: '3000.00', remaining: '3000.00' });
      expect(plan.benefits[1].amounts.coInsurance.inNetwork[0].amount).toBe('10');
    }
  });

  it('AVL000004: 202 with a Location, In Progress for two GETs, then complete with the PPO benefits (either prefix)', async () => {
    const bearer = await token();
    const { res, json } = await post(bearer, coverageForm({ memberId: 'AVL000004', lastName: 'Lima', birthDate: '1990-02-02' }));
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`${sim.sandbox.baseUrl}/coverages/${json.id}`);
    expect(json).toMatchObject({ statusCode: '0', status: 'In Progress' });
    expect(json.plans).toBeUndefined();
    expect((await get(bearer, json.id, `${sim.sandbox.url}/v1`)).json.statusCode).toBe('0');
    const { seen, last } = await pollAll(bearer, json.id);
    expect(seen).toEqual(['0', '4']);
    expect(last.plans[0].planName).toBe('ACME PPO');
  });

  it('AVL000005: 202, Retrying twice, then a communication error (7)', async () => {
    const bearer = await token();
    const { res, json } = await post(bearer, coverageForm({ memberId: 'AVL000005', lastName: 'PARK', birthDate: '1972-07-07' }));
    expect([res.status, json.statusCode]).toEqual([202, 'R1']);
    const { seen, last } = await pollAll(bearer, json.id);
    expect(seen).toEqual(['R1', 'R1', '7']);
    expect(last.plans).toBeUndefined();
  });

  it('AVL000006: three in-network office copays, one at another place of service', async () => {
    const { json } = await post(await token(), coverageForm({ memberId: 'AVL000006', lastName: 'CHU', birthDate: '1988-08-08' }));
    const office = json.plans[0].benefits.find((b: any) => b.type === '98');
    expect(office.amounts.coPayment.inNetwork.map((n: any) => [n.amount, n.placeOfServiceCode])).toEqual([
      ['25.00', '11'],
      ['40.00', '11'],
      ['60.00', '22'],
    ]);
  });

  it('AVL000007: complete with an invalid response (3), the plan without a status code', async () => {
    const { json } = await post(
      await token(),
      coverageForm({ memberId: 'AVL000007', lastName: 'STONE', birthDate: '1966-03-03' }),
    );
    expect(json.statusCode).toBe('3');
    expect(json.plans[0].statusCode).toBeUndefined();
    expect(json.plans[0].benefits).toHaveLength(2);
  });

  it('rejects as the payer (19): malformed id 72, unknown 75, wrong last name 73, wrong birth date 71', async () => {
    const bearer = await token();
    const cases: Array<[Patient, string, string]> = [
      [{ ...JANE, memberId: 'av-1' }, '72', 'memberId'],
      [{ ...JANE, memberId: 'AVL999999' }, '75', 'memberId'],
      [{ ...JANE, lastName: 'SMITH' }, '73', 'patientLastName'],
      [{ ...JANE, birthDate: '1985-04-13' }, '71', 'patientBirthDate'],
    ];
    for (const [patient, code, field] of cases) {
      const { res, json } = await post(bearer, coverageForm(patient));
      expect(res.status).toBe(200);
      expect(json).toMatchObject({ statusCode: '19', status: 'Request Error' });
      expect(json.validationMessages).toEqual([expect.objectContaining({ code, field })]);
      expect(json.plans).toBeUndefined();
    }
  });
});

describe('X-Api-Mock-Scenario-ID', () => {
  it("overrides the member with Availity's demo answers", async () => {
    const bearer = await token();
    const scenario = (id: string) =>
      post(bearer, coverageForm({ ...JANE, memberId: 'AVL999999' }), { 'x-api-mock-scenario-id': id });
    expect((await scenario('Coverages-Complete-i')).json.statusCode).toBe('4');
    expect((await scenario('Coverages-PayerError1-i')).json.validationMessages[0].code).toBe('50');
    expect((await scenario('Coverages-PayerError2-i')).json.validationMessages[0].code).toBe('73');
    const inProgress = await scenario('Coverages-InProgress-i');
    expect([inProgress.res.status, inProgress.json.statusCode]).toEqual([202, '0']);
    const { seen } = await pollAll(bearer, inProgress.json.id, 5);
    expect(seen).toEqual(['0', '0', '0', '0', '0']);
    const retrying = await scenario('Coverages-Retrying-i');
    expect([retrying.res.status, retrying.json.statusCode]).toEqual([202, 'R1']);
    for (const id of ['Coverages-RequestError1-i', 'Coverages-RequestError2-i']) {
      const { res, json } = await scenario(id);
      expect(res.status).toBe(400);
      expect(json.errors.length).toBeGreaterThan(0);
    }
  });
});
