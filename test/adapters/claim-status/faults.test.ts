/**
 * The claim-status adapter's failure rules against the simulator: the payer's AAA rejections, bad
 * input (nothing sent), the API's 400/403/404/429/5xx, a timeout, and no PHI in any error or event.
 */
import { describe, expect, it } from 'vitest';
import { claimRejectionAction } from '../../../src/ledger/claim-status';
import { useClaimStatusSandbox } from './helpers';

const t = useClaimStatusSandbox();

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; status?: number | null }> {
  try {
    await promise;
  } catch (err) {
    return err as { code: string; message: string; status?: number | null };
  }
  throw new Error('expected the call to fail');
}

describe('the payer’s rejections (200 with AAA)', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['an unknown member', { memberId: 'W000000000' }, '75'],
    ['a wrong birth date', { dateOfBirth: '1985-04-13' }, '71'],
    ['a wrong last name', { lastName: 'DOW' }, '73'],
  ];
  for (const [what, change, code] of cases) {
    it(`${what}: REJECTED with ${code}, needing attention`, async () => {
      const base = t.request('CLM1001');
      const answer = await t.adapter().inquireClaimStatus({ ...base, subscriber: { ...base.subscriber, ...change } });
      expect(answer).toMatchObject({
        state: 'REJECTED',
        reasons: [{ code, followUp: 'Please Correct and Resubmit', field: null }],
      });
      if (answer.state === 'REJECTED') expect(claimRejectionAction(answer.reasons[0]!.code)).toBe('NEEDS_ATTENTION');
    });
  }
});

describe('invalid input: BAD_USER_INPUT, zero upstream requests', () => {
  const bad: Array<[string, (r: ReturnType<typeof t.request>) => ReturnType<typeof t.request>, string]> = [
    ['a bad NPI', (r) => ({ ...r, billingProvider: { ...r.billingProvider, npi: '1234567890' } }), 'billingProvider.npi'],
    ['no provider name', (r) => ({ ...r, billingProvider: { ...r.billingProvider, organizationName: null } }), 'billingProvider'],
    ['no member id', (r) => ({ ...r, subscriber: { ...r.subscriber, memberId: '' } }), 'subscriber.memberId'],
    ['an impossible date', (r) => ({ ...r, serviceFrom: '2026-13-01' }), 'serviceFrom'],
    ['dates backwards', (r) => ({ ...r, serviceFrom: '2026-06-02', serviceTo: '2026-06-01' }), 'serviceTo'],
    ['a fractional billed amount', (r) => ({ ...r, billed: 100.5 }), 'billed'],
    ['no payer id', (r) => ({ ...r, payerId: '' }), 'payerId'],
  ];
  for (const [what, change, field] of bad) {
    it(what, async () => {
      const error = await failure(t.adapter().inquireClaimStatus(change(t.request('CLM1001'))));
      expect(error.code).toBe('BAD_USER_INPUT');
      expect(error.message).toContain(field);
      expect(t.sandbox.requests).toHaveLength(0);
    });
  }
});

describe('the API’s refusals', () => {
  it('an upstream 400 ValidationException: UPSTREAM_REJECTED, status 400 (the claim needs attention)', async () => {
    t.sandbox.faults.add({ path: '/change', status: 400, times: 1, errorText: 'providers[0].npi is invalid' });
    const error = await failure(t.adapter().inquireClaimStatus(t.request('CLM1001')));
    expect([error.code, error.status]).toEqual(['UPSTREAM_REJECTED', 400]);
    expect(t.sandbox.requests).toHaveLength(1);
  });

  it('a payer id the clearinghouse does not know: UPSTREAM_REJECTED, status 404', async () => {
    const error = await failure(t.adapter().inquireClaimStatus(t.request('CLM1001', { payerId: 'NOPAYER9' })));
    expect([error.code, error.status]).toEqual(['UPSTREAM_REJECTED', 404]);
    expect(error.message).toContain('NOPAYER9');
  });

  it('a bad API key: UPSTREAM_REJECTED, status 403', async () => {
    const error = await failure(t.adapter({}, 'wrong-key').inquireClaimStatus(t.request('CLM1001')));
    expect([error.code, error.status]).toEqual(['UPSTREAM_REJECTED', 403]);
  });

  it('429 without Retry-After: 2 s, 4 s (+ jitter), then the answer', async () => {
    t.sandbox.faults.add({ path: '/change', status: 429, retryAfterSeconds: null, times: 2 });
    expect((await t.adapter().inquireClaimStatus(t.request('CLM1001'))).state).toBe('ANSWERED');
    expect(t.sleeps).toEqual([2125, 4125]);
  });

  it('429 with Retry-After: honoured', async () => {
    t.sandbox.faults.add({ path: '/change', status: 429, retryAfterSeconds: 5, times: 1 });
    expect((await t.adapter().inquireClaimStatus(t.request('CLM1001'))).state).toBe('ANSWERED');
    expect(t.sleeps).toEqual([5000]);
  });

  it('429 past 3 retries: UPSTREAM_UNAVAILABLE, the claim waits for the next cycle', async () => {
    t.sandbox.faults.add({ path: '/change', status: 429, retryAfterSeconds: null });
    const error = await failure(t.adapter().inquireClaimStatus(t.request('CLM1001')));
    expect([error.code, error.status]).toEqual(['UPSTREAM_UNAVAILABLE', 429]);
    expect(t.sandbox.requests).toHaveLength(4);
  });

  for (const status of [500, 503, 504]) {
    it(`${status}: UPSTREAM_UNAVAILABLE, not retried`, async () => {
      t.sandbox.faults.add({ path: '/change', status, times: 1 });
      const error = await failure(t.adapter().inquireClaimStatus(t.request('CLM1001')));
      expect([error.code, error.status]).toEqual(['UPSTREAM_UNAVAILABLE', status]);
      expect(t.sandbox.requests).toHaveLength(1);
    });
  }

  it('a timeout: UPSTREAM_UNAVAILABLE', async () => {
    t.sandbox.faults.add({ path: '/change', latencyMs: 2_000, times: 1 });
    const error = await failure(t.adapter({ timeoutMs: 200 }).inquireClaimStatus(t.request('CLM1001')));
    expect([error.code, error.status]).toEqual(['UPSTREAM_UNAVAILABLE', null]);
  });
});

describe('no PHI in errors or upstream-call events', () => {
  it('masks the member id, names and birth dates the API echoes', async () => {
    t.sandbox.faults.add({
      path: '/change',
      status: 400,
      times: 1,
      errorText: 'subscriber W123456789 JANE DOE 19850412 invalid',
    });
    const error = await failure(t.adapter().inquireClaimStatus(t.request('CLM1001')));
    const seen = JSON.stringify([error.message, t.calls]);
    for (const phi of ['W123456789', 'JANE', 'DOE', '19850412', '1985-04-12']) expect(seen).not.toContain(phi);
    expect(error.message).toContain('***6789');
  });
});
