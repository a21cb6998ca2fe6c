import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EPIC_SEED, type FhirSandbox, GENERIC_SEED, ORACLE_SEED, startFhirSandbox } from '../../src/sandbox/fhir';
import { call, matches, nextLink, token } from './fhir-client';

let fhir: FhirSandbox;
let bearer: string;
const { alvarez, okafor, longLedger } = GENERIC_SEED;

beforeAll(async () => {
  fhir = await startFhirSandbox();
  bearer = await token(fhir, 'generic');
});
afterAll(async () => {
  await fhir.close();
});
afterEach(() => {
  fhir.faults.clear();
  fhir.setPageSize(null);
  fhir.setEndlessPages(false);
  fhir.setBatchEnabled(true);
  fhir.setOutcomeSeverity('information');
});

const get = (path: string) => call(fhir, 'generic', bearer, path);

describe('generic searches', () => {
  it('answers each allowed combination', async () => {
    const accounts = matches((await get(`/Account?patient=${alvarez.kidId}&status=active`)).body);
    expect(accounts.map((a) => a.id)).toEqual([alvarez.accountId]);
    expect(accounts[0].guarantor[0]).toMatchObject({ party: { reference: `Patient/${alvarez.patientId}` }, onHold: false });
    const okaforAccount = matches((await get(`/Account?patient=${okafor.patientId}&status=active`)).body)[0];
    expect(okaforAccount.guarantor[0].party.reference).toBe(`RelatedPerson/${okafor.relatedPersonId}`);
    expect((await get(`/RelatedPerson/${okafor.relatedPersonId}`)).body.patient.reference).toBe(`Patient/${okafor.patientId}`);
    const charges = matches((await get(`/ChargeItem?patient=${alvarez.patientId}&_count=100`)).body);
    expect(charges.map((c) => [c.id, c.priceOverride?.value ?? null])).toEqual([
      ['ch-alv-1', 180],
      ['ch-alv-2', 30],
      ['ch-alv-3', 95],
      ['ch-alv-nofee', null],
    ]);
    const claims = await get(`/Claim?patient=${alvarez.patientId}&_revinclude=ClaimResponse:request&_count=100`);
    const included = claims.body.entry
      .filter((e: any) => e.search.mode === 'include')
      .map((e: any) => [e.resource.id, e.resource.outcome]);
    expect(matches(claims.body).map((c) => c.id)).toEqual(['claim-alv-1', 'claim-alv-2']);
    expect(included).toEqual([
      ['cr-alv-1', 'complete'],
      ['cr-alv-2', 'queued'],
    ]);
    const kidClaims = matches((await get(`/Claim?patient=${alvarez.kidId}`)).body);
    expect(kidClaims.map((c) => c.status)).toEqual(['cancelled']);
    expect(matches((await get(`/Coverage?patient=${alvarez.patientId}`)).body)[0].relationship.coding[0].code).toBe('self');
    const prs = matches(
      (await get(`/PaymentReconciliation?_tag=urn:ledger-gateway:patient|${alvarez.patientId}&_count=100`)).body,
    );
    expect(prs.map((p) => [p.id, p.detail[0].type.coding[0].code, p.detail[0].amount.value])).toEqual([
      ['pr-1', 'payment', 20],
      ['pr-2', 'adjustment', -5],
    ]);
    expect(matches((await get('/Patient?_count=100')).body).map((p) => p.id)).toContain(okafor.patientId);
    expect((await get('/Patient/nobody')).status).toBe(404);
  });

  it('refuses other combinations with the spec 400', async () => {
    for (const path of [
      `/ChargeItem?subject=${alvarez.patientId}`,
      `/Claim?patient=${alvarez.patientId}&_revinclude=Provenance:target`,
      `/Claim?patient=${alvarez.patientId}&_include=Claim:patient`,
      `/Account?status=active`,
      `/RelatedPerson?patient=${okafor.patientId}`,
      `/PaymentReconciliation?patient=${alvarez.patientId}`,
      `/ExplanationOfBenefit?patient=${alvarez.patientId}`,
    ]) {
      const res = await get(path);
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.body.issue[0].diagnostics).toMatch(/^no supported search parameters provided/);
    }
  });
});

describe('paging', () => {
  it('pages at 20 by default and follows link[next] verbatim to the end', async () => {
    const seen: string[] = [];
    let page = (await get(`/ChargeItem?patient=${longLedger.patientId}`)).body;
    const sizes: number[] = [];
    for (;;) {
      sizes.push(matches(page).length);
      seen.push(...matches(page).map((c) => c.id));
      const next = nextLink(page);
      if (!next) break;
      expect(next).toMatch(/_getpages=/);
      page = (await call(fhir, 'generic', bearer, next)).body;
    }
    expect(sizes).toEqual([20, 20, 5]);
    expect(new Set(seen).size).toBe(longLedger.charges);
    const one = await get(`/ChargeItem?patient=${longLedger.patientId}&_count=100`);
    expect(matches(one.body)).toHaveLength(45);
    expect(nextLink(one.body)).toBeUndefined();
  });

  it('uses Oracle pageContext and Epic sessionID links, with the outcome entry on every Epic page', async () => {
    fhir.setPageSize(1);
    const oracle = await call(
      fhir,
      'oracle-health',
      await token(fhir, 'oracle-health'),
      `/Encounter?patient=${ORACLE_SEED.nancy.patientId}&_count=100`,
    );
    const next = nextLink(oracle.body) as string;
    expect(next).toMatch(/pageContext=.*&direction=NEXT$/);
    const second = await call(fhir, 'oracle-health', await token(fhir, 'oracle-health'), next);
    expect(matches(second.body).map((e) => e.id)).toEqual(['97953601']);
    const epicToken = await token(fhir, 'epic');
    const epic = await call(
      fhir,
      'epic',
      epicToken,
      `/ExplanationOfBenefit?patient=${EPIC_SEED.jane.patientId}&created=ge2000-01-01`,
    );
    const epicNext = nextLink(epic.body) as string;
    expect(epicNext).toMatch(/sessionID=/);
    const epicSecond = await call(fhir, 'epic', epicToken, epicNext);
    expect(matches(epicSecond.body).map((e) => e.id)).toEqual([EPIC_SEED.jane.eobs[1]]);
    for (const page of [epic.body, epicSecond.body])
      expect(page.entry.filter((e: any) => e.search.mode === 'outcome')).toHaveLength(1);
    fhir.setOutcomeSeverity('error');
    const errorPage = await call(fhir, 'epic', epicToken, `/Coverage?patient=${EPIC_SEED.jane.patientId}`);
    expect(errorPage.body.entry.find((e: any) => e.search.mode === 'outcome').resource.issue[0].severity).toBe('error');
  });

  it('endless pages keep linking a next page', async () => {
    const res = await fetch(`${fhir.url}/_sandbox/pages/endless`, { method: 'POST', body: JSON.stringify({ enabled: true }) });
    expect(res.status).toBe(200);
    let page = (await get(`/Coverage?patient=${alvarez.patientId}`)).body;
    for (let i = 0; i < 60; i++) {
      const next = nextLink(page);
      expect(next).toBeDefined();
      page = (await call(fhir, 'generic', bearer, next as string)).body;
      expect(matches(page)).toHaveLength(1);
    }
  });
});

describe('batch', () => {
  it('answers a batch Bundle in request order on generic', async () => {
    fhir.resetRequestLog();
    const res = await call(fhir, 'generic', bearer, '', {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { request: { method: 'GET', url: `Patient/${alvarez.patientId}` } },
          { request: { method: 'GET', url: 'Patient/nobody' } },
          { request: { method: 'GET', url: `ChargeItem?patient=${alvarez.kidId}&_count=100` } },
          { request: { method: 'GET', url: `ChargeItem?subject=${alvarez.kidId}` } },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('batch-response');
    expect(res.body.entry.map((e: any) => e.response.status)).toEqual(['200 OK', '404 Not Found', '200 OK', '400 Bad Request']);
    expect(res.body.entry[0].resource.id).toBe(alvarez.patientId);
    expect(matches(res.body.entry[2].resource).map((c: any) => c.id)).toEqual(['ch-alv-kid-1']);
    expect(fhir.requests).toHaveLength(1);
  });

  it('refuses more than 50 entries, and batch when the knob turns it off (metadata follows)', async () => {
    const entry = Array.from({ length: 51 }, () => ({ request: { method: 'GET', url: `Patient/${alvarez.patientId}` } }));
    expect(
      (await call(fhir, 'generic', bearer, '', { method: 'POST', body: { resourceType: 'Bundle', type: 'batch', entry } }))
        .status,
    ).toBe(400);
    await fetch(`${fhir.url}/_sandbox/batch`, { method: 'POST', body: JSON.stringify({ enabled: false }) });
    const off = await call(fhir, 'generic', bearer, '', {
      method: 'POST',
      body: { resourceType: 'Bundle', type: 'batch', entry: entry.slice(0, 1) },
    });
    expect(off.status).toBe(400);
    const metadata = (await (await fetch(`${fhir.mounts.generic}/metadata`)).json()) as any;
    expect(metadata.rest[0].interaction).toEqual([]);
  });
});
