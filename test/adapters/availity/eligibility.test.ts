/**
 * The Availity adapter against the simulator: what a check sends, how answers become rows and, through
 * the ledger rules, the front desk's figures; polling to completion, bounded.
 */
import { describe, expect, it } from 'vitest';
import { awaitEligibility } from './await-eligibility';
import { eligibilityFigures } from '../../../src/ledger/eligibility-benefits';
import { JANE, memberRequest, NPI, useAvailitySandbox } from './helpers';

const t = useAvailitySandbox();
const figuresOptions = { asOfDate: JANE.asOfDate, inNetwork: true };

describe('Availity eligibility', () => {
  it('posts one form with Availity field names, serviceType repeated, and answers Jane’s benefits', async () => {
    const answer = await t.adapter().checkEligibility(JANE);
    expect(answer.state).toBe('ANSWERED');
    const post = t.sandbox.requests.find((r) => r.route === '/coverages')!;
    expect(post.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(post.headers.authorization).toMatch(/^Bearer .+/);
    expect(post.form).toEqual([
      ['payerId', 'SANDBOX1'],
      ['providerNpi', NPI],
      ['providerLastName', 'Smile Dental'],
      ['memberId', 'AVL000001'],
      ['patientLastName', 'DOE'],
      ['patientFirstName', 'JANE'],
      ['patientBirthDate', '1985-04-12'],
      ['patientGender', 'F'],
      ['subscriberRelationship', '18'],
      ['asOfDate', '2026-07-30'],
      ['serviceType', '30'],
      ['serviceType', '98'],
    ]);
    if (answer.state !== 'ANSWERED') return;
    expect(eligibilityFigures(answer, figuresOptions)).toMatchObject({
      status: 'COMPLETE',
      coverageActive: true,
      payerName: 'ACME HEALTH PPO',
      planName: 'ACME PPO',
      officeVisitCopay: 2500,
      copayAmbiguous: false,
      coinsurancePercent: 20,
      deductible: { individual: { total: 150000, remaining: 120000 }, family: { total: 300000, remaining: 250000 } },
      outOfPocket: { individual: { total: 600000, remaining: 510000 }, family: { total: null, remaining: null } },
    });
    // Out of network: the N rows.
    expect(eligibilityFigures(answer, { ...figuresOptions, inNetwork: false })).toMatchObject({
      officeVisitCopay: 5000,
      coinsurancePercent: 40,
      deductible: { individual: { total: 300000, remaining: 300000 } },
    });
  });

  it('answers an ended coverage as inactive (JOHN ROE)', async () => {
    const answer = await t.adapter().checkEligibility(memberRequest('AVL000002', 'JOHN', 'ROE', '1979-11-30'));
    expect(answer.state === 'ANSWERED' && eligibilityFigures(answer, figuresOptions).coverageActive).toBe(false);
  });

  it('answers an HDHP dependent without a copay row as null, not 0 (MIA DOE)', async () => {
    const answer = await t
      .adapter()
      .checkEligibility({ ...memberRequest('AVL000003', 'MIA', 'DOE', '2015-06-01'), relationship: 'CHILD' });
    expect(answer.state).toBe('ANSWERED');
    if (answer.state !== 'ANSWERED') return;
    const figures = eligibilityFigures(answer, figuresOptions);
    expect([figures.officeVisitCopay, figures.coinsurancePercent, figures.deductible.individual]).toEqual([
      null,
      10,
      { total: 300000, remaining: 300000 },
    ]);
    expect(t.sandbox.requests.find((r) => r.route === '/coverages')!.form).toContainEqual(['subscriberRelationship', '19']);
  });

  it('flags an ambiguous copay and takes the largest office one (SAM CHU)', async () => {
    const answer = await t.adapter().checkEligibility(memberRequest('AVL000006', 'SAM', 'CHU', '1988-08-08'));
    expect(answer.state === 'ANSWERED' && eligibilityFigures(answer, figuresOptions)).toMatchObject({
      officeVisitCopay: 4000,
      copayAmbiguous: true,
    });
  });

  it('maps an invalid complete answer to PARTIAL with unknown coverage (EVA STONE)', async () => {
    const answer = await t.adapter().checkEligibility(memberRequest('AVL000007', 'EVA', 'STONE', '1966-03-03'));
    expect(answer.state === 'ANSWERED' && eligibilityFigures(answer, figuresOptions)).toMatchObject({
      status: 'PARTIAL',
      coverageActive: null,
      officeVisitCopay: 2500,
    });
  });

  it('polls a 202 to completion: one POST, then GETs after 1 s and every 2 s (ANA LIMA)', async () => {
    const adapter = t.adapter();
    const request = memberRequest('AVL000004', 'ANA', 'LIMA', '1990-02-02');
    const first = await adapter.checkEligibility(request);
    expect(first).toMatchObject({ state: 'PENDING', retrying: false });
    // A second inquiry, awaited: the first stays pending upstream and is not touched.
    const before = t.requestsTo('/coverages', 'POST');
    const sleeps: number[] = [];
    const answer = await awaitEligibility(adapter, request, {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    expect(answer.state).toBe('ANSWERED');
    expect(sleeps).toEqual([1000, 2000, 2000]);
    expect([t.requestsTo('/coverages', 'POST') - before, t.requestsTo('/coverages/', 'GET')]).toEqual([1, 3]);
    expect(answer.state === 'ANSWERED' && eligibilityFigures(answer, figuresOptions).officeVisitCopay).toBe(2500);
  });

  it('a payer that never answers: polling stops at 30 s with the inquiry id, and the next request resumes it without posting', async () => {
    t.sandbox.addMember({
      memberId: 'SLOW00001',
      patient: { firstName: 'SLOW', lastName: 'PAYER', birthDate: '1970-01-01' },
      relationshipCode: '18',
      steps: [{ statusCode: '0' }],
    });
    const adapter = t.adapter();
    const request = memberRequest('SLOW00001', 'SLOW', 'PAYER', '1970-01-01');
    let now = 0;
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    };
    const answer = await awaitEligibility(adapter, request, clock);
    expect(answer.state).toBe('PENDING');
    expect(now).toBeLessThanOrEqual(30_000);
    const gets = t.requestsTo('/coverages/', 'GET');
    expect([t.requestsTo('/coverages', 'POST'), gets]).toEqual([1, 15]);
    if (answer.state !== 'PENDING') return;
    expect(answer.inquiryId).toMatch(/^\d{10}$/);

    now = 0;
    const resumed = await awaitEligibility(adapter, request, { ...clock, resumeInquiryId: answer.inquiryId, maxWaitMs: 4_000 });
    expect(resumed).toMatchObject({ state: 'PENDING', inquiryId: answer.inquiryId });
    expect(t.requestsTo('/coverages', 'POST')).toBe(1);
    expect(t.requestsTo('/coverages/', 'GET')).toBeGreaterThan(gets);
  });

  it('posts again only when the clearinghouse forgot the inquiry (404 on a poll)', async () => {
    const adapter = t.adapter();
    const answer = await awaitEligibility(adapter, JANE, { resumeInquiryId: '9999999999' });
    expect(answer.state).toBe('ANSWERED');
    expect([t.requestsTo('/coverages/', 'GET'), t.requestsTo('/coverages', 'POST')]).toEqual([1, 1]);
  });

  it('R1 twice then 7: the payer could not be reached, UPSTREAM_UNAVAILABLE (LEO PARK)', async () => {
    const adapter = t.adapter();
    const request = memberRequest('AVL000005', 'LEO', 'PARK', '1972-07-07');
    const first = await adapter.checkEligibility(request);
    expect(first).toMatchObject({ state: 'PENDING', retrying: true });
    await expect(
      awaitEligibility(adapter, request, { resumeInquiryId: first.inquiryId, sleep: async () => {} }),
    ).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 200 });
    // Polled until the 7, never posted again.
    expect(t.requestsTo('/coverages', 'POST')).toBe(1);
    const coverage = t.sandbox.coverage(first.inquiryId)!;
    expect(coverage.steps[Math.min(coverage.answered, coverage.steps.length) - 1]?.statusCode).toBe('7');
  });
});
