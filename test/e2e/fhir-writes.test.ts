/**
 * Writes to FHIR practices through the public API: a payment on summit-health (oracle-health) posts
 * one FinancialTransaction allocated to the charge's encounter and COMPLETES with the `Location` id;
 * a 422 on it FAILS the transaction with the server's rule, posted once; a payment on open-fhir
 * (generic) posts one conditional PaymentReconciliation; an Epic write is refused before any call.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ORACLE_SEED, GENERIC_SEED } from '../../src/sandbox/fhir';
import { PAY, TRANSACTION } from './documents';
import { startTestGateway, type TestGateway } from './harness';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ fhir: true });
});
afterAll(async () => {
  await t?.close();
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

const posts = (suffix: string) => t.fhir!.requests.filter((r) => r.method === 'POST' && r.path.endsWith(suffix));

describe('FHIR writes through the API', () => {
  it('summit-health: one FinancialTransaction on the charge encounter, COMPLETED with its Location id', async () => {
    t.fhir!.resetRequestLog();
    const { data, errors } = await t.gql(PAY, {
      input: {
        practiceId: 'summit-health',
        patientId: ORACLE_SEED.nancy.patientId,
        amount: '25.00',
        paymentTypeId: 'cash',
        chargeSplits: [{ id: '321088041', amount: '25.00' }],
        idempotencyKey: 'fhir-oracle-pay-1',
      },
    });
    expect(errors).toBeUndefined();
    const tx = await settled('summit-health', data.createPaymentTransaction.transaction.transactionId);
    expect(tx.status).toBe('COMPLETED');
    expect(tx.records[0].sourceId).toMatch(/^FT-PL-\d+$/);
    const sent = posts('/Basic');
    expect(sent).toHaveLength(1);
    const body = sent[0]!.body as {
      identifier: Array<{ value: string }>;
      extension: Array<{ url: string; extension?: unknown[] }>;
    };
    expect(body.identifier[0]!.value).toBe(tx.transactionId.replace(/[^A-Za-z0-9]/g, ''));
    const allocation = body.extension.find((e) => e.url.endsWith('financial-transaction-allocation'))!;
    expect(allocation.extension).toContainEqual({ url: 'target', valueReference: { reference: 'Encounter/97953536' } });
    expect(sent[0]!.headers['content-type']).toBe('application/fhir+json');
  });

  it('summit-health: a 422 FAILS the transaction with the rule, and nothing is posted again', async () => {
    t.fhir!.resetRequestLog();
    t.fhir!.failNextFinancialTransaction({
      status: 422,
      code: 'business-rule',
      diagnostics: 'financial-transaction-alias 0111 is not active',
    });
    const { data, errors } = await t.gql(PAY, {
      input: {
        practiceId: 'summit-health',
        patientId: ORACLE_SEED.nancy.patientId,
        amount: '10.00',
        paymentTypeId: 'cash',
        idempotencyKey: 'fhir-oracle-pay-422',
      },
    });
    expect(errors).toBeUndefined();
    const tx = await settled('summit-health', data.createPaymentTransaction.transaction.transactionId);
    expect(tx.status).toBe('FAILED');
    expect(tx.failureReason).toBe('financial-transaction-alias 0111 is not active');
    expect(posts('/Basic')).toHaveLength(1);
  });

  it('open-fhir: one conditional PaymentReconciliation, COMPLETED', async () => {
    t.fhir!.resetRequestLog();
    const { data, errors } = await t.gql(PAY, {
      input: {
        practiceId: 'open-fhir',
        patientId: GENERIC_SEED.alvarez.patientId,
        amount: '12.00',
        paymentTypeId: 'cash',
        idempotencyKey: 'fhir-generic-pay-1',
      },
    });
    expect(errors).toBeUndefined();
    const tx = await settled('open-fhir', data.createPaymentTransaction.transaction.transactionId);
    expect(tx.status).toBe('COMPLETED');
    expect(tx.records.map((r: { amount: { cents: number } }) => r.amount.cents)).toEqual([-1200]);
    const sent = posts('/PaymentReconciliation');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers['if-none-exist']).toBe(`identifier=urn:ledger-gateway:transaction-id|${tx.transactionId}`);
  });
});
