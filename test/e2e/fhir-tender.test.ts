/**
 * The additive `tender` input and the one-visit rule on FHIR practices, through the public API:
 * card and check payments on summit-health (oracle-health) COMPLETE with exactly the
 * FinancialTransaction extensions the adapter README lists; bad tender (a full card number above
 * all) is BAD_USER_INPUT with nothing stored and nothing sent, and so is a card or check payment
 * without the details its type requires; a charge split across two encounters
 * is refused before it is stored; open-fhir (generic) takes tender and ignores it; and a write whose
 * gateway died after storing it re-sends the same tender from the stored request after a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GENERIC_SEED, ORACLE_SEED } from '../../src/sandbox/fhir';
import type { GatewayOptions } from '../../src/server/gateway';
import { PAY, TRANSACTION } from './documents';
import { startTestGateway, type TestGateway } from './harness';

const SUMMIT = 'summit-health';
const E = 'https://fhir-ehr.cerner.com/r4/StructureDefinition/';
const NANCY = ORACLE_SEED.nancy.patientId;

let t: TestGateway;
let dir: string;
let crashAfterStore = false;

class SimulatedCrash extends Error {}

function lifetimeOptions(): GatewayOptions {
  return {
    transactionOptions: {
      hooks: {
        afterStore() {
          if (crashAfterStore) throw new SimulatedCrash('process killed after the write was stored, before the POST');
        },
      },
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-gateway-fhir-tender-'));
  t = await startTestGateway({
    fhir: true,
    config: (raw) => {
      raw.store = { url: `pglite://${join(dir, 'store')}` };
    },
    gateway: lifetimeOptions(),
  });
}, 120_000);
afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function settled(practiceId: string, transactionId: string) {
  return vi.waitFor(
    async () => {
      const { data } = await t.gql(TRANSACTION, { practiceId, transactionId });
      const tx = data.transaction;
      if (tx.status === 'PENDING') throw new Error('still pending');
      return tx;
    },
    { timeout: 10_000, interval: 20 },
  );
}

type Ext = { url: string; valueString?: string; valueMoney?: unknown; valueCodeableConcept?: any; extension?: unknown[] };
const posts = (suffix: string) => t.fhir!.requests.filter((r) => r.method === 'POST' && r.path.endsWith(suffix));
const basicBodies = () => posts('/Basic').map((r) => r.body as { identifier: Array<{ value: string }>; extension: Ext[] });

/** The extensions after the allocation: method and the tender's, by their last URL part. */
function tenderExtensions(body: { extension: Ext[] }) {
  return body.extension
    .filter((e) => /financial-transaction-(method|card-brand|account-number|date|tendered-amount)$/.test(e.url))
    .map((e) => ({
      name: e.url.slice(E.length),
      value: e.valueString ?? e.valueMoney ?? e.valueCodeableConcept?.coding?.[0]?.code,
    }));
}

async function pay(input: Record<string, unknown>) {
  return t.gql(PAY, { input: { practiceId: SUMMIT, patientId: NANCY, ...input } });
}

describe('tender on oracle-health', () => {
  it('a card payment COMPLETES with brand (uppercase), last 4 and expiry as FinancialTransaction extensions', async () => {
    t.fhir!.resetRequestLog();
    const { data, errors } = await pay({
      amount: '40.00',
      paymentTypeId: 'credit-card',
      tender: { cardBrand: 'visa', cardLast4: '4242', cardExpiry: '2028-09' },
      idempotencyKey: 'fhir-tender-card',
    });
    expect(errors).toBeUndefined();
    const tx = await settled(SUMMIT, data.createPaymentTransaction.transaction.transactionId);
    expect(tx.status).toBe('COMPLETED');
    const [body, ...more] = basicBodies();
    expect(more).toHaveLength(0);
    expect(tenderExtensions(body!)).toEqual([
      { name: 'financial-transaction-method', value: 'CCCA' },
      { name: 'financial-transaction-card-brand', value: 'VISA' },
      { name: 'financial-transaction-account-number', value: '4242' },
      { name: 'financial-transaction-date', value: '2028-09' },
    ]);
  });

  it('a check payment COMPLETES with the check number and date', async () => {
    t.fhir!.resetRequestLog();
    const { data, errors } = await pay({
      amount: '15.00',
      paymentTypeId: 'check',
      tender: { checkNumber: '1042', checkDate: '2026-11-02' },
      idempotencyKey: 'fhir-tender-check',
    });
    expect(errors).toBeUndefined();
    const tx = await settled(SUMMIT, data.createPaymentTransaction.transaction.transactionId);
    expect(tx.status).toBe('COMPLETED');
    expect(tenderExtensions(basicBodies()[0]!)).toEqual([
      { name: 'financial-transaction-method', value: 'CHCK' },
      { name: 'financial-transaction-account-number', value: '1042' },
      { name: 'financial-transaction-date', value: '2026-11-02' },
    ]);
  });

  it('cash with tendered above the amount sends the tendered amount', async () => {
    t.fhir!.resetRequestLog();
    const { data, errors } = await pay({
      amount: '25.00',
      paymentTypeId: 'cash',
      tender: { tendered: '30.00' },
      idempotencyKey: 'fhir-tender-cash',
    });
    expect(errors).toBeUndefined();
    expect((await settled(SUMMIT, data.createPaymentTransaction.transaction.transactionId)).status).toBe('COMPLETED');
    expect(tenderExtensions(basicBodies()[0]!)).toEqual([
      { name: 'financial-transaction-method', value: 'CASH' },
      { name: 'financial-transaction-tendered-amount', value: { value: 30, currency: 'USD' } },
    ]);
  });

  const PAN = '4111111111111111';
  it.each([
    [
      'a full card number as last 4',
      { cardBrand: 'VISA', cardLast4: PAN, cardExpiry: '2028-09' },
      'tender.cardLast4',
      /no full card number/,
    ],
    ['a spaced card number as the brand', { cardBrand: '4111 1111 1111 1111' }, 'tender.cardBrand', /no full card number/],
    [
      'a card number as the check number',
      { checkNumber: PAN, checkDate: '2026-11-02' },
      'tender.checkNumber',
      /no full card number/,
    ],
    ['last 4 of 3 digits', { cardBrand: 'VISA', cardLast4: '424', cardExpiry: '2028-09' }, 'tender.cardLast4', /last 4 digits/],
    ['an expiry month 13', { cardBrand: 'VISA', cardLast4: '4242', cardExpiry: '2028-13' }, 'tender.cardExpiry', /YYYY-MM/],
    ['tendered below the amount', { tendered: '20.00' }, 'tender.tendered', /at least the amount/],
    ['tendered with 3 decimals', { tendered: '30.001' }, 'tender.tendered', /./],
    [
      'a brand outside the list',
      { cardBrand: 'DINERS', cardLast4: '4242', cardExpiry: '2028-09' },
      'tender.cardBrand',
      /VISA, MASTER/,
    ],
  ])('%s → BAD_USER_INPUT, nothing stored, nothing sent', async (_name, tender, field, message) => {
    t.fhir!.resetRequestLog();
    const key = `fhir-tender-bad-${field}-${JSON.stringify(tender).length}`;
    const { errors } = await pay({ amount: '25.00', paymentTypeId: 'credit-card', tender, idempotencyKey: key });
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0]?.extensions?.field).toBe(field);
    expect(errors?.[0]?.message).toMatch(message);
    // The card number is never echoed, in any form.
    expect(JSON.stringify(errors)).not.toMatch(/4111\s?1111/);
    expect(t.fhir!.requests).toHaveLength(0);
    expect(await t.gateway.services.transactions.findByIdempotencyKey(SUMMIT, key)).toBeNull();
  });
});

describe('tender a payment type requires', () => {
  it.each([
    ['credit-card', undefined, /card payment: expected tender.cardBrand, tender.cardLast4, tender.cardExpiry/],
    ['credit-card', { cardBrand: 'VISA', cardLast4: '4242' }, /card payment: expected tender.cardExpiry$/],
    ['check', { checkNumber: '1042' }, /check payment: expected tender.checkDate$/],
  ])('%s with %j → BAD_USER_INPUT before anything is stored or posted', async (paymentTypeId, tender, message) => {
    t.fhir!.resetRequestLog();
    const key = `fhir-tender-missing-${paymentTypeId}-${JSON.stringify(tender ?? null).length}`;
    const { errors } = await pay({ amount: '25.00', paymentTypeId, ...(tender ? { tender } : {}), idempotencyKey: key });
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0]?.message).toMatch(message);
    expect(t.fhir!.requests.filter((r) => r.method === 'POST' && !r.path.endsWith('/token'))).toHaveLength(0);
    expect(await t.gateway.services.transactions.findByIdempotencyKey(SUMMIT, key)).toBeNull();
  });
});

describe('one allocation per FinancialTransaction', () => {
  it('charge splits across two encounters are refused before anything is stored or posted', async () => {
    t.fhir!.resetRequestLog();
    const key = 'fhir-split-two-encounters';
    const { errors } = await pay({
      amount: '30.00',
      paymentTypeId: 'cash',
      chargeSplits: [
        { id: '321088041', amount: '20.00' }, // encounter 97953536
        { id: '321088043', amount: '10.00' }, // encounter 97953601
      ],
      idempotencyKey: key,
    });
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0]?.message).toMatch(/one visit.*"97953536", "97953601"/);
    expect(t.fhir!.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/token'))).toHaveLength(0);
    expect(await t.gateway.services.transactions.findByIdempotencyKey(SUMMIT, key)).toBeNull();
  });

  it('charge splits within one encounter post one allocation to that encounter', async () => {
    t.fhir!.resetRequestLog();
    const { data, errors } = await pay({
      amount: '30.00',
      paymentTypeId: 'cash',
      chargeSplits: [
        { id: '321088041', amount: '20.00' },
        { id: '321088042', amount: '10.00' },
      ],
      idempotencyKey: 'fhir-split-one-encounter',
    });
    expect(errors).toBeUndefined();
    expect((await settled(SUMMIT, data.createPaymentTransaction.transaction.transactionId)).status).toBe('COMPLETED');
    const allocation = basicBodies()[0]!.extension.find((e) => e.url.endsWith('financial-transaction-allocation'))!;
    expect(allocation.extension).toContainEqual({ url: 'target', valueReference: { reference: 'Encounter/97953536' } });
  });
});

describe('tender elsewhere', () => {
  it('open-fhir (generic) accepts tender and ignores it: PaymentReconciliation has no place for it', async () => {
    t.fhir!.resetRequestLog();
    const { data, errors } = await t.gql(PAY, {
      input: {
        practiceId: 'open-fhir',
        patientId: GENERIC_SEED.alvarez.patientId,
        amount: '11.00',
        paymentTypeId: 'credit-card',
        tender: { cardBrand: 'AMEX', cardLast4: '3005', cardExpiry: '2029-01' },
        idempotencyKey: 'fhir-tender-generic',
      },
    });
    expect(errors).toBeUndefined();
    expect((await settled('open-fhir', data.createPaymentTransaction.transaction.transactionId)).status).toBe('COMPLETED');
    const sent = posts('/PaymentReconciliation');
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.body)).not.toMatch(/3005|AMEX|2029-01/);
  });
});

describe('tender survives a crash', () => {
  it('a write stored before the gateway died is posted after the restart with the same tender', async () => {
    t.fhir!.resetRequestLog();
    crashAfterStore = true;
    const key = 'fhir-tender-crash';
    const { errors } = await pay({
      amount: '12.00',
      paymentTypeId: 'credit-card',
      tender: { cardBrand: 'Discover', cardLast4: '1117', cardExpiry: '2027-04' },
      idempotencyKey: key,
    });
    expect(errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(posts('/Basic')).toHaveLength(0);
    crashAfterStore = false;
    await t.restartGateway(lifetimeOptions());
    const stored = await t.gateway.services.transactions.findByIdempotencyKey(SUMMIT, key);
    const tx = await settled(SUMMIT, stored!.transaction.transactionId);
    expect(tx.status).toBe('COMPLETED');
    const bodies = basicBodies();
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.identifier[0]!.value).toBe(tx.transactionId.replace(/[^A-Za-z0-9]/g, ''));
    expect(tenderExtensions(bodies[0]!)).toEqual([
      { name: 'financial-transaction-method', value: 'CCCA' },
      { name: 'financial-transaction-card-brand', value: 'DISCOVER' },
      { name: 'financial-transaction-account-number', value: '1117' },
      { name: 'financial-transaction-date', value: '2027-04' },
    ]);
  });
});
