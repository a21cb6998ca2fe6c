/**
 * The claim-status adapter against the simulator: the 276 body it sends, the 277 rows it reads, and
 * (through the ledger rules) each seeded claim's script as the gateway sees it.
 */
import { describe, expect, it } from 'vitest';
import type { ClaimStatusAnswer, ClaimStatusRow } from '../../../src/adapters/coverage/port';
import { claimPayerStatusFigures, claimStatusEvent, claimStatusFingerprint, matchClaim } from '../../../src/ledger/claim-status';
import { NPI, useClaimStatusSandbox } from './helpers';

const t = useClaimStatusSandbox();

function ours(answer: ClaimStatusAnswer, account: string, billed: number, dates: { from: string; to: string }): ClaimStatusRow {
  expect(answer.state).toBe('ANSWERED');
  if (answer.state !== 'ANSWERED') throw new Error('not answered');
  const match = matchClaim(answer.claims, {
    payerClaimControlNumber: null,
    patientControlNumber: account,
    serviceFrom: dates.from,
    serviceTo: dates.to,
    billed,
  });
  if (match.kind !== 'MATCHED') throw new Error(`no match: ${match.kind}`);
  return match.claim;
}

describe('claim-status inquiries', () => {
  it('sends the 276 as JSON with the key, YYYYMMDD dates and the billed amount as a decimal', async () => {
    const request = t.request('CLM1001', { traceNumber: 'TRACE-1' });
    const answer = await t.adapter({ controlNumber: () => '123456789' }).inquireClaimStatus(request);
    const sent = t.sandbox.requests[0]!;
    expect(sent.headers.authorization).toBe(`Key ${t.sandbox.apiKey}`);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.body).toEqual({
      controlNumber: '123456789',
      tradingPartnerServiceId: 'SANDBOX1',
      providers: [{ providerType: 'BillingProvider', npi: NPI, organizationName: 'Smile Dental' }],
      subscriber: { memberId: 'W123456789', firstName: 'JANE', lastName: 'DOE', dateOfBirth: '19850412' },
      encounter: {
        beginningDateOfService: request.serviceFrom.replaceAll('-', ''),
        endDateOfService: request.serviceTo.replaceAll('-', ''),
        submittedAmount: '180.00',
        patientAccountNumber: 'CLM1001',
        trackingNumber: 'TRACE-1',
      },
    });
    const row = ours(answer, 'CLM1001', 18000, { from: request.serviceFrom, to: request.serviceTo });
    expect(row).toMatchObject({ statusCategoryCode: 'A2', statusCode: '20', billed: 18000, traceNumber: 'TRACE-1' });
    expect(answer).toMatchObject({ payer: { payerId: 'SANDBOX1', name: 'ACME HEALTH PPO' } });
  });

  it('CLM1001 through its script: acknowledged, pending, paid 96.00 of 180.00, each a change once', async () => {
    const adapter = t.adapter();
    const request = t.request('CLM1001');
    const dates = { from: request.serviceFrom, to: request.serviceTo };
    let stored: string | null = null;
    const history: Array<[string, string | null, number | null, number | null]> = [];
    for (let i = 0; i < 4; i++) {
      const row = ours(await adapter.inquireClaimStatus(request), 'CLM1001', 18000, dates);
      const figures = claimPayerStatusFigures(row, { billed: 18000 });
      history.push([figures.category, claimStatusEvent(stored, row), figures.paid, figures.maxPatientResponsibility]);
      stored = claimStatusFingerprint(row);
    }
    expect(history).toEqual([
      ['ACKNOWLEDGED', 'PAYER_UPDATE_RECEIVED', null, null],
      ['PENDING', 'PAYER_UPDATE_RECEIVED', null, null],
      ['FINALIZED_PAID', 'CLAIM_PROCESSED', 9600, 8400],
      ['FINALIZED_PAID', null, 9600, 8400],
    ]);
    const paid = ours(await adapter.inquireClaimStatus(request), 'CLM1001', 18000, dates);
    expect(paid).toMatchObject({
      checkNumber: 'EFT0001',
      payerClaimControlNumber: 'PCN-CLM1001',
      paidDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    expect(paid.lines.map((l) => [l.procedureCode, l.billed, l.paid])).toEqual([
      ['99213', 15000, 8000],
      ['85025', 3000, 1600],
    ]);
  });

  it('CLM1002 denied: the patient may owe all of it', async () => {
    const adapter = t.adapter();
    const request = t.request('CLM1002');
    t.sandbox.advance('CLM1002');
    const row = ours(await adapter.inquireClaimStatus(request), 'CLM1002', 22000, {
      from: request.serviceFrom,
      to: request.serviceTo,
    });
    expect(claimPayerStatusFigures(row, { billed: 22000 })).toMatchObject({
      category: 'FINALIZED_DENIED',
      paid: 0,
      maxPatientResponsibility: 22000,
    });
  });

  it('CLM1003 rejected for invalid information, forever', async () => {
    const adapter = t.adapter();
    const request = t.request('CLM1003');
    for (let i = 0; i < 2; i++) {
      const row = ours(await adapter.inquireClaimStatus(request), 'CLM1003', 15000, {
        from: request.serviceFrom,
        to: request.serviceTo,
      });
      expect([claimPayerStatusFigures(row, { billed: 15000 }).category, row.statusCode]).toEqual(['REJECTED', '21']);
    }
  });

  it('CLM1005 sent with the dependent: forwarded to the secondary (F3F), billed − paid', async () => {
    const request = t.request('CLM1005');
    const answer = await t.adapter().inquireClaimStatus(request);
    expect((t.sandbox.requests[0]!.body as { dependent?: unknown }).dependent).toEqual({
      firstName: 'MIA',
      lastName: 'DOE',
      dateOfBirth: '20150601',
    });
    const row = ours(answer, 'CLM1005', 15000, { from: request.serviceFrom, to: request.serviceTo });
    expect(claimPayerStatusFigures(row, { billed: 15000 })).toMatchObject({
      category: 'FINALIZED_OTHER',
      statusCategoryCode: 'F3F',
      paid: 4000,
      maxPatientResponsibility: 11000,
    });
  });

  it('CLM1006: the payer’s system down twice (E2), then pending', async () => {
    const adapter = t.adapter();
    const request = t.request('CLM1006');
    const categories: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await adapter.inquireClaimStatus(request);
      if (answer.state !== 'ANSWERED') throw new Error('expected an answer');
      categories.push(answer.claims.map((c) => claimPayerStatusFigures(c, { billed: request.billed }).category).join());
    }
    expect(categories).toEqual(['ERROR', 'ERROR', 'PENDING']);
  });

  it('an unknown claim of a known member: not found (A4)', async () => {
    const request = t.request('CLM1001', { patientControlNumber: 'CLM9999', claimSourceId: 'CLM9999' });
    const answer = await t.adapter().inquireClaimStatus(request);
    expect(answer.state === 'ANSWERED' && answer.claims.map((c) => c.statusCategoryCode)).toEqual(['A4']);
  });
});
