/**
 * `Payment.paymentType` through the public API: each payment's type resolved from the practice's
 * list of payment types through the request's loader, so a patient's payments cost at most one
 * `/payment_types` read however many there are (counted in the sandbox's request log).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { startTestGateway, type TestGateway } from './harness';
import { PAY } from './documents';

const SMILE = 'smile-dental';
const PATIENT = NEX_SEED.ownGuarantor.ownId;
const TYPES = NEX_SEED.paymentTypes.openDental;

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});

const PAYMENTS = (withType: boolean) => /* GraphQL */ `
  query Payments($practiceId: ID!, $patientId: ID!) {
    patient(practiceId: $practiceId, patientId: $patientId) {
      payments { sourceId transactionId ${withType ? 'paymentType { sourceId name }' : ''} }
    }
  }
`;
const TYPE_NAMES = /* GraphQL */ `
  query Types($practiceId: ID!) { practice(id: $practiceId) { paymentTypes { sourceId name } } }
`;

async function pay(amount: string, paymentTypeId: string, key: string): Promise<string> {
  const r = await t.gql(PAY, { input: { practiceId: SMILE, patientId: PATIENT, amount, paymentTypeId, idempotencyKey: key } });
  expect(r.errors).toBeUndefined();
  return r.data.createPaymentTransaction.transaction.transactionId;
}

describe('Payment.paymentType', () => {
  it('names the type each payment was posted as, with one payment-type read for all of them', async () => {
    const cash = await pay('11.00', TYPES.cash, 'e2e-ptype-1');
    const check = await pay('12.00', TYPES.check, 'e2e-ptype-2');
    const cash2 = await pay('13.00', TYPES.cash, 'e2e-ptype-3');
    await t.nex.completePendingInsertions();

    const counted = async (withType: boolean) => {
      t.nex.resetRequestLog();
      const r = await t.gql(PAYMENTS(withType), { practiceId: SMILE, patientId: PATIENT });
      expect(r.errors).toBeUndefined();
      return {
        data: r.data,
        requests: t.nex.requests.length,
        typeReads: t.nex.requests.filter((q) => q.path === '/payment_types').length,
      };
    };
    const without = await counted(false);
    const withType = await counted(true);

    const types = await t.gql(TYPE_NAMES, { practiceId: SMILE });
    const names = new Map<string, string>(types.data.practice.paymentTypes.map((p: any) => [p.sourceId, p.name]));
    const byTx = new Map<string, any>(withType.data.patient.payments.map((p: any) => [p.transactionId, p]));
    expect(byTx.get(cash).paymentType).toEqual({ sourceId: TYPES.cash, name: names.get(TYPES.cash) });
    expect(byTx.get(check).paymentType).toEqual({ sourceId: TYPES.check, name: names.get(TYPES.check) });
    expect(byTx.get(cash2).paymentType).toEqual({ sourceId: TYPES.cash, name: names.get(TYPES.cash) });
    expect(names.get(TYPES.cash)).toBeTruthy();

    // The field adds no upstream request per payment: the practice's list is read once at most (the
    // adapter may hold it already), whatever the number of payments.
    expect(withType.data.patient.payments.length).toBeGreaterThanOrEqual(3);
    expect(without.typeReads).toBe(0);
    expect(withType.typeReads).toBeLessThanOrEqual(1);
    expect(withType.requests).toBe(without.requests + withType.typeReads);
  });
});
