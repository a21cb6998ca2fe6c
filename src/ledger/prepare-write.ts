/**
 * The rules a write must pass before it is stored or sent, as pure functions: what a payment, an
 * adjustment or a card collection becomes (signs, split order, the type's id, the department), its
 * idempotency fingerprint, or the first rule it breaks as a typed `Violation`. No I/O: the practice's
 * live facts (its types, the patient, her charges and claims, the appointment's copay) come in as
 * plain data, loaded by the caller. See `src/ledger/README.md` for the sign conventions.
 *
 * Each kind has two steps, because a replayed request must be answered before any upstream read:
 *
 * 1. `check…Input(request)`: the rules of the input alone, and the fingerprint. The resolver runs
 *    it, then answers a replay of the idempotency key, then loads the facts;
 * 2. `prepare…(request, facts)`: step 1 again, then the rules that need the facts; the write to store.
 *
 *     const checked = checkPaymentInput(request);              // { ok: true, fingerprint } or a violation
 *     const prepared = preparePayment(request, { types: paymentTypes, patient, chargeIds });
 *     if (!prepared.ok) throw new RuleViolation(prepared.violation);
 *     await service.createLedgerTransaction({ …, fingerprint: prepared.fingerprint, write: { ...prepared.write, occurredAt } });
 *
 * Violations are checked in a fixed order, and the first one is returned: a client fixing its
 * request one error at a time sees them in that order (the order of the numbered lists below).
 */
import { checkAmountCeiling, writeAmountInputs } from './amount-ceiling';
import { fingerprint } from './fingerprint';
import { negateCents, sumCents } from './money';
import type {
  AdjustmentTypeRecord,
  Cents,
  ClaimRecord,
  CopayRecord,
  LedgerWrite,
  PatientRecord,
  PaymentTypeRecord,
  Split,
  Tender,
} from './records';
import { checkRefund, refundable, type RefundLedger } from './refundable';
import { missingTender, splitsAcrossVisits } from './target-rules';
import { adjustmentRequiresSplit, checkSplits } from './splits';
import { matchTypeById, matchTypeByName } from './type-match';
import type { Violation } from './violation';

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

/** A payment as the client asked for it, parsed: amounts in cents, the amount positive (the sum collected). */
export interface PaymentRequest {
  practiceId: string;
  patientId: string;
  amount: Cents;
  paymentTypeId: string;
  providerSplits?: readonly Split[] | null;
  chargeSplits?: readonly Split[] | null;
  /** Money paid back to the patient: a positive ledger effect instead of a negative one. */
  refund?: boolean | null;
  notes?: string | null;
  /** Card or check details (checked at the boundary); part of the write and its fingerprint when given. */
  tender?: Tender | null;
  /** The currency the gateway writes in (its configuration); part of the write and its fingerprint. */
  currency: string;
  /** The ceiling on the amount and each split, in cents (`limits.maxAmount`); not part of the fingerprint. */
  maxAmount: Cents;
}

/** An adjustment as the client asked for it, parsed: the amount signed (credit negative, debit positive). */
export interface AdjustmentRequest {
  practiceId: string;
  patientId: string;
  amount: Cents;
  /** Exactly one of `typeName` (matched exactly, case included) and `typeId`. */
  typeName?: string | null;
  typeId?: string | null;
  providerSplits?: readonly Split[] | null;
  chargeSplits?: readonly Split[] | null;
  notes?: string | null;
  currency: string;
  /** The ceiling on |amount| and each split's, in cents (`limits.maxAmount`); not part of the fingerprint. */
  maxAmount: Cents;
}

/**
 * A card collection as the client asked for it, parsed: amounts positive. `Card` is opaque here —
 * never read, never part of the fingerprint — and handed back inside the prepared collection.
 */
export interface CollectionRequest<Card> {
  practiceId: string;
  patientId: string;
  /** The department to collect in; the patient's current one when absent. */
  departmentId?: string | null;
  card: Card;
  copayAmount?: Cents | null;
  appointmentId?: string | null;
  claimPayments: ReadonlyArray<{ claimId: string; amount: Cents }>;
  otherAmount?: Cents | null;
  allowDuplicate?: boolean | null;
  /** The ceiling on each amount and on their total, in cents (`limits.maxAmount`); not part of the fingerprint. */
  maxAmount: Cents;
}

/** A ledger write to store, but for its id and date (the caller stamps `occurredAt` when it submits). */
export type PreparedLedgerWrite = LedgerWrite;

/** A collection to charge: the department resolved, claim payments sorted by claim id. */
export interface PreparedCollection<Card> {
  patientSourceId: string;
  departmentId: string;
  card: Card;
  copayAmount: Cents | null;
  appointmentId: string | null;
  claimPayments: Array<{ claimId: string; amount: Cents }>;
  otherAmount: Cents | null;
  allowDuplicate: boolean;
}

/** The patient as the rules need her; `null` when the practice has no patient by that id. */
export type PatientFact = Pick<PatientRecord, 'sourceId' | 'nonPatient' | 'departmentId'> | null;

/**
 * What a payment or adjustment is checked against. `chargeIds` is needed only with charge splits and
 * `providerIds` only with provider splits (leave them out otherwise); both are ignored when the
 * patient is missing, which is reported first.
 */
export interface LedgerWriteFacts<Type> {
  /** The practice's payment types (a payment) or adjustment types (an adjustment); inactive ones never match. */
  types: readonly Type[];
  patient: PatientFact;
  /** Source ids of the patient's charges. */
  chargeIds?: ReadonlySet<string>;
  /** Source ids of the split providers the practice knows (those it does not are left out). */
  providerIds?: ReadonlySet<string>;
  /**
   * Where the practice's system posts a write to one visit (Capabilities.writesOneVisit): each of the
   * patient's charges → its visit. Given, the write's charge splits must share one visit and provider
   * splits are refused (BAD_USER_INPUT), before anything is stored.
   */
  oneVisit?: { visitOfCharge: ReadonlyMap<string, string | null> };
  /**
   * A refund only: the patient's ledger rows (what she paid and what was given back already) and
   * whether the system records refunds as adjustments; see `refundable.ts`.
   */
  refundLedger?: RefundLedger & { refundsBecomeAdjustments: boolean };
}

/**
 * What a collection is checked against. `claims` is needed only with claim payments, `copay` only
 * with an appointment (`null`: the practice has no such appointment).
 */
export interface CollectionFacts {
  patient: PatientFact;
  claims?: ReadonlyArray<Pick<ClaimRecord, 'sourceId' | 'clean' | 'collectible' | 'patientBalance'>>;
  copay?: Pick<CopayRecord, 'patientSourceId'> | null;
}

/** The first step's answer: the fingerprint, or the first rule of the input alone that is broken. */
export type CheckedInput = { ok: true; fingerprint: string } | { ok: false; violation: Violation };

/** The second step's answer: what to store and its fingerprint, or the first broken rule. */
export type Prepared<T> = ({ ok: true; fingerprint: string } & T) | { ok: false; violation: Violation };

// ---------------------------------------------------------------------------------------------
// Payments
// ---------------------------------------------------------------------------------------------

/**
 * The payment as written, if its input alone is valid. The input's amount is the positive sum
 * collected; the ledger effect is negative, a refund's positive; splits are signed the same way.
 */
function paymentWrite(
  request: PaymentRequest,
): { ok: true; write: PreparedLedgerWrite; fingerprint: string } | { ok: false; violation: Violation } {
  const tooLarge = checkAmountCeiling(writeAmountInputs(request), request.maxAmount);
  if (tooLarge) return { ok: false, violation: tooLarge };
  const sign = request.refund ? (cents: Cents) => cents : negateCents;
  const signed = (splits: readonly Split[] | null | undefined) =>
    sortSplits(splits?.map((s) => ({ id: s.id, amount: sign(s.amount) })) ?? null);
  const amount = sign(request.amount);
  const providerSplits = signed(request.providerSplits);
  const chargeSplits = signed(request.chargeSplits);
  const violation = checkSplits({ amount, providerSplits, chargeSplits, requireSplit: false });
  if (violation) return { ok: false, violation };
  const write: PreparedLedgerWrite = {
    kind: 'PAYMENT',
    patientSourceId: request.patientId,
    amount,
    currency: request.currency,
    typeSourceId: request.paymentTypeId,
    providerSplits,
    chargeSplits,
    notes: request.notes ?? null,
    // Only when given: a write without tender keeps the fingerprint it always had.
    ...(request.tender && Object.keys(request.tender).length > 0 ? { tender: { ...request.tender } } : {}),
  };
  return { ok: true, write, fingerprint: fingerprint(write) };
}

/**
 * Step 1 of a payment: the ceiling (`limits.maxAmount`) on the amount and each split
 * (AMOUNT_OUT_OF_RANGE), the split rules (`checkSplits`: one kind of split, signed like the amount,
 * adding up to it) and the fingerprint of the write (its date left out).
 */
export function checkPaymentInput(request: PaymentRequest): CheckedInput {
  const drafted = paymentWrite(request);
  return drafted.ok ? { ok: true, fingerprint: drafted.fingerprint } : drafted;
}

/**
 * Step 2 of a payment. After step 1's rules, in order:
 * 1. an active payment type with that id → UNKNOWN_PAYMENT_TYPE;
 * 2. the patient exists and is a patient → NOT_FOUND;
 * 3. every split target exists (charges of this patient, providers of this practice) → NOT_FOUND;
 * 4. a refund is at most what is refundable (`refundable.ts`) → AMOUNT_OUT_OF_RANGE.
 *
 *     preparePayment({ practiceId: 'smile-dental', patientId: '42', amount: 10000, paymentTypeId: '7', currency: 'USD' },
 *                    { types: [{ sourceId: '7', name: 'Cash', active: true }], patient })
 *     // { ok: true, fingerprint: '…', write: { kind: 'PAYMENT', amount: -10000, typeSourceId: '7', … } }
 */
export function preparePayment(
  request: PaymentRequest,
  facts: LedgerWriteFacts<PaymentTypeRecord>,
): Prepared<{ write: PreparedLedgerWrite; refundCeiling?: Cents }> {
  const drafted = paymentWrite(request);
  if (!drafted.ok) return drafted;
  const type = matchTypeById(facts.types, request.paymentTypeId);
  if (!type) {
    return refuse(
      'UNKNOWN_PAYMENT_TYPE',
      `no active payment type "${request.paymentTypeId}" in practice "${request.practiceId}"`,
    );
  }
  const tenderMissing = missingTender(type, request.tender ?? null);
  if (tenderMissing) return { ok: false, violation: tenderMissing };
  const targets = missingTarget(request, drafted.write, facts) ?? splitsAcrossVisits(drafted.write, facts.oneVisit);
  if (targets) return { ok: false, violation: targets };
  if (request.refund) {
    const ledger = required(facts.refundLedger, "the patient's ledger rows (the payment is a refund)");
    const refused = checkRefund(request.amount, ledger, ledger);
    if (refused) return { ok: false, violation: refused };
    // What the ledger allows, for the store's last check against refunds not in the ledger yet.
    const left = refundable(ledger, ledger);
    if (left.state === 'known') return { ...drafted, refundCeiling: left.cents };
  }
  return drafted;
}

// ---------------------------------------------------------------------------------------------
// Adjustments
// ---------------------------------------------------------------------------------------------

/** The adjustment's splits, sorted, if its input alone is valid, and its fingerprint. */
function adjustmentDraft(request: AdjustmentRequest) {
  const tooLarge = checkAmountCeiling(writeAmountInputs(request), request.maxAmount);
  if (tooLarge) return { ok: false as const, violation: tooLarge };
  const providerSplits = sortSplits(request.providerSplits ?? null);
  const chargeSplits = sortSplits(request.chargeSplits ?? null);
  const { amount } = request;
  const violation = checkSplits({ amount, providerSplits, chargeSplits, requireSplit: adjustmentRequiresSplit(amount) });
  if (violation) return { ok: false as const, violation };
  const print = fingerprint({
    kind: 'ADJUSTMENT',
    patientSourceId: request.patientId,
    amount,
    typeName: request.typeName ?? null,
    typeId: request.typeId ?? null,
    providerSplits,
    chargeSplits,
    notes: request.notes ?? null,
  });
  return { ok: true as const, fingerprint: print, providerSplits, chargeSplits };
}

/**
 * Step 1 of an adjustment: the ceiling on |amount| and each split (AMOUNT_OUT_OF_RANGE), the split rules, a debit (positive) adjustment needing a split
 * (DEBIT_REQUIRES_SPLIT), and the fingerprint of the request (the type as asked: by name or by id).
 */
export function checkAdjustmentInput(request: AdjustmentRequest): CheckedInput {
  const drafted = adjustmentDraft(request);
  return drafted.ok ? { ok: true, fingerprint: drafted.fingerprint } : drafted;
}

/**
 * Step 2 of an adjustment. After step 1's rules, in order:
 * 1. an active adjustment type with that id, or named exactly so → UNKNOWN_ADJUSTMENT_TYPE;
 * 2. a credit type takes a negative amount, a debit type a positive one → BAD_USER_INPUT;
 * 3. the patient exists and is a patient → NOT_FOUND;
 * 4. every split target exists → NOT_FOUND.
 */
export function prepareAdjustment(
  request: AdjustmentRequest,
  facts: LedgerWriteFacts<AdjustmentTypeRecord>,
): Prepared<{ write: PreparedLedgerWrite }> {
  const drafted = adjustmentDraft(request);
  if (!drafted.ok) return drafted;
  const type = request.typeId ? matchTypeById(facts.types, request.typeId) : matchTypeByName(facts.types, request.typeName ?? '');
  if (!type) {
    const asked = request.typeId ? `id "${request.typeId}"` : `name "${request.typeName}" (matched exactly, case included)`;
    return refuse('UNKNOWN_ADJUSTMENT_TYPE', `no active adjustment type with ${asked} in practice "${request.practiceId}"`);
  }
  if ((type.action === 'CREDIT' && request.amount > 0) || (type.action === 'DEBIT' && request.amount < 0)) {
    const expected = type.action === 'CREDIT' ? 'negative' : 'positive';
    return refuse(
      'BAD_USER_INPUT',
      `adjustment type "${type.name}" is a ${type.action.toLowerCase()}: expected a ${expected} amount`,
    );
  }
  const write: PreparedLedgerWrite = {
    kind: 'ADJUSTMENT',
    patientSourceId: request.patientId,
    amount: request.amount,
    currency: request.currency,
    typeSourceId: type.sourceId,
    providerSplits: drafted.providerSplits,
    chargeSplits: drafted.chargeSplits,
    notes: request.notes ?? null,
  };
  const targets = missingTarget(request, write, facts) ?? splitsAcrossVisits(write, facts.oneVisit);
  if (targets) return { ok: false, violation: targets };
  return { ok: true, fingerprint: drafted.fingerprint, write };
}

// ---------------------------------------------------------------------------------------------
// Card collections
// ---------------------------------------------------------------------------------------------

/** The claim payments sorted by claim id, the total, and the fingerprint (never the card). */
function collectionDraft<Card>(request: CollectionRequest<Card>) {
  const claimPayments = [...request.claimPayments]
    .map((p) => ({ claimId: p.claimId, amount: p.amount }))
    .sort((a, b) => compareIds(a.claimId, b.claimId));
  // The ceiling (`collectionTooLarge`) keeps this sum small; past 2^53 cents it would throw a MoneyError.
  const total = sumCents([request.copayAmount ?? 0, request.otherAmount ?? 0, ...claimPayments.map((c) => c.amount)]);
  const print = fingerprint({
    kind: 'COLLECTION',
    patientSourceId: request.patientId,
    departmentId: request.departmentId ?? null,
    copayAmount: request.copayAmount ?? null,
    appointmentId: request.appointmentId ?? null,
    claimPayments,
    otherAmount: request.otherAmount ?? null,
    allowDuplicate: request.allowDuplicate ?? false,
  });
  return { claimPayments, total, fingerprint: print };
}

/**
 * The ceiling on each amount of a collection, then on their total (AMOUNT_OUT_OF_RANGE). Checked
 * before anything sums them, so the sum stays far inside the safe-integer range.
 */
function collectionTooLarge<Card>(request: CollectionRequest<Card>): Violation | null {
  const parts = [
    ...(request.copayAmount != null ? [{ field: 'input.copayAmount', cents: request.copayAmount }] : []),
    ...request.claimPayments.map((c, i) => ({ field: `input.claimPayments.${i}.amount`, cents: c.amount })),
    ...(request.otherAmount != null ? [{ field: 'input.otherAmount', cents: request.otherAmount }] : []),
  ];
  const each = checkAmountCeiling(parts, request.maxAmount);
  if (each) return each;
  const total = sumCents(parts.map((p) => p.cents));
  return checkAmountCeiling([{ field: 'input (copayAmount + claimPayments + otherAmount)', cents: total }], request.maxAmount);
}

/**
 * Step 1 of a collection: the ceiling on each amount and on the total (AMOUNT_OUT_OF_RANGE), and its
 * fingerprint (the input's other rules are all checked by the parser).
 */
export function checkCollectionInput<Card>(request: CollectionRequest<Card>): CheckedInput {
  const tooLarge = collectionTooLarge(request);
  if (tooLarge) return { ok: false, violation: tooLarge };
  return { ok: true, fingerprint: collectionDraft(request).fingerprint };
}

/**
 * Step 2 of a collection, after step 1's ceiling, in order:
 * 1. the patient exists and is a patient → NOT_FOUND;
 * 2. a department: the one asked for, else the patient's current one → BAD_USER_INPUT;
 * 3. each claim paid (by claim id): it exists on the patient → NOT_FOUND; it is collectible (clean,
 *    and in the provider group of the patient's current department) → CLAIM_NOT_COLLECTIBLE; it is
 *    not paid above its patient balance → CLAIM_NOT_COLLECTIBLE (both with `claimId`);
 * 4. a copay's appointment is this patient's → NOT_FOUND.
 * The amount to store is the total, negative like a payment entry.
 */
export function prepareCollection<Card>(
  request: CollectionRequest<Card>,
  facts: CollectionFacts,
): Prepared<{ collection: PreparedCollection<Card>; amountCents: Cents }> {
  const tooLarge = collectionTooLarge(request);
  if (tooLarge) return { ok: false, violation: tooLarge };
  const drafted = collectionDraft(request);
  const patient = facts.patient;
  if (!patient || patient.nonPatient) return patientMissing(request);
  const departmentId = request.departmentId ?? patient.departmentId;
  if (!departmentId)
    return refuse('BAD_USER_INPUT', 'input.departmentId: expected a department (the patient has no current one)');
  if (drafted.claimPayments.length > 0) {
    const claims = required(facts.claims, "the patient's claims (the collection pays claims)");
    const refused = uncollectibleClaim(drafted.claimPayments, claims, patient.sourceId);
    if (refused) return { ok: false, violation: refused };
  }
  if (request.appointmentId) {
    const copay = required(facts.copay, "the appointment's copay record (the collection names an appointment)");
    if (!copay || copay.patientSourceId !== patient.sourceId) {
      return refuse('NOT_FOUND', `no appointment "${request.appointmentId}" for patient "${patient.sourceId}"`);
    }
  }
  const collection: PreparedCollection<Card> = {
    patientSourceId: patient.sourceId,
    departmentId,
    card: request.card,
    copayAmount: request.copayAmount ?? null,
    appointmentId: request.appointmentId ?? null,
    claimPayments: drafted.claimPayments,
    otherAmount: request.otherAmount ?? null,
    allowDuplicate: request.allowDuplicate ?? false,
  };
  return { ok: true, fingerprint: drafted.fingerprint, collection, amountCents: negateCents(drafted.total) };
}

/** The first claim payment that may not be collected, as a violation naming the claim. */
function uncollectibleClaim(
  payments: ReadonlyArray<{ claimId: string; amount: Cents }>,
  claims: NonNullable<CollectionFacts['claims']>,
  patientId: string,
): Violation | null {
  for (const payment of payments) {
    const claim = claims.find((c) => c.sourceId === payment.claimId);
    if (!claim) return { code: 'NOT_FOUND', message: `no claim "${payment.claimId}" on patient "${patientId}"` };
    const details = { claimId: claim.sourceId };
    if (!claim.collectible) {
      const why = claim.clean
        ? "it is outside the provider group of the patient's current department"
        : 'it is not clean (payment plan or contract)';
      return { code: 'CLAIM_NOT_COLLECTIBLE', message: `claim "${claim.sourceId}" may not be collected: ${why}`, details };
    }
    if (claim.patientBalance !== null && payment.amount > claim.patientBalance) {
      const message = `claim "${claim.sourceId}" may not be collected above its patient balance`;
      return { code: 'CLAIM_NOT_COLLECTIBLE', message, details };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------------

/** Ids in code-unit order (the order fingerprints and stored splits have always used). */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortSplits(splits: readonly Split[] | null): Split[] | null {
  return splits ? [...splits].sort((a, b) => compareIds(a.id, b.id)) : null;
}

function refuse(code: Violation['code'], message: string): { ok: false; violation: Violation } {
  return { ok: false, violation: { code, message } };
}

function patientMissing(request: { patientId: string; practiceId: string }): { ok: false; violation: Violation } {
  return refuse('NOT_FOUND', `no patient "${request.patientId}" in practice "${request.practiceId}"`);
}

/** A fact the rules need; its absence is the caller's bug, said plainly. */
function required<T>(fact: T | undefined, what: string): T {
  if (fact === undefined) throw new Error(`expected ${what} among the facts, got none`);
  return fact;
}

/**
 * The patient, then the split targets: the first charge split whose charge is not the patient's,
 * else the first provider split whose provider the practice does not know (splits in id order).
 */
function missingTarget(
  request: { patientId: string; practiceId: string },
  write: PreparedLedgerWrite,
  facts: LedgerWriteFacts<unknown>,
): Violation | null {
  if (!facts.patient || facts.patient.nonPatient) return patientMissing(request).violation;
  if (write.chargeSplits) {
    const known = required(facts.chargeIds, "the patient's charge ids (the write has charge splits)");
    const unknown = write.chargeSplits.find((s) => !known.has(s.id));
    if (unknown) return { code: 'NOT_FOUND', message: `no charge "${unknown.id}" on patient "${request.patientId}"` };
  }
  if (write.providerSplits) {
    const known = required(facts.providerIds, 'the split providers the practice knows (the write has provider splits)');
    const unknown = write.providerSplits.find((s) => !known.has(s.id));
    if (unknown) return { code: 'NOT_FOUND', message: `no provider "${unknown.id}" in practice "${request.practiceId}"` };
  }
  return null;
}
