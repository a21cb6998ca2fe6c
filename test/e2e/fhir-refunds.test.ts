/**
 * Refunds on FHIR practices through the public API: Oracle Health cannot take one (a
 * FinancialTransaction payment must lower the balance), so summit-health refuses it with
 * NOT_SUPPORTED and the reason before anything is stored or sent; open-fhir (generic) posts it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GENERIC_SEED, ORACLE_SEED } from '../../src/sandbox/fhir';
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
      if (data.transaction.status === 'PENDING') throw new Error('still pending');
      return data.transaction;
    },
    { timeout: 10_000, interval: 20 },
  );
}

describe('refunds on FHIR practices', () => {
  it('summit-health (oracle-health): NOT_SUPPORTED with the reason, nothing stored, nothing sent', async () => {
    t.fhir!.resetRequestLog();
    const input = {
      practiceId: 'summit-health',
      patientId: ORACLE_SEED.nancy.patientId,
      amount: '5.00',
      paymentTypeId: 'cash',
      refund: true,
      idempotencyKey: 'fhir-oracle-refund-1',
    };
    const { data, errors } = await t.gql(PAY, { input });
    expect(data?.createPaymentTransaction ?? null).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe('NOT_SUPPORTED');
    expect(errors?.[0]?.message).toMatch(/does not support refunds: .*FinancialTransaction payment must lower the balance/);
    expect(t.fhir!.requests).toEqual([]);

    // Nothing was stored under the key: the same key now takes an ordinary payment (no conflict).
    const retry = await t.gql(PAY, { input: { ...input, refund: false } });
    expect(retry.errors).toBeUndefined();
    const tx = await settled('summit-health', retry.data.createPaymentTransaction.transaction.transactionId);
    expect(tx.status).toBe('COMPLETED');
  });

  it('open-fhir (generic): a refund within what was paid is posted and COMPLETED', async () => {
    t.fhir!.resetRequestLog();
    const { data, errors } = await t.gql(PAY, {
      input: {
        practiceId: 'open-fhir',
        patientId: GENERIC_SEED.alvarez.patientId,
        amount: '5.00',
        paymentTypeId: 'cash',
        refund: true,
        idempotencyKey: 'fhir-generic-refund-1',
      },
    });
    expect(errors).toBeUndefined();
    const tx = await settled('open-fhir', data.createPaymentTransaction.transaction.transactionId);
    expect(tx.status).toBe('COMPLETED');
    expect(tx.records.map((r: { amount: { cents: number } }) => r.amount.cents)).toEqual([500]);
    expect(t.fhir!.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/PaymentReconciliation'))).toHaveLength(1);
  });
});
