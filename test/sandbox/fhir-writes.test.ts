import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FhirSandbox, GENERIC_SEED, ORACLE_EXTENSION_BASE, ORACLE_SEED, startFhirSandbox } from '../../src/sandbox/fhir';
import { call, matches, token } from './fhir-client';

let fhir: FhirSandbox;
let oracle: string;
let generic: string;

beforeAll(async () => {
  fhir = await startFhirSandbox();
  oracle = await token(fhir, 'oracle-health');
  generic = await token(fhir, 'generic');
});
afterAll(async () => {
  await fhir.close();
});
afterEach(() => {
  fhir.faults.clear();
});

const ext = (name: string, value: Record<string, unknown>) => ({
  url: `${ORACLE_EXTENSION_BASE}financial-transaction-${name}`,
  ...value,
});
const usd = (value: number | string, currency = 'USD') => ({ valueMoney: { value, currency } });
let serial = 0;

/** A valid FT: a cash payment of `amount` on an encounter, then `change` applied to the resource. */
function ft(change: (body: any) => void = () => {}, amount = 25, target = 'Encounter/97953536'): any {
  const body: any = {
    resourceType: 'Basic',
    code: { coding: [{ code: 'FinancialTransaction' }] },
    identifier: [{ use: 'usual', value: `TX${Date.now()}${serial++}` }],
    extension: [
      ext('type', {
        valueCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/payment-type', code: 'payment' }] },
      }),
      ext('alias', { valueString: ORACLE_SEED.aliases.payment }),
      ext('amount', usd(amount)),
      ext('allocation', {
        extension: [
          { url: 'target', valueReference: { reference: target } },
          { url: 'amount', ...usd(amount) },
        ],
      }),
      ext('method', {
        valueCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0570', code: 'CASH' }] },
      }),
      ext('tendered-amount', usd(amount + 5)),
    ],
  };
  change(body);
  return body;
}
const setExt = (body: any, name: string, value: Record<string, unknown> | null) => {
  body.extension = body.extension.filter((e: any) => e.url !== `${ORACLE_EXTENSION_BASE}financial-transaction-${name}`);
  if (value) body.extension.push(ext(name, value));
};
const balance = (id: string) =>
  (fhir.resource('oracle-health', 'Account', id)?.['extension'] as any[] | undefined)?.[0].valueMoney.value;
const postFt = (body: unknown, bearer = oracle) => call(fhir, 'oracle-health', bearer, '/Basic', { method: 'POST', body });

describe('oracle FinancialTransaction', () => {
  it('answers 201 with an empty body and Location, moves the balance, and has no read-back', async () => {
    const before = balance('G2572738');
    const res = await postFt(ft());
    expect(res.status).toBe(201);
    expect(res.body).toBeNull();
    expect(res.headers.get('location')).toMatch(new RegExp(`^${fhir.mounts['oracle-health']}/Basic/FT-PL-[0-9]+$`));
    expect(res.headers.get('etag')).toBe('W/"0"');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect([before, balance('G2572738')]).toEqual(['125.00', '100.00']);
    const id = (res.headers.get('location') as string).split('/').pop();
    expect((await call(fhir, 'oracle-health', oracle, `/Basic/${id}`)).status).toBe(404);
    expect(fhir.financialTransactions.at(-1)).toMatchObject({
      id,
      type: 'payment',
      amountCents: 2500,
      balanceAccountId: 'G2572738',
    });
  });

  it('adjusts by alias: a debit alias raises, a credit alias lowers, the guarantor-balance account named', async () => {
    const adjustment = (alias: string, amount: number) =>
      ft(
        (b) => {
          setExt(b, 'type', {
            valueCodeableConcept: {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/payment-type', code: 'adjustment' }],
            },
          });
          setExt(b, 'alias', { valueString: alias });
          setExt(b, 'method', null);
          setExt(b, 'tendered-amount', null);
        },
        amount,
        'Account/G2572739',
      );
    const debit = await postFt(adjustment(ORACLE_SEED.aliases.debitAdjustment, 10));
    expect(debit.headers.get('location')).toMatch(/\/Basic\/FT-AL-[0-9]+$/);
    expect(balance('G2572739')).toBe('5.00');
    await postFt(adjustment(ORACLE_SEED.aliases.creditAdjustment, 7.5));
    expect(balance('G2572739')).toBe('-2.50');
  });

  it('takes card and check payments with their fields', async () => {
    const card = ft((b) => {
      setExt(b, 'method', { valueCodeableConcept: { coding: [{ code: 'CCCA' }] } });
      setExt(b, 'tendered-amount', null);
      setExt(b, 'card-brand', { valueString: 'visa' });
      setExt(b, 'account-number', { valueString: '4242' });
      setExt(b, 'date', { valueString: '2029-04' });
    }, 10);
    expect((await postFt(card)).status).toBe(201);
    const check = ft((b) => {
      setExt(b, 'method', { valueCodeableConcept: { coding: [{ code: 'CHCK' }] } });
      setExt(b, 'tendered-amount', null);
      setExt(b, 'account-number', { valueString: '10442' });
      setExt(b, 'date', { valueString: '2026-01-15' });
    }, 10);
    expect((await postFt(check)).status).toBe(201);
  });

  it('answers 422 naming each broken rule, and changes nothing', async () => {
    const used = ft();
    expect((await postFt(used)).status).toBe(201);
    const before = balance('G2572738');
    const card = (b: any) => {
      setExt(b, 'method', { valueCodeableConcept: { coding: [{ code: 'CCCA' }] } });
      setExt(b, 'card-brand', { valueString: 'VISA' });
      setExt(b, 'account-number', { valueString: '4242' });
      setExt(b, 'date', { valueString: '2029-04' });
    };
    const cases: Array<[string, (b: any) => void, string, RegExp]> = [
      ['extra field', (b) => (b.text = { status: 'generated' }), 'business-rule', /field text/],
      ['modifierExtension', (b) => (b.modifierExtension = []), 'extension', /modifierExtension/],
      ['implicitRules', (b) => (b.implicitRules = 'x'), 'not-supported', /implicitRules/],
      [
        'unknown extension',
        (b) => b.extension.push({ url: 'https://example.org/x', valueString: 'y' }),
        'extension',
        /unknown extension url/,
      ],
      ['code', (b) => (b.code.coding[0].code = 'Payment'), 'business-rule', /FinancialTransaction/],
      ['identifier', (b) => (b.identifier[0].value = 'TX-1'), 'required', /identifier/],
      ['duplicate', (b) => (b.identifier = used.identifier), 'duplicate', /already used/],
      [
        'type',
        (b) => setExt(b, 'type', { valueCodeableConcept: { coding: [{ code: 'refund' }] } }),
        'business-rule',
        /financial-transaction-type/,
      ],
      ['alias unknown', (b) => setExt(b, 'alias', { valueString: '9999' }), 'business-rule', /alias 9999/],
      ['alias of the other type', (b) => setExt(b, 'alias', { valueString: '3100' }), 'business-rule', /adjustment alias/],
      ['amount 0', (b) => setExt(b, 'amount', usd(0)), 'business-rule', /greater than 0/],
      ['currency', (b) => setExt(b, 'amount', usd(25, 'EUR')), 'business-rule', /USD/],
      ['amount vs allocation', (b) => setExt(b, 'amount', usd(24)), 'business-rule', /allocation amount/],
      ['two allocations', (b) => b.extension.push(b.extension[3]), 'business-rule', /exactly one/],
      [
        'target',
        (b) => (b.extension[3].extension[0].valueReference.reference = 'Account/F1131724'),
        'business-rule',
        /existing Encounter or guarantor-balance/,
      ],
      ['no method', (b) => setExt(b, 'method', null), 'business-rule', /financial-transaction-method/],
      ['tendered', (b) => setExt(b, 'tendered-amount', usd(20)), 'business-rule', /tendered-amount 20.00 is less/],
      [
        'brand',
        (b) => {
          card(b);
          setExt(b, 'card-brand', { valueString: 'DINERS' });
        },
        'business-rule',
        /card-brand/,
      ],
      [
        'account number',
        (b) => {
          card(b);
          setExt(b, 'account-number', { valueString: '42a2' });
        },
        'business-rule',
        /account-number/,
      ],
      [
        'card date',
        (b) => {
          card(b);
          setExt(b, 'date', null);
        },
        'business-rule',
        /YYYY-MM/,
      ],
    ];
    for (const [label, change, code, diagnostics] of cases) {
      const res = await postFt(ft(change));
      expect([label, res.status, res.body.issue[0].code]).toEqual([label, 422, code]);
      expect(res.body.issue[0].diagnostics).toMatch(diagnostics);
    }
    expect(balance('G2572738')).toBe(before);
  });

  it('needs both write scopes (403), and the fail-next knob answers its status once', async () => {
    const basicOnly = await token(fhir, 'oracle-health', 'system/Basic.write');
    expect((await postFt(ft(), basicOnly)).status).toBe(403);
    const knob = await fetch(`${fhir.url}/_sandbox/ft/fail-next`, {
      method: 'POST',
      body: JSON.stringify({ status: 422, code: 'business-rule', diagnostics: 'Encounter is closed for billing' }),
    });
    expect(knob.status).toBe(200);
    const failed = await postFt(ft());
    expect([failed.status, failed.body.issue[0].diagnostics]).toEqual([422, 'Encounter is closed for billing']);
    expect((await postFt(ft())).status).toBe(201);
  });
});

const { alvarez } = GENERIC_SEED;
function pr(txId: string, change: (body: any) => void = () => {}): any {
  const body: any = {
    resourceType: 'PaymentReconciliation',
    meta: { tag: [{ system: 'urn:ledger-gateway:patient', code: alvarez.patientId }] },
    identifier: [{ system: 'urn:ledger-gateway:transaction-id', value: txId }],
    status: 'active',
    created: '2026-01-10T10:00:00Z',
    paymentDate: '2026-01-10',
    outcome: 'complete',
    paymentAmount: { value: 40, currency: 'USD' },
    detail: [
      {
        identifier: { system: 'urn:ledger-gateway:transaction-id', value: `${txId}-1` },
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/payment-type', code: 'payment' }], text: 'Cash' },
        request: { reference: 'ChargeItem/ch-alv-3' },
        date: '2026-01-10',
        amount: { value: 45, currency: 'USD' },
      },
      {
        identifier: { system: 'urn:ledger-gateway:transaction-id', value: `${txId}-2` },
        type: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/payment-type', code: 'adjustment' }],
          text: 'Courtesy Discount',
        },
        request: { reference: `Account/${alvarez.accountId}` },
        date: '2026-01-10',
        amount: { value: -5, currency: 'USD' },
      },
    ],
  };
  change(body);
  return body;
}
const postPr = (body: unknown, txId?: string) =>
  call(fhir, 'generic', generic, '/PaymentReconciliation', {
    method: 'POST',
    body,
    headers: {
      Prefer: 'return=representation',
      ...(txId ? { 'If-None-Exist': `identifier=urn:ledger-gateway:transaction-id|${txId}` } : {}),
    },
  });

describe('generic PaymentReconciliation', () => {
  it('creates once under If-None-Exist: 201 then 200 with the same resource', async () => {
    const first = await postPr(pr('gtx1'), 'gtx1');
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe(`${fhir.mounts.generic}/PaymentReconciliation/${first.body.id}/_history/1`);
    const again = await postPr(pr('gtx1'), 'gtx1');
    expect([again.status, again.body.id]).toEqual([200, first.body.id]);
    const found = await call(
      fhir,
      'generic',
      generic,
      '/PaymentReconciliation?identifier=urn:ledger-gateway:transaction-id|gtx1',
    );
    expect(matches(found.body)).toHaveLength(1);
    const tagged = await call(
      fhir,
      'generic',
      generic,
      `/PaymentReconciliation?_tag=urn:ledger-gateway:patient|${alvarez.patientId}`,
    );
    expect(matches(tagged.body).map((p) => p.id)).toEqual(['pr-1', 'pr-2', first.body.id]);
    const duplicate = await postPr(pr('gtx1'));
    expect([duplicate.status, duplicate.body.issue[0].code]).toEqual([422, 'duplicate']);
  });

  it('answers 422 business-rule naming each broken rule, and stores nothing', async () => {
    const before = fhir.resources('generic', 'PaymentReconciliation').length;
    const cases: Array<[string, (b: any) => void, RegExp]> = [
      ['status', (b) => delete b.status, /status is required/],
      ['created', (b) => delete b.created, /created is required/],
      ['paymentDate', (b) => delete b.paymentDate, /paymentDate is required/],
      ['paymentAmount', (b) => delete b.paymentAmount, /paymentAmount is required/],
      ['detail.type', (b) => delete b.detail[0].type, /detail\[0\]\.type is required/],
      ['sum', (b) => (b.paymentAmount.value = 45), /must equal the sum/],
      ['request', (b) => (b.detail[0].request.reference = 'ChargeItem/ch-oka-1'), /detail\[0\]\.request/],
      ['type name', (b) => (b.detail[1].type.text = 'Goodwill'), /detail\[1\]\.type\.text/],
    ];
    for (const [label, change, diagnostics] of cases) {
      const res = await postPr(pr(`bad${label.length}${serial++}`, change));
      expect([label, res.status, res.body.issue[0].code]).toEqual([label, 422, 'business-rule']);
      expect(res.body.issue[0].diagnostics).toMatch(diagnostics);
    }
    expect(fhir.resources('generic', 'PaymentReconciliation')).toHaveLength(before);
  });
});

describe('knobs and faults', () => {
  it('injects a 429 with Retry-After and a 503 through /_sandbox/faults, logging each request', async () => {
    // Every matching rule counts a hit on each request, so the second fault is added after the first fired.
    const addFault = (rule: unknown) => fetch(`${fhir.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(rule) });
    expect((await addFault({ path: '/generic/fhir/Coverage', status: 429, retryAfterSeconds: 3, times: 1 })).status).toBe(201);
    fhir.resetRequestLog();
    const path = `/Coverage?patient=${alvarez.patientId}`;
    const limited = await call(fhir, 'generic', generic, path);
    expect([limited.status, limited.headers.get('retry-after'), limited.body.issue[0].code]).toEqual([429, '3', 'throttled']);
    await addFault({ path: '/generic/fhir/Coverage', status: 503, times: 1 });
    expect((await call(fhir, 'generic', generic, path)).status).toBe(503);
    expect((await call(fhir, 'generic', generic, path)).status).toBe(200);
    expect(fhir.requests.map((r) => [r.profile, r.status])).toEqual([
      ['generic', 429],
      ['generic', 503],
      ['generic', 200],
    ]);
    const logged = (await (await fetch(`${fhir.url}/_sandbox/requests`)).json()) as any[];
    expect(logged).toHaveLength(3);
  });

  it('expires tokens through /_sandbox/tokens/expire and forces a page size', async () => {
    const bearer = await token(fhir, 'generic');
    await fetch(`${fhir.url}/_sandbox/tokens/expire`, { method: 'POST' });
    expect((await call(fhir, 'generic', bearer, `/Patient/${alvarez.patientId}`)).status).toBe(401);
    generic = await token(fhir, 'generic');
    await fetch(`${fhir.url}/_sandbox/page-size`, { method: 'POST', body: JSON.stringify({ n: 2 }) });
    const page = await call(fhir, 'generic', generic, `/ChargeItem?patient=${alvarez.patientId}&_count=100`);
    expect(matches(page.body)).toHaveLength(2);
    await fetch(`${fhir.url}/_sandbox/page-size`, { method: 'POST', body: JSON.stringify({ n: null }) });
    const bad = await fetch(`${fhir.url}/_sandbox/page-size`, { method: 'POST', body: JSON.stringify({ n: 0 }) });
    expect(bad.status).toBe(400);
  });
});
