/**
 * The FHIR adapter's pure parts: money parsing, the allowed-search list (against the spec's table),
 * the SMART client assertion, OperationOutcome mapping, claim/EOB mapping and the write bodies.
 */
import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { isAllowedSearch } from '../../../src/adapters/ledger/fhir/allowed-searches';
import {
  signClientAssertion,
  tokenEndpointFromMetadata,
  tokenForm,
  tokenReuseUntil,
} from '../../../src/adapters/ledger/fhir/auth';
import { endpointOf } from '../../../src/adapters/ledger/fhir/client';
import { fhirConnectionSchema } from '../../../src/adapters/ledger/fhir/connection';
import { mapEob, mapGenericClaims } from '../../../src/adapters/ledger/fhir/mapping-claims';
import { decimalToCents, MoneyParseError, moneyToCents } from '../../../src/adapters/ledger/fhir/money';
import { classifyStatus, outcomeOf } from '../../../src/adapters/ledger/fhir/outcome';
import { epicUrls, eobSince } from '../../../src/adapters/ledger/fhir/reads-epic';
import { genericUrls, reconciliationRows } from '../../../src/adapters/ledger/fhir/reads-generic';
import { oracleUrls } from '../../../src/adapters/ledger/fhir/reads-oracle';
import { claimResponseSchema, claimSchema, chargeItemSchema, eobSchema } from '../../../src/adapters/ledger/fhir/resources';
import { serializeFhir } from '../../../src/adapters/ledger/fhir/write-body';
import { paymentReconciliationBody } from '../../../src/adapters/ledger/fhir/writes-generic';
import { financialTransactionBody, ftIdentifier, ftTarget, ftType } from '../../../src/adapters/ledger/fhir/writes-oracle';
import type { OutgoingLedgerWrite } from '../../../src/adapters/ledger/port';

describe('money', () => {
  it('converts numbers and strings to exact cents', () => {
    expect(moneyToCents({ value: 180, currency: 'USD' })).toBe(18000);
    expect(moneyToCents({ value: '1250.00', currency: 'USD' })).toBe(125000);
    expect(moneyToCents({ value: '-5.00', currency: 'USD' })).toBe(-500);
    expect(moneyToCents({ value: 0.29 })).toBe(29);
    expect(decimalToCents('1.500')).toBe(150);
    expect(decimalToCents(96)).toBe(9600);
  });
  it('refuses more than two decimals and other currencies', () => {
    expect(() => moneyToCents({ value: 1.005, currency: 'USD' })).toThrow(MoneyParseError);
    expect(() => moneyToCents({ value: '12.345', currency: 'USD' })).toThrow(/at most 2 decimals/);
    expect(() => moneyToCents({ value: 10, currency: 'EUR' })).toThrow(/expected currency USD, got "EUR"/);
    expect(() => moneyToCents({ value: 'abc' })).toThrow(/expected a decimal amount/);
  });
  it('writes money with two decimals in the JSON text', () => {
    const body = paymentReconciliationBody({
      write: write({ kind: 'PAYMENT', amount: -2000 }),
      typeName: 'Cash',
      accountId: 'acct-1',
    });
    const text = serializeFhir(body);
    expect(text).toContain('"paymentAmount":{"value":20.00,"currency":"USD"}');
    expect(JSON.parse(text).paymentAmount.value).toBe(20);
  });
});

describe('allowed searches (the spec tables)', () => {
  it('accepts exactly what each profile lists, as the adapter builds it', () => {
    const oracle = [
      oracleUrls.patient('12724066'),
      oracleUrls.relatedPersons('12724066'),
      oracleUrls.financialAccounts('12724066-12724066'),
      oracleUrls.encounters('12724066'),
      oracleUrls.guarantorBalances('97953536'),
      oracleUrls.chargeItems('97953536'),
      'Account?_id=G2572738',
      'ChargeItem?_id=321088041',
      'ChargeItem?account=C1&-status=billable',
      'Coverage?patient=12724066',
      'Encounter?patient=1&_count=100&status=finished',
    ];
    for (const url of oracle) expect([url, isAllowedSearch('oracle-health', 'GET', url)]).toEqual([url, true]);
    expect(isAllowedSearch('oracle-health', 'POST', 'Basic')).toBe(true);
    const generic = [
      genericUrls.patient('p1'),
      'RelatedPerson/rp-1',
      genericUrls.accounts('p1'),
      genericUrls.charges('p1'),
      genericUrls.claims('p1'),
      genericUrls.reconciliations('p1'),
      genericUrls.byTransaction('LG:1'),
      'Coverage?patient=p1',
      'Patient?_count=20',
    ];
    for (const url of generic) expect([url, isAllowedSearch('generic', 'GET', url)]).toEqual([url, true]);
    expect(isAllowedSearch('generic', 'POST', '')).toBe(true);
    expect(isAllowedSearch('generic', 'POST', 'PaymentReconciliation')).toBe(true);
    for (const url of [epicUrls.patient('e1'), epicUrls.eobs('e1', '2024-11-30'), 'Coverage?patient=e1']) {
      expect([url, isAllowedSearch('epic', 'GET', url)]).toEqual([url, true]);
    }
  });
  it('refuses every other combination', () => {
    const refused: Array<[Parameters<typeof isAllowedSearch>[0], 'GET' | 'POST', string]> = [
      ['oracle-health', 'GET', 'Encounter?patient=1'], // _count missing
      ['oracle-health', 'GET', 'Encounter?patient=1&_count=100&_include=Encounter:account'],
      ['oracle-health', 'GET', 'Account?patient=1'],
      ['oracle-health', 'GET', 'Account?-encounter=1&type=guarantor-balance&_count=100'],
      ['oracle-health', 'GET', 'Account?_id=G1&type=guarantor-balance'],
      ['oracle-health', 'GET', 'ChargeItem?context=1&-status=billed&_count=100'],
      ['oracle-health', 'GET', 'ChargeItem?patient=1&_count=100'],
      ['oracle-health', 'GET', 'Coverage?_id=1-2-3'],
      ['oracle-health', 'GET', 'Claim?patient=1'],
      ['oracle-health', 'GET', 'RelatedPerson?patient=1'],
      ['oracle-health', 'GET', 'RelatedPerson/1-1'],
      ['oracle-health', 'POST', ''],
      ['epic', 'POST', ''],
      ['epic', 'POST', 'PaymentReconciliation'],
      ['epic', 'GET', 'ExplanationOfBenefit?patient=e1'],
      ['epic', 'GET', 'Account?_id=a'],
      ['epic', 'GET', 'Coverage?patient=e1&_include=Coverage:payor'],
      ['generic', 'GET', 'Claim?patient=p1&_count=100'],
      ['generic', 'GET', 'Claim?patient=p1&_revinclude=Provenance:target&_count=100'],
      ['generic', 'GET', 'Account?patient=p1'],
      ['generic', 'GET', 'ChargeItem?patient=p1&patient=p2&_count=100'],
      ['generic', 'POST', 'Basic'],
    ];
    for (const [profile, method, url] of refused)
      expect([profile, url, isAllowedSearch(profile, method, url)]).toEqual([profile, url, false]);
  });
  it('names endpoints without ids or values', () => {
    expect(endpointOf('Patient/12724066')).toBe('/Patient/{id}');
    expect(endpointOf('ChargeItem?context=1&-status=billable&_count=100')).toBe('/ChargeItem?context&-status&_count');
  });
});

describe('SMART backend services', () => {
  it('signs an RS384 assertion with the claims SMART asks for', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS384', { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const tokenUrl = 'https://auth.example/token';
    const jwt = await signClientAssertion({ clientId: 'c1', keyId: 'k1', privateKeyPem: pem, tokenUrl, now: 1_800_000_000 });
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'RS384', typ: 'JWT', kid: 'k1' });
    const verified = await jwtVerify(jwt, await importSPKI(await exportSPKI(publicKey), 'RS384'), {
      audience: tokenUrl,
      issuer: 'c1',
      subject: 'c1',
      currentDate: new Date(1_800_000_100_000),
    });
    expect(verified.payload.exp! - verified.payload.iat!).toBe(300);
    expect(verified.payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });
  it('builds the form and the reuse window', () => {
    const form = new URLSearchParams(tokenForm({ scopes: ['system/Patient.read', 'system/Coverage.read'], assertion: 'J' }));
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      scope: 'system/Patient.read system/Coverage.read',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: 'J',
    });
    expect(new URLSearchParams(tokenForm({ scopes: ['a'], assertion: null })).has('client_assertion')).toBe(false);
    expect(tokenReuseUntil(1000, 300)).toBe(1000 + 240_000);
  });
  it('finds the token URL in the CapabilityStatement when discovery is absent', () => {
    const meta = {
      rest: [
        {
          security: {
            extension: [
              {
                url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
                extension: [{ url: 'token', valueUri: 'https://auth.example/t' }],
              },
            ],
          },
        },
      ],
    };
    expect(tokenEndpointFromMetadata(meta)).toBe('https://auth.example/t');
  });
});

describe('OperationOutcome', () => {
  it('takes the error issue and maps statuses', () => {
    const body = JSON.stringify({
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'warning', code: 'informational', diagnostics: 'note' },
        { severity: 'error', code: 'business-rule', diagnostics: 'alias 9999 is unknown' },
      ],
    });
    expect(outcomeOf(body)).toEqual({ severity: 'error', code: 'business-rule', diagnostics: 'alias 9999 is unknown' });
    expect(outcomeOf('')).toBeNull();
    expect(classifyStatus(400)).toEqual({ code: 'UPSTREAM_REJECTED', ourBug: true });
    expect(classifyStatus(403).code).toBe('UPSTREAM_REJECTED');
    expect(classifyStatus(409).code).toBe('UPSTREAM_REJECTED');
    expect(classifyStatus(404).code).toBe('NOT_FOUND');
    expect(classifyStatus(500).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(classifyStatus(429).code).toBe('UPSTREAM_UNAVAILABLE');
  });
});

const adj = (code: string, value: number) => ({
  category: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adjudication', code }] },
  amount: { value, currency: 'USD' },
});

describe('claims mapping', () => {
  it('matches charges to claim items and pays out from the ClaimResponse', () => {
    const charge = chargeItemSchema.parse({
      resourceType: 'ChargeItem',
      id: 'ci-1',
      status: 'billable',
      code: { coding: [{ code: '99213' }] },
      context: { reference: 'Encounter/e1' },
      priceOverride: { value: 180, currency: 'USD' },
    });
    const claim = claimSchema.parse({
      resourceType: 'Claim',
      id: 'cl-1',
      status: 'active',
      item: [
        {
          sequence: 1,
          encounter: [{ reference: 'Encounter/e1' }],
          productOrService: { coding: [{ code: '99213' }] },
          net: { value: 180 },
        },
      ],
    });
    const response = claimResponseSchema.parse({
      resourceType: 'ClaimResponse',
      id: 'cr-1',
      request: { reference: 'Claim/cl-1' },
      outcome: 'complete',
      created: '2026-01-10',
      payment: { date: '2026-01-12' },
      item: [{ itemSequence: 1, adjudication: [adj('submitted', 180), adj('eligible', 120), adj('benefit', 96)] }],
    });
    const mapped = mapGenericClaims('p1', [claim], [response], [charge]);
    expect(mapped.claims[0]).toMatchObject({
      sourceId: 'cl-1',
      status: 'PAID',
      stage: 'ADJUDICATED',
      rawStatus: 'active/complete',
    });
    expect(mapped.payoutsByCharge.get('ci-1')).toEqual([
      {
        claimSourceId: 'cl-1',
        billedToInsurance: 18000,
        estimatedInsurancePayment: 0,
        insurancePayment: 9600,
        writeOff: 6000,
        allowedAmount: 12000,
      },
    ]);
    expect(mapped.insurancePayments).toEqual([
      expect.objectContaining({ sourceId: 'cr-1-1', amount: -9600, fromInsurance: true, chargeSourceId: 'ci-1' }),
    ]);
    const pending = mapGenericClaims('p1', [claim], [], [charge]);
    expect(pending.claims[0]).toMatchObject({ status: 'SENT', stage: 'PENDING', rawStatus: 'active/none' });
  });
  it('maps an Epic EOB to charges, a claim and an insurance payment', () => {
    const eob = eobSchema.parse({
      resourceType: 'ExplanationOfBenefit',
      id: 'eob1',
      status: 'active',
      outcome: 'complete',
      item: [
        {
          sequence: 1,
          productOrService: { coding: [{ code: '99213' }] },
          servicedDate: '2026-02-01',
          adjudication: [
            adj('submitted', 180),
            adj('eligible', 120),
            adj('benefit', 96),
            {
              category: {
                coding: [{ system: 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication', code: 'memberliability' }],
              },
              amount: { value: 24 },
            },
          ],
        },
      ],
    });
    const m = mapEob('e1', eob);
    expect(m.charges[0]).toMatchObject({ sourceId: 'eob1-1', fee: 18000, statedPatientAmount: 2400, serviceDate: '2026-02-01' });
    expect(m.claims[0]).toMatchObject({ status: 'PAID', patientBalance: 2400 });
    expect(m.insurancePayments[0]).toMatchObject({ sourceId: 'eob1-1-ins', amount: -9600 });
    expect(mapEob('e1', { ...eob, outcome: 'queued' }).claims[0]).toMatchObject({ status: 'RECEIVED', patientBalance: null });
  });
  it('one bad amount is an error on that resource', () => {
    expect(() =>
      reconciliationRows('p1', [
        {
          resourceType: 'PaymentReconciliation',
          id: 'pr-9',
          status: 'active',
          detail: [{ type: { coding: [{ code: 'payment' }] }, amount: { value: 1.234 } }],
        },
      ]),
    ).toThrow(/PaymentReconciliation pr-9 detail 1: expected at most 2 decimals/);
    expect(eobSince('2026-11-30')).toBe('2024-11-30');
  });
});

function write(over: Partial<OutgoingLedgerWrite>): OutgoingLedgerWrite {
  return {
    kind: 'PAYMENT',
    patientSourceId: '12724066',
    amount: -2500,
    currency: 'USD',
    typeSourceId: 'cash',
    providerSplits: null,
    chargeSplits: null,
    notes: null,
    transactionId: 'LG:42',
    occurredAt: '2026-11-30T12:00:00.000Z',
    ...over,
  };
}

const oracleConnection = fhirConnectionSchema.parse({
  profile: 'oracle-health',
  baseUrl: 'https://fhir.example/r4/t',
  clientId: 'c',
  clientSecret: 's',
  paymentTypes: [
    { id: 'cash', name: 'Cash', method: 'CASH', alias: '0111' },
    { id: 'card', name: 'Card', method: 'CCCA', alias: '0111' },
  ],
  adjustmentTypes: [
    { id: 'courtesy', name: 'Courtesy', alias: '3100', action: 'credit' },
    { id: 'nsf', name: 'NSF', alias: '3200', action: 'debit' },
  ],
});

const ledger = {
  charges: [],
  adjustments: [],
  accounts: [
    { id: 'G2', encounterId: 'e2', balance: -500, servicePeriodStart: '2026-01-01' },
    { id: 'G1', encounterId: 'e1', balance: 12500, servicePeriodStart: '2026-02-01' },
  ],
  encounterOfCharge: new Map([
    ['c1', 'e1'],
    ['c2', 'e1'],
    ['c3', 'e2'],
  ]),
};

describe('oracle FinancialTransaction', () => {
  it('builds the body exactly: alias, one allocation, identifier without separator', () => {
    const w = write({});
    const body = JSON.parse(
      serializeFhir(
        financialTransactionBody({ write: w, type: ftType(oracleConnection, w), target: ftTarget(w, ledger), location: 'Main' }),
      ),
    );
    const E = 'https://fhir-ehr.cerner.com/r4/StructureDefinition/';
    expect(body).toEqual({
      resourceType: 'Basic',
      code: { coding: [{ code: 'FinancialTransaction' }] },
      identifier: [{ use: 'usual', value: 'LG42' }],
      extension: [
        {
          url: `${E}financial-transaction-type`,
          valueCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/payment-type', code: 'payment' }] },
        },
        { url: `${E}financial-transaction-alias`, valueString: '0111' },
        { url: `${E}financial-transaction-amount`, valueMoney: { value: 25, currency: 'USD' } },
        {
          url: `${E}financial-transaction-allocation`,
          extension: [
            { url: 'target', valueReference: { reference: 'Account/G1' } },
            { url: 'amount', valueMoney: { value: 25, currency: 'USD' } },
          ],
        },
        {
          url: `${E}financial-transaction-method`,
          valueCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0570', code: 'CASH' }] },
        },
        { url: `${E}financial-transaction-tendered-amount`, valueMoney: { value: 25, currency: 'USD' } },
        { url: `${E}financial-transaction-location`, valueString: 'Main' },
      ],
    });
    expect(ftIdentifier('LG:00042')).toBe('LG00042');
  });
  it('allocates charge splits to their one encounter and refuses what one allocation cannot say', () => {
    expect(
      ftTarget(
        write({
          chargeSplits: [
            { id: 'c1', amount: -100 },
            { id: 'c2', amount: -100 },
          ],
        }),
        ledger,
      ),
    ).toBe('Encounter/e1');
    expect(() =>
      ftTarget(
        write({
          chargeSplits: [
            { id: 'c1', amount: -100 },
            { id: 'c3', amount: -100 },
          ],
        }),
        ledger,
      ),
    ).toThrow(/same encounter/);
    expect(() => ftTarget(write({ providerSplits: [{ id: 'd1', amount: -100 }] }), ledger)).toThrow(/provider splits/);
    expect(() => ftType(oracleConnection, write({ kind: 'ADJUSTMENT', typeSourceId: 'courtesy', amount: 500 }))).toThrow(
      /credit; expected a negative/,
    );
    expect(ftType(oracleConnection, write({ kind: 'ADJUSTMENT', typeSourceId: 'nsf', amount: 500 })).kind).toBe('adjustment');
    const card = write({ typeSourceId: 'card' });
    expect(() => financialTransactionBody({ write: card, type: ftType(oracleConnection, card), target: 'Account/G1' })).toThrow(
      /cardBrand/,
    );
    const body = financialTransactionBody({
      write: card,
      type: ftType(oracleConnection, card),
      target: 'Account/G1',
      tender: { cardBrand: 'visa', cardLast4: '4242', cardExpiry: '2028-09' },
    });
    expect(body.extension!.filter((e) => e.valueString).map((e) => [e.url.split('/').at(-1), e.valueString])).toEqual([
      ['financial-transaction-alias', '0111'],
      ['financial-transaction-card-brand', 'VISA'],
      ['financial-transaction-account-number', '4242'],
      ['financial-transaction-date', '2028-09'],
    ]);
  });
});

describe('generic PaymentReconciliation', () => {
  it('one detail per charge split, payments as money received', () => {
    const body = paymentReconciliationBody({
      write: write({
        patientSourceId: 'pat-alvarez',
        chargeSplits: [
          { id: 'ci-1', amount: -1500 },
          { id: 'ci-2', amount: -1000 },
        ],
      }),
      typeName: 'Cash',
      accountId: 'acct-alvarez',
    });
    expect(JSON.parse(serializeFhir(body))).toEqual({
      resourceType: 'PaymentReconciliation',
      meta: { tag: [{ system: 'urn:ledger-gateway:patient', code: 'pat-alvarez' }] },
      identifier: [{ system: 'urn:ledger-gateway:transaction-id', value: 'LG:42' }],
      status: 'active',
      created: '2026-11-30T12:00:00.000Z',
      paymentDate: '2026-11-30',
      outcome: 'complete',
      paymentAmount: { value: 25, currency: 'USD' },
      detail: [1, 2].map((n) => ({
        identifier: { system: 'urn:ledger-gateway:transaction-id', value: `LG:42-${n}` },
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/payment-type', code: 'payment' }], text: 'Cash' },
        request: { reference: `ChargeItem/ci-${n}` },
        date: '2026-11-30',
        amount: { value: n === 1 ? 15 : 10, currency: 'USD' },
      })),
    });
    const rows = reconciliationRows('pat-alvarez', [{ ...JSON.parse(serializeFhir(body)), id: 'pr-7' }]);
    expect(rows.payments.map((p) => [p.sourceId, p.amount, p.chargeSourceId, p.transactionId])).toEqual([
      ['LG:42-1', -1500, 'ci-1', 'LG:42'],
      ['LG:42-2', -1000, 'ci-2', 'LG:42'],
    ]);
  });
});
