/**
 * The Availity adapter's failure rules against the simulator: tokens, 401, 403, 429 with and without
 * Retry-After, the payer's AAA rejections, invalid input (nothing sent), and no PHI in any error or
 * upstream-call event.
 */
import { describe, expect, it } from 'vitest';
import { TOKEN_REUSE_MS } from '../../../src/adapters/coverage/availity';
import type { EligibilityRequest } from '../../../src/adapters/coverage/port';
import { eligibilityRejectionOutcome } from '../../../src/ledger/eligibility-rejection';
import { JANE, memberRequest, useAvailitySandbox } from './helpers';

const t = useAvailitySandbox();

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; status?: number | null }> {
  try {
    await promise;
  } catch (err) {
    return err as { code: string; message: string; status?: number | null };
  }
  throw new Error('expected the call to fail');
}

describe('Availity tokens', () => {
  it('reuses one token, fetches a new one after 240 s, and once on a 401', async () => {
    const adapter = t.adapter();
    await adapter.checkEligibility(JANE);
    await adapter.checkEligibility(JANE);
    expect(t.requestsTo('/token')).toBe(1);
    const tokenForm = t.sandbox.requests.find((r) => r.route === '/token')!.form.map(([k]) => k);
    expect(tokenForm).toEqual(['grant_type', 'client_id', 'client_secret', 'scope']);

    t.clock.now += TOKEN_REUSE_MS;
    await adapter.checkEligibility(JANE);
    expect(t.requestsTo('/token')).toBe(2);

    // Availity forgot the token early: one 401, a new token, the same POST again.
    t.sandbox.expireTokens();
    expect((await adapter.checkEligibility(JANE)).state).toBe('ANSWERED');
    expect(t.requestsTo('/token')).toBe(3);
    expect(t.sandbox.requests.filter((r) => r.route === '/coverages').map((r) => r.status)).toEqual([200, 200, 200, 401, 200]);
  });

  it('a 401 after a fresh token is UPSTREAM_UNAVAILABLE, not a loop', async () => {
    t.sandbox.faults.add({ path: '/coverages', method: 'POST', status: 401 });
    const error = await failure(t.adapter().checkEligibility(JANE));
    expect([error.code, error.status]).toEqual(['UPSTREAM_UNAVAILABLE', 401]);
    expect(t.requestsTo('/coverages', 'POST')).toBe(2);
  });

  it('bad client credentials are UPSTREAM_REJECTED, with no coverage request', async () => {
    const error = await failure(t.adapter({ clientSecret: 'wrong' }).checkEligibility(JANE));
    expect([error.code, error.status]).toEqual(['UPSTREAM_REJECTED', 401]);
    expect(t.requestsTo('/coverages')).toBe(0);
  });

  it('an application not subscribed to Coverages is UPSTREAM_REJECTED (403)', async () => {
    const { clientId, clientSecret } = t.sandbox.clients.unsubscribed;
    const error = await failure(t.adapter({ clientId, clientSecret }).checkEligibility(JANE));
    expect([error.code, error.status]).toEqual(['UPSTREAM_REJECTED', 403]);
  });
});

describe('Availity 429', () => {
  it('without Retry-After waits 1 s, 2 s (+ jitter) and succeeds', async () => {
    t.sandbox.faults.add({ path: '/coverages', method: 'POST', status: 429, retryAfterSeconds: null, times: 2 });
    expect((await t.adapter().checkEligibility(JANE)).state).toBe('ANSWERED');
    expect(t.sleeps).toEqual([1125, 2125]);
    expect(t.sandbox.requests.filter((r) => r.route === '/coverages').every((r) => r.headers['retry-after'] === undefined)).toBe(
      true,
    );
  });

  it('honours Retry-After when present', async () => {
    t.sandbox.faults.add({ path: '/coverages', method: 'POST', status: 429, retryAfterSeconds: 3, times: 1 });
    expect((await t.adapter().checkEligibility(JANE)).state).toBe('ANSWERED');
    expect(t.sleeps).toEqual([3000]);
  });

  it('gives up after 3 retries: UPSTREAM_UNAVAILABLE, 4 requests', async () => {
    t.sandbox.faults.add({ path: '/coverages', method: 'POST', status: 429, retryAfterSeconds: null });
    const error = await failure(t.adapter().checkEligibility(JANE));
    expect([error.code, error.status]).toEqual(['UPSTREAM_UNAVAILABLE', 429]);
    expect(t.sleeps).toEqual([1125, 2125, 4125]);
    expect(t.requestsTo('/coverages', 'POST')).toBe(4);
  });

  it('a POST that timed out is never sent again', async () => {
    t.sandbox.faults.add({ path: '/coverages', method: 'POST', latencyMs: 2_000, times: 1 });
    const error = await failure(t.adapter({}, { timeoutMs: 200 }).checkEligibility(JANE));
    expect([error.code, error.status]).toEqual(['UPSTREAM_UNAVAILABLE', null]);
    expect(error.message).toMatch(/timed out/);
    expect(t.requestsTo('/coverages', 'POST')).toBe(1);
  });
});

describe('the payer’s rejections (19, AAA)', () => {
  const cases: Array<[string, EligibilityRequest, string, string]> = [
    ['a wrong birth date', memberRequest('AVL000001', 'JANE', 'DOE', '1985-04-13'), '71', 'REJECTED'],
    ['a wrong last name', memberRequest('AVL000001', 'JANE', 'DOW', '1985-04-12'), '73', 'REJECTED'],
    ['an unknown member', memberRequest('ZZZ999999', 'JANE', 'DOE', '1985-04-12'), '75', 'REJECTED'],
  ];
  for (const [what, request, code, outcome] of cases) {
    it(`${what}: REJECTED with AAA ${code}, member id masked`, async () => {
      const answer = await t.adapter().checkEligibility(request);
      expect(answer.state).toBe('REJECTED');
      if (answer.state !== 'REJECTED') return;
      expect(answer.reasons.map((r) => r.code)).toEqual([code]);
      expect(eligibilityRejectionOutcome(answer.reasons)).toBe(outcome);
      expect(JSON.stringify(answer)).not.toContain(request.member.memberId);
    });
  }

  it('a member id of the wrong shape: 72 on member.memberId', async () => {
    t.sandbox.addMember({
      memberId: 'BADSHAPE1',
      patient: { firstName: 'A', lastName: 'B', birthDate: '1970-01-01' },
      relationshipCode: '18',
      steps: [
        {
          statusCode: '19',
          validationMessages: [{ code: '72', errorMessage: 'Invalid Member ID BADSHAPE1', field: 'memberId' }],
        },
      ],
    });
    const answer = await t.adapter().checkEligibility(memberRequest('BADSHAPE1', 'A', 'B', '1970-01-01'));
    expect(answer).toMatchObject({
      state: 'REJECTED',
      reasons: [{ code: '72', field: 'member.memberId', description: 'Invalid Member ID ***APE1' }],
    });
  });

  const setup: Array<[string, string]> = [
    ['15', 'UPSTREAM_REJECTED'],
    ['41', 'UPSTREAM_REJECTED'],
    ['43', 'UPSTREAM_REJECTED'],
    ['44', 'UPSTREAM_REJECTED'],
    ['50', 'UPSTREAM_REJECTED'],
    ['51', 'UPSTREAM_REJECTED'],
    ['79', 'UPSTREAM_REJECTED'],
    ['42', 'UPSTREAM_UNAVAILABLE'],
    ['80', 'UPSTREAM_UNAVAILABLE'],
    ['57', 'REJECTED'],
    ['58', 'REJECTED'],
    ['62', 'REJECTED'],
    ['63', 'REJECTED'],
    ['64', 'REJECTED'],
    ['65', 'REJECTED'],
    ['67', 'REJECTED'],
    ['76', 'REJECTED'],
    ['77', 'REJECTED'],
    ['78', 'REJECTED'],
  ];
  it('every other AAA code of the table comes back as the payer sent it, and classifies', async () => {
    const adapter = t.adapter();
    for (const [code, outcome] of setup) {
      const memberId = `AAA${code}000`;
      t.sandbox.addMember({
        memberId,
        patient: { firstName: 'A', lastName: 'B', birthDate: '1970-01-01' },
        relationshipCode: '18',
        steps: [{ statusCode: '19', validationMessages: [{ code, errorMessage: `reason ${code}` }] }],
      });
      const answer = await adapter.checkEligibility(memberRequest(memberId, 'A', 'B', '1970-01-01'));
      expect(answer.state, code).toBe('REJECTED');
      if (answer.state === 'REJECTED') expect(eligibilityRejectionOutcome(answer.reasons), code).toBe(outcome);
    }
  });
});

describe('invalid input', () => {
  const bad: Array<[string, EligibilityRequest, string]> = [
    ['a bad NPI check digit', { ...JANE, provider: { ...JANE.provider, npi: '1234567890' } }, 'provider.npi'],
    ['an NPI of 9 digits', { ...JANE, provider: { ...JANE.provider, npi: '123456789' } }, 'provider.npi'],
    ['no member id', { ...JANE, member: { memberId: '', groupNumber: null } }, 'member.memberId'],
    ['an impossible birth date', { ...JANE, patient: { ...JANE.patient, dateOfBirth: '1985-02-30' } }, 'patient.dateOfBirth'],
    ['no service type', { ...JANE, serviceTypeCodes: [] }, 'serviceTypeCodes'],
    ['no payer id', { ...JANE, payerId: '' }, 'payerId'],
  ];
  for (const [what, request, field] of bad) {
    it(`${what}: BAD_USER_INPUT naming ${field}, zero upstream requests`, async () => {
      const error = await failure(t.adapter().checkEligibility(request));
      expect(error.code).toBe('BAD_USER_INPUT');
      expect(error.message).toContain(field);
      expect(t.sandbox.requests).toHaveLength(0);
    });
  }

  it('a payer id the clearinghouse does not know: Availity’s 400 as BAD_USER_INPUT naming payerId', async () => {
    const error = await failure(t.adapter().checkEligibility({ ...JANE, payerId: 'NOPAYER' }));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(/payerId/);
    expect(error.message).not.toContain('AVL000001');
  });
});

describe('no PHI in errors or upstream-call events', () => {
  it('masks a member id, name and birth date the clearinghouse echoes', async () => {
    t.sandbox.addMember({
      memberId: 'ECHO12345',
      patient: { firstName: 'ROSA', lastName: 'PARKS', birthDate: '1913-02-04' },
      relationshipCode: '18',
      steps: [{ statusCode: '7' }],
    });
    t.sandbox.faults.add({
      path: '/coverages',
      method: 'POST',
      status: 400,
      times: 1,
      errorText: 'memberId ECHO12345 for ROSA PARKS born 1913-02-04 is invalid',
    });
    const request = memberRequest('ECHO12345', 'ROSA', 'PARKS', '1913-02-04');
    const messages = [
      (await failure(t.adapter().checkEligibility(request))).message,
      (await failure(t.adapter().checkEligibility(request))).message,
    ];
    const seen = JSON.stringify([messages, t.calls]);
    for (const phi of ['ECHO12345', 'ROSA', 'PARKS', '1913-02-04']) expect(seen).not.toContain(phi);
    expect(t.calls.every((c) => ['/token', '/coverages', '/coverages/{id}'].includes(c.endpoint))).toBe(true);
  });
  it('a fresh adapter polling an inquiry another one posted masks what the payer echoes, with the request passed', async () => {
    t.sandbox.addMember({
      memberId: 'ECHO54321',
      patient: { firstName: 'IDA', lastName: 'WELLS', birthDate: '1862-07-16' },
      relationshipCode: '18',
      steps: [
        { statusCode: '0' },
        {
          statusCode: '19',
          validationMessages: [
            { code: '72', errorMessage: 'member ECHO54321 IDA WELLS 1862-07-16 not found', field: 'memberId' },
          ],
        },
      ],
    });
    const request = memberRequest('ECHO54321', 'IDA', 'WELLS', '1862-07-16');
    const first = await t.adapter().checkEligibility(request);
    expect(first.state).toBe('PENDING');
    if (first.state !== 'PENDING') return;
    // Another instance (or this one after a restart) resumes it: it never saw the POST.
    const answer = await t.adapter().pollEligibility!(first.inquiryId, request);
    expect(answer.state).toBe('REJECTED');
    if (answer.state !== 'REJECTED') return;
    expect(answer.reasons.map((r) => r.code)).toEqual(['72']);
    expect(answer.reasons[0]!.description).toContain('not found');
    const seen = JSON.stringify([answer, t.calls]);
    for (const phi of ['ECHO54321', 'IDA', 'WELLS', '1862-07-16']) expect(seen).not.toContain(phi);
    expect([t.requestsTo('/coverages', 'POST'), t.requestsTo('/coverages/', 'GET')]).toEqual([1, 1]);
  });
});
