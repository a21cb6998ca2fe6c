/**
 * NexHealth's row schemas (src/adapters/ledger/nexhealth/schemas.ts, ledger-rows.ts, wire.ts) are
 * read two ways: as zod schemas (the wire shape with the conversion as its transform) and by their
 * fast path (`safeParseRow`: the shape alone, then the conversion in plain code), which every read
 * of the adapter uses. For every row the sandbox serves, for the wire's tolerated variants and for
 * faulty rows, both ways give the same row or the same issues; the conversions give what the spec
 * says; `parseListData` drops deleted rows and puts the row index in a fault's path.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseListData, parseListDataNow } from '../../src/adapters/ledger/nexhealth/pagination';
import * as schemas from '../../src/adapters/ledger/nexhealth/schemas';
import { parseRow, safeParseRow } from '../../src/adapters/ledger/nexhealth/schemas';
import { addScalePatients, createNexSeed } from '../../src/sandbox/nexhealth';
import * as wire from '../../src/sandbox/nexhealth/serialize';
import { NexStore } from '../../src/sandbox/nexhealth/store';

const seed = createNexSeed();
addScalePatients(seed, { patients: 50 });
const store = new NexStore(seed);
const envelope = (data: unknown) => ({ code: true, description: null, error: [], data });
const json = <T>(v: T): T => JSON.parse(JSON.stringify(v));

const served: Array<[string, z.ZodType, unknown[]]> = [
  ['patient', schemas.patientSchema, seed.patients.map(wire.patientJson)],
  ['family', schemas.patientWithChildrenSchema, seed.patients.map((p) => wire.patientWithIncludes(store, p, ['children']))],
  ['charge', schemas.chargeSchema, seed.charges.map((c) => wire.chargeJson(store, c, true))],
  ['claim', schemas.claimSchema, seed.claims.map((c) => wire.claimJson(store, c))],
  ['payment', schemas.paymentSchema, seed.payments.map((p) => wire.paymentJson(store, p))],
  ['adjustment', schemas.adjustmentSchema, seed.adjustments.map((a) => wire.adjustmentJson(store, a))],
  ['guarantor balance', schemas.guarantorBalanceSchema, seed.guarantorBalances.map(wire.guarantorBalanceJson)],
  ['insurance balance', schemas.insuranceBalanceSchema, seed.insuranceBalances.map(wire.insuranceBalanceJson)],
  ['provider', schemas.providerSchema, seed.providers.map(wire.providerJson)],
  ['procedure', schemas.procedureSchema, seed.procedures.map(wire.procedureJson)],
  ['payment type', schemas.paymentTypeSchema, seed.paymentTypes.map(wire.paymentTypeJson)],
  ['adjustment type', schemas.adjustmentTypeSchema, seed.adjustmentTypes.map(wire.adjustmentTypeJson)],
];

/** Each field of `row` replaced in turn by values of the wrong kind, a bad amount, a numeric one… */
const FIELD_FAULTS: unknown[] = [undefined, null, '', 7, -3.5, 'x', ['a', 'b'], { amount: '1.005' }, { amount: 3 }, {}, true];
function faulty(row: Record<string, unknown>): unknown[] {
  const out: unknown[] = Object.keys(row).flatMap((k) => FIELD_FAULTS.map((bad) => ({ ...row, [k]: bad })));
  const payout = (row.claim_payouts as Array<Record<string, unknown>> | undefined)?.[0];
  if (payout)
    for (const k of Object.keys(payout))
      for (const bad of [undefined, null, { amount: '1.005' }, { amount: 2 }, 'x'])
        out.push({ ...row, claim_payouts: [{ ...payout, [k]: bad }] });
  if (row.totals !== undefined)
    for (const totals of [
      { billed: { amount: '1.005' } },
      { billed_amount: 'x' },
      { billed: null, total_billed: { amount: 4 } },
      {},
    ])
      out.push({ ...row, totals });
  return out;
}

/** A parse's answer with its issues as plain objects, to compare two ways of parsing. */
function answer(result: z.ZodSafeParseResult<unknown>) {
  return result.success ? { data: result.data } : { issues: result.error.issues.map((issue) => ({ ...issue })) };
}

describe('NexHealth row schemas', () => {
  it('give by their fast path what zod gives, for every served row, every faulty variant and the envelope', () => {
    let faults = 0;
    for (const [kind, schema, rows] of served) {
      expect(rows.length, kind).toBeGreaterThan(0);
      const inputs = [
        ...json(rows),
        ...json(rows.slice(0, 2)).flatMap((r) => faulty(r as Record<string, unknown>)),
        null,
        'x',
        {},
      ];
      for (const input of inputs) {
        const fast = answer(safeParseRow(schema, input));
        expect(fast, `${kind} ${JSON.stringify(input)}`).toStrictEqual(answer(schema.safeParse(input)));
        if ('issues' in fast) faults += 1;
      }
      // Every row the sandbox serves is read.
      for (const row of json(rows)) expect(safeParseRow(schema, row).success, kind).toBe(true);
    }
    expect(faults).toBeGreaterThan(500);
    const envelopes = [
      { code: true, data: [] },
      { code: false, description: ['a', 'b'], error: ['x', { y: 1 }], data: null, count: 3, page_info: { end_cursor: 5 } },
      { code: true, description: 'd', error: 'boom' },
      { code: 'yes' },
    ];
    for (const e of envelopes)
      expect(answer(safeParseRow(schemas.envelopeSchema, e))).toStrictEqual(answer(schemas.envelopeSchema.safeParse(e)));
  });

  it('turn ids into strings, "" refs into null, amounts into integer cents and absent strings into null', () => {
    expect(
      parseRow(schemas.paymentSchema, {
        id: 3,
        patient_id: '4',
        charge_id: '',
        claim_id: 0,
        payment_amount: { amount: -138.5 },
        paid_at: null,
      }),
    ).toStrictEqual({
      id: '3',
      patient_id: '4',
      guarantor_id: null,
      provider_id: null,
      charge_id: null,
      claim_id: '0',
      insurance_plan_id: null,
      payment_type_id: null,
      payment_amount: -13850,
      paid_at: null,
      transaction_id: null,
    });
    const charge = parseRow(schemas.chargeSchema, {
      id: '8',
      patient_id: 4,
      description: ['Exam', 'X-ray'],
      fee: { amount: '62.10', currency: 'USD' },
      claim_payouts: [{ claim_id: 2, estimated_insurance_payment: { amount: '40' }, write_off: { amount: 1.5 } }],
    });
    expect(charge).toMatchObject({ id: '8', patient_id: '4', description: 'Exam; X-ray', fee: 6210, procedure_code: null });
    expect(charge.claim_payouts).toStrictEqual([
      {
        claim_id: '2',
        amount_billed_to_insurance: 0,
        estimated_insurance_payment: 4000,
        insurance_payment: 0,
        write_off: 150,
        allowed_amount: null,
      },
    ]);
    const claim = parseRow(schemas.claimSchema, {
      id: 1,
      patient_id: 2,
      status: 'Mystery',
      totals: { billed: { amount: '99.99' } },
    });
    expect(claim).toMatchObject({ id: '1', status: 'Mystery', billed: 9999 });
    expect(parseRow(schemas.patientSchema, { id: 6, guarantor_id: '', location_ids: [1, '2'] })).toStrictEqual({
      id: '6',
      first_name: null,
      last_name: null,
      name: null,
      email: null,
      guarantor_id: '',
      location_ids: [1, '2'],
    });
    expect(parseRow(schemas.envelopeSchema, { code: false, error: 'boom', data: null })).toStrictEqual({
      code: false,
      description: null,
      error: ['boom'],
      data: null,
    });
  });

  it('are read by parseListData without deleted rows, with the row index in a fault path, and refuse a non-array page', async () => {
    const good = wire.guarantorBalanceJson(seed.guarantorBalances[0]!);
    const deleted = { ...good, id: 77, deleted_at: '2025-01-01T00:00:00Z' };
    const schema = schemas.guarantorBalanceSchema;
    await expect(parseListData(envelope([deleted, good]), schema)).resolves.toHaveLength(1);

    const badAmount = { ...good, total_balance_61_90: { amount: '1.005' } };
    const error = await parseListData(envelope([deleted, good, badAmount]), schema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(z.ZodError);
    expect((error as z.ZodError).issues[0]).toMatchObject({ code: 'custom', path: [1, 'total_balance_61_90'] });
    expect((error as z.ZodError).issues[0]?.message).toMatch(/expected a decimal amount with at most 2 decimals, got "1.005"/);

    const missing = await parseListData(envelope([{ ...good, id: undefined }]), schema).catch((e: unknown) => e);
    expect((missing as z.ZodError).issues[0]?.path).toEqual([0, 'id']);
    const notMoney = await parseListData(envelope([{ ...good, total_balance: 12 }]), schema).catch((e: unknown) => e);
    expect((notMoney as z.ZodError).issues[0]?.path).toEqual([0, 'total_balance']);
    const payout = await parseListData(
      envelope([
        {
          id: 1,
          patient_id: 2,
          fee: { amount: '1' },
          claim_payouts: [{ claim_id: 3, estimated_insurance_payment: { amount: '1' }, write_off: { amount: 'x' } }],
        },
      ]),
      schemas.chargeSchema,
    ).catch((e: unknown) => e);
    expect((payout as z.ZodError).issues[0]?.path).toEqual([0, 'claim_payouts', 0, 'write_off']);

    await expect(parseListData(envelope({ rows: [] }), schemas.paymentSchema)).rejects.toThrow(/expected "data" to be an array/);
  });

  it('parseListDataNow: a page of up to 100 rows as a value (a fault thrown at once), a longer one as a promise, the same rows and paths', async () => {
    const good = wire.guarantorBalanceJson(seed.guarantorBalances[0]!);
    const schema = schemas.guarantorBalanceSchema;
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ ...good, id: i + 1 }));

    const short = parseListDataNow(envelope(rows(100)), schema);
    expect(Array.isArray(short)).toBe(true);
    expect(short).toEqual(await parseListData(envelope(rows(100)), schema));

    const long = parseListDataNow(envelope(rows(250)), schema);
    expect(long).toBeInstanceOf(Promise);
    const longRows = await long;
    expect(longRows.map((r) => r.id)).toEqual(rows(250).map((r) => String(r.id)));

    const badAt = (n: number, at: number) => {
      const list: unknown[] = rows(n);
      list[at] = { ...good, total_balance: 12 };
      return envelope(list);
    };
    expect(() => parseListDataNow(badAt(100, 99), schema)).toThrow(z.ZodError);
    const thrown = (() => {
      try {
        return parseListDataNow(badAt(100, 99), schema);
      } catch (error) {
        return error;
      }
    })();
    expect((thrown as z.ZodError).issues[0]?.path).toEqual([99, 'total_balance']);
    const late = await (parseListDataNow(badAt(250, 201), schema) as Promise<unknown>).catch((e: unknown) => e);
    expect((late as z.ZodError).issues[0]?.path).toEqual([201, 'total_balance']);
  });
});
