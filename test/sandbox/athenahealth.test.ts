import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ATHENA_APPOINTMENT_NOT_FOUND,
  ATHENA_INVALID_PRACTICE,
  ATHENA_PATIENT_NOT_FOUND,
  ATHENA_SEED_APPOINTMENTS as A,
  ATHENA_SEED_CARDS,
  ATHENA_SEED_CLAIMS as C,
  ATHENA_SEED_DEPARTMENTS as D,
  ATHENA_SEED_PATIENTS as P,
  ATHENA_TOKEN_SCOPE,
  startAthenahealthSandbox,
  type AthenahealthSandbox,
  type AthenahealthSandboxOptions,
} from '../../src/sandbox/athenahealth';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

let sandbox: AthenahealthSandbox;
let clock: Date;
const at = (iso: string) => (clock = new Date(iso));

async function start(options: AthenahealthSandboxOptions = {}) {
  clock = new Date('2025-06-01T12:00:00Z');
  sandbox = await startAthenahealthSandbox({ now: () => clock, ...options });
}

afterEach(async () => {
  await sandbox?.close();
});

function basic(id = sandbox.clientId, secret = sandbox.clientSecret) {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function tokenRequest(init: { auth?: string; body?: string } = {}) {
  return fetch(`${sandbox.url}/oauth2/v1/token`, {
    method: 'POST',
    headers: { authorization: init.auth ?? basic(), 'content-type': 'application/x-www-form-urlencoded' },
    body: init.body ?? new URLSearchParams({ grant_type: 'client_credentials', scope: ATHENA_TOKEN_SCOPE }).toString(),
  });
}

async function token(): Promise<string> {
  const res = await tokenRequest();
  expect(res.status).toBe(200);
  return ((await res.json()) as Json).access_token;
}

async function get(path: string, bearer?: string) {
  const res = await fetch(`${sandbox.url}${path}`, { headers: { authorization: `Bearer ${bearer ?? (await token())}` } });
  const text = await res.text();
  let json: Json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text, headers: res.headers };
}

const pid = () => sandbox.practices.enterprise;
const single = () => sandbox.practices.single;

const card = (number: string = ATHENA_SEED_CARDS.approves) => ({
  accountnumber: number,
  expirationmonthmm: '12',
  expirationyearyyyy: '2030',
  cardsecuritycode: '123',
  nameoncard: 'Avery Testpatient',
  billingaddress: '1 Test Street',
  billingzip: '02110',
  ecommercemode: 'true',
});

async function collect(patientId: string, fields: Record<string, string>, practice = pid(), bearer?: string) {
  const res = await fetch(`${sandbox.url}/v1/${practice}/patients/${patientId}/collectpayment`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer ?? (await token())}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

function findClaim(patientJson: Json, claimId: string): Json {
  for (const group of patientJson[0].claimbalancedetails) {
    for (const claim of group.claimdetails) if (String(claim.claimid) === claimId) return claim;
  }
  return undefined;
}

describe('athenahealth sandbox: OAuth token endpoint', () => {
  beforeEach(() => start({ tokenTtlSeconds: 60, tokenRequestsPerMinute: 3 }));

  it('issues a bearer token for Basic client credentials with the spec scope', async () => {
    const res = await tokenRequest();
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe('60'); // loose: a string
    expect(typeof body.access_token).toBe('string');
    const ok = await get(`/v1/${pid()}/departments`, body.access_token);
    expect(ok.status).toBe(200);
  });

  it('rejects a wrong secret (401), a missing scope or grant type (400)', async () => {
    expect((await tokenRequest({ auth: basic(sandbox.clientId, 'nope') })).status).toBe(401);
    expect((await tokenRequest({ auth: 'Bearer x' })).status).toBe(401);
    const noScope = await tokenRequest({ body: 'grant_type=client_credentials' });
    expect(noScope.status).toBe(400);
    expect(((await noScope.json()) as Json).error).toBe('invalid_scope');
    const badGrant = await tokenRequest({ body: `grant_type=password&scope=${encodeURIComponent(ATHENA_TOKEN_SCOPE)}` });
    expect(badGrant.status).toBe(400);
  });

  it('limits new tokens per minute with 429 and Retry-After, then lets them through again', async () => {
    for (let i = 0; i < 3; i++) expect((await tokenRequest()).status).toBe(200);
    const limited = await tokenRequest();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    at('2025-06-01T12:01:01Z');
    expect((await tokenRequest()).status).toBe(200);
  });

  it('expires tokens after their TTL and answers 401 without one', async () => {
    const t = await token();
    expect((await get(`/v1/${pid()}/departments`, t)).status).toBe(200);
    at('2025-06-01T12:01:00Z');
    expect((await get(`/v1/${pid()}/departments`, t)).status).toBe(401);
    const none = await fetch(`${sandbox.url}/v1/${pid()}/departments`);
    expect(none.status).toBe(401);
  });

  it('revokeTokens() invalidates issued tokens', async () => {
    const t = await token();
    sandbox.revokeTokens();
    expect((await get(`/v1/${pid()}/departments`, t)).status).toBe(401);
  });
});

describe('athenahealth sandbox: reads', () => {
  beforeEach(() => start());

  it('answers 404 "Invalid practice." for an unknown practice', async () => {
    const res = await get('/v1/424242/departments');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: ATHENA_INVALID_PRACTICE });
  });

  it('paginates departments with limit/offset and a next path until the last page', async () => {
    const t = await token();
    const first = await get(`/v1/${pid()}/departments`, t);
    expect(first.json.totalcount).toBe('5');
    expect(first.json.departments).toHaveLength(2);
    expect(first.json.next).toBe(`/v1/${pid()}/departments?limit=2&offset=2`);
    expect(first.json.previous).toBeUndefined();
    const ids: string[] = [];
    const groups = new Set<string>();
    let path: string | undefined = `/v1/${pid()}/departments`;
    let pages = 0;
    while (path) {
      const page = await get(path, t);
      pages++;
      for (const d of page.json.departments) {
        ids.push(String(d.departmentid));
        groups.add(String(d.providergroupid));
      }
      path = page.json.next;
    }
    expect(pages).toBe(3);
    expect(ids).toEqual([D.northMain, D.northAnnex, D.northPediatrics, D.southClinic, D.southUrgent]);
    expect([...groups].sort()).toEqual(['1', '2']);
    const big = await get(`/v1/${pid()}/departments?limit=10`, t);
    expect(big.json.departments).toHaveLength(5);
    expect(big.json.next).toBeUndefined();
    const singleDeps = await get(`/v1/${single()}/departments?limit=10`, t);
    expect(new Set(singleDeps.json.departments.map((d: Json) => String(d.providergroupid))).size).toBe(1);
    // loose types: ids arrive both as numbers and as strings
    const kinds = new Set(big.json.departments.map((d: Json) => typeof d.departmentid));
    expect(kinds).toEqual(new Set(['string', 'number']));
  });

  it('answers a patient as an array of one, with balance details only on request', async () => {
    const t = await token();
    const plain = await get(`/v1/${pid()}/patients/${P.selfGuarantor}`, t);
    expect(plain.status).toBe(200);
    expect(Array.isArray(plain.json)).toBe(true);
    expect(plain.json).toHaveLength(1);
    expect(plain.json[0].dob).toBe('04/12/1984');
    expect(plain.json[0].claimbalancedetails).toBeUndefined();
    const detailed = await get(`/v1/${pid()}/patients/${P.selfGuarantor}?showbalancedetails=true`, t);
    const p = detailed.json[0];
    expect(p.balances).toHaveLength(2);
    expect(p.claimbalancedetails.map((g: Json) => [g.providergroupid, g.departmentids])).toEqual([
      ['1', '1,21,102'],
      ['2', '150,162'],
    ]);
    // loose types: cleanbalance as "true"/"false" strings and real booleans, money as strings and numbers
    const clean = findClaim(detailed.json, C.cleanInGroup);
    expect(clean.cleanbalance).toBe('true');
    expect(clean.patientbalance).toBe(40);
    expect(clean.amount).toBe('150.00');
    expect(findClaim(detailed.json, C.paymentPlan).cleanbalance).toBe(false);
    expect(findClaim(detailed.json, C.paidOff)).toBeUndefined(); // zero balance: only with showallclaims
    const all = await get(`/v1/${pid()}/patients/${P.selfGuarantor}?showbalancedetails=true&showallclaims=true`, t);
    expect(Number(findClaim(all.json, C.paidOff).patientbalance)).toBe(0);
    const single6001 = await get(`/v1/${single()}/patients/${P.singleSelf}?showbalancedetails=true`, t);
    expect(single6001.json[0].claimbalancedetails).toHaveLength(1);
    expect(single6001.json[0].claimbalancedetails[0].providergroupid).toBe('');
    expect(single6001.json[0].claimbalancedetails[0].departmentids).toBe('1,2');
  });

  it('answers 404 with the exact error text for an unknown patient', async () => {
    const res = await get(`/v1/${pid()}/patients/${P.unknown}?showbalancedetails=true`);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: ATHENA_PATIENT_NOT_FOUND });
    const receipts = await get(`/v1/${pid()}/patients/${P.unknown}/receipts`);
    expect(receipts.status).toBe(404);
  });

  it('answers appointment copays with showcopay=true, 404 for an unknown appointment', async () => {
    const t = await token();
    const res = await get(`/v1/${pid()}/appointments/${A.dependentCopayCollected}?showcopay=true`, t);
    expect(res.json).toHaveLength(1);
    expect(res.json[0]).toMatchObject({
      appointmentid: A.dependentCopayCollected,
      patientid: Number(P.withGuarantor),
      copay: '15.00',
      appointmentcopay: { insurancecopay: 15, collectedforappointment: '15', collectedforother: 5 },
    });
    const noCopay = await get(`/v1/${pid()}/appointments/${A.selfCopay}`, t);
    expect(noCopay.json[0].copay).toBeUndefined();
    const missing = await get(`/v1/${pid()}/appointments/1`, t);
    expect(missing.status).toBe(404);
    expect(missing.json.error).toBe(ATHENA_APPOINTMENT_NOT_FOUND);
  });

  it('logs requests (method, path, query, time, status) and resets the log', async () => {
    const t = await token();
    sandbox.resetRequestLog();
    await get(`/v1/${pid()}/patients/${P.selfGuarantor}?showbalancedetails=true`, t);
    expect(sandbox.requests).toHaveLength(1);
    expect(sandbox.requests[0]).toMatchObject({
      method: 'GET',
      path: `/v1/${pid()}/patients/${P.selfGuarantor}`,
      query: { showbalancedetails: 'true' },
      status: 200,
    });
    expect(sandbox.requests[0]!.time.toISOString()).toBe('2025-06-01T12:00:00.000Z');
    sandbox.resetRequestLog();
    expect(sandbox.requests).toHaveLength(0);
  });
});

describe('athenahealth sandbox: collectpayment Decisions', () => {
  beforeEach(() => start());

  it('approves 4111111111111111: success "true", epaymentid, a negative PAYMENT on the claim, a lower balance, a receipt', async () => {
    const t = await token();
    const res = await collect(
      P.selfGuarantor,
      { departmentid: D.northAnnex, ...card(), claimpayment: JSON.stringify([{ [C.cleanInGroup]: '15.00' }]) },
      pid(),
      t,
    );
    expect(res.status).toBe(200);
    expect(res.json.success).toBe('true');
    expect(typeof res.json.epaymentid).toBe('number');
    const after = await get(`/v1/${pid()}/patients/${P.selfGuarantor}?showbalancedetails=true`, t);
    const claim = findClaim(after.json, C.cleanInGroup);
    expect(claim.patientbalance).toBe(25);
    const txs = claim.chargeleveldetail.flatMap((c: Json) => c.transactions);
    const payment = txs.find((x: Json) => String(x.epaymentid) === String(res.json.epaymentid));
    expect(payment).toMatchObject({ type: 'PAYMENT', transfertype: 'p', date: '06/01/2025' });
    expect(Number(payment.amount)).toBe(-15);
    const receipts = await get(`/v1/${pid()}/patients/${P.selfGuarantor}/receipts?departmentid=${D.northAnnex}`, t);
    expect(receipts.json.receipts).toEqual([
      expect.objectContaining({
        epaymentid: res.json.epaymentid,
        amount: '15.00',
        type: 'PURCHASE',
        cardnumberlast4digits: '1111',
      }),
    ]);
  });

  it('declines 4000000000000002 with HTTP 200 success "false" "Card declined", changing nothing', async () => {
    const t = await token();
    const res = await collect(
      P.selfGuarantor,
      { departmentid: D.northAnnex, ...card(ATHENA_SEED_CARDS.declines), otheramount: '10.00' },
      pid(),
      t,
    );
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: 'false', errortext: 'Card declined' });
    const after = await get(`/v1/${pid()}/patients/${P.selfGuarantor}?showbalancedetails=true`, t);
    expect(after.json[0].balances[0].balance).toBe('130'); // 40 + 60 + 30 in the North group
  });

  it('refuses a duplicate (patient, total, card) within 24 h unless allowduplicatepayments=true', async () => {
    const t = await token();
    const fields = { departmentid: D.northAnnex, ...card(), otheramount: '10.00' };
    expect((await collect(P.selfGuarantor, fields, pid(), t)).json.success).toBe('true');
    expect((await collect(P.selfGuarantor, fields, pid(), t)).json).toEqual({ success: 'false', errortext: 'Duplicate payment' });
    // the total counts, not the split: copay 4 + other 6 is still 10
    const split = { departmentid: D.northAnnex, ...card(), copayamount: '4.00', appointmentid: A.selfCopay, otheramount: '6.00' };
    expect((await collect(P.selfGuarantor, split, pid(), t)).json.errortext).toBe('Duplicate payment');
    // another total, another patient: not duplicates
    expect((await collect(P.selfGuarantor, { ...fields, otheramount: '11.00' }, pid(), t)).json.success).toBe('true');
    expect((await collect(P.withGuarantor, { ...fields, departmentid: D.southClinic }, pid(), t)).json.success).toBe('true');
    // allowed explicitly
    const allowed = await collect(P.selfGuarantor, { ...fields, allowduplicatepayments: 'true' }, pid(), t);
    expect(allowed.json.success).toBe('true');
    expect((await collect(P.selfGuarantor, { ...fields, allowduplicatepayments: 'false' }, pid(), t)).json.errortext).toBe(
      'Duplicate payment',
    );
    // after 24 hours it is a new payment
    at('2025-06-02T12:00:01Z');
    const t2 = await token();
    expect((await collect(P.selfGuarantor, fields, pid(), t2)).json.success).toBe('true');
  });

  it('counts only successful payments towards duplicates', async () => {
    const t = await token();
    const declined = await collect(
      P.selfGuarantor,
      { departmentid: D.northAnnex, ...card(ATHENA_SEED_CARDS.declines), otheramount: '7.00' },
      pid(),
      t,
    );
    expect(declined.json.errortext).toBe('Card declined');
    const again = await collect(
      P.selfGuarantor,
      { departmentid: D.northAnnex, ...card(ATHENA_SEED_CARDS.declines), otheramount: '7.00' },
      pid(),
      t,
    );
    expect(again.json.errortext).toBe('Card declined'); // not "Duplicate payment"
    const approved = await collect(P.selfGuarantor, { departmentid: D.northAnnex, ...card(), otheramount: '7.00' }, pid(), t);
    expect(approved.json.success).toBe('true');
  });

  it('answers 400 "Claim N is not eligible for payment." for a not-clean, other-group, unknown or above-balance claim', async () => {
    const t = await token();
    const cases: Array<[string, string]> = [
      [C.paymentPlan, '10.00'],
      [C.contract, '10.00'],
      [C.cleanOtherGroup, '10.00'],
      [C.cleanInGroup, '40.01'],
      ['1999', '1.00'],
    ];
    for (const [claimId, amount] of cases) {
      const res = await collect(
        P.selfGuarantor,
        { departmentid: D.northAnnex, ...card(), claimpayment: JSON.stringify([{ [claimId]: amount }]) },
        pid(),
        t,
      );
      expect(res.status, claimId).toBe(400);
      expect(res.json).toEqual({ error: `Claim ${claimId} is not eligible for payment.` });
    }
    // the id in the message is the offending claim's, even after an eligible one
    const mixed = await collect(
      P.selfGuarantor,
      {
        departmentid: D.northAnnex,
        ...card(),
        claimpayment: JSON.stringify([{ [C.cleanInGroup]: '5.00' }, { [C.cleanOtherGroup]: '5.00' }]),
      },
      pid(),
      t,
    );
    expect(mixed.json.error).toBe(`Claim ${C.cleanOtherGroup} is not eligible for payment.`);
    // exactly the balance is fine
    const exact = await collect(
      P.selfGuarantor,
      { departmentid: D.northAnnex, ...card(), claimpayment: JSON.stringify([{ [C.cleanInGroup]: '40.00' }]) },
      pid(),
      t,
    );
    expect(exact.json.success).toBe('true');
  });

  it('scopes eligibility to the patient’s current department group (enterprise) and to clean claims only (non-enterprise)', async () => {
    const t = await token();
    const southOk = await collect(
      P.withGuarantor,
      { departmentid: D.southClinic, ...card(), claimpayment: JSON.stringify([{ [C.dependentInGroup]: '5.00' }]) },
      pid(),
      t,
    );
    expect(southOk.json.success).toBe('true');
    const northNo = await collect(
      P.withGuarantor,
      { departmentid: D.southClinic, ...card(), claimpayment: JSON.stringify([{ [C.dependentOtherGroup]: '5.00' }]) },
      pid(),
      t,
    );
    expect(northNo.json.error).toBe(`Claim ${C.dependentOtherGroup} is not eligible for payment.`);
    // non-enterprise: a clean claim in another department is eligible, a payment-plan claim is not
    const anyDept = await collect(
      P.singleSelf,
      {
        departmentid: D.singleSatellite,
        ...card(),
        claimpayment: JSON.stringify([{ [C.singleCleanA]: '50.00' }, { [C.singleCleanB]: '12.34' }]),
      },
      single(),
      t,
    );
    expect(anyDept.json.success).toBe('true');
    const plan = await collect(
      P.singleSelf,
      { departmentid: D.singleSatellite, ...card(), claimpayment: JSON.stringify([{ [C.singlePaymentPlan]: '1.00' }]) },
      single(),
      t,
    );
    expect(plan.json.error).toBe(`Claim ${C.singlePaymentPlan} is not eligible for payment.`);
  });

  it('requires at least one positive amount (400)', async () => {
    const t = await token();
    const none = await collect(P.selfGuarantor, { departmentid: D.northAnnex, ...card() }, pid(), t);
    expect(none.status).toBe(400);
    const zeros = await collect(
      P.selfGuarantor,
      { departmentid: D.northAnnex, ...card(), otheramount: '0.00', copayamount: '0', claimpayment: '[]' },
      pid(),
      t,
    );
    expect(zeros.status).toBe(400);
    expect(typeof zeros.json.error).toBe('string');
  });

  it('requires departmentid and an appointment for a copay; credits copay and other amounts to the appointment', async () => {
    const t = await token();
    const noDept = await collect(P.selfGuarantor, { ...card(), otheramount: '1.00' }, pid(), t);
    expect(noDept.status).toBe(400);
    const noAppt = await collect(P.selfGuarantor, { departmentid: D.northAnnex, ...card(), copayamount: '30.00' }, pid(), t);
    expect(noAppt.status).toBe(400);
    const ok = await collect(
      P.selfGuarantor,
      { departmentid: D.northAnnex, ...card(), copayamount: '30.00', appointmentid: A.selfCopay, otheramount: '2.50' },
      pid(),
      t,
    );
    expect(ok.json.success).toBe('true');
    const appt = await get(`/v1/${pid()}/appointments/${A.selfCopay}?showcopay=true`, t);
    expect(appt.json[0].appointmentcopay).toMatchObject({ collectedforappointment: '30', collectedforother: 2.5 });
  });

  it('puts otheramount in the unapplied bucket: the first balances[] entry drops, claims do not', async () => {
    const t = await token();
    const before = await get(`/v1/${pid()}/patients/${P.selfGuarantor}?showbalancedetails=true`, t);
    expect(before.json[0].balances.map((b: Json) => b.balance)).toEqual(['130', '25']);
    expect(
      (await collect(P.selfGuarantor, { departmentid: D.northAnnex, ...card(), otheramount: '20.00' }, pid(), t)).json.success,
    ).toBe('true');
    const after = await get(`/v1/${pid()}/patients/${P.selfGuarantor}?showbalancedetails=true`, t);
    expect(after.json[0].balances.map((b: Json) => b.balance)).toEqual(['110', '25']);
    expect(findClaim(after.json, C.cleanInGroup).patientbalance).toBe(40);
  });

  it('declines an expired card and rejects a non-form body', async () => {
    const t = await token();
    const expired = await collect(
      P.selfGuarantor,
      { departmentid: D.northAnnex, ...card(), expirationyearyyyy: '2024', otheramount: '1.00' },
      pid(),
      t,
    );
    expect(expired.json).toEqual({ success: 'false', errortext: 'Card expired' });
    const json = await fetch(`${sandbox.url}/v1/${pid()}/patients/${P.selfGuarantor}/collectpayment`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ departmentid: D.northAnnex, ...card(), otheramount: '1.00' }),
    });
    expect(json.status).toBe(400);
  });

  it('answers 404 for an unknown patient and never logs bodies', async () => {
    const t = await token();
    const res = await collect(P.unknown, { departmentid: D.northAnnex, ...card(), otheramount: '1.00' }, pid(), t);
    expect(res.status).toBe(404);
    expect(res.json.error).toBe(ATHENA_PATIENT_NOT_FOUND);
    expect(JSON.stringify(sandbox.requests)).not.toContain(ATHENA_SEED_CARDS.approves);
  });
});

describe('athenahealth sandbox: faults', () => {
  beforeEach(() => start());

  it('answers the next N matching requests with the fault, per path and method', async () => {
    const t = await token();
    sandbox.faults.add({ path: '/departments', kind: '500', times: 2 });
    expect((await get(`/v1/${pid()}/departments`, t)).status).toBe(500);
    expect((await get(`/v1/${pid()}/patients/${P.selfGuarantor}`, t)).status).toBe(200); // other path untouched
    expect((await get(`/v1/${pid()}/departments`, t)).status).toBe(500);
    expect((await get(`/v1/${pid()}/departments`, t)).status).toBe(200);
    sandbox.faults.add({ path: '/departments', method: 'POST', kind: '500' });
    expect((await get(`/v1/${pid()}/departments`, t)).status).toBe(200);
    sandbox.faults.clear();
    expect(sandbox.faults.list()).toHaveLength(0);
  });

  it('sends 429 with Retry-After, 502 as HTML, malformed JSON, 401', async () => {
    const t = await token();
    sandbox.faults.add({ path: /\/patients\/\d+$/, kind: '429', retryAfterSeconds: 3 });
    const limited = await get(`/v1/${pid()}/patients/${P.selfGuarantor}`, t);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    sandbox.faults.add({ kind: '502' });
    const html = await get(`/v1/${pid()}/departments`, t);
    expect(html.status).toBe(502);
    expect(html.json).toBeNull();
    sandbox.faults.add({ kind: 'malformed' });
    const bad = await get(`/v1/${pid()}/departments`, t);
    expect(bad.status).toBe(200);
    expect(bad.json).toBeNull();
    sandbox.faults.add({ kind: '401' });
    expect((await get(`/v1/${pid()}/departments`, t)).status).toBe(401);
  });

  it('applies a seeded probability deterministically', async () => {
    const t = await token();
    const run = async () => {
      sandbox.faults.clear();
      sandbox.faults.add({ path: '/departments', kind: '503', probability: 0.5, seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await get(`/v1/${pid()}/departments`, t)).status);
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toContain(503);
    expect(first).toContain(200);
  });

  it('adds latency and then answers normally', async () => {
    const t = await token();
    sandbox.faults.add({ path: '/departments', kind: 'latency', latencyMs: 120 });
    const started = performance.now();
    const res = await get(`/v1/${pid()}/departments`, t);
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });
});
