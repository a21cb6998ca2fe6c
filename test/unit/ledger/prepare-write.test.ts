import { describe, expect, it } from 'vitest';
import {
  checkAdjustmentInput,
  checkCollectionInput,
  checkPaymentInput,
  prepareAdjustment,
  prepareCollection,
  preparePayment,
  type AdjustmentRequest,
  type CollectionFacts,
  type CollectionRequest,
  type LedgerWriteFacts,
  type PaymentRequest,
} from '../../../src/ledger/prepare-write';
import { defaultLimits } from '../../../src/config';
import type { AdjustmentTypeRecord, PaymentTypeRecord } from '../../../src/ledger/records';

const PRACTICE = 'smile-dental';
const patient = { sourceId: '42', nonPatient: false, departmentId: '1' };

// ---------------------------------------------------------------------------------------------
// Payments
// ---------------------------------------------------------------------------------------------

const paymentTypes: PaymentTypeRecord[] = [
  { sourceId: '7', name: 'Cash', active: true },
  { sourceId: '8', name: 'Gift certificate', active: false },
];

/** `limits.maxAmount` at its default, in cents. */
const MAX = defaultLimits.maxAmount;

function payment(fields: Partial<PaymentRequest> = {}): PaymentRequest {
  return { practiceId: PRACTICE, patientId: '42', amount: 10000, paymentTypeId: '7', currency: 'USD', maxAmount: MAX, ...fields };
}

function paymentFacts(fields: Partial<LedgerWriteFacts<PaymentTypeRecord>> = {}): LedgerWriteFacts<PaymentTypeRecord> {
  return { types: paymentTypes, patient, chargeIds: new Set(['c1', 'c2']), providerIds: new Set(['p1', 'p2']), ...fields };
}

describe('preparePayment', () => {
  it('turns the positive sum collected into a negative ledger write, splits signed and sorted by id', () => {
    const prepared = preparePayment(
      payment({
        providerSplits: [
          { id: 'p2', amount: 4000 },
          { id: 'p1', amount: 6000 },
        ],
        notes: 'front desk',
      }),
      paymentFacts(),
    );
    expect(prepared).toMatchObject({
      ok: true,
      write: {
        kind: 'PAYMENT',
        patientSourceId: '42',
        amount: -10000,
        currency: 'USD',
        typeSourceId: '7',
        providerSplits: [
          { id: 'p1', amount: -6000 },
          { id: 'p2', amount: -4000 },
        ],
        chargeSplits: null,
        notes: 'front desk',
      },
    });
  });

  it('keeps a refund positive, its splits too', () => {
    const refundLedger = {
      payments: [{ amount: -10000, fromInsurance: false }],
      adjustments: [],
      refundsBecomeAdjustments: false,
    };
    const prepared = preparePayment(
      payment({ refund: true, chargeSplits: [{ id: 'c1', amount: 10000 }] }),
      paymentFacts({ refundLedger }),
    );
    expect(prepared.ok && prepared.write).toMatchObject({ amount: 10000, chargeSplits: [{ id: 'c1', amount: 10000 }] });
  });

  it('refuses a refund above what the patient paid, after the patient and split rules', () => {
    const refundLedger = {
      payments: [{ amount: -5000, fromInsurance: false }],
      adjustments: [],
      refundsBecomeAdjustments: false,
    };
    expect(preparePayment(payment({ refund: true }), paymentFacts({ refundLedger }))).toMatchObject({
      ok: false,
      violation: { code: 'AMOUNT_OUT_OF_RANGE', message: expect.stringMatching(/at most 50\.00 .*got 100\.00/) },
    });
    expect(preparePayment(payment({ refund: true }), paymentFacts({ refundLedger, patient: null }))).toMatchObject({
      violation: { code: 'NOT_FOUND' },
    });
  });

  it('refuses an amount or a split above limits.maxAmount before any other rule (AMOUNT_OUT_OF_RANGE)', () => {
    expect(checkPaymentInput(payment({ amount: MAX + 1 }))).toMatchObject({
      ok: false,
      violation: { code: 'AMOUNT_OUT_OF_RANGE' },
    });
    expect(checkPaymentInput(payment({ amount: MAX }))).toMatchObject({ ok: true });
    const split = { providerSplits: [{ id: 'p', amount: MAX + 1 }], chargeSplits: [{ id: 'c', amount: 1 }] };
    expect(checkPaymentInput(payment(split))).toMatchObject({ violation: { code: 'AMOUNT_OUT_OF_RANGE' } });
  });

  it('gives the fingerprint step 1 gave, the same for splits in another order, another for another amount', () => {
    const a = payment({
      providerSplits: [
        { id: 'p1', amount: 6000 },
        { id: 'p2', amount: 4000 },
      ],
    });
    const b = payment({
      providerSplits: [
        { id: 'p2', amount: 4000 },
        { id: 'p1', amount: 6000 },
      ],
    });
    const checked = checkPaymentInput(a);
    const prepared = preparePayment(a, paymentFacts());
    expect(checked.ok && prepared.ok && checked.fingerprint === prepared.fingerprint).toBe(true);
    expect(checkPaymentInput(b)).toEqual(checked);
    expect(
      checkPaymentInput(
        payment({
          amount: 10001,
          providerSplits: [
            { id: 'p1', amount: 6001 },
            { id: 'p2', amount: 4000 },
          ],
        }),
      ),
    ).not.toEqual(checked);
    // A refund of the same sum is another write.
    expect(checkPaymentInput({ ...a, refund: true })).not.toEqual(checked);
  });

  it('refuses broken split rules in step 1, before any fact is needed', () => {
    const sum = checkPaymentInput(
      payment({
        providerSplits: [
          { id: 'p1', amount: 6000 },
          { id: 'p2', amount: 3000 },
        ],
      }),
    );
    expect(sum).toEqual({
      ok: false,
      violation: { code: 'SPLIT_SUM_MISMATCH', message: 'provider splits must sum to the amount: expected -100.00, got -90.00' },
    });
    const both = payment({ providerSplits: [{ id: 'p1', amount: 10000 }], chargeSplits: [{ id: 'c1', amount: 10000 }] });
    expect(checkPaymentInput(both)).toMatchObject({ ok: false, violation: { code: 'SPLIT_KIND_CONFLICT' } });
    // Step 2 repeats them, whatever the facts say.
    expect(preparePayment(both, { types: [], patient: null })).toMatchObject({
      ok: false,
      violation: { code: 'SPLIT_KIND_CONFLICT' },
    });
  });

  it('UNKNOWN_PAYMENT_TYPE for an unknown or inactive type, before looking at the patient', () => {
    for (const paymentTypeId of ['999', '8']) {
      expect(preparePayment(payment({ paymentTypeId }), paymentFacts({ patient: null }))).toEqual({
        ok: false,
        violation: {
          code: 'UNKNOWN_PAYMENT_TYPE',
          message: `no active payment type "${paymentTypeId}" in practice "smile-dental"`,
        },
      });
    }
  });

  it('NOT_FOUND for a missing patient or a non-patient guarantor, before the split targets', () => {
    const expected = { ok: false, violation: { code: 'NOT_FOUND', message: 'no patient "42" in practice "smile-dental"' } };
    const splits = { chargeSplits: [{ id: 'nope', amount: 10000 }] };
    expect(preparePayment(payment(splits), { types: paymentTypes, patient: null })).toEqual(expected);
    expect(preparePayment(payment(splits), { types: paymentTypes, patient: { ...patient, nonPatient: true } })).toEqual(expected);
  });

  it('NOT_FOUND for the first split whose charge or provider is unknown (in id order)', () => {
    const charges = payment({
      chargeSplits: [
        { id: 'zz', amount: 5000 },
        { id: 'c1', amount: 2500 },
        { id: 'aa', amount: 2500 },
      ],
    });
    expect(preparePayment(charges, paymentFacts())).toEqual({
      ok: false,
      violation: { code: 'NOT_FOUND', message: 'no charge "aa" on patient "42"' },
    });
    const providers = payment({
      providerSplits: [
        { id: 'p1', amount: 5000 },
        { id: 'p9', amount: 5000 },
      ],
    });
    expect(preparePayment(providers, paymentFacts())).toEqual({
      ok: false,
      violation: { code: 'NOT_FOUND', message: 'no provider "p9" in practice "smile-dental"' },
    });
  });

  it('says plainly when the caller forgot a fact the write needs', () => {
    const charges = payment({ chargeSplits: [{ id: 'c1', amount: 10000 }] });
    expect(() => preparePayment(charges, { types: paymentTypes, patient })).toThrow(/expected the patient's charge ids/);
    const providers = payment({ providerSplits: [{ id: 'p1', amount: 10000 }] });
    expect(() => preparePayment(providers, { types: paymentTypes, patient })).toThrow(/expected the split providers/);
    // Facts for splits the write does not have are not needed.
    expect(preparePayment(payment(), { types: paymentTypes, patient }).ok).toBe(true);
  });

  it('where a write lands on one visit: charges of one visit pass, of two (or unknown) and provider splits are BAD_USER_INPUT', () => {
    const oneVisit = {
      visitOfCharge: new Map<string, string | null>([
        ['c1', 'v1'],
        ['c2', 'v1'],
        ['c3', 'v2'],
        ['c4', null],
      ]),
    };
    const facts = paymentFacts({ chargeIds: new Set(['c1', 'c2', 'c3', 'c4']), oneVisit });
    const split = (...ids: string[]) =>
      payment({ chargeSplits: ids.map((id, i) => ({ id, amount: i === 0 ? 10000 - (ids.length - 1) * 100 : 100 })) });
    expect(preparePayment(split('c1', 'c2'), facts).ok).toBe(true);
    expect(preparePayment(split('c1', 'c3'), facts)).toEqual({
      ok: false,
      violation: {
        code: 'BAD_USER_INPUT',
        message: `input.chargeSplits: the practice's system posts each write to one visit; the charges split belong to visits "v1", "v2", expected one`,
      },
    });
    expect(preparePayment(split('c4'), facts)).toMatchObject({
      ok: false,
      violation: { message: /visits unknown, expected one/ },
    });
    const providers = payment({ providerSplits: [{ id: 'p1', amount: 10000 }] });
    expect(preparePayment(providers, facts)).toMatchObject({
      ok: false,
      violation: { code: 'BAD_USER_INPUT', message: /no provider splits/ },
    });
    // Without the fact (every other system), the same two-visit split is fine.
    expect(preparePayment(split('c1', 'c3'), paymentFacts({ chargeIds: new Set(['c1', 'c3']) })).ok).toBe(true);
  });

  it('a payment type that requires card or check details refuses a payment without them (BAD_USER_INPUT)', () => {
    const types: PaymentTypeRecord[] = [
      { sourceId: 'card', name: 'Credit Card', active: true, tenderRequired: 'card' },
      { sourceId: 'check', name: 'Check', active: true, tenderRequired: 'check' },
    ];
    const facts = paymentFacts({ types });
    expect(preparePayment(payment({ paymentTypeId: 'card', tender: { cardBrand: 'VISA' } }), facts)).toEqual({
      ok: false,
      violation: {
        code: 'BAD_USER_INPUT',
        message: 'input.tender: payment type "Credit Card" is a card payment: expected tender.cardLast4, tender.cardExpiry',
      },
    });
    const card = { cardBrand: 'VISA', cardLast4: '4242', cardExpiry: '2028-09' };
    expect(preparePayment(payment({ paymentTypeId: 'card', tender: card }), facts).ok).toBe(true);
    expect(preparePayment(payment({ paymentTypeId: 'check' }), facts)).toMatchObject({
      ok: false,
      violation: { message: /check payment: expected tender.checkNumber, tender.checkDate$/ },
    });
  });

  it('carries tender into the write and its fingerprint only when given', () => {
    const plain = preparePayment(payment(), paymentFacts());
    const empty = preparePayment(payment({ tender: {} }), paymentFacts());
    const card = preparePayment(
      payment({ tender: { cardBrand: 'VISA', cardLast4: '4242', cardExpiry: '2028-09' } }),
      paymentFacts(),
    );
    if (!plain.ok || !empty.ok || !card.ok) throw new Error('expected all three to pass');
    expect('tender' in plain.write).toBe(false);
    expect(empty.fingerprint).toBe(plain.fingerprint);
    expect(card.write.tender).toEqual({ cardBrand: 'VISA', cardLast4: '4242', cardExpiry: '2028-09' });
    expect(card.fingerprint).not.toBe(plain.fingerprint);
    expect(checkPaymentInput(payment({ tender: { tendered: 12000 } }))).toMatchObject({ ok: true });
  });
});

// ---------------------------------------------------------------------------------------------
// Adjustments
// ---------------------------------------------------------------------------------------------

const adjustmentTypes: AdjustmentTypeRecord[] = [
  { sourceId: '601', name: 'Courtesy Credit', active: true, action: 'CREDIT' },
  { sourceId: '604', name: 'Finance Charge', active: true, action: 'DEBIT' },
  { sourceId: '605', name: 'Spring Promo Credit', active: false, action: 'CREDIT' },
  { sourceId: '606', name: 'Correction', active: true, action: 'UNKNOWN' },
];

function adjustment(fields: Partial<AdjustmentRequest> = {}): AdjustmentRequest {
  return {
    practiceId: PRACTICE,
    patientId: '42',
    amount: -2500,
    typeName: 'Courtesy Credit',
    currency: 'USD',
    maxAmount: MAX,
    ...fields,
  };
}

const adjustmentFacts = (
  fields: Partial<LedgerWriteFacts<AdjustmentTypeRecord>> = {},
): LedgerWriteFacts<AdjustmentTypeRecord> => ({
  types: adjustmentTypes,
  patient,
  chargeIds: new Set(['c1']),
  providerIds: new Set(['p1']),
  ...fields,
});

describe('prepareAdjustment', () => {
  it('a credit without splits: the type’s id in the write, the amount as signed', () => {
    expect(prepareAdjustment(adjustment({ notes: 'goodwill' }), adjustmentFacts())).toMatchObject({
      ok: true,
      write: {
        kind: 'ADJUSTMENT',
        amount: -2500,
        typeSourceId: '601',
        providerSplits: null,
        chargeSplits: null,
        notes: 'goodwill',
        currency: 'USD',
      },
    });
  });

  it('a debit needs a split (DEBIT_REQUIRES_SPLIT, step 1); with one it passes', () => {
    const bare = adjustment({ amount: 3500, typeName: 'Finance Charge' });
    expect(checkAdjustmentInput(bare)).toMatchObject({ ok: false, violation: { code: 'DEBIT_REQUIRES_SPLIT' } });
    const split = { ...bare, chargeSplits: [{ id: 'c1', amount: 3500 }] };
    expect(prepareAdjustment(split, adjustmentFacts())).toMatchObject({ ok: true, write: { typeSourceId: '604', amount: 3500 } });
  });

  it('matches a type by name exactly, or by id; inactive types never', () => {
    for (const typeName of ['courtesy credit', 'Courtesy Credit ', 'Spring Promo Credit']) {
      expect(prepareAdjustment(adjustment({ typeName }), adjustmentFacts())).toEqual({
        ok: false,
        violation: {
          code: 'UNKNOWN_ADJUSTMENT_TYPE',
          message: `no active adjustment type with name "${typeName}" (matched exactly, case included) in practice "smile-dental"`,
        },
      });
    }
    expect(prepareAdjustment(adjustment({ typeName: null, typeId: '601' }), adjustmentFacts())).toMatchObject({ ok: true });
    expect(prepareAdjustment(adjustment({ typeName: null, typeId: '605' }), adjustmentFacts())).toEqual({
      ok: false,
      violation: {
        code: 'UNKNOWN_ADJUSTMENT_TYPE',
        message: 'no active adjustment type with id "605" in practice "smile-dental"',
      },
    });
  });

  it('a credit type takes a negative amount and a debit type a positive one (BAD_USER_INPUT); UNKNOWN takes either', () => {
    expect(
      prepareAdjustment(adjustment({ amount: 2500, providerSplits: [{ id: 'p1', amount: 2500 }] }), adjustmentFacts()),
    ).toEqual({
      ok: false,
      violation: { code: 'BAD_USER_INPUT', message: 'adjustment type "Courtesy Credit" is a credit: expected a negative amount' },
    });
    expect(prepareAdjustment(adjustment({ typeName: 'Finance Charge' }), adjustmentFacts())).toEqual({
      ok: false,
      violation: { code: 'BAD_USER_INPUT', message: 'adjustment type "Finance Charge" is a debit: expected a positive amount' },
    });
    expect(prepareAdjustment(adjustment({ typeName: 'Correction' }), adjustmentFacts()).ok).toBe(true);
  });

  it('then the patient, then the split targets (NOT_FOUND)', () => {
    expect(prepareAdjustment(adjustment(), adjustmentFacts({ patient: null }))).toMatchObject({
      ok: false,
      violation: { code: 'NOT_FOUND' },
    });
    expect(prepareAdjustment(adjustment({ chargeSplits: [{ id: 'c9', amount: -2500 }] }), adjustmentFacts())).toEqual({
      ok: false,
      violation: { code: 'NOT_FOUND', message: 'no charge "c9" on patient "42"' },
    });
  });

  it('fingerprints the type as asked: by name and by id are different requests; split order does not matter', () => {
    const byName = checkAdjustmentInput(adjustment());
    const byId = checkAdjustmentInput(adjustment({ typeName: null, typeId: '601' }));
    expect(byName).not.toEqual(byId);
    const inOrder = adjustment({
      providerSplits: [
        { id: 'p1', amount: -1000 },
        { id: 'p2', amount: -1500 },
      ],
    });
    const reordered = adjustment({
      providerSplits: [
        { id: 'p2', amount: -1500 },
        { id: 'p1', amount: -1000 },
      ],
    });
    const swapped = adjustment({
      providerSplits: [
        { id: 'p1', amount: -1500 },
        { id: 'p2', amount: -1000 },
      ],
    });
    expect(checkAdjustmentInput(reordered)).toEqual(checkAdjustmentInput(inOrder));
    expect(checkAdjustmentInput(swapped)).not.toEqual(checkAdjustmentInput(inOrder));
    expect(checkAdjustmentInput(adjustment({ amount: -2501 }))).not.toEqual(byName);
  });
});

// ---------------------------------------------------------------------------------------------
// Card collections
// ---------------------------------------------------------------------------------------------

const CARD = { number: '4111111111111111', cvv: '123' };

function collection(fields: Partial<CollectionRequest<typeof CARD>> = {}): CollectionRequest<typeof CARD> {
  return {
    practiceId: 'northside',
    patientId: '5001',
    card: CARD,
    claimPayments: [
      { claimId: '1005', amount: 1000 },
      { claimId: '1001', amount: 4000 },
    ],
    maxAmount: MAX,
    ...fields,
  };
}

const claim = (sourceId: string, fields: Partial<NonNullable<CollectionFacts['claims']>[number]> = {}) => ({
  sourceId,
  clean: true,
  collectible: true,
  patientBalance: 4000 as number | null,
  ...fields,
});

const collectionFacts = (fields: Partial<CollectionFacts> = {}): CollectionFacts => ({
  patient: { sourceId: '5001', nonPatient: false, departmentId: '1' },
  claims: [claim('1001'), claim('1005')],
  ...fields,
});

describe('prepareCollection', () => {
  it('resolves the department, sorts claim payments, stores the total negative and hands the card back untouched', () => {
    const prepared = prepareCollection(collection({ otherAmount: 500 }), collectionFacts());
    expect(prepared).toEqual({
      ok: true,
      fingerprint: expect.any(String),
      amountCents: -5500,
      collection: {
        patientSourceId: '5001',
        departmentId: '1',
        card: CARD,
        copayAmount: null,
        appointmentId: null,
        claimPayments: [
          { claimId: '1001', amount: 4000 },
          { claimId: '1005', amount: 1000 },
        ],
        otherAmount: 500,
        allowDuplicate: false,
      },
    });
    expect(prepared.ok && prepared.collection.card).toBe(CARD);
  });

  it('never fingerprints the card: another card is the same request, another amount is not', () => {
    const checked = checkCollectionInput(collection());
    expect(checkCollectionInput(collection({ card: { number: '5555555555554444', cvv: '999' } }))).toEqual(checked);
    expect(checked.ok && checked.fingerprint).not.toContain('4111');
    expect(checkCollectionInput(collection({ claimPayments: [...collection().claimPayments].reverse() }))).toEqual(checked);
    expect(checkCollectionInput(collection({ otherAmount: 1 }))).not.toEqual(checked);
    // The department as asked is part of the request, even when it is the patient's own.
    expect(checkCollectionInput(collection({ departmentId: '1' }))).not.toEqual(checked);
  });

  it('NOT_FOUND for a missing patient; BAD_USER_INPUT without any department', () => {
    expect(prepareCollection(collection(), { patient: null })).toEqual({
      ok: false,
      violation: { code: 'NOT_FOUND', message: 'no patient "5001" in practice "northside"' },
    });
    const noDepartment = collectionFacts({ patient: { sourceId: '5001', nonPatient: false, departmentId: null } });
    expect(prepareCollection(collection(), noDepartment)).toEqual({
      ok: false,
      violation: {
        code: 'BAD_USER_INPUT',
        message: 'input.departmentId: expected a department (the patient has no current one)',
      },
    });
    expect(prepareCollection(collection({ departmentId: '2' }), noDepartment)).toMatchObject({
      ok: true,
      collection: { departmentId: '2' },
    });
  });

  it('refuses a claim that is unknown, not collectible (saying why, with its id) or paid above its balance', () => {
    expect(prepareCollection(collection(), collectionFacts({ claims: [claim('1001')] }))).toEqual({
      ok: false,
      violation: { code: 'NOT_FOUND', message: 'no claim "1005" on patient "5001"' },
    });
    const dirty = collectionFacts({ claims: [claim('1001', { clean: false, collectible: false }), claim('1005')] });
    expect(prepareCollection(collection(), dirty)).toEqual({
      ok: false,
      violation: {
        code: 'CLAIM_NOT_COLLECTIBLE',
        message: 'claim "1001" may not be collected: it is not clean (payment plan or contract)',
        details: { claimId: '1001' },
      },
    });
    const otherGroup = collectionFacts({ claims: [claim('1001', { collectible: false }), claim('1005')] });
    expect(prepareCollection(collection(), otherGroup)).toMatchObject({
      ok: false,
      violation: {
        message: 'claim "1001" may not be collected: it is outside the provider group of the patient\'s current department',
      },
    });
    const small = collectionFacts({ claims: [claim('1001', { patientBalance: 3999 }), claim('1005')] });
    expect(prepareCollection(collection(), small)).toEqual({
      ok: false,
      violation: {
        code: 'CLAIM_NOT_COLLECTIBLE',
        message: 'claim "1001" may not be collected above its patient balance',
        details: { claimId: '1001' },
      },
    });
    const unknownBalance = collectionFacts({ claims: [claim('1001', { patientBalance: null }), claim('1005')] });
    expect(prepareCollection(collection(), unknownBalance).ok).toBe(true);
  });

  it('a copay needs the patient’s own appointment (NOT_FOUND otherwise)', () => {
    const copay = collection({ claimPayments: [], copayAmount: 2500, appointmentId: '7001' });
    expect(prepareCollection(copay, collectionFacts({ copay: { patientSourceId: '5001' } }))).toMatchObject({
      ok: true,
      amountCents: -2500,
    });
    for (const record of [null, { patientSourceId: '5002' }]) {
      expect(prepareCollection(copay, collectionFacts({ copay: record }))).toEqual({
        ok: false,
        violation: { code: 'NOT_FOUND', message: 'no appointment "7001" for patient "5001"' },
      });
    }
    expect(() => prepareCollection(copay, collectionFacts())).toThrow(/expected the appointment's copay record/);
  });
});
