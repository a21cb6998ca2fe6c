/**
 * The scan rows (src/adapters/ledger/nexhealth/scan-rows.ts) are a cheaper way to the same records:
 * for every row the sandbox serves, and for the wire's tolerated variants (ids as numbers or
 * strings, `""` refs, numeric amounts, absent optional fields), they give exactly what the row
 * schemas of schemas.ts give, and they refuse what those refuse.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  guarantorBalanceRow,
  parseScanRows,
  patientRow,
  paymentRow,
  toWireGuarantorBalance,
  toWirePatient,
  toWirePayment,
} from '../../../src/adapters/ledger/nexhealth/scan-rows';
import { guarantorBalanceSchema, patientSchema, paymentSchema } from '../../../src/adapters/ledger/nexhealth/schemas';
import { addScalePatients, createNexSeed } from '../../../src/sandbox/nexhealth';
import { NexStore } from '../../../src/sandbox/nexhealth/store';
import { guarantorBalanceJson, patientJson, paymentJson } from '../../../src/sandbox/nexhealth/serialize';

const seed = createNexSeed();
addScalePatients(seed, { patients: 300 });
const store = new NexStore(seed);
const envelope = (data: unknown) => ({ code: true, description: null, error: [], data });

const variants = {
  guarantorBalance: [
    {
      id: '9',
      guarantor_id: 12,
      location_id: '',
      total_balance: { amount: 12.5 },
      guarantor_portion: { amount: '-0.75', currency: null },
      insurance_estimate: { amount: '0', currency: 'USD' },
      total_balance_under_30: { amount: '1.00' },
      total_balance_31_60: { amount: 2 },
      total_balance_61_90: { amount: '3.1' },
      total_balance_over_90: { amount: '4.00' },
    },
  ],
  payment: [{ id: 3, patient_id: '4', charge_id: '', claim_id: 0, payment_amount: { amount: -138.5 }, paid_at: null }],
  patient: [{ id: 5, name: 'Ada Lovelace', guarantor_id: '', bio: null, location_ids: [1, '2'] }, { id: '6' }],
};

describe('scan rows', () => {
  it('give what the row schemas give, for every row the sandbox serves and for the tolerated variants', async () => {
    const cases = [
      [
        [...seed.guarantorBalances.map(guarantorBalanceJson), ...variants.guarantorBalance],
        guarantorBalanceSchema,
        guarantorBalanceRow,
        toWireGuarantorBalance,
      ],
      [
        [...seed.payments.filter((p) => !p.deleted_at).map((p) => paymentJson(store, p)), ...variants.payment],
        paymentSchema,
        paymentRow,
        toWirePayment,
      ],
      [[...seed.patients.map(patientJson), ...variants.patient], patientSchema, patientRow, toWirePatient],
    ] as const;
    for (const [rows, rowSchema, scanRow, convert] of cases) {
      expect(rows.length).toBeGreaterThan(100);
      const expected = rows.map((row) => (rowSchema as z.ZodType).parse(row));
      const got = await parseScanRows(envelope(rows), scanRow as z.ZodType, convert as (row: any, i: number) => unknown);
      expect(got).toEqual(expected);
    }
  });

  it('drop deleted rows and refuse a bad amount, a missing id and a non-array page with the row index in the path', async () => {
    const good = guarantorBalanceJson(seed.guarantorBalances[0]!);
    const deleted = { ...good, id: 77, deleted_at: '2025-01-01T00:00:00Z' };
    await expect(parseScanRows(envelope([deleted, good]), guarantorBalanceRow, toWireGuarantorBalance)).resolves.toHaveLength(1);

    const badAmount = { ...good, total_balance_61_90: { amount: '1.005' } };
    const error = await parseScanRows(envelope([deleted, good, badAmount]), guarantorBalanceRow, toWireGuarantorBalance).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(z.ZodError);
    expect((error as z.ZodError).issues[0]).toMatchObject({ path: [1, 'total_balance_61_90'] });
    expect(() => guarantorBalanceSchema.parse(badAmount)).toThrow(z.ZodError);

    const noId = { ...good, id: undefined };
    const missing = await parseScanRows(envelope([noId]), guarantorBalanceRow, toWireGuarantorBalance).catch((e: unknown) => e);
    expect((missing as z.ZodError).issues[0]?.path).toEqual([0, 'id']);
    const moneyAsNumber = { ...good, total_balance: 12 };
    const notMoney = await parseScanRows(envelope([moneyAsNumber]), guarantorBalanceRow, toWireGuarantorBalance).catch(
      (e: unknown) => e,
    );
    expect((notMoney as z.ZodError).issues[0]?.path).toEqual([0, 'total_balance']);

    await expect(parseScanRows(envelope({ rows: [] }), paymentRow, toWirePayment)).rejects.toThrow(
      /expected "data" to be an array/,
    );
  });
});
